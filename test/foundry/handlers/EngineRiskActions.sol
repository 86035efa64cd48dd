// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmarginRisk} from "../../../contracts/interfaces/ICrossmarginRisk.sol";
import {Vm} from "forge-std/Vm.sol";
import {ICrossmarginErrors as E} from "../../../contracts/interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../../../contracts/interfaces/ICrossmarginEvents.sol";
import {ICrossmarginAdmin} from "../../../contracts/interfaces/ICrossmarginAdmin.sol";
import {
    CollateralConfig,
    Health,
    MarketConfig,
    MarketState,
    OffsetPair,
    Protection
} from "../../../contracts/types/Types.sol";
import {MarketLimits, MarketMarginParams} from "../../../contracts/types/Params.sol";
import {EngineHandlerBase} from "./EngineHandlerBase.sol";

/// @notice Risk-model actions of the engine handler (docs/math.md, "Risk model"): governance
///         re-declares offset pairs (INV-54), owners attach reserves (INV-55) and keepers or
///         owners call `topUp` (INV-55, INV-56). A top-up that succeeds must leave the account
///         at or above MM, the reserve at or above its IM, pay the caller exactly the fee, move
///         no more than the window's cap, and create no value: the account, the reserve and the
///         caller together end no richer than before.
abstract contract EngineRiskActions is EngineHandlerBase {
    uint256 public ghostTopUps; // successful topUp calls (direct or inside liquidate)
    uint256 internal constant TOP_UP_FEE = 1e6; // EngineSetup: 1 USD in USDC units
    uint256 internal constant UNIT = 1e12; // USDC units -> USD WAD

    function _risk() internal view returns (ICrossmarginRisk) {
        return ICrossmarginRisk(address(engine));
    }

    /// @dev What the insurance fund has: its USDC plus the penalties accrued for it (INV-70).
    function _fundHoldings() internal view returns (uint256) {
        return usdc.balanceOf(address(fund)) + _risk().insuranceAccrued();
    }

    /// @notice Governance removes a market's liquidation cap or sets one, and loosens (or keeps)
    ///         its net exposure cap, keeping its other limits (INV-77: the flag that tells a
    ///         liquidation whether to read the cap follows the cap; `liquidate` then checks the
    ///         windows with `_checkWindows`; INV-79: trades read the caps from the config page).
    function setLiquidationCap(uint256 seed) external action("setLiquidationCap") {
        uint256 m = seed % N_MARKETS;
        MarketConfig memory c = engine.getMarket(m);
        uint256 cap = (seed >> 8) % 2 == 0 ? 0 : _bound(seed >> 16, 100_000e18, 5_000_000e18);
        uint256 net = _bound(seed >> 80, c.maxNetExposureRatio, 10e18);
        vm.prank(admin);
        engine.setMarketLimits(
            m,
            MarketLimits({
                maxOpenInterest: c.maxOpenInterest,
                maxOiPoolRatio: c.maxOiPoolRatio,
                maxNetExposureRatio: uint64(net),
                maxLiquidationPerWindowUsd: uint128(cap),
                liquidationWindow: c.liquidationWindow
            })
        );
        _ok("setLiquidationCap");
    }

    /// @notice Governance moves a market's initial margin (2 % to 20 %, whole nanos) and keeps
    ///         the rest: a margin check that values the market from the config page must see
    ///         the new rate at once (INV-79, `_checkConfigPage`).
    function setMarginParams(uint256 seed) external action("setMarginParams") {
        uint256 m = seed % N_MARKETS;
        MarketConfig memory c = engine.getMarket(m);
        uint256 imr = _bound(seed >> 8, 0.02e9, 0.2e9) * 1e9;
        vm.prank(admin);
        engine.setMarketMarginParams(
            m,
            MarketMarginParams({
                imrBase: uint64(imr),
                imrSizeFactor: c.imrSizeFactor,
                maintenanceScalar: c.maintenanceScalar,
                minPositionMarginUsd: c.minPositionMargin
            })
        );
        _ok("setMarginParams");
    }

    /// @notice Governance moves a collateral's initial weight (0 to its maintenance weight,
    ///         whole basis points) and keeps the rest: a check that values the collateral from
    ///         the config page must see the new weight at once (INV-79, `_checkConfigPage`).
    function setCollateralWeight(uint256 seed) external action("setCollateralWeight") {
        address token = address(_collateralToken(seed));
        CollateralConfig memory c = engine.getCollateral(token);
        uint256 initial = _bound(seed >> 8, 0, c.maintenanceWeight / 1e14) * 1e14;
        vm.prank(admin);
        engine.setCollateralParams(
            token,
            ICrossmarginAdmin.CollateralRisk({
                initialWeight: uint64(initial),
                maintenanceWeight: c.maintenanceWeight,
                liquidationDiscount: c.liquidationDiscount,
                sizeFactor: c.sizeFactor,
                sizeThreshold: c.sizeThreshold,
                weightFloor: c.weightFloor,
                depositCap: c.depositCap
            })
        );
        _ok("setCollateralWeight");
    }

    /// @dev Each market's liquidation window: its start and what it has counted.
    function _windows() internal view returns (MarketState[] memory w) {
        w = new MarketState[](N_MARKETS);
        for (uint256 m; m < N_MARKETS; ++m) w[m] = engine.getMarketState(m);
    }

    /// @dev After a liquidation with logs `logs`: an uncapped market's window did not move
    ///      (INV-77); a capped one counted exactly the notional the liquidation closed in it
    ///      (`PositionLiquidated`), from zero when its window restarted, and a close kept it
    ///      within its cap (INV-32).
    function _checkWindows(MarketState[] memory before, Vm.Log[] memory logs) internal {
        uint256[] memory closed = new uint256[](N_MARKETS);
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != Ev.PositionLiquidated.selector) continue;
            (, , uint256 notional) = abi.decode(logs[i].data, (int256, uint256, uint256));
            closed[uint256(logs[i].topics[2])] += notional;
        }
        for (uint256 m; m < N_MARKETS; ++m) {
            MarketState memory st = engine.getMarketState(m);
            uint256 cap = engine.getMarket(m).maxLiquidationPerWindow;
            if (cap == 0) {
                if (
                    st.windowStart != before[m].windowStart ||
                    st.liquidatedInWindow != before[m].liquidatedInWindow
                ) _fail("liquidate (INV-77): an uncapped market's window moved");
                continue;
            }
            uint256 from =
                st.windowStart == before[m].windowStart ? before[m].liquidatedInWindow : 0;
            if (st.liquidatedInWindow != from + closed[m])
                _fail("liquidate (INV-77): a capped market's window miscounted its closes");
            // A cap lowered in the middle of a window may sit below what the window counted
            // before it; a liquidation then closes nothing there (the allowance is zero).
            if (closed[m] != 0 && st.liquidatedInWindow > cap)
                _fail("liquidate (INV-32): a market's window counted more than its cap");
        }
    }

    /// @notice Governance declares, changes or removes pair 1 or 2 over random markets.
    function setOffsetPair(uint256 seed) external action("setOffsetPair") {
        uint256 pairId = 1 + (seed % 2);
        uint8 a = uint8((seed >> 8) % N_MARKETS);
        uint8 b = uint8((a + 1 + ((seed >> 16) % (N_MARKETS - 1))) % N_MARKETS);
        // One call in four removes the pair.
        uint64 rate = (seed >> 24) % 4 == 0 ? 0 : uint64(_bound(seed >> 32, 1, 0.5e18));
        uint64 stress = uint64(_bound(seed >> 96, 0.005e18, 0.2e18));
        vm.prank(admin);
        try _risk().setOffsetPair(pairId, a, b, rate, stress) {
            _ok("setOffsetPair");
            OffsetPair memory p = _risk().getOffsetPair(pairId);
            if (rate != 0 && (engine.getMarket(a).offsetPair != pairId || p.rate != rate))
                _fail("setOffsetPair (INV-54): pair not bound to its markets");
        } catch (bytes memory err) {
            // The other pair may hold one of the markets.
            if (err.length >= 4 && bytes4(err) == E.MarketInOtherPair.selector) return;
            _reverted("setOffsetPair", err);
        }
    }

    /// @notice A keeper or a trader sweeps the liquidation penalties accrued for the fund
    ///         (INV-70). The fund must get exactly what was accrued, the accrual go to zero, and
    ///         nothing else move (the caller, the pool); with nothing accrued it reverts
    ///         `ZeroAmount`. Called at any point, it can never change what the fund has.
    function sweepFund(uint256 seed) external action("sweepInsuranceFund") {
        address caller = seed % 2 == 0 ? keeper : actors[(seed >> 8) % N_ACTORS];
        uint256 accrued = _risk().insuranceAccrued();
        uint256 fund0 = usdc.balanceOf(address(fund));
        uint256 caller0 = usdc.balanceOf(caller);
        int256 pool0 = engine.poolBalance();
        vm.prank(caller);
        try _risk().sweepInsuranceFund() returns (uint256 paid) {
            _ok("sweepInsuranceFund");
            if (paid != accrued || usdc.balanceOf(address(fund)) != fund0 + accrued)
                _fail("sweep (INV-70): the fund did not get exactly what was accrued");
            if (_risk().insuranceAccrued() != 0) _fail("sweep (INV-70): accrual left behind");
            if (engine.poolBalance() != pool0 || usdc.balanceOf(caller) != caller0)
                _fail("sweep (INV-70): value moved to someone other than the fund");
        } catch (bytes memory err) {
            if (accrued == 0 && err.length >= 4 && bytes4(err) == E.ZeroAmount.selector) return;
            _reverted("sweepInsuranceFund", err);
        }
    }

    /// @notice An owner attaches (or, one in five, detaches) its other sub-account as reserve.
    function setProtection(uint256 accSeed, uint256 seed) external action("setProtection") {
        uint256 i = accSeed % N_ACCOUNTS;
        uint256 acct = accounts[i];
        address owner = actors[i / N_SUBS];
        uint8 reserveSub = uint8((i % N_SUBS) == 0 ? 1 : 0);
        uint96 cap = seed % 5 == 0 ? 0 : uint96(_bound(seed >> 8, 1e6, 20_000e6));
        uint64 buffer = uint64(_bound(seed >> 112, 0, 1e18));
        uint32 window = uint32(_bound(seed >> 176, 60, 7 days));
        vm.prank(owner);
        try _risk().setProtection(acct, reserveSub, buffer, cap, window) {
            _ok("setProtection");
        } catch (bytes memory err) {
            _reverted("setProtection", err);
        }
    }

    /// @notice A keeper, or the account's own owner, calls `topUp` on a random account.
    function topUp(uint256 accSeed, bool byOwner) external action("topUp") {
        _refreshFeeds();
        uint256 i = accSeed % N_ACCOUNTS;
        uint256 acct = accounts[i];
        // Half the calls first attach a reserve and push the account's first market against it
        // (5-40 %), so that top-ups are reached, not only refused.
        if ((accSeed >> 128) % 2 == 0) _prepareTopUp(i, accSeed >> 136);
        Protection memory p = _risk().getProtection(acct);
        uint256 reserve = (acct & ~uint256(0xff)) | p.reserveSub;
        address caller = byOwner ? actors[i / N_SUBS] : keeper;
        int256 valueBefore = _pairValue(acct, reserve) + int256(usdc.balanceOf(caller) * UNIT);
        uint256 callerBefore = usdc.balanceOf(caller);
        vm.prank(caller);
        try _risk().topUp(acct) returns (uint256 amount, uint256 fee) {
            _ok("topUp");
            ghostTopUps++;
            _checkTopUp(acct, reserve, p, amount, fee);
            if (usdc.balanceOf(caller) != callerBefore + fee)
                _fail("topUp (INV-56): caller paid other than the fee");
            // Rounding: one unit per realised amount at most.
            int256 valueAfter = _pairValue(acct, reserve) + int256(usdc.balanceOf(caller) * UNIT);
            if (valueAfter > valueBefore + int256(UNIT))
                _fail("topUp (INV-56): account, reserve and caller ended richer");
        } catch (bytes memory err) {
            bytes4 sel = err.length >= 4 ? bytes4(err) : bytes4(0);
            if (
                sel == E.NoProtection.selector ||
                sel == E.TopUpUnavailable.selector ||
                sel == E.TopUpInsufficient.selector
            ) return;
            _reverted("topUp", err);
        }
    }

    function _prepareTopUp(uint256 i, uint256 seed) private {
        uint256 acct = accounts[i];
        if (!_risk().getProtection(acct).enabled) {
            vm.prank(actors[i / N_SUBS]);
            try _risk().setProtection(acct, uint8(1 - (i % N_SUBS)), 0.1e18, 20_000e6, 1 hours) {
                // attached
            } catch {}
        }
        uint256 mask = engine.getAccount(acct).marketMask;
        if (mask == 0 || engine.isLiquidatable(acct)) return;
        uint256 m;
        while ((mask >> m) & 1 == 0) m++;
        int256 bps = int256(_bound(seed, 500, 4_000));
        _move(m, engine.getPosition(acct, m).size > 0 ? -bps : bps);
        _refreshFeeds();
    }

    /// @dev What every successful top-up must leave behind (INV-55, INV-56).
    function _checkTopUp(
        uint256 acct,
        uint256 reserve,
        Protection memory before,
        uint256 amount,
        uint256 fee
    ) internal {
        if (fee != TOP_UP_FEE) _fail("topUp (INV-56): fee other than topUpFee");
        if (amount == 0 || amount > before.maxPerWindow)
            _fail("topUp (INV-55): amount zero or above the window's cap");
        if (engine.isLiquidatable(acct)) _fail("topUp (INV-55): account still liquidatable");
        Health memory r = engine.accountHealth(reserve);
        if (r.equity < int256(r.im)) _fail("topUp (INV-55): reserve left below its IM");
        if (engine.getAccount(reserve).quoteBalance < 0)
            _fail("topUp (INV-55): reserve left with quote debt");
    }

    /// @dev Equity of the account and its reserve (liquidation view: never reverts on stale).
    function _pairValue(uint256 acct, uint256 reserve) private view returns (int256) {
        return _liqEquity(acct) + (reserve == acct ? int256(0) : _liqEquity(reserve));
    }

    function _liqEquity(uint256 acct) private view returns (int256 e) {
        try engine.accountHealth(acct) returns (Health memory h) {
            e = h.equity;
        } catch {
            e = 0;
        }
    }
}
