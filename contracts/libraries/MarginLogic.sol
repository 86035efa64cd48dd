// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Bitmask} from "./Bitmask.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {WadMath} from "./WadMath.sol";
import {OracleLib} from "./OracleLib.sol";
import {ConfigPage} from "./ConfigPage.sol";
import {MarketMath} from "./MarketMath.sol";
import {OrderStore} from "./OrderStore.sol";
import {RiskMath} from "./RiskMath.sol";
import {CollateralLogic} from "./CollateralLogic.sol";
import {Market, Store} from "../types/Store.sol";
import {Slot} from "./LiquidationCredits.sol";
import {
    AccountData,
    CollateralListing,
    StoredCollateral,
    Health,
    MarginCheck,
    StoredMarket,
    OffsetPair,
    Position
} from "../types/Types.sol";

/// @title MarginLogic
/// @notice Prices and the one account-health function every rule goes through.
/// @dev The engine compiles the margin check (`check`) and the balance writers (`debit`,
///      `creditQuote`) into its own code; the extension, the risk module and the other linked
///      libraries reach `health`, `checkAccount` and the rest by delegatecall.
library MarginLogic {
    using WadMath for uint256;
    using WadMath for int256;

    /// @dev Valuation modes of `_health`: every feed fresh; stale markets at their last answer
    ///      (INV-25); and the liquidation rule, which also takes stale collateral (INV-34).
    uint256 internal constant STRICT = 0;
    uint256 internal constant STALE_MARKETS = 1;
    uint256 internal constant LIQUIDATION = 2;
    uint256 private constant WAD = 1e18;
    /// @notice Collateral tokens an account may hold at once (bounds the health loop).
    uint256 internal constant MAX_COLLATERALS_PER_ACCOUNT = 8;

    /// @notice Price of a market: the oracle, or the settlement price once settled.
    function marketPrice(StoredMarket storage cfg) internal view returns (uint256 price) {
        return marketPriceFrom(cfg, configWord(cfg, 0));
    }

    /// @notice `marketPrice` from config slot 0 already read as the word `w` (`configWord`).
    function marketPriceFrom(
        StoredMarket storage cfg,
        uint256 w
    ) internal view returns (uint256 price) {
        if (MarketMath.settledWord(w)) return cfg.settlementPrice;
        (, price) = OracleLib.readRound(address(uint160(w)), uint32(w >> 160), uint8(w >> 192));
    }

    /// @notice Like `marketPrice`, but a stale answer is returned (`fresh = false`) rather than
    ///         reverting; see `health` for where that is allowed.
    function marketPriceLatest(
        StoredMarket storage cfg
    ) internal view returns (uint256 price, bool fresh) {
        return _marketPriceLatest(cfg, configWord(cfg, 0));
    }

    /// @dev `marketPriceLatest` from config slot 0 already read as the word `w`.
    function _marketPriceLatest(
        StoredMarket storage cfg,
        uint256 w
    ) private view returns (uint256 price, bool fresh) {
        if (MarketMath.settledWord(w)) return (cfg.settlementPrice, true);
        return OracleLib.readLatest(address(uint160(w)), uint32(w >> 160), uint8(w >> 192));
    }

    /// @notice Config slot `i` of a market read once, as a word. Slot 0: the feed (bits
    ///         0..159), its heartbeat (160..191) and decimals (192..199), the status (200..207),
    ///         the flags (208..215), the offset pair (216..223), the fees (224..255). Slot 1: the
    ///         margin and funding parameters (`MarketMath.requirements`, `fundingFrom`).
    function configWord(StoredMarket storage cfg, uint256 i) internal view returns (uint256 w) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            w := sload(add(cfg.slot, i))
        }
    }

    /// @notice Adds `delta` to an account's quote balance and keeps `s.traderDebt`, the sum of
    ///         negative quote balances, in step (INV-46). Only a balance that is or becomes
    ///         negative touches the aggregate, so accounts without debt pay nothing for it.
    function addQuote(Store storage s, AccountData storage a, int256 delta) internal {
        int256 old = a.quoteBalance;
        int256 newBalance = old + delta;
        a.quoteBalance = SafeCast.toInt96(newBalance);
        if (old >= 0 && newBalance >= 0) return;
        // both below 2^95 (int96 balances); the sum is checked in 192 bits
        uint192 oldDebt = old < 0 ? uint192(uint256(-old)) : 0;
        uint192 newDebt = newBalance < 0 ? uint192(uint256(-newBalance)) : 0;
        s.traderDebt = s.traderDebt + newDebt - oldDebt;
    }

    /// @notice Moves `account`'s balance of the collateral listed as `c` (kept by the token's
    ///         index, INV-78) from `balance` to `newBalance`, with the token's total and the
    ///         account's collateral mask in step. With `addQuote`
    ///         (and `debit` of the quote token), the only code that writes an account's balances.
    ///         The caller checks the deposit cap (a rise) or that `balance` covers a fall.
    function setCollateral(
        Store storage s,
        uint256 account,
        CollateralListing storage c,
        uint256 balance,
        uint256 newBalance
    ) internal {
        s.collateralBalances[account][c.index] = newBalance;
        // both within the token's total (<= depositCap, a uint128)
        if (newBalance > balance) c.totalDeposited += uint128(newBalance - balance);
        else c.totalDeposited -= uint128(balance - newBalance);
        if ((balance == 0) == (newBalance == 0)) return;
        AccountData storage a = s.accounts[account];
        uint32 bit = uint32(1 << c.index);
        if (newBalance == 0) {
            a.collateralMask &= ~bit;
            return;
        }
        uint32 mask = a.collateralMask | bit;
        if (Bitmask.count(mask) > MAX_COLLATERALS_PER_ACCOUNT) {
            revert ICrossmarginErrors.TooManyCollaterals(account, MAX_COLLATERALS_PER_ACCOUNT);
        }
        a.collateralMask = mask;
    }

    /// @notice Adds `delta` (quote units) to the pool's balance in the vault: its only writer.
    ///         The balance shares a slot with the pause flag, the quote scale and the sequencer
    ///         settings (docs/gas.md); 152 bits hold any supply of a real token.
    function addPool(Store storage s, int256 delta) internal returns (int256 newBalance) {
        newBalance = s.poolBalance + delta;
        s.poolBalance = SafeCast.toInt128(newBalance);
    }

    /// @notice Reverts while the L2 sequencer is down or in its grace period (INV-22); reads the
    ///         feed's address only when one is set.
    function checkSequencer(Store storage s) internal view {
        if (s.hasSequencer) OracleLib.checkSequencer(s.sequencerFeed, s.sequencerGracePeriod);
    }

    /// @notice `addQuote` for a deposit of `amount` quote units.
    function creditQuote(Store storage s, uint256 account, uint256 amount) internal {
        addQuote(s, s.accounts[account], SafeCast.toInt256(amount));
    }

    /// @notice Quote token units to USD WAD (exact).
    function quoteToUsd(Store storage s, int256 amount) internal view returns (int256) {
        return amount * int256(uint256(s.quoteScale));
    }

    /// @notice USD WAD to quote token units, rounded towards minus infinity.
    function usdToQuoteFloor(Store storage s, int256 usd) internal view returns (int256) {
        return WadMath.divFloor(usd, int256(uint256(s.quoteScale)));
    }

    /// @notice USD WAD to quote token units, rounded up.
    function usdToQuoteUp(Store storage s, uint256 usd) internal view returns (uint256) {
        uint256 scale = s.quoteScale;
        return (usd + scale - 1) / scale;
    }

    /// @notice What depositing `amount` of `token`, already credited, added to the account's
    ///         equity (USD WAD): quote at par, a collateral by its weighted value after minus
    ///         before (the size scale makes the weight depend on the balance).
    function depositValueUsd(
        Store storage s,
        uint256 account,
        address token,
        uint256 amount
    ) external view returns (int256) {
        if (token == s.quoteToken) return quoteToUsd(s, int256(amount));
        uint256 index = s.collaterals[token].index;
        StoredCollateral storage c = s.collateralConfigs[index];
        uint256 price = CollateralLogic.collateralPrice(c);
        uint256 balance = s.collateralBalances[account][index];
        (uint256 after_, ) = CollateralLogic.weighted(
            c,
            CollateralLogic.tokenValueUsd(balance, price, c.tokenDecimals),
            true
        );
        (uint256 before, ) = CollateralLogic.weighted(
            c,
            CollateralLogic.tokenValueUsd(balance - amount, price, c.tokenDecimals),
            true
        );
        // Signed: just above the size threshold, the rounding of the scale can make one more wei
        // count a few wei less (docs/math.md, "Collateral weights").
        return after_.toInt() - before.toInt();
    }

    /// @notice Equity, initial and maintenance margin of `account` (docs/math.md, Margin).
    /// @dev The one account-health function: trades, withdrawals, orders and liquidation all
    ///      use it. `hintMarket`/`hintPrice` pass a price already read in this call (or
    ///      type(uint256).max for none) so a trade does not read its own oracle twice.
    ///      `allowStale` values a market whose feed is past its heartbeat at its last answer
    ///      instead of reverting (docs/specs.md, INV-25): used where the account only loses risk
    ///      (reducing trades, liquidation). Collateral prices, and every other oracle failure,
    ///      always revert.
    function health(
        Store storage s,
        uint256 account,
        uint256 hintMarket,
        uint256 hintPrice,
        bool allowStale
    ) public view returns (Health memory h) {
        return _health(s, account, hintMarket, hintPrice, allowStale ? STALE_MARKETS : STRICT, 0);
    }

    /// @notice The account's value with no haircut (USD WAD): quote balance, every collateral at
    ///         its oracle price, and every position's PnL net of funding owed. Fresh feeds only.
    function accountValue(Store storage s, uint256 account) public view returns (int256 value) {
        AccountData memory a = s.accounts[account];
        Query memory q = Query(
            account,
            type(uint256).max,
            0,
            STRICT,
            0,
            new Slot[](0),
            0,
            address(0)
        );
        value = _withoutCollateral(s, q, a).equity;
        uint256 mask = a.collateralMask;
        while (mask != 0) {
            uint256 i = Bitmask.lowest(mask);
            mask &= mask - 1;
            StoredCollateral storage c = s.collateralConfigs[i];
            uint256 balance = s.collateralBalances[account][i];
            value += CollateralLogic
                .tokenValueUsd(balance, CollateralLogic.collateralPrice(c), c.tokenDecimals)
                .toInt();
        }
    }

    /// @notice `health` as the liquidation rule sees it: stale markets at their last answer
    ///         (INV-25), stale collateral at its last answer with half its weight (INV-34).
    function liquidationHealth(
        Store storage s,
        uint256 account
    ) public view returns (Health memory) {
        return _health(s, account, type(uint256).max, 0, LIQUIDATION, 0);
    }

    /// @notice `liquidationHealth` and, from the same pass, each position as liquidation works
    ///         on it (market, size, price, own MM, whether its feed is fresh, its pair): one read
    ///         of each feed and market for the decision and the closes.
    ///         Internal: it runs inside `LiquidationLogic` (no delegatecall, no ABI copy of the
    ///         slots).
    function liquidationScan(
        Store storage s,
        uint256 account
    ) internal view returns (Health memory h, Slot[] memory slots, address page) {
        slots = _newSlots(Bitmask.count(s.accounts[account].marketMask));
        Query memory q = Query(account, type(uint256).max, 0, LIQUIDATION, 0, slots, 0, address(0));
        h = _healthOf(s, q);
        page = q.page; // the config page the scan read, if any (INV-79)
    }

    /// @notice `health` with every price moved by `shock` (WAD) against the account: longs and
    ///         collateral down, shorts up (docs/math.md, "Risk views"). Fresh feeds only.
    function shockedHealth(
        Store storage s,
        uint256 account,
        uint256 shock
    ) public view returns (Health memory) {
        return _health(s, account, type(uint256).max, 0, STRICT, shock);
    }

    /// @dev What one health evaluation asks for (in memory: the loop is stack-bound).
    struct Query {
        uint256 account;
        uint256 hintMarket;
        uint256 hintPrice;
        uint256 mode;
        uint256 shock;
        Slot[] slots; // when non-empty, each position's figures are recorded here (liquidation)
        uint256 n; // slots recorded
        address page; // the config page (INV-79) when a market other than the hint's is valued
    }

    function _health(
        Store storage s,
        uint256 account,
        uint256 hintMarket,
        uint256 hintPrice,
        uint256 mode,
        uint256 shock
    ) private view returns (Health memory h) {
        return
            _healthOf(
                s,
                Query(account, hintMarket, hintPrice, mode, shock, new Slot[](0), 0, address(0))
            );
    }

    function _healthOf(Store storage s, Query memory q) private view returns (Health memory h) {
        AccountData memory a = s.accounts[q.account];
        h = _withoutCollateral(s, q, a);
        _addCollateral(s, q, a.collateralMask, h);
    }

    /// @dev Equity and requirements of the quote balance, the positions and the pending orders:
    ///      everything but the non-quote collateral, which only adds to `equity - IM` and
    ///      `equity - MM` (its weights are at most 1 and IM counts only what the initial weight
    ///      takes off), so a check these already pass needs no collateral oracle (INV-59).
    function _withoutCollateral(
        Store storage s,
        Query memory q,
        AccountData memory a
    ) private view returns (Health memory h) {
        // `checkSequencer` and `quoteToUsd`, their slot read once
        (bool sequencer, uint256 scale, uint256 version) = (
            s.hasSequencer,
            s.quoteScale,
            s.configPage
        );
        if (sequencer) OracleLib.checkSequencer(s.sequencerFeed, s.sequencerGracePeriod);
        h.equity = a.quoteBalance * int256(scale);
        RiskMath.Leg[] memory legs;
        uint256 nLegs;
        uint256 mask = a.marketMask;
        // The config page: one cold code access instead of two cold slots per market (INV-79),
        // where a trade has read its market's words already
        if (version != 0 && mask != 0) q.page = ConfigPage.at(version);
        while (mask != 0) {
            uint256 id = Bitmask.lowest(mask);
            mask &= mask - 1;
            (int256 value, RiskMath.Leg memory leg) = _position(s, q, id);
            // The sums in memory, not on the stack: the loop runs inside the engine's own entry
            // points (`withdraw`, `modifyPosition`), where the stack has no room for them.
            h.equity += value;
            h.im += leg.im;
            h.mm += leg.mm;
            if (leg.pair != 0) {
                // Sized for this and the positions left: no more legs can follow.
                if (nLegs == 0) legs = _pointers(Bitmask.count(mask) + 1);
                legs[nLegs++] = leg;
            }
        }
        if (nLegs > 1) _offsetCredits(s, h, legs, nLegs);
        // Pending orders reserve the margin and fees they will need (set at commit).
        uint256 orders = a.orderMask;
        while (orders != 0) {
            uint256 id = Bitmask.lowest(orders);
            orders &= orders - 1;
            h.im += OrderStore.requirementUsd(s.orders[q.account][id], s.quoteScale);
        }
    }

    /// @dev `new Slot[](n)` in one step: the `n` pointers, then the `n` zeroed structs (eight
    ///      words each, one per field) in one block, as the compiler lays them out; the IR
    ///      build allocates and zeroes each struct in a call of its own (about 360 gas each).
    function _newSlots(uint256 n) private pure returns (Slot[] memory slots) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            slots := mload(0x40)
            mstore(slots, n)
            let structs := add(slots, shl(5, add(n, 1)))
            calldatacopy(structs, calldatasize(), shl(8, n)) // zeroes
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                mstore(add(slots, shl(5, add(i, 1))), add(structs, shl(8, i)))
            }
            mstore(0x40, add(structs, shl(8, n)))
        }
    }

    /// @dev A `Leg[]` of `n` zero pointers, for legs the loop has already allocated: each
    ///      `legs[i] = leg` stores a pointer, and only the first `nLegs` are read.
    ///      `new RiskMath.Leg[](n)` would also allocate and zero a struct per element (about
    ///      300 gas each), which those assignments would drop.
    function _pointers(uint256 n) private pure returns (RiskMath.Leg[] memory legs) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            legs := mload(0x40)
            mstore(legs, n)
            calldatacopy(add(legs, 0x20), calldatasize(), shl(5, n)) // zeroes
            mstore(0x40, add(legs, shl(5, add(n, 1))))
        }
    }

    /// @dev Adds the weighted collateral to equity and its initial-weight add-on to IM.
    function _addCollateral(
        Store storage s,
        Query memory q,
        uint256 collateralMask,
        Health memory h
    ) private view {
        if (collateralMask == 0) return;
        (uint256 collateral, uint256 collateralIm) = CollateralLogic.weightedCollateralUsd(
            s,
            q.account,
            collateralMask,
            q.mode == LIQUIDATION,
            q.shock,
            q.page
        );
        // Checked cast: a value above int256 (absurd prices) must revert, not wrap negative.
        h.equity += collateral.toInt();
        h.im += collateralIm;
    }

    /// @dev One position's PnL net of funding (`value`) and the position as a leg (size,
    ///      notional, requirements, pair); the caller keeps the sums on the stack.
    function _position(
        Store storage s,
        Query memory q,
        uint256 id
    ) private view returns (int256 value, RiskMath.Leg memory leg) {
        Market storage market = s.markets[id];
        StoredMarket storage cfg = market.config;
        // Config slots 0 and 1 once, from the page (a position's market is listed, so the page
        // exists): slot 0 the feed's fields, the status and the offset pair (bits 216..223),
        // which `figures` and the checked path below leave as set here; slot 1 for the funding
        // and the requirements
        (uint256 w, uint256 c1) = ConfigPage.words(q.page, id);
        leg.pair = uint8(w >> 216);
        uint256 price = q.hintPrice;
        bool fresh = true;
        if (id != q.hintMarket) {
            if (q.mode != STRICT) (price, fresh) = _marketPriceLatest(cfg, w);
            else price = marketPriceFrom(cfg, w);
        }
        // `positionKey` without its bounds: the id is a bit of the account's 64-bit mask, and
        // only a trade on a valid account id (below 2^168) sets a bit
        Position storage pos = s.positions[(id << 168) | q.account];
        if (q.shock != 0)
            price = pos.size > 0 ? price.mulDown(WAD - q.shock) : price.mulUp(WAD + q.shock);
        (, int256 indexNow) = MarketMath.fundingFrom(cfg, market.state, price, w, c1);
        bool ok;
        (ok, value) = MarketMath.figures(c1, pos, price, indexNow, leg);
        // The checked path, where the plain one could overflow or the size factor binds.
        if (!ok) value = MarketMath.checkedFigures(cfg, pos, price, indexNow, leg);
        // A stale market counts at its last answer but is not closed (done from the start).
        if (q.slots.length != 0) {
            // Into the zeroed slot `_newSlots(n)` allocated, not a second one.
            Slot memory sl = q.slots[q.n++];
            (sl.marketId, sl.size, sl.price, sl.mm) = (id, leg.size, price, leg.mm);
            (sl.done, sl.fresh, sl.pair) = (!fresh, fresh, leg.pair);
        }
    }

    /// @dev The one extra pass of the offset pairs (docs/math.md, "Offset pairs"): over the
    ///      paired legs only; a market belongs to at most one pair, so each pair has two legs
    ///      at most.
    function _offsetCredits(
        Store storage s,
        Health memory h,
        RiskMath.Leg[] memory legs,
        uint256 n
    ) private view {
        for (uint256 i; i < n; ++i) {
            for (uint256 j = i + 1; j < n; ++j) {
                if (legs[i].pair != legs[j].pair) continue;
                OffsetPair storage pair = s.offsetPairs[legs[i].pair];
                (uint256 cIm, uint256 cMm) = RiskMath.credit(
                    legs[i],
                    legs[j],
                    pair.rate,
                    pair.stressMove
                );
                h.im -= cIm;
                h.mm -= cMm;
            }
        }
    }

    /// @notice Takes `amount` off a balance, never below zero. Non-quote collateral cannot leave
    ///         while the account has quote debt. The caller runs the margin check.
    /// @param isQuote `token == s.quoteToken`, which the engine knows from its immutable copy.
    function debit(
        Store storage s,
        uint256 account,
        address token,
        uint256 amount,
        bool isQuote
    ) internal {
        if (amount == 0) revert ICrossmarginErrors.ZeroAmount();
        AccountData storage a = s.accounts[account];
        int256 quoteBalance = a.quoteBalance;
        if (isQuote) {
            if (amount > uint256(type(uint96).max) || int256(amount) > quoteBalance) {
                revert ICrossmarginErrors.InsufficientBalance(
                    account,
                    token,
                    quoteBalance > 0 ? uint256(quoteBalance) : 0,
                    amount
                );
            }
            // From a balance >= amount to one >= 0: the trader-debt aggregate does not move.
            a.quoteBalance = int96(quoteBalance - int256(amount));
            return;
        }
        CollateralListing storage c = CollateralLogic.listing(s, token);
        if (quoteBalance < 0) revert ICrossmarginErrors.DebtOutstanding(account, quoteBalance);
        uint256 balance = s.collateralBalances[account][c.index];
        if (amount > balance)
            revert ICrossmarginErrors.InsufficientBalance(account, token, balance, amount);
        setCollateral(s, account, c, balance, balance - amount);
    }

    /// @notice The one margin check of a call: reverts unless the account meets the rule for
    ///         what the call did (docs/specs.md, INV-7 and INV-8).
    /// @dev A call that only reduced risk and freed at least the MM its costs and rounding took
    ///      (`mmBeforeAdj >= equityBeforeAdj + slack`) cannot have made a healthy account
    ///      liquidatable: equity - MM did not fall. Such a call skips the health loop, so an
    ///      unrelated stale feed does not block closing a position (INV-58).
    function check(Store storage s, uint256 account, MarginCheck memory c) internal view {
        if (!c.riskIncreased && c.mmBeforeAdj >= c.equityBeforeAdj + c.slack.toInt()) {
            checkSequencer(s);
            return;
        }
        Query memory q = Query(
            account,
            c.hintMarket,
            c.hintPrice,
            c.riskIncreased ? STRICT : STALE_MARKETS,
            0,
            new Slot[](0),
            0,
            address(0)
        );
        AccountData memory a = s.accounts[account];
        Health memory h = _withoutCollateral(s, q, a);
        // INV-59: collateral only adds, so it is valued only when the rest falls short.
        if (h.equity < int256(c.riskIncreased ? h.im : h.mm)) {
            _addCollateral(s, q, a.collateralMask, h);
        }
        if (c.riskIncreased) {
            if (h.equity < int256(h.im))
                revert ICrossmarginErrors.InsufficientMargin(account, h.equity, h.im);
        } else if (h.equity < int256(h.mm)) {
            // Reducing risk is allowed unless it makes a healthy account liquidatable.
            if (h.equity + c.equityBeforeAdj >= int256(h.mm) + c.mmBeforeAdj) {
                revert ICrossmarginErrors.WouldBecomeLiquidatable(account, h.equity, h.mm);
            }
        }
    }

    /// @notice `check` as a linked call, for the rare paths (the risk module's top-up).
    function checkAccount(Store storage s, uint256 account, MarginCheck calldata c) external view {
        check(s, account, c);
    }

    /// @notice The check of a call that increases risk (a withdrawal, an opening order).
    function increasing(
        uint256 hintMarket,
        uint256 hintPrice
    ) internal pure returns (MarginCheck memory) {
        return MarginCheck(true, 0, 0, 0, hintMarket, hintPrice);
    }
}
