// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {
    AccountData,
    MarketConfig,
    MarketState,
    MarketStatus,
    PositionView
} from "../../contracts/types/Types.sol";
import {EngineSetup} from "./utils/EngineSetup.sol";
import {ICrossmarginRisk} from "../../contracts/interfaces/ICrossmarginRisk.sol";
import {PositionLib} from "../../contracts/libraries/PositionLib.sol";
import {EngineHandler} from "./handlers/EngineHandler.sol";

/// @title EngineInvariantTest
/// @notice Stateful invariant suite for the whole engine (docs/specs.md: the rules whose
///         "Checked by" names the forge invariant): random deposits, withdrawals, trades,
///         multicalls, delayed orders, LP flows, price shocks, funding and liquidations, with
///         every invariant checked after every call.
contract EngineInvariantTest is EngineSetup {
    EngineHandler internal handler;

    uint256 internal constant N_MARKETS = 3;

    function setUp() public {
        _deploySystem();
        handler = new EngineHandler(d);
        handler.seedAccounts();

        bytes4[] memory selectors = new bytes4[](31);
        selectors[0] = EngineHandler.deposit.selector;
        selectors[1] = EngineHandler.withdraw.selector;
        selectors[2] = EngineHandler.modifyPosition.selector;
        selectors[3] = EngineHandler.modifyPosition.selector; // trades twice as likely
        selectors[4] = EngineHandler.multicall.selector;
        selectors[5] = EngineHandler.movePrice.selector;
        selectors[6] = EngineHandler.movePrice.selector;
        selectors[7] = EngineHandler.crash.selector;
        selectors[8] = EngineHandler.passTime.selector;
        selectors[9] = EngineHandler.setMarketStatus.selector;
        selectors[10] = handler.lpDeposit.selector;
        selectors[11] = handler.lpRequest.selector; // INV-47
        selectors[12] = EngineHandler.liquidate.selector;
        selectors[13] = EngineHandler.liquidateCollateral.selector;
        selectors[14] = EngineHandler.commitOrder.selector;
        selectors[15] = handler.settleOrder.selector;
        selectors[16] = handler.cancelOrder.selector; // INV-71
        selectors[17] = handler.sandwich.selector; // INV-40
        selectors[18] = handler.lpClaim.selector;
        selectors[19] = handler.lpClaim.selector; // claims as likely as requests
        selectors[20] = handler.lpCancel.selector;
        selectors[21] = handler.setRedeemParams.selector;
        selectors[22] = handler.autoDeleverage.selector; // INV-49 to INV-52
        selectors[23] = handler.setOffsetPair.selector; // INV-54
        selectors[24] = handler.setProtection.selector; // INV-55
        selectors[25] = handler.topUp.selector; // INV-55, INV-56
        selectors[26] = handler.sweepFund.selector; // INV-70
        selectors[27] = handler.setSettlementCallback.selector; // INV-76
        selectors[28] = handler.setLiquidationCap.selector; // INV-77
        selectors[29] = handler.setMarginParams.selector; // INV-79
        selectors[30] = handler.setCollateralWeight.selector; // INV-79
        targetSelector(StdInvariant.FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice Every invariant, after every handler call, in one campaign (one campaign per
    ///         invariant function would multiply the run time by their number).
    function invariant_engine() public view {
        _checkQuoteConservation();
        _checkCollateralConservation();
        _checkMarketAggregates();
        _checkHandler();
        _checkBadDebtWaterfall();
        _checkAccountMasks();
        _checkPoolValue();
        _checkPoolShares();
        _checkConfigPage();
    }

    /// @dev `Store`'s slots (scripts/bench/layout.ts): AccessControl's mapping at 0, `Store`
    ///      from 1; `liq` its seventh slot, `markets` its eleventh, `collateralConfigs` its
    ///      twenty-sixth. Checked below against each market's feed and each collateral's feed.
    uint256 internal constant LIQ_SLOT = 7;
    uint256 internal constant MARKETS_SLOT = 11;
    uint256 internal constant COLLATERAL_CONFIGS_SLOT = 26;

    /// @notice INV-79: the config page holds the liquidation parameters' slot 0, every listed
    ///         market's config slots 0, 1 and 2 and every collateral's config slot 0, as the slots
    ///         hold them after every call (pausing, settling, pairs, caps, margins, weights).
    function _checkConfigPage() internal view {
        (uint256 version, address page) = d.engine.configPage();
        assertGt(version, 0, "no config page after the listings");
        bytes memory code = page.code;
        uint256 n = d.engine.marketCount();
        address[] memory tokens = d.engine.collateralTokens();
        assertEq(code.length, 33 + 96 * n + 32 * tokens.length, "config page length");
        assertEq(uint8(code[0]), 0, "config page starts with STOP");
        address engine = address(d.engine);
        assertEq(_word(code, 1), vm.load(engine, bytes32(LIQ_SLOT)), "config page: liquidation");
        for (uint256 id; id < n; ++id) {
            bytes32 base = keccak256(abi.encode(id, MARKETS_SLOT));
            bytes32 w0 = vm.load(engine, base);
            assertEq(address(uint160(uint256(w0))), d.engine.marketInfo(id).feed, "markets slot");
            uint256 at = 33 + 96 * id;
            assertEq(_word(code, at), w0, "config page: market slot 0");
            bytes32 w1 = vm.load(engine, bytes32(uint256(base) + 1));
            assertEq(_word(code, at + 32), w1, "config page: market slot 1");
            bytes32 w2 = vm.load(engine, bytes32(uint256(base) + 2));
            assertEq(_word(code, at + 64), w2, "config page: market slot 2 (caps)");
        }
        for (uint256 j; j < tokens.length; ++j) {
            bytes32 w = vm.load(engine, keccak256(abi.encode(j, COLLATERAL_CONFIGS_SLOT)));
            assertEq(
                address(uint160(uint256(w))),
                d.engine.getCollateral(tokens[j]).feed,
                "collateral configs slot"
            );
            assertEq(_word(code, code.length - 32 * (j + 1)), w, "config page: collateral");
        }
    }

    function _word(bytes memory b, uint256 at) private pure returns (bytes32 w) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            w := mload(add(add(b, 32), at))
        }
    }

    // ------------------------------------------------------------------ 1. conservation

    /// @notice USDC in the vault == sum of signed account quote balances + the pool's ledger.
    function _checkQuoteConservation() internal view {
        int256 sum;
        uint256 debt;
        uint256 owed;
        // the actors' accounts and the keeper's, where order keeper fees are credited (INV-71)
        for (uint256 i; i <= handler.accountCount(); ++i) {
            uint256 acct =
                i < handler.accountCount()
                    ? handler.accounts(i)
                    : d.engine.accountId(handler.keeper(), 0);
            int256 qb = d.engine.getAccount(acct).quoteBalance;
            sum += qb;
            if (qb < 0) debt += uint256(-qb);
            else owed += uint256(qb);
        }
        uint256 accrued = ICrossmarginRisk(address(d.engine)).insuranceAccrued();
        assertEq(
            int256(d.usdc.balanceOf(address(d.engine))),
            sum + d.engine.poolBalance() + int256(accrued),
            "USDC: vault balance != sum(quote balances) + pool balance + accrued for the fund"
        );
        // INV-46: the aggregate is exact, and LP exits never take what traders are owed.
        assertEq(d.engine.traderDebt(), debt, "traderDebt != sum of negative quote balances");
        // INV-70: and what the vault holds for the fund stays backed beside them.
        if (d.engine.poolBalance() >= int256(debt))
            assertGe(
                d.usdc.balanceOf(address(d.engine)),
                owed + accrued,
                "vault below what traders and the fund are owed"
            );
    }

    /// @notice WETH/WBTC in the vault == sum of account balances == totalDeposited.
    function _checkCollateralConservation() internal view {
        address[2] memory tokens = [address(d.weth), address(d.wbtc)];
        for (uint256 t; t < 2; ++t) {
            uint256 sum;
            for (uint256 i; i < handler.accountCount(); ++i)
                sum += d.engine.collateralBalance(handler.accounts(i), tokens[t]);
            assertEq(
                d.engine.getCollateral(tokens[t]).totalDeposited,
                sum,
                "collateral: totalDeposited != sum of balances"
            );
            assertEq(
                MockERC20(tokens[t]).balanceOf(address(d.engine)),
                sum,
                "collateral: vault balance != sum of balances"
            );
        }
    }

    // ------------------------------------------------------------------ 2. market aggregates

    /// @notice INV-17: OI per side and `netBasis` equal the sums over positions (`netBasis`:
    ///         sum(trunc(size * entry / WAD)) - sum(trunc(size * index / WAD)), the engine's
    ///         truncation per position); INV-19: OI within its cap.
    function _checkMarketAggregates() internal view {
        for (uint256 m; m < N_MARKETS; ++m) {
            uint256 longs;
            uint256 shorts;
            int256 entry;
            int256 funding;
            for (uint256 i; i < handler.accountCount(); ++i) {
                PositionView memory p = d.engine.getPosition(handler.accounts(i), m);
                int256 size = p.size;
                if (size > 0) longs += uint256(size);
                else shorts += uint256(-size);
                // INV-60: the stored values are on the float grid (store of them is exact).
                assertEq(
                    PositionLib.decodeEntry(PositionLib.encodeEntry(p.entryPrice, false)),
                    p.entryPrice,
                    "entry off the float grid"
                );
                entry += (size * int256(uint256(p.entryPrice))) / 1e18;
                funding += (size * int256(p.fundingIndex)) / 1e18;
            }
            MarketState memory st = d.engine.getMarketState(m);
            assertEq(st.longOI, longs, "longOI != sum of long sizes");
            assertEq(st.shortOI, shorts, "shortOI != sum of short sizes");
            assertEq(st.netBasis, entry - funding, "netBasis != sum(size * entry - size * index)");
            uint256 maxOi = d.engine.getMarket(m).maxOpenInterest;
            assertLe(st.longOI, maxOi, "longOI above maxOpenInterest");
            assertLe(st.shortOI, maxOi, "shortOI above maxOpenInterest");
        }
    }

    // ------------------------------------------------------------------ 3-5. handler checks

    /// @notice Margin rule of user actions, liquidation liveness/safety, bad-debt waterfall and
    ///         "no unexpected revert" as recorded by the handler on every call.
    function _checkHandler() internal view {
        assertEq(handler.violations(), 0, handler.firstViolation());
    }

    /// @notice Every deficit is covered by the fund or socialised to the pool; the fund's USDC
    ///         moved only by its seed, liquidation fee shares and what it covered.
    function _checkBadDebtWaterfall() internal view {
        assertEq(
            handler.ghostDeficit(),
            handler.ghostCovered() + handler.ghostSocialised(),
            "bad debt: deficit != covered + socialised"
        );
        assertEq(
            d.usdc.balanceOf(address(d.fund)) +
                ICrossmarginRisk(address(d.engine)).insuranceAccrued(),
            FUND_SEED +
                handler.ghostFundTopUps() -
                handler.ghostCovered() -
                handler.ghostFundPurchases(),
            "insurance fund balance + accrued != seed + fee shares - covered - collateral bought"
        );
    }

    // ------------------------------------------------------------------ 6. account bitmaps

    /// @notice Mask bits match non-zero positions, balances and pending orders; limits hold; the
    ///         window slot's protection flag matches the protection (INV-55).
    function _checkAccountMasks() internal view {
        address[2] memory tokens = [address(d.weth), address(d.wbtc)];
        for (uint256 i; i < handler.accountCount(); ++i) {
            uint256 acct = handler.accounts(i);
            AccountData memory a = d.engine.getAccount(acct);
            assertEq(a.marketMask >> N_MARKETS, 0, "marketMask bit of an unknown market");
            assertEq(a.orderMask >> N_MARKETS, 0, "orderMask bit of an unknown market");
            assertEq(a.collateralMask >> 2, 0, "collateralMask bit of an unlisted token");
            assertLe(_popcount(a.marketMask), 16, "more than 16 positions");
            assertLe(_popcount(a.collateralMask), 8, "more than 8 collaterals");
            for (uint256 m; m < N_MARKETS; ++m) {
                bool open = d.engine.getPosition(acct, m).size != 0;
                assertEq((a.marketMask >> m) & 1 == 1, open, "marketMask bit != open position");
                bool pending = d.engine.getOrder(acct, m).commitTime != 0;
                assertEq((a.orderMask >> m) & 1 == 1, pending, "orderMask bit != pending order");
            }
            // INV-55: the liquidation reads the protection flag from the account's window slot.
            assertEq(
                d.engine.getAccountLiquidation(acct).protection,
                ICrossmarginRisk(address(d.engine)).getProtection(acct).enabled,
                "window slot's protection flag != Protection.enabled"
            );
            for (uint256 t; t < 2; ++t) {
                uint256 index = d.engine.getCollateral(tokens[t]).index;
                bool held = d.engine.collateralBalance(acct, tokens[t]) != 0;
                assertEq(
                    (a.collateralMask >> index) & 1 == 1,
                    held,
                    "collateralMask bit != balance"
                );
            }
        }
    }

    // ------------------------------------------------------------------ 6b. pool shares

    /// @notice INV-47: shares are conserved: the LPs' balances plus the escrow (the pool's own
    ///         balance) are the supply, and the escrow is exactly the sum of the requests.
    function _checkPoolShares() internal view {
        uint256 held;
        uint256 requested;
        for (uint256 i; i < handler.lpCount(); ++i) {
            address lp = handler.lpAt(i);
            held += d.pool.balanceOf(lp);
            (uint256 shares, , ) = d.pool.redeemRequest(lp);
            requested += shares;
        }
        uint256 escrow = d.pool.balanceOf(address(d.pool));
        assertEq(held + escrow, d.pool.totalSupply(), "pool shares: holders + escrow != supply");
        assertEq(escrow, requested, "pool shares: escrow != sum of requests");
    }

    // ------------------------------------------------------------------ 7. pool value

    /// @notice The pool's O(1) value (aggregates) equals its ledger plus the traders' open
    ///         funding owed minus their open PnL summed position by position (docs/math.md),
    ///         minus the refundable impact premium of each market's skew, summed size by size
    ///         (INV-44), within the 1 quote unit that per-position truncation can move it.
    function _checkPoolValue() internal view {
        int256 openUsd;
        for (uint256 m; m < N_MARKETS; ++m) {
            uint256 price = d.engine.marketPrice(m);
            (, int256 index) = d.engine.currentFunding(m);
            openUsd -= int256(_premium(m, price));
            for (uint256 i; i < handler.accountCount(); ++i) {
                PositionView memory p = d.engine.getPosition(handler.accounts(i), m);
                int256 size = p.size;
                if (size == 0) continue;
                openUsd += _divCeil(size * (index - p.fundingIndex), 1e18);
                openUsd -= _divFloor(size * (int256(price) - int256(uint256(p.entryPrice))), 1e18);
            }
        }
        int256 expected = d.engine.poolBalance() + _divFloor(openUsd, 1e12);
        int256 diff = d.engine.poolValue() - expected;
        assertLe(diff < 0 ? -diff : diff, 1, "pool value != ledger + open funding - open PnL");
    }

    /// @dev INV-44 from the positions: ceil(ceil(|sum of sizes| * p) * |sum| / (2 * skewScale)).
    function _premium(uint256 m, uint256 price) private view returns (uint256) {
        MarketConfig memory c = d.engine.getMarket(m);
        if (c.skewScale == 0 || c.status == MarketStatus.Settled) return 0;
        int256 skew;
        for (uint256 i; i < handler.accountCount(); ++i) {
            skew += d.engine.getPosition(handler.accounts(i), m).size;
        }
        uint256 abs = skew < 0 ? uint256(-skew) : uint256(skew);
        uint256 notional = Math.mulDiv(abs, price, 1e18, Math.Rounding.Ceil);
        return Math.mulDiv(notional, abs, 2 * uint256(c.skewScale), Math.Rounding.Ceil);
    }

    function _divFloor(int256 a, int256 b) private pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && a < 0) q -= 1;
    }

    function _divCeil(int256 a, int256 b) private pure returns (int256) {
        return -_divFloor(-a, b);
    }

    // ------------------------------------------------------------------ regressions

    /// @notice Shrunk sequence the campaign found: a short's reducing delayed order commits, the
    ///         market crashes twice, then a keeper settles it at its first eligible round (the
    ///         pre-crash price). The fill's margin check rebuilt the "before" state at the round's
    ///         price but valued "after" at the latest one, so the healthy account (equity 35.6k,
    ///         MM 4.3k) was left insolvent (equity -15.3k). Fixed in OrderLogic.fill.
    /// @dev Deep campaign, seed 0xf89d8d69...: a sell committed at 60,000 settles after the
    ///      price fell to 37,770 in the same second, at its settlement round's 60,000 (INV-37).
    ///      Valued at the latest price the account was under water before the fill and well
    ///      above IM after it: the fee charged inside the fill is covered by the equity after
    ///      (INV-35), not the equity before, which the handler used to require.
    function test_regression_flipSettledUnderwater() public {
        handler.sandwich(13158, 3079676674, 3, 5014);
        handler.multicall(3807, 5953574944954455764407248063010730030521465672340756960);
        handler.commitOrder(
            940426942379410063658484662205,
            62018977060975316384590686561052382025712093780633267,
            9772854948010733502,
            2987424590590176718006505188439838511383456786494422700
        );
        handler.movePrice(
            9164337,
            2,
            632397888604704609458070408822723226343975936088919683539508179563147931
        );
        handler.topUp(23540104377780275393321201020790249723397860870684533788, false);
        handler.settleOrder(1e15);
        assertEq(handler.violations(), 0, handler.firstViolation());
    }

    function test_regression_reducingFillAtStaleRoundPrice() public {
        handler.setMarketStatus(1e11, 5e24);
        handler.setMarketStatus(5e24, 16566);
        handler.modifyPosition(
            2246291695671193258276472986521094,
            type(uint256).max - 3,
            1,
            5539726218649732187242829792754994
        );
        handler.modifyPosition(3070, 1, 42444648, 6125);
        handler.crash(
            76679575135427873974244477001295568784272941350620410,
            4401054751256870738326582473924206111296058329985150061531259142645805437
        );
        handler.deposit(625372, 7, 758471021447559);
        handler.movePrice(
            4521779476435435333889500079641486805027718345534465,
            540835001910024839196792900302500710186420310315611581030255048573011,
            116693242914368541837896858
        );
        handler.modifyPosition(25e9, 4753, 250_000e18, 5e24);
        handler.commitOrder(
            1261069533952730096395283925161601086038,
            37250102259114609669146700536955,
            2083,
            25146713261755400571740019
        );
        handler.crash(1.7e9, 30e18);
        handler.crash(
            5953574944954455764407248063010730030521465672340756960,
            9161604464132831330500718898402961533852645630869850423
        );
        handler.settleOrder(3659);
        assertEq(handler.violations(), 0, handler.firstViolation());
        // INV-35: the account's equity was negative at commit (-74.5k, before the crashes made
        // the short healthy), so the reducing order cannot cover its keeper fee and is rejected;
        // nothing is left to settle. The stale-round fill check itself stays covered by
        // test/hardhat/orders/edges.test.ts ("INV-8: a reducing order that would make a healthy
        // account liquidatable is cancelled").
        assertEq(handler.successes("commitOrder"), 0, "INV-35: the commit is rejected");
        assertEq(handler.successes("settleOrder"), 0, "nothing to settle");
    }

    /// @notice INV-47: the LP actions' own path: deposit, request, claim (the handler warps to
    ///         claimableAt), by redeem and by withdraw, a claim with an exit fee, and a cancel.
    function test_lpRequestClaimCancel() public {
        handler.lpDeposit(1, 500_000e6);
        handler.lpRequest(1, 60);
        handler.lpClaim(1, 50, false);
        handler.lpClaim(1, 100, true);
        handler.setRedeemParams((uint256(0x4) << 64) | (uint256(1e16) << 72));
        handler.lpDeposit(2, 10_000e6);
        handler.lpRequest(2, 100);
        handler.lpClaim(2, 100, false);
        handler.lpRequest(1, 100);
        handler.lpCancel(1);
        assertEq(handler.violations(), 0, handler.firstViolation());
        assertEq(handler.successes("lpClaim"), 3, "three claims");
        assertEq(handler.successes("lpCancel"), 1, "one cancel");
        assertGt(handler.ghostClaimed(), 0);
        invariant_engine();
    }

    /// @notice INV-55, INV-56: the top-up action's own path. Account 0 (25k USDC, 5 WETH) goes
    ///         long 60 ETH; its reserve (sub-account 1) holds 25k USDC. The action attaches the
    ///         reserve and pushes ETH 30 % down: the top-up restores the account and passes every
    ///         check; a second call finds it healthy and moves nothing.
    function test_topUpThenLiquidate() public {
        uint256 acct = handler.accounts(0);
        address owner = d.engine.ownerOf(acct);
        vm.prank(owner);
        d.engine.modifyPosition(acct, 0, 60e18, type(uint256).max, block.timestamp);
        // seed % 6 == 0: account 0; seed >> 128 even: prepare; seed >> 136: 3,000 bps down.
        uint256 base = uint256(3000) << 136;
        handler.topUp(base + ((6 - (base % 6)) % 6), false);
        assertEq(handler.violations(), 0, handler.firstViolation());
        assertEq(handler.successes("topUp"), 1, "the reserve restored the account");
        assertFalse(d.engine.isLiquidatable(acct));
        // Account 0 again ((2^128 + 2) % 6 == 0), no preparation (bit 128 set): healthy now,
        // so the owner's call is refused and nothing moves.
        handler.topUp((uint256(1) << 128) + 2, true);
        assertEq(handler.successes("topUp"), 1);
        handler.movePrice(0, 0, 0);
        invariant_engine();
    }

    /// @notice Deep-profile counterexample (12 calls, shrunk from 213): the second ADL call named
    ///         a short in a market whose skew was exactly 0. It passed the skew-side check
    ///         (`(size > 0) != (skew > 0)` is false for a short at zero skew) and closed nothing
    ///         (`min(|size|, |skew|) = 0`), emitting an empty AutoDeleveraged. Fixed in
    ///         AdlLogic._qualify: a market without skew has no side to deleverage.
    function test_regression_adlAfterCrash() public {
        handler.multicall(507853545897831074835687352997661077766727, type(uint256).max - 2);
        handler.multicall(384128426286202743836649684133298330833675, type(uint256).max - 2);
        handler.multicall(36, 3807);
        handler.deposit(
            1087786062028268772758550992091,
            484023155457313485100255411251413556452419596398008,
            1997162489605124160428623970827503837127321077121984622046472263018725152050
        );
        handler.multicall(116693242914368541837896858, 6968);
        handler.movePrice(
            272441904724340,
            20373057759992051399363187642216230847139260638882190681431443663250011929,
            1
        );
        handler.modifyPosition(1782611561495979240377021933973693, type(uint256).max, 3, 120688);
        handler.movePrice(0, 9999999999999999999999, 2083);
        handler.autoDeleverage(
            68345797450059094666044750760946383387818194504085372837289268754819645277,
            57424790247348828941675184922044578430437601881339724454483506037020111374603
        );
        handler.crash(4000, 8751);
        handler.topUp(666733042127619705630510817254308531840876323741003516083487542835484, true);
        handler.autoDeleverage(6064, 25000000000);
        assertEq(handler.violations(), 0, handler.firstViolation());
    }

    /// @notice Call and revert statistics of the run (shown with -vv).
    function afterInvariant() public view {
        for (uint256 i; i < handler.actionCount(); ++i) {
            bytes32 name = handler.actionName(i);
            console.log(
                string(abi.encodePacked(name)),
                handler.calls(name),
                handler.successes(name)
            );
        }
        for (uint256 i; i < handler.revertSelectorCount(); ++i) {
            bytes4 sel = handler.revertSelector(i);
            console.log("revert", vm.toString(abi.encodePacked(sel)), handler.revertCount(sel));
        }
        console.log(
            "liquidations",
            handler.ghostLiquidations(),
            "bad debts",
            handler.ghostBadDebtEvents()
        );
        console.log(
            "socialised",
            handler.ghostSocialised(),
            "orders filled",
            handler.ghostOrdersFilled()
        );
        console.log("sandwiches (INV-40)", handler.ghostSandwiches());
        console.log("auto-deleveragings (INV-49..52)", handler.ghostAdls());
        console.log("top-ups (INV-55, INV-56)", handler.ghostTopUps());
    }

    function _popcount(uint256 x) private pure returns (uint256 c) {
        for (; x != 0; x &= x - 1) c++;
    }
}
