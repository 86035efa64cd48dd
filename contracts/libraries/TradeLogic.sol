// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AccountIds} from "./AccountIds.sol";

import {Bitmask} from "./Bitmask.sol";
import {ConfigPage} from "./ConfigPage.sol";
import {PositionLib} from "./PositionLib.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents} from "../interfaces/ICrossmarginEvents.sol";
import {WadMath} from "./WadMath.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {PairCredit} from "./PairCredit.sol";
import {PoolLogic} from "./PoolLogic.sol";
import {Store} from "../types/Store.sol";
import {
    AccountData,
    MARKET_INSTANT_TRADING,
    MarginCheck,
    StoredMarket,
    MarketState,
    MarketStatus,
    Position
} from "../types/Types.sol";

/// @title TradeLogic
/// @notice Position changes: funding accrual, fill, fees, PnL realisation and the aggregates
///         the pool's O(1) open PnL depends on.
library TradeLogic {
    using WadMath for uint256;
    using WadMath for int256;
    using SafeCast for int256;
    using SafeCast for uint256;

    uint256 internal constant MAX_POSITIONS = 16;
    /// @dev Literals for the assembly of `updateAggregates` and `_store`: `WadMath.WAD`, one
    ///      side's open interest (112 bits), both sides (224) and the 128-bit `netBasis`.
    uint256 private constant WAD_ = 1000000000000000000;
    uint256 private constant OI_MASK = 0xffffffffffffffffffffffffffff;
    uint256 private constant OI_PAIR_MASK =
        0xffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant INT128_MASK = 0xffffffffffffffffffffffffffffffff;
    /// @dev The 112-bit `blockSkew`, for `_store`.
    uint256 private constant INT112_MASK = 0xffffffffffffffffffffffffffff;
    uint256 internal constant NO_HINT = type(uint256).max;

    /// @notice Outcome of one position change.
    struct TradeResult {
        int256 oldSize;
        int256 newSize;
        uint256 fill;
        uint256 fee;
        int256 pnl;
        int256 funding;
        int256 quoteDelta;
        bool riskIncreased;
        uint256 storeLoss; // USD WAD, at most what storing the new position rounded away
    }

    /// @notice Records funding of a market up to now, with `FundingRecorded` when anything
    ///         accrued: for the paths that record funding without a position change (parameter
    ///         changes, settlement). A position change records it in `execute` and reports the
    ///         index in its `PositionModified`.
    function recordFundingLogged(
        uint256 marketId,
        StoredMarket storage cfg,
        MarketState storage st,
        uint256 price
    ) internal {
        (bool recorded, int256 rateNow, int256 indexNow) = _accrue(cfg, st, price, 0, 0);
        if (recorded) emit ICrossmarginEvents.FundingRecorded(marketId, rateNow, indexNow, price);
    }

    /// @dev `c0`, `c1`: config slots 0 and 1 as words, or 0 to read them where needed.
    function _accrue(
        StoredMarket storage cfg,
        MarketState storage st,
        uint256 price,
        uint256 c0,
        uint256 c1
    ) private returns (bool recorded, int256 rateNow, int256 indexNow) {
        // State slot 1 once: the time says whether anything accrues, and the funding reads it
        uint256 s1 = MarketMath.fundingWord(st);
        uint256 last;
        (rateNow, indexNow, last) = MarketMath.storedFunding(s1);
        if (last == block.timestamp) return (false, rateNow, indexNow);
        (rateNow, indexNow) = MarketMath.fundingAt(cfg, st, s1, price, c0, c1);
        _store(st, rateNow, indexNow);
        return (true, rateNow, indexNow);
    }

    /// @dev Records the funding's rate and index as of now (checked casts to their widths) and,
    ///      as funding is first recorded at this timestamp, the skew now as the block-start skew
    ///      (INV-40): every change of the skew records funding first, so this is the skew before
    ///      the first change at this timestamp. |skew| <= maxOpenInterest <= 1e33 < 2^110.
    ///      State slot 0 read once as a word (longOI bits 0..111, shortOI 112..223) and the skew
    ///      written into slot 2 at bits 128..239, its other fields kept (a checked cast, as
    ///      `toInt112`, in assembly: the field-by-field Solidity read slot 0 twice).
    function _store(MarketState storage st, int256 rateNow, int256 indexNow) private {
        (int80 rate, int128 index) = (rateNow.toInt80(), indexNow.toInt128());
        (st.fundingRate, st.fundingIndex, st.lastFundingTime) = (
            rate,
            index,
            uint48(block.timestamp)
        );
        int256 skew;
        bool fits;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let s0 := sload(st.slot)
            skew := sub(and(s0, OI_MASK), and(shr(112, s0), OI_MASK))
            fits := eq(signextend(13, skew), skew)
            if fits {
                let s2 := and(sload(add(st.slot, 2)), not(shl(128, INT112_MASK)))
                sstore(add(st.slot, 2), or(s2, shl(128, and(skew, INT112_MASK))))
            }
        }
        if (!fits) revert SafeCast.SafeCastOverflowedIntDowncast(112, skew);
    }

    /// @notice The market's funding rate and index now at `price` (the engine's `currentFunding`,
    ///         linked to keep the engine under the size limit).
    function funding(
        Store storage s,
        uint256 marketId,
        uint256 price
    ) public view returns (int256 rate, int256 index) {
        return
            MarketMath.currentFunding(s.markets[marketId].config, s.markets[marketId].state, price);
    }

    /// @notice Fill price and fee of a trade of `sizeDelta` now at `price` (the engine's
    ///         `quoteTrade`, linked to keep the engine under the size limit), priced at the
    ///         effective skew of this block (INV-40): against the block-start skew when funding
    ///         was recorded at this timestamp, else (the trade would record it) the skew now.
    function quote(
        Store storage s,
        uint256 marketId,
        int256 sizeDelta,
        uint256 price
    ) public view returns (uint256 fill, uint256 fee) {
        StoredMarket storage cfg = s.markets[marketId].config;
        if (cfg.status == MarketStatus.Settled) return (price, 0);
        MarketState storage st = s.markets[marketId].state;
        int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
        int256 skewEff =
            st.lastFundingTime == block.timestamp
                ? MarketMath.effectiveSkew(skew, st.blockSkew, sizeDelta)
                : skew;
        fill = MarketMath.fillPrice(price, skewEff, sizeDelta, MarketMath.skewScaleWad(cfg));
        fee = MarketMath.tradeFee(cfg, skew, sizeDelta, fill);
    }

    /// @notice A trade by the account's owner or operator: status, pause and open-interest
    ///         rules around `execute`. The slippage bound (`checkSlippage`) and the margin check
    ///         (deferred) are the caller's.
    /// @param price The price the trade fills against (a settlement round's), or 0 for the oracle.
    /// @param instant True for `modifyPosition` (subject to the market's instant-trading flag).
    function userTrade(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 price,
        bool instant,
        MarginCheck memory pending
    ) internal returns (TradeResult memory r) {
        if (sizeDelta == 0) revert ICrossmarginErrors.ZeroSizeDelta();
        Position storage pos = s.positions[AccountIds.positionKey(account, marketId)];
        // The margin check values this market at its latest price (the settlement price once
        // settled); a delayed order fills at its round's `price`, an instant trade (`price` 0)
        // at the latest. A settlement passes the latest price it read in `pending`'s hint.
        uint256 hint = price != 0 && pending.hintMarket == marketId ? pending.hintPrice : 0;
        (uint256[3] memory w, uint256 checkPrice, bool settled) = _admit(
            s,
            marketId,
            isReducing(pos.size, sizeDelta),
            instant,
            hint
        );
        if (settled || price == 0) price = checkPrice;
        r = execute(s, account, marketId, pos, sizeDelta, price, settled, w);
        if (r.riskIncreased) {
            checkCaps(s, marketId, w[2], r.newSize > 0, sizeDelta, price);
            pending.riskIncreased = true;
        } else {
            _reduced(s, account, marketId, sizeDelta, checkPrice, r, pending, w);
        }
        pending.hintMarket = marketId;
        pending.hintPrice = checkPrice;
    }

    /// @notice INV-40: a buy fills at most at `acceptablePrice`, a sell at least at it.
    function checkSlippage(int256 sizeDelta, uint256 fill, uint256 acceptablePrice) internal pure {
        if (sizeDelta > 0 ? fill > acceptablePrice : fill < acceptablePrice)
            revert ICrossmarginErrors.SlippageExceeded(fill, acceptablePrice);
    }

    /// @notice A listed market's config slots 0, 1 and 2, read from the config page (INV-79)
    ///         with one code access instead of three cold slots. A listed market's funding slot
    ///         is never zero (listing sets its time) and the page has every listed market, so an
    ///         id that is not listed reverts `UnknownMarket` before the page is read.
    function configWords(
        Store storage s,
        uint256 marketId,
        StoredMarket storage cfg
    ) internal view returns (uint256[3] memory w) {
        if (MarketMath.fundingWord(MarketMath.stateOf(cfg)) == 0)
            revert ICrossmarginErrors.UnknownMarket(marketId);
        (w[0], w[1], w[2]) = ConfigPage.tradeWords(ConfigPage.at(s.configPage), marketId);
    }

    /// @dev The market's config words (`configWords`), then its status (bits 200..207 of slot
    ///      0), the pause and the instant-trading flag (bits 208..215) admit the trade, or
    ///      revert; returns the words, the price the check values the market at (`hint`, else
    ///      the latest) and whether the market is settled. A reducing trade passes everything
    ///      but an unknown or paused market.
    function _admit(
        Store storage s,
        uint256 marketId,
        bool reducing,
        bool instant,
        uint256 hint
    ) private view returns (uint256[3] memory w, uint256 checkPrice, bool settled) {
        StoredMarket storage cfg = s.markets[marketId].config;
        w = configWords(s, marketId, cfg);
        uint256 c0 = w[0];
        MarketStatus status = MarketStatus(uint8(c0 >> 200));
        if (status == MarketStatus.None) revert ICrossmarginErrors.UnknownMarket(marketId);
        if (status == MarketStatus.Paused) revert ICrossmarginErrors.MarketPaused(marketId);
        if (!reducing) {
            if (status == MarketStatus.ReduceOnly)
                revert ICrossmarginErrors.MarketReduceOnly(marketId);
            if (status == MarketStatus.Settled) revert ICrossmarginErrors.MarketSettled(marketId);
            if (s.paused) revert ICrossmarginErrors.ProtocolPaused();
            if (instant && (c0 >> 208) & MARKET_INSTANT_TRADING == 0)
                revert ICrossmarginErrors.InstantTradingDisabled(marketId);
        }
        settled = status == MarketStatus.Settled;
        checkPrice = hint != 0 ? hint : MarginLogic.marketPriceFrom(cfg, c0);
    }

    /// @dev What a reducing trade changes in the INV-8 reconstruction of equity and MM before it:
    ///      the cost it paid, and the MM it freed net of the offset credit it lost, all at
    ///      `price`, the price the check values the market at. For a delayed order that fills at
    ///      an earlier round's price, the cost against the latest price includes the move since:
    ///      otherwise a fill at a stale price could realise a loss against the latest price and
    ///      leave a healthy account liquidatable while the check took it for already liquidatable.
    function _reduced(
        Store storage s,
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 price,
        TradeResult memory r,
        MarginCheck memory pending,
        uint256[3] memory w
    ) private view {
        pending.equityBeforeAdj +=
            sizeDelta.sMulCeil(int256(r.fill) - int256(price)) + int256(r.fee);
        (, uint256 mmOld) = MarketMath.sizeRequirementsFrom(w[1], r.oldSize, price);
        (, uint256 mmNew) = MarketMath.sizeRequirementsFrom(w[1], r.newSize, price);
        int256 freed = int256(mmOld) - int256(mmNew);
        // A market without an offset pair (bits 216..223 of slot 0) has no credit to lose.
        uint256 pairId = uint8(w[0] >> 216);
        if (pairId != 0) {
            freed -= PairCredit.creditLoss(
                s,
                account,
                marketId,
                pairId,
                price,
                r.oldSize,
                r.newSize
            );
        }
        pending.mmBeforeAdj += freed;
        // Realising the PnL into whole quote units loses under one unit; the three WAD
        // roundings of PnL and impact, under 2 wei; storing the new position, `storeLoss`
        // (docs/math.md, "Margin check" and "Position storage").
        pending.slack += uint256(s.quoteScale) + 2 + r.storeLoss;
    }

    /// @notice Applies `sizeDelta` to the account's position in `marketId` at `price`.
    /// @dev The one function that changes positions and market aggregates. Realises PnL and
    ///      funding of the old position into the quote balance; the pool gets the opposite.
    /// @param pos The account's position in `marketId` (`AccountIds.positionKey`).
    /// @param atPrice Fill exactly at `price` without fee (liquidations and settled markets).
    /// @param w The market's config slots 0 and 1 as words (`configWords`), or zeros to read
    ///        them where needed. A fill with impact (`atPrice` false) needs both.
    function execute(
        Store storage s,
        uint256 account,
        uint256 marketId,
        Position storage pos,
        int256 sizeDelta,
        uint256 price,
        bool atPrice,
        uint256[3] memory w
    ) internal returns (TradeResult memory r) {
        MarketState storage st = s.markets[marketId].state;
        (, , int256 indexNow) = _accrue(s.markets[marketId].config, st, price, w[0], w[1]);
        uint256 entry;
        int256 index0;
        (r.oldSize, entry, index0) = PositionLib.load(pos);
        r.newSize = r.oldSize + sizeDelta;
        if (r.newSize > type(int128).max || r.newSize < -type(int128).max) {
            revert ICrossmarginErrors.SizeOverflow(r.newSize);
        }
        if (atPrice) {
            r.fill = price;
        } else {
            (r.fill, r.fee) = _impactFill(st, w[0], w[1], sizeDelta, price);
        }
        r.pnl = r.oldSize.sMulFloor(int256(r.fill) - int256(entry));
        r.funding = r.oldSize.sMulCeil(indexNow - index0);
        r.quoteDelta = MarginLogic.usdToQuoteFloor(s, r.pnl - r.funding - int256(r.fee));
        _credit(s, account, marketId, r);
        MarginLogic.addPool(s, -r.quoteDelta);
        r.riskIncreased = !isReducing(r.oldSize, sizeDelta);
        (int256 newEntry, int256 newIndex) = _move(pos, r, indexNow);
        updateAggregates(st, r.oldSize, r.newSize, int256(entry), newEntry, index0, newIndex);
        _emitModified(account, marketId, sizeDelta, r, indexNow);
    }

    /// @dev The account's side of a position change, in one write of its slot: the quote
    ///      balance moves by `r.quoteDelta` and the market mask follows the position (a bit set
    ///      when it opens, within `MAX_POSITIONS`; cleared when it closes).
    function _credit(
        Store storage s,
        uint256 account,
        uint256 marketId,
        TradeResult memory r
    ) private {
        AccountData storage a = s.accounts[account];
        if (r.newSize == 0) {
            a.marketMask &= ~uint64(1 << marketId);
        } else if (r.oldSize == 0) {
            uint64 mask = a.marketMask | uint64(1 << marketId);
            if (Bitmask.count(mask) > MAX_POSITIONS)
                revert ICrossmarginErrors.TooManyPositions(account, MAX_POSITIONS);
            a.marketMask = mask;
        }
        MarginLogic.addQuote(s, a, r.quoteDelta);
    }

    /// @dev Writes the position's new size, with the fill and `indexNow` rounded against it
    ///      (PositionLib), or deletes it. Returns the entry and index stored, which the market
    ///      aggregates must use.
    function _move(
        Position storage pos,
        TradeResult memory r,
        int256 indexNow
    ) private returns (int256 newEntry, int256 newIndex) {
        if (r.newSize == 0) {
            delete pos.size;
            delete pos.entryFloat;
            delete pos.indexFloat;
            return (0, 0);
        }
        uint256 entry;
        (entry, newIndex) = PositionLib.store(pos, r.newSize, r.fill, indexNow);
        newEntry = int256(entry);
        // What storing took from the position (docs/math.md, "Position storage"), rounded up.
        if (!r.riskIncreased) {
            // Only the skip rule of a reducing trade uses it (`_reduced`).
            uint256 diff =
                (entry > r.fill ? entry - r.fill : r.fill - entry) + (indexNow - newIndex).abs();
            r.storeLoss = (r.newSize.abs() * diff) / WadMath.WAD + 2;
        }
    }

    /// @dev Fill at the effective skew (INV-40) and fee split at the real skew (docs/math.md),
    ///      at the skew scale of config word `c1` and the fees of `c0`.
    function _impactFill(
        MarketState storage st,
        uint256 c0,
        uint256 c1,
        int256 sizeDelta,
        uint256 price
    ) private view returns (uint256 fill, uint256 fee) {
        int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
        uint256 skewScale = MarketMath.skewScaleFrom(c1);
        int256 skewEff = skewScale == 0 ? skew : _blockSkew(st, skew, sizeDelta);
        fill = MarketMath.fillPrice(price, skewEff, sizeDelta, skewScale);
        fee = MarketMath.tradeFeeFrom(c0, skew, sizeDelta, fill);
    }

    /// @dev INV-40: the skew a price-impacted trade fills at, the worse for the trader of the
    ///      block-start skew and the current skew (docs/math.md). `execute` has recorded funding
    ///      at this timestamp, so the stored block-start skew is this timestamp's (`_store`): for
    ///      the first change at this timestamp it equals `skew`.
    function _blockSkew(
        MarketState storage st,
        int256 skew,
        int256 sizeDelta
    ) private view returns (int256) {
        return MarketMath.effectiveSkew(skew, st.blockSkew, sizeDelta);
    }

    function _emitModified(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        TradeResult memory r,
        int256 fundingIndex
    ) private {
        emit ICrossmarginEvents.PositionModified(
            account,
            marketId,
            sizeDelta,
            r.newSize,
            r.fill,
            r.fee,
            r.pnl,
            r.funding,
            r.quoteDelta,
            fundingIndex
        );
    }

    /// @notice True when the trade only shrinks an existing position (no growth, no flip).
    function isReducing(int256 oldSize, int256 sizeDelta) internal pure returns (bool) {
        return oldSize != 0 && (oldSize > 0) != (sizeDelta > 0) && sizeDelta.abs() <= oldSize.abs();
    }

    /// @notice The caps of a risk-increasing trade, on the market after it: per side, open
    ///         interest (the side of the position, `long`) within an absolute size and its
    ///         notional within a multiple of the pool's balance; then INV-45, a trade that grows
    ///         |skew| keeps the net skew notional within the pool's balance times
    ///         `maxNetExposureRatio` (docs/math.md). Trades that shrink |skew| (or keep it) pass
    ///         the second.
    ///      The caps are config slot 2 as the word `c2` (`configWords`): `maxOpenInterest` in bits
    ///      0..127, `maxOiPoolRatio` 128..191, `maxNetExposureRatio` 192..255.
    /// @dev The open interest and the pool's slot read once each. The pool's
    ///      balance, not its value: O(1). The full value would read every market's oracle on each
    ///      such trade (+85k..+335k gas measured) and block accounts not holding a stale market
    ///      (INV-25).
    function checkCaps(
        Store storage s,
        uint256 marketId,
        uint256 c2,
        bool long,
        int256 sizeDelta,
        uint256 price
    ) internal view {
        MarketState storage st = s.markets[marketId].state;
        (uint256 longOI, uint256 shortOI) = (st.longOI, st.shortOI);
        (int256 balance, uint256 scale) = (s.poolBalance, s.quoteScale);
        uint256 poolUsd = balance > 0 ? uint256(balance) * scale : 0;
        {
            uint256 oi = long ? longOI : shortOI;
            uint256 maxOi = uint128(c2);
            if (oi > maxOi) revert ICrossmarginErrors.OpenInterestCapExceeded(marketId, oi, maxOi);
            uint256 notional = oi.mulUp(price);
            uint256 capUsd = poolUsd.mulDown(uint64(c2 >> 128));
            if (notional > capUsd)
                revert ICrossmarginErrors.OpenInterestCapExceeded(marketId, notional, capUsd);
        }
        int256 skew = int256(longOI) - int256(shortOI);
        uint256 after_ = skew.abs();
        if (after_ <= (skew - sizeDelta).abs()) return;
        uint256 netNotional = after_.mulUp(price);
        uint256 netCapUsd = poolUsd.mulDown(c2 >> 192);
        if (netNotional > netCapUsd)
            revert ICrossmarginErrors.NetExposureExceeded(marketId, netNotional, netCapUsd);
    }

    /// @notice Moves a position of `oldSize` (at `oldEntry`, `oldIndex`) to `newSize` (at
    ///         `newEntry`, `newIndex`) in the market's aggregates: open interest per side and the
    ///         pool's sum `netBasis`, `sum(trunc(size * entry / WAD) - trunc(size * index / WAD))`.
    /// @dev The plain path: both slots read and written once, as words (state 0: longOI bits
    ///      0..111, shortOI 112..223, the listing's flag above; state 2: netBasis 0..127, the
    ///      block-start skew and the flag above), the other fields kept as they are. It is taken
    ///      when every size, entry and index is below 2^127 in magnitude (no product can
    ///      overflow: each is below 2^254, each quotient below 2^195, so no sum can), no side's
    ///      open interest goes below zero or above 112 bits and the sum fits 128 bits. Anywhere
    ///      else it writes nothing and declines to `PoolLogic.updateAggregatesChecked`, which then stores
    ///      the same or reverts as it always did (test/foundry/Aggregates.t.sol). One assembly
    ///      block, over the 50-line lint.
    // solhint-disable-next-line function-max-lines
    function updateAggregates(
        MarketState storage st,
        int256 oldSize,
        int256 newSize,
        int256 oldEntry,
        int256 newEntry,
        int256 oldIndex,
        int256 newIndex
    ) internal {
        bool ok;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // -2^127 <= x < 2^127
            function small(x) -> r {
                r := lt(add(x, 0x80000000000000000000000000000000), shl(128, 1))
            }
            let s0 := sload(st.slot)
            let longOI := and(s0, OI_MASK)
            let shortOI := and(shr(112, s0), OI_MASK)
            ok := and(and(small(oldSize), small(newSize)), and(small(oldEntry), small(newEntry)))
            ok := and(ok, and(small(oldIndex), small(newIndex)))
            switch sgt(oldSize, 0)
            case 0 {
                let out := sub(0, oldSize)
                ok := and(ok, iszero(gt(out, shortOI)))
                shortOI := sub(shortOI, out)
            }
            default {
                ok := and(ok, iszero(gt(oldSize, longOI)))
                longOI := sub(longOI, oldSize)
            }
            switch sgt(newSize, 0)
            case 0 {
                shortOI := add(shortOI, sub(0, newSize))
            }
            default {
                longOI := add(longOI, newSize)
            }
            ok := and(ok, iszero(or(gt(longOI, OI_MASK), gt(shortOI, OI_MASK))))
            if ok {
                let s2 := sload(add(st.slot, 2))
                // the old position's term out, the new one's in, each truncated as in Solidity
                let out := sdiv(mul(oldSize, oldEntry), WAD_)
                out := sub(out, sdiv(mul(oldSize, oldIndex), WAD_))
                let b := sdiv(mul(newSize, newEntry), WAD_)
                b := sub(b, sdiv(mul(newSize, newIndex), WAD_))
                b := add(sub(signextend(15, s2), out), b)
                ok := eq(signextend(15, b), b)
                if ok {
                    s0 := or(and(s0, not(OI_PAIR_MASK)), or(shl(112, shortOI), longOI))
                    sstore(st.slot, s0)
                    sstore(add(st.slot, 2), or(and(s2, not(INT128_MASK)), and(b, INT128_MASK)))
                }
            }
        }
        if (!ok)
            PoolLogic.updateAggregatesChecked(
                st,
                oldSize,
                newSize,
                oldEntry,
                newEntry,
                oldIndex,
                newIndex
            );
    }
}
