// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {WadMath} from "./WadMath.sol";
import {RiskMath} from "./RiskMath.sol";
import {PositionLib} from "./PositionLib.sol";
import {StoredMarket, MarketState, MarketStatus, Position} from "../types/Types.sol";

/// @title MarketMath
/// @notice Fill price, fees, funding and margin requirements of one market (docs/math.md).
library MarketMath {
    using WadMath for uint256;
    using WadMath for int256;

    /// @dev Literals, for the assembly below: a day in seconds and `WadMath.WAD`.
    uint256 private constant DAY = 86400;
    uint256 private constant WAD_ = 1000000000000000000;
    uint256 private constant OI_MASK = 0xffffffffffffffffffffffffffff; // 112 bits
    /// @dev `PositionLib`'s float mantissa (57 bits), and the largest positive signed mantissa.
    uint256 private constant MANTISSA = 0x1ffffffffffffff;
    uint256 private constant HALF_MANTISSA = 0xffffffffffffff;

    /// @notice `p * (1 + (skew + sizeDelta / 2) / skewScale)`, rounded against the trader.
    function fillPrice(
        uint256 price,
        int256 skew,
        int256 sizeDelta,
        uint256 skewScale
    ) internal pure returns (uint256) {
        if (skewScale == 0) return price;
        int256 num = int256(price) * (2 * skew + sizeDelta);
        int256 den = 2 * int256(skewScale);
        int256 impact = sizeDelta > 0 ? WadMath.divCeil(num, den) : WadMath.divFloor(num, den);
        int256 fill = int256(price) + impact;
        return fill > 0 ? uint256(fill) : 0;
    }

    /// @notice The skew a trade of `sizeDelta` is priced at (INV-40): the worse for the trader of
    ///         the skew now and the skew at the start of the block (higher for a buy, lower for
    ///         a sell).
    function effectiveSkew(
        int256 skew,
        int256 blockSkew,
        int256 sizeDelta
    ) internal pure returns (int256) {
        if (sizeDelta > 0) return skew > blockSkew ? skew : blockSkew;
        return skew < blockSkew ? skew : blockSkew;
    }

    /// @notice WAD per pip: a market stores its fees in pips (1e-6 of notional, `StoredMarket`).
    uint256 internal constant PIP = 1e12;
    /// @notice WAD per nano: a market stores its margin and funding parameters in nanos (1e-9).
    uint256 internal constant NANO = 1e9;

    /// @notice The state of the market whose configuration is `cfg`: `Market` (Store.sol) keeps
    ///         them under one key, the state in the four slots after the configuration's five,
    ///         so it costs no slot hash (test/foundry/MarketParams.t.sol checks the offset).
    function stateOf(StoredMarket storage cfg) internal pure returns (MarketState storage st) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            st.slot := add(cfg.slot, 5)
        }
    }

    /// @notice Whether config slot 0, read as the word `c0`, says the market is settled (its
    ///         status at bits 200..207).
    function settledWord(uint256 c0) internal pure returns (bool) {
        return (c0 >> 200) & 0xff == uint256(MarketStatus.Settled);
    }

    /// @notice The market's skew scale (size WAD; 0: no price impact and no funding).
    function skewScaleWad(StoredMarket storage cfg) internal view returns (uint256) {
        return uint256(cfg.skewScaleNano) * NANO;
    }

    /// @notice `skewScaleWad` from config slot 1 as the word `c1` (bits 176..255).
    function skewScaleFrom(uint256 c1) internal pure returns (uint256) {
        return (c1 >> 176) * NANO;
    }

    /// @notice `fees` from config slot 0 as the word `c0` (pips in bits 224..239 and 240..255).
    function feesFrom(uint256 c0) internal pure returns (uint256 maker, uint256 taker) {
        return (uint256(uint16(c0 >> 224)) * PIP, (c0 >> 240) * PIP);
    }

    /// @notice `tradeFee` at the fees of config slot 0 as the word `c0`.
    function tradeFeeFrom(
        uint256 c0,
        int256 skew,
        int256 sizeDelta,
        uint256 fill
    ) internal pure returns (uint256) {
        (uint256 maker, uint256 taker) = feesFrom(c0);
        return orderFee(skew, sizeDelta, fill, maker, taker);
    }

    /// @notice The market's maker and taker fees (WAD).
    function fees(StoredMarket storage cfg) internal view returns (uint256 maker, uint256 taker) {
        return (uint256(cfg.makerFeePips) * PIP, uint256(cfg.takerFeePips) * PIP);
    }

    /// @notice `orderFee` at the market's fees (`tradeFeeFrom` with config slot 0 read).
    function tradeFee(
        StoredMarket storage cfg,
        int256 skew,
        int256 sizeDelta,
        uint256 fill
    ) internal view returns (uint256) {
        uint256 c0;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            c0 := sload(cfg.slot)
        }
        return tradeFeeFrom(c0, skew, sizeDelta, fill);
    }

    /// @notice Maker fee on the part that shrinks |skew|, taker fee on the part that grows it.
    function orderFee(
        int256 skew,
        int256 sizeDelta,
        uint256 fill,
        uint256 makerFee,
        uint256 takerFee
    ) internal pure returns (uint256) {
        uint256 absDelta = sizeDelta.abs();
        uint256 makerPart;
        if (skew != 0 && (skew > 0) != (sizeDelta > 0))
            makerPart = WadMath.min(absDelta, skew.abs());
        uint256 takerPart = absDelta - makerPart;
        // A part of zero costs zero: most trades are all taker or all maker.
        uint256 fee;
        if (makerPart != 0) fee = makerPart.mulUp(fill).mulUp(makerFee);
        if (takerPart != 0) fee += takerPart.mulUp(fill).mulUp(takerFee);
        return fee;
    }

    /// @notice The funding rate and index at `block.timestamp` without recording them
    ///         (`fundingFrom`, the market's config read where needed).
    function currentFunding(
        StoredMarket storage cfg,
        MarketState storage st,
        uint256 price
    ) internal view returns (int256 rateNow, int256 indexNow) {
        return fundingFrom(cfg, st, price, 0, 0);
    }

    /// @notice `currentFunding` with config slots 0 and 1 passed as the words `c0` and `c1` the
    ///         caller has already read (the health loop), so that neither is read again. A word
    ///         passed as 0 is read from storage where it is needed: reading a slot that holds 0
    ///         gives the same 0, so the result never depends on which the caller passed.
    /// @dev Each slot is read once, as a word (state 1: index, rate, time; config 0: the status;
    ///      config 1: the skew scale and the velocity; state 0: open interest), and decoded at the
    ///      field offsets of `MarketState` and `StoredMarket` (test/foundry/HotMath.t.sol
    ///      checks them against the compiler's layout). Unchecked where the stored widths bound
    ///      the values (`elapsed` < 2^64, the EVM's timestamp width): |skew| < 2^113, so
    ///      |skew * WAD| < 2^173; the skew scale < 2^110 (uint80 nanos); |prop| <= WAD < 2^60
    ///      and the velocity < 2^70 (uint40 nanos), so |velocity| <= 2^70;
    ///      |velocity * elapsed| < 2^134; |rateNow| < 2^119 (the stored rate is int80);
    ///      |avgRate * elapsed| < 2^184. The one product that can overflow, by the
    ///      price, is checked, as is the sum with the index (Panic 0x11, as checked Solidity).
    ///      One assembly block, over the 50-line lint.
    function fundingFrom(
        StoredMarket storage cfg,
        MarketState storage st,
        uint256 price,
        uint256 c0,
        uint256 c1
    ) internal view returns (int256 rateNow, int256 indexNow) {
        uint256 s1;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            s1 := sload(add(st.slot, 1))
        }
        return fundingAt(cfg, st, s1, price, c0, c1);
    }

    /// @notice State slot 1 (the funding's index, rate and time) as a word, for `fundingAt`
    ///         and `storedFunding`.
    /// @dev `fundingFrom` reads the slot in its own block: calling this from the health loop
    ///      cost +93 gas a position and +86 a trade through the IR build's code layout.
    function fundingWord(MarketState storage st) internal view returns (uint256 s1) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            s1 := sload(add(st.slot, 1))
        }
    }

    /// @notice State slot 1's word `s1` decoded: the stored funding rate (int80, bits
    ///         128..207), index (int128, bits 0..127) and the time they were recorded (uint48,
    ///         bits 208..255).
    function storedFunding(
        uint256 s1
    ) internal pure returns (int256 rate, int256 index, uint256 last) {
        return (int80(uint80(s1 >> 128)), int128(uint128(s1)), s1 >> 208);
    }

    /// @notice `fundingFrom` with state slot 1 passed as the word `s1` the caller has read
    ///         (`TradeLogic._accrue`, which reads it first to see whether anything accrues).
    // solhint-disable-next-line function-max-lines
    function fundingAt(
        StoredMarket storage cfg,
        MarketState storage st,
        uint256 s1,
        uint256 price,
        uint256 c0,
        uint256 c1
    ) internal view returns (int256 rateNow, int256 indexNow) {
        bool overflow;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            indexNow := signextend(15, s1) // int128 fundingIndex, bits 0..127
            rateNow := signextend(9, shr(128, s1)) // int80 fundingRate, bits 128..207
            let last := shr(208, s1) // uint48 lastFundingTime
            let idle := eq(timestamp(), last)
            if iszero(idle) {
                if iszero(c0) {
                    c0 := sload(cfg.slot)
                }
                // status (bits 200..207 of config 0) 4 = Settled: funding stopped at settlement
                idle := eq(and(shr(200, c0), 0xff), 4)
            }
            if iszero(idle) {
                if iszero(c1) {
                    c1 := sload(add(cfg.slot, 1))
                }
                let elapsed := sub(timestamp(), last)
                let scale := mul(shr(176, c1), NANO) // uint80 skewScaleNano, bits 176..255
                let velocity := 0
                if scale {
                    let s0 := sload(st.slot) // uint112 longOI, uint112 shortOI
                    let skew := sub(and(s0, OI_MASK), and(shr(112, s0), OI_MASK))
                    let prop := sdiv(mul(skew, WAD_), scale)
                    if sgt(prop, WAD_) {
                        prop := WAD_
                    }
                    if slt(prop, sub(0, WAD_)) {
                        prop := sub(0, WAD_)
                    }
                    // uint40 maxFundingVelocityNano, bits 88..127
                    velocity := sdiv(mul(prop, mul(and(shr(88, c1), 0xffffffffff), NANO)), WAD_)
                }
                let rate := rateNow
                rateNow := add(rate, sdiv(mul(velocity, elapsed), DAY))
                let avg := mul(sdiv(add(rate, rateNow), 2), elapsed)
                let p := mul(avg, price)
                overflow := and(
                    iszero(iszero(avg)),
                    or(
                        iszero(eq(sdiv(p, avg), price)),
                        and(eq(avg, not(0)), eq(price, shl(255, 1)))
                    )
                )
                let delta := sdiv(p, mul(DAY, WAD_))
                let sum := add(indexNow, delta)
                overflow := or(overflow, xor(slt(sum, indexNow), slt(delta, 0)))
                indexNow := sum
            }
        }
        if (overflow) WadMath.panic(0x11);
    }

    /// @notice Initial and maintenance requirement of a position with `notional` (USD WAD).
    /// @dev Config slot 1 read once, as a word: `imrBaseNano` (bits 0..31), `imrSizeFactorNano`
    ///      (32..55), `maintenanceScalarNano` (56..87), `minPositionMarginNano` (128..175).
    function requirements(
        StoredMarket storage cfg,
        uint256 notional
    ) internal view returns (uint256 im, uint256 mm) {
        uint256 c1;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            c1 := sload(add(cfg.slot, 1))
        }
        return requirementsFrom(c1, notional);
    }

    /// @notice `requirements` from config slot 1 already read as the word `c1` (a market's
    ///         slot or its config page's copy, INV-79).
    function requirementsFrom(
        uint256 c1,
        uint256 notional
    ) internal pure returns (uint256 im, uint256 mm) {
        uint256 imr;
        uint256 k;
        uint256 scalar;
        uint256 minMargin;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            imr := mul(and(c1, 0xffffffff), NANO)
            k := mul(and(shr(32, c1), 0xffffff), NANO)
            scalar := mul(and(shr(56, c1), 0xffffffff), NANO)
            minMargin := mul(and(shr(128, c1), 0xffffffffffff), NANO)
        }
        if (k != 0) {
            // mulUp(k, sqrtUp(x)) <= imrBase iff sqrtUp(x) <= t = floor(imrBase * WAD / k)
            // iff x <= t * t: the square root is taken only where the size factor binds.
            uint256 x = notional * WadMath.WAD;
            uint256 t = (imr * WadMath.WAD) / k;
            if (x > t * t) imr = WadMath.max(imr, k.mulUp(WadMath.sqrtUp(x)));
        }
        uint256 mmr = imr.mulUp(scalar);
        im = notional.mulUp(imr) + minMargin;
        mm = notional.mulUp(mmr) + minMargin;
    }

    /// @notice One position's turn of the health loop on the plain 256-bit path (INV-69): its
    ///         value, PnL net of the funding owed (`floor(size * (price - entry)) -
    ///         ceil(size * (indexNow - index0))`, WAD), and, written into `out`, its size,
    ///         notional (`mulUp(|size|, price)`) and `requirements`.
    /// @dev Reads the position's slot (int128 size, bits 0..127; entry float 128..191; index
    ///      float 192..255, `PositionLib`'s floats) once, as a word; config slot 1 is the
    ///      caller's word `c1` (`requirements`' fields at its offsets).
    ///      `ok` is false unless the price, the entry price and both funding indexes are below
    ///      2^127 in magnitude (then no product of the PnL and the notional can overflow:
    ///      |size| <= 2^127), the requirement products fit 256 bits and the size factor does not
    ///      bind (the square root): the caller then takes the checked path (`PositionLib.load`,
    ///      `sMulFloor`, `sMulCeil`, `requirements`), which writes every field of `out` and
    ///      returns the same figures or reverts as it always did (test/foundry/HotMath.t.sol).
    ///      One assembly block, over the 50-line lint: split, it would pay a call per position.
    // solhint-disable-next-line function-max-lines
    function figures(
        uint256 c1,
        Position storage pos,
        uint256 price,
        int256 indexNow,
        RiskMath.Leg memory out
    ) internal view returns (bool ok, int256 value) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Scoped blocks and reused names keep the stack shallow enough for the legacy
            // pipeline without the optimizer (coverage's build).
            let size
            {
                let entry
                let index0
                {
                    let w := sload(pos.slot)
                    size := signextend(15, w)
                    entry := shl(and(shr(185, w), 0x7f), and(shr(128, w), MANTISSA))
                    index0 := and(shr(192, w), MANTISSA)
                    if gt(index0, HALF_MANTISSA) {
                        index0 := sub(index0, shl(57, 1))
                    }
                    index0 := shl(shr(249, w), index0)
                }
                ok := and(
                    and(lt(price, shl(127, 1)), lt(entry, shl(127, 1))),
                    and(
                        lt(add(indexNow, shl(127, 1)), shl(128, 1)),
                        lt(add(index0, shl(127, 1)), shl(128, 1))
                    )
                )
                if ok {
                    // |size| <= 2^127 and both differences below 2^128: no product overflows
                    let p := mul(size, sub(price, entry))
                    value := sub(sdiv(p, WAD_), and(slt(p, 0), iszero(iszero(smod(p, WAD_)))))
                    p := mul(size, sub(indexNow, index0))
                    value := sub(
                        value,
                        add(sdiv(p, WAD_), and(sgt(p, 0), iszero(iszero(smod(p, WAD_)))))
                    )
                }
            }
            if ok {
                let notional := size
                if slt(size, 0) {
                    notional := sub(0, size)
                }
                notional := mul(notional, price) // < 2^254
                notional := mul(iszero(iszero(notional)), add(div(sub(notional, 1), WAD_), 1))
                let imr
                let mmr
                {
                    imr := mul(and(c1, 0xffffffff), NANO)
                    // imr and the scalar are below 2^62: their product fits
                    mmr := mul(imr, mul(and(shr(56, c1), 0xffffffff), NANO))
                    // the minimum margin, to which the products are added below
                    mstore(add(out, 0x60), mul(and(shr(128, c1), 0xffffffffffff), NANO))
                    // the size factor binds where `requirements` takes the square root
                    let k := mul(and(shr(32, c1), 0xffffff), NANO)
                    if k {
                        k := div(mul(imr, WAD_), k) // t = floor(imr * WAD / k)
                        if gt(mul(notional, WAD_), mul(k, k)) {
                            ok := 0
                        }
                    }
                }
                mmr := mul(iszero(iszero(mmr)), add(div(sub(mmr, 1), WAD_), 1))
                let minMargin := mload(add(out, 0x60))
                let p := mul(notional, imr)
                ok := and(ok, or(iszero(notional), eq(div(p, notional), imr)))
                mstore(
                    add(out, 0x60),
                    add(mul(iszero(iszero(p)), add(div(sub(p, 1), WAD_), 1)), minMargin)
                )
                p := mul(notional, mmr)
                ok := and(ok, or(iszero(notional), eq(div(p, notional), mmr)))
                mstore(
                    add(out, 0x80),
                    add(mul(iszero(iszero(p)), add(div(sub(p, 1), WAD_), 1)), minMargin)
                )
                mstore(add(out, 0x20), size)
                mstore(add(out, 0x40), notional)
            }
        }
    }

    /// @notice `figures` on the checked path (`PositionLib.load`, `sMulFloor`, `sMulCeil`,
    ///         `requirements`), which `MarginLogic._position` takes where `figures` declines:
    ///         the same figures, or the revert of the product that overflows.
    function checkedFigures(
        StoredMarket storage cfg,
        Position storage pos,
        uint256 price,
        int256 indexNow,
        RiskMath.Leg memory out
    ) internal view returns (int256 value) {
        (int256 size, uint256 entry, int256 index0) = PositionLib.load(pos);
        value = size.sMulFloor(int256(price) - int256(entry)) - size.sMulCeil(indexNow - index0);
        out.size = size;
        out.notional = size.abs().mulUp(price);
        (out.im, out.mm) = requirements(cfg, out.notional);
    }

    /// @notice A position of `size` at `price` as a leg of the health loop and the offset-pair
    ///         credit: its notional (rounded up) and requirements; the caller sets its pair.
    function leg(
        StoredMarket storage cfg,
        int256 size,
        uint256 price
    ) internal view returns (RiskMath.Leg memory out) {
        out.size = size;
        out.notional = size.abs().mulUp(price);
        (out.im, out.mm) = requirements(cfg, out.notional);
    }

    /// @notice Requirements of a signed size at `price` (zero for a zero size), from config
    ///         slot 1 already read as the word `c1`.
    function sizeRequirementsFrom(
        uint256 c1,
        int256 size,
        uint256 price
    ) internal pure returns (uint256 im, uint256 mm) {
        if (size == 0) return (0, 0);
        return requirementsFrom(c1, size.abs().mulUp(price));
    }
}
