// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Bitmask} from "../../contracts/libraries/Bitmask.sol";
import {WadMath} from "../../contracts/libraries/WadMath.sol";
import {MarketMath} from "../../contracts/libraries/MarketMath.sol";
import {OracleLib} from "../../contracts/libraries/OracleLib.sol";
import {StoredMarket, MarketState, MarketStatus, Position} from "../../contracts/types/Types.sol";
import {PositionLib} from "../../contracts/libraries/PositionLib.sol";
import {RiskMath} from "../../contracts/libraries/RiskMath.sol";
import {WadMathHarness} from "../../contracts/mocks/WadMathHarness.sol";
import {RawFeed} from "../../contracts/mocks/RawFeed.sol";
import {LiquidationCredits, Slot} from "../../contracts/libraries/LiquidationCredits.sol";

/// @notice The health loop's hand-written arithmetic and word reads (docs/gas.md) against plain
///         checked Solidity, field-by-field reads and OpenZeppelin's `mulDiv`: the same result
///         for every input, and a revert with the same data exactly where the reference reverts
///         (INV-69).
contract HotMathTest is Test {
    using WadMath for uint256;

    int256 internal constant WAD = 1e18;

    StoredMarket internal cfg;
    MarketState internal st;
    WadMathHarness internal harness = new WadMathHarness();

    // ---- the liquidation's close order ----

    /// @dev Up to 16 slots (an account's positions at most), MMs drawn from a few values half
    ///      the time so that ties occur, each slot done with probability 1/2.
    function testFuzz_largestOpenIsThePlainLoop(uint256 seed, uint8 n) public pure {
        Slot[] memory slots = new Slot[](n % 17);
        for (uint256 i; i < slots.length; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            slots[i].marketId = i;
            slots[i].mm = r % 2 == 0 ? (r >> 8) % 4 : r >> 8;
            slots[i].done = (r >> 1) % 2 == 0;
            slots[i].fresh = (r >> 2) % 2 == 0;
            slots[i].credit = r >> 16;
        }
        uint256 k = type(uint256).max;
        uint256 best;
        for (uint256 i; i < slots.length; ++i) {
            if (!slots[i].done && (k == type(uint256).max || slots[i].mm > best)) {
                (best, k) = (slots[i].mm, i);
            }
        }
        assertEq(LiquidationCredits.largestOpen(slots), k);
    }

    /// @dev Up to 16 slots, each paired with probability 1/4 (pair ids up to 2^255).
    function testFuzz_pairedIsThePlainLoop(uint256 seed, uint8 n) public pure {
        Slot[] memory slots = new Slot[](n % 17);
        bool any;
        for (uint256 i; i < slots.length; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            slots[i].marketId = i;
            slots[i].mm = r >> 8;
            slots[i].pair = r % 4 == 0 ? r >> 1 : 0;
            slots[i].credit = r >> 16;
            if (slots[i].pair != 0) any = true;
        }
        assertEq(LiquidationCredits.paired(slots), any);
    }

    // ---- Bitmask ----

    function _naiveCount(uint256 x) internal pure returns (uint256 c) {
        for (uint256 i; i < 64; ++i) if (x & (1 << i) != 0) ++c;
    }

    function testFuzz_countMatchesTheBits(uint64 x) public pure {
        assertEq(Bitmask.count(x), _naiveCount(x));
    }

    function testFuzz_lowestIsTheFirstSetBit(uint64 x) public pure {
        vm.assume(x != 0);
        uint256 i = Bitmask.lowest(x);
        assertTrue(x & (1 << i) != 0, "bit not set");
        assertEq(uint256(x) & ((1 << i) - 1), 0, "a lower bit is set");
    }

    function test_lowestAndCountAtTheEdges() public pure {
        assertEq(Bitmask.count(0), 0);
        assertEq(Bitmask.count(type(uint64).max), 64);
        assertEq(Bitmask.lowest(1), 0);
        assertEq(Bitmask.lowest(1 << 63), 63);
        assertEq(Bitmask.lowest(type(uint64).max), 0);
        // every entry of the de Bruijn table: each bit alone, and with every bit above it set
        for (uint256 i; i < 64; ++i) {
            assertEq(Bitmask.lowest(1 << i), i);
            assertEq(Bitmask.lowest(uint256(type(uint64).max) & (type(uint256).max << i)), i);
        }
    }

    // ---- WadMath: unsigned ----

    function testFuzz_mulDownMatchesMulDiv(uint256 a, uint256 b) public pure {
        (uint256 hi, ) = _mul512(a, b);
        vm.assume(hi < 1e18); // mulDiv's own bound: the quotient fits 256 bits
        assertEq(WadMath.mulDown(a, b), Math.mulDiv(a, b, 1e18));
    }

    function testFuzz_mulUpMatchesMulDiv(uint256 a, uint256 b) public pure {
        a = bound(a, 0, type(uint192).max);
        b = bound(b, 0, type(uint120).max); // the quotient fits 256 bits
        assertEq(WadMath.mulUp(a, b), Math.mulDiv(a, b, 1e18, Math.Rounding.Ceil));
    }

    function testFuzz_mulUpSmall(uint128 a, uint128 b) public pure {
        assertEq(WadMath.mulUp(a, b), Math.mulDiv(a, b, 1e18, Math.Rounding.Ceil));
    }

    function _mul512(uint256 a, uint256 b) internal pure returns (uint256 hi, uint256 lo) {
        unchecked {
            lo = a * b;
            uint256 mm = mulmod(a, b, type(uint256).max);
            hi = mm - lo - (mm < lo ? 1 : 0);
        }
    }

    // ---- WadMath: signed ----

    function refMulFloor(int256 a, int256 b) external pure returns (int256) {
        return _refDivFloor(a * b, WAD);
    }

    function refMulCeil(int256 a, int256 b) external pure returns (int256) {
        return -_refDivFloor(-(a * b), WAD);
    }

    function refDivFloor(int256 a, int256 b) external pure returns (int256) {
        return _refDivFloor(a, b);
    }

    function _refDivFloor(int256 a, int256 b) internal pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && a < 0) q -= 1;
    }

    /// @dev The reference here and `call` on `target` return the same value, or both revert
    ///      with the same data.
    function _same(bytes memory refCall, address target, bytes memory call) internal {
        (bool okRef, bytes memory outRef) = address(this).call(refCall);
        (bool ok, bytes memory out) = target.call(call);
        assertEq(ok, okRef, "one reverted, the other did not");
        assertEq(keccak256(out), keccak256(outRef), "different result or revert data");
    }

    function _edge(int256 x, uint256 pick) internal pure returns (int256) {
        pick %= 8;
        if (pick == 0) return type(int256).min;
        if (pick == 1) return type(int256).max;
        if (pick == 2) return -1;
        if (pick == 3) return 0;
        if (pick == 4) return 1;
        if (pick == 5) return x % 1e40;
        return x;
    }

    function testFuzz_signedMulMatchesCheckedSolidity(
        int256 a,
        int256 b,
        uint256 pa,
        uint256 pb
    ) public {
        (a, b) = (_edge(a, pa), _edge(b, pb));
        _same(
            abi.encodeCall(this.refMulFloor, (a, b)),
            address(harness),
            abi.encodeCall(WadMathHarness.sMulFloor, (a, b))
        );
        _same(
            abi.encodeCall(this.refMulCeil, (a, b)),
            address(harness),
            abi.encodeCall(WadMathHarness.sMulCeil, (a, b))
        );
    }

    function testFuzz_divFloorMatchesCheckedSolidity(int256 a, uint256 b, uint256 pa) public {
        a = _edge(a, pa);
        b = bound(b, 0, uint256(type(int256).max));
        int256 d = int256(b);
        _same(
            abi.encodeCall(this.refDivFloor, (a, d)),
            address(harness),
            abi.encodeCall(WadMathHarness.divFloor, (a, d))
        );
    }

    // ---- MarketMath.currentFunding ----

    /// @dev The checked implementation the unchecked one replaced.
    function refFunding(uint256 price) external view returns (int256 rateNow, int256 indexNow) {
        int256 rate = st.fundingRate;
        int256 elapsed = int256(block.timestamp) - int256(uint256(st.lastFundingTime));
        if (elapsed == 0 || cfg.status == MarketStatus.Settled) return (rate, st.fundingIndex);
        int256 skewScale = int256(uint256(cfg.skewScaleNano) * 1e9);
        int256 velocity;
        if (skewScale != 0) {
            int256 skew = int256(uint256(st.longOI)) - int256(uint256(st.shortOI));
            int256 prop = (skew * WAD) / skewScale;
            if (prop > WAD) prop = WAD;
            if (prop < -WAD) prop = -WAD;
            velocity = (prop * int256(uint256(cfg.maxFundingVelocityNano) * 1e9)) / WAD;
        }
        rateNow = rate + (velocity * elapsed) / 1 days;
        int256 avgRate = (rate + rateNow) / 2;
        indexNow = st.fundingIndex + (avgRate * elapsed * int256(price)) / (1 days * WAD);
    }

    function funding(uint256 price) external view returns (int256, int256) {
        return MarketMath.currentFunding(cfg, st, price);
    }

    /// @dev `fundingFrom` with config slots 0 and 1 passed as the words the health loop reads.
    function fundingFromWords(uint256 price) external view returns (int256, int256) {
        return MarketMath.fundingFrom(cfg, st, price, _word(0), _word(1));
    }

    /// @dev `fundingAt` with state slot 1 passed as the word `TradeLogic._accrue` reads.
    function fundingAtWord(uint256 price) external view returns (int256, int256) {
        return MarketMath.fundingAt(cfg, st, MarketMath.fundingWord(st), price, 0, 0);
    }

    /// @dev State slot 1 decoded from its word, against the compiler's field reads.
    function _checkStoredFunding() internal view {
        (int256 rate, int256 index, uint256 last) = MarketMath.storedFunding(
            MarketMath.fundingWord(st)
        );
        assertEq(rate, st.fundingRate, "stored rate");
        assertEq(index, st.fundingIndex, "stored index");
        assertEq(last, st.lastFundingTime, "stored time");
    }

    /// @dev Config slot `i` as a word, as `MarginLogic._position` reads it.
    function _word(uint256 i) internal view returns (uint256 w) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            w := sload(add(cfg.slot, i))
        }
    }

    function testFuzz_fundingMatchesCheckedSolidity(
        uint112 longOI,
        uint112 shortOI,
        int80 rate,
        int128 index,
        uint80 skewScaleNano,
        uint40 velocityNano,
        uint48 elapsed,
        uint256 price,
        bool settled
    ) public {
        vm.warp(type(uint48).max);
        st.longOI = longOI;
        st.shortOI = shortOI;
        st.fundingRate = rate;
        st.fundingIndex = index;
        st.lastFundingTime = uint48(block.timestamp - elapsed);
        cfg.skewScaleNano = skewScaleNano;
        cfg.maxFundingVelocityNano = velocityNano;
        cfg.status = settled ? MarketStatus.Settled : MarketStatus.Active;
        _fillNeighbours(uint256(keccak256(abi.encode(longOI, rate, price))));
        if (price % 3 != 0) price = bound(price, 0, 1e40); // mostly realistic prices
        _same(
            abi.encodeCall(this.refFunding, (price)),
            address(this),
            abi.encodeCall(this.funding, (price))
        );
        _same(
            abi.encodeCall(this.refFunding, (price)),
            address(this),
            abi.encodeCall(this.fundingFromWords, (price))
        );
        _same(
            abi.encodeCall(this.refFunding, (price)),
            address(this),
            abi.encodeCall(this.fundingAtWord, (price))
        );
        _checkStoredFunding();
    }

    /// @dev Every other field of the slots the hot code reads as words, set to `r`'s bits: a
    ///      wrong offset or mask in the word decoding reads one of them instead of its own field.
    function _fillNeighbours(uint256 r) internal {
        cfg.feed = address(uint160(r));
        cfg.heartbeat = uint32(r >> 160);
        cfg.feedDecimals = uint8(r >> 192);
        cfg.flags = uint8(r >> 200);
        cfg.offsetPair = uint8(r >> 208);
        cfg.makerFeePips = uint16(r >> 216);
        cfg.takerFeePips = uint16(r >> 232);
        st.warmOI = (r >> 248) & 1 == 1;
        st.warmAggregates = true;
    }

    // ---- MarketMath.requirements ----

    /// @dev The implementation that read each field from storage, in checked Solidity.
    function refRequirements(uint256 notional) external view returns (uint256 im, uint256 mm) {
        uint256 imr = uint256(cfg.imrBaseNano) * 1e9;
        uint256 k = uint256(cfg.imrSizeFactorNano) * 1e9;
        if (k != 0) {
            uint256 x = notional * 1e18;
            uint256 t = (imr * 1e18) / k;
            if (x > t * t) imr = WadMath.max(imr, k.mulUp(WadMath.sqrtUp(x)));
        }
        uint256 mmr = imr.mulUp(uint256(cfg.maintenanceScalarNano) * 1e9);
        uint256 minMargin = uint256(cfg.minPositionMarginNano) * 1e9;
        im = notional.mulUp(imr) + minMargin;
        mm = notional.mulUp(mmr) + minMargin;
    }

    function requirements(uint256 notional) external view returns (uint256, uint256) {
        return MarketMath.requirements(cfg, notional);
    }

    function testFuzz_requirementsMatchTheFieldReads(
        uint32 imrBase,
        uint24 sizeFactor,
        uint32 scalar,
        uint40 velocity,
        uint48 minMargin,
        uint80 skewScale,
        uint256 notional,
        uint256 junk
    ) public {
        cfg.imrBaseNano = imrBase;
        cfg.imrSizeFactorNano = sizeFactor;
        cfg.maintenanceScalarNano = scalar;
        cfg.maxFundingVelocityNano = velocity;
        cfg.minPositionMarginNano = minMargin;
        cfg.skewScaleNano = skewScale;
        cfg.status = MarketStatus.Active;
        _fillNeighbours(junk);
        if (notional % 5 != 0) notional = bound(notional, 0, 1e36); // mostly realistic notionals
        _same(
            abi.encodeCall(this.refRequirements, (notional)),
            address(this),
            abi.encodeCall(this.requirements, (notional))
        );
    }

    // ---- MarketMath.figures: a position's turn of the health loop ----

    Position internal pos;

    /// @dev The checked path `figures` replaced in `MarginLogic._position` (and still takes where
    ///      `ok` is false): the position's fields decoded by `PositionLib.load`, checked products.
    function refFigures(
        uint256 price,
        int256 indexNow
    ) external view returns (int256 value, int256 size, uint256 notional, uint256 im, uint256 mm) {
        uint256 entry;
        int256 index0;
        (size, entry, index0) = PositionLib.load(pos);
        value = WadMath.sMulFloor(size, int256(price) - int256(entry));
        value -= WadMath.sMulCeil(size, indexNow - index0);
        notional = WadMath.abs(size).mulUp(price);
        (im, mm) = MarketMath.requirements(cfg, notional);
    }

    /// @dev `figures`, then the checked path where it declines, as `MarginLogic._position` runs.
    function figures(
        uint256 price,
        int256 indexNow
    ) external view returns (int256 value, int256 size, uint256 notional, uint256 im, uint256 mm) {
        RiskMath.Leg memory leg;
        bool ok;
        (ok, value) = MarketMath.figures(_word(1), pos, price, indexNow, leg);
        if (!ok) return this.refFigures(price, indexNow);
        return (value, leg.size, leg.notional, leg.im, leg.mm);
    }

    /// @dev Whether `figures` takes the plain path (`ok`), for the test of how often it does.
    function plain(uint256 price, int256 indexNow) external view returns (bool ok) {
        RiskMath.Leg memory leg;
        (ok, ) = MarketMath.figures(_word(1), pos, price, indexNow, leg);
    }

    function _setPosition(uint256 word) internal {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            sstore(pos.slot, word)
        }
    }

    /// @dev A position slot of random bits one time in four; else a realistic one (stored as
    ///      `PositionLib.store` writes it), at an entry and an index drawn from every width.
    function _drawPosition(uint256 r) internal {
        if (r % 4 == 0) return _setPosition(uint256(keccak256(abi.encode(r))));
        int256 size = int256(uint256(r >> 8) % 2e27) - 1e27;
        if (size == 0) size = 1;
        if ((r >> 100) % 8 == 0) size = (r >> 104) % 2 == 0 ? type(int128).max : type(int128).min;
        uint256 entry = (r >> 112) % (10 ** ((r >> 240) % 40));
        int256 index =
            int256((r >> 120) % (10 ** ((r >> 248) % 40))) *
                ((r >> 8) % 2 == 0 ? int256(1) : int256(-1));
        pos.size = int128(size);
        pos.entryFloat = PositionLib.encodeEntry(entry, size > 0);
        pos.indexFloat = PositionLib.encodeIndex(index, size < 0);
    }

    function _wide(uint256 x, uint256 pick) internal pure returns (uint256) {
        pick %= 6;
        if (pick == 0) return x; // any 256 bits
        if (pick == 1) return (uint256(1) << 127) - 1 + (x % 3); // around the plain path's bound
        return x % (10 ** (x % 40)); // every realistic width
    }

    function testFuzz_figuresMatchTheCheckedPath(
        uint256 word,
        uint256 price,
        int256 indexNow,
        uint256 c1,
        uint256 junk,
        uint256 pick
    ) public {
        _drawPosition(word);
        price = _wide(price, pick);
        if ((pick >> 8) % 4 != 0)
            indexNow =
                int256(_wide(uint256(indexNow), pick >> 16)) *
                (indexNow % 2 == 0 ? int256(1) : int256(-1));
        else if ((pick >> 8) % 8 == 0) indexNow = _edge(indexNow, pick >> 24);
        cfg.imrBaseNano = uint32(c1);
        cfg.imrSizeFactorNano = (pick >> 32) % 3 == 0 ? 0 : uint24(c1 >> 32);
        cfg.maintenanceScalarNano = uint32(c1 >> 56);
        cfg.maxFundingVelocityNano = uint40(c1 >> 88);
        cfg.minPositionMarginNano = uint48(c1 >> 128);
        cfg.skewScaleNano = uint80(c1 >> 176);
        _fillNeighbours(junk);
        _same(
            abi.encodeCall(this.refFigures, (price, indexNow)),
            address(this),
            abi.encodeCall(this.figures, (price, indexNow))
        );
    }

    /// @dev The plain path is the one a market at realistic figures takes: any size, a price and
    ///      an index below 1e30, the size factor not binding; and it declines at each bound.
    function test_figuresPlainPathAtRealisticFigures() public {
        cfg.imrBaseNano = 20_000_000; // 2 %
        cfg.imrSizeFactorNano = 0;
        cfg.maintenanceScalarNano = 500_000_000;
        cfg.minPositionMarginNano = 5e9;
        pos.size = type(int128).min;
        pos.entryFloat = PositionLib.encodeEntry(1e30, false);
        pos.indexFloat = PositionLib.encodeIndex(-1e30, true);
        assertTrue(this.plain(1e30, 1e30));
        assertTrue(this.plain((uint256(1) << 127) - 1, -(int256(1) << 127) + 1));
        assertFalse(this.plain(uint256(1) << 127, 0));
        assertFalse(this.plain(1e30, int256(1) << 127));
        assertFalse(this.plain(1e30, -(int256(1) << 127) - 1));
        cfg.imrSizeFactorNano = 1; // binds: the square root is the checked path's
        assertFalse(this.plain(1e30, 0));
    }

    /// @dev At the size factor's bound: with `t = imr * WAD / k`, a notional whose `x = notional
    ///      * WAD` is `t^2` takes the plain path; one wei above (`x = t^2 + WAD`, where
    ///      `sqrtUp(x) = t + 1` and the factor raises the rate) declines, and the checked path's
    ///      square root gives the figures.
    function test_figuresDeclineWhereTheSizeFactorBinds() public {
        cfg.imrBaseNano = 1e7; // 1 %: imr = 1e16
        cfg.imrSizeFactorNano = 1; // k = 1e9: t = 1e25, t^2 = 1e50
        cfg.maintenanceScalarNano = 500_000_000;
        pos.size = 1e18;
        pos.entryFloat = 0;
        pos.indexFloat = 0;
        assertTrue(this.plain(1e32, 0)); // notional 1e32: x = t^2
        assertFalse(this.plain(1e32 + 1, 0)); // notional 1e32 + 1
        _same(
            abi.encodeCall(this.refFigures, (1e32 + 1, 0)),
            address(this),
            abi.encodeCall(this.figures, (1e32 + 1, 0))
        );
    }

    /// @dev A notional whose initial product fits 256 bits but whose maintenance product does
    ///      not (a scalar above 1 in the raw field), and the reverse: the plain path declines,
    ///      and the checked path's `mulDiv` gives the figures.
    function test_figuresDeclineWhereOneRequirementProductOverflows() public {
        cfg.imrBaseNano = type(uint32).max;
        cfg.imrSizeFactorNano = 0;
        cfg.maintenanceScalarNano = type(uint32).max;
        pos.size = int128(2 ** 126);
        pos.entryFloat = 0;
        pos.indexFloat = 0;
        uint256 price = 2 ** 126 + 2 ** 125;
        assertFalse(this.plain(price, 0));
        _same(
            abi.encodeCall(this.refFigures, (price, 0)),
            address(this),
            abi.encodeCall(this.figures, (price, 0))
        );
        // and the other way round: a scalar of 0.5, the largest size and price, the initial
        // product over 256 bits and the maintenance one within
        cfg.maintenanceScalarNano = 500_000_000;
        pos.size = type(int128).min;
        price = 2 ** 127 - 1;
        assertFalse(this.plain(price, 0));
        _same(
            abi.encodeCall(this.refFigures, (price, 0)),
            address(this),
            abi.encodeCall(this.figures, (price, 0))
        );
    }

    // ---- OracleLib.scale ----

    function refScale(uint256 answer, uint8 decimals) external pure returns (uint256) {
        if (decimals == 18) return answer;
        if (decimals < 18) return answer * 10 ** (18 - decimals);
        return answer / 10 ** (decimals - 18);
    }

    function scale(uint256 answer, uint8 decimals) external pure returns (uint256) {
        return OracleLib.scale(answer, decimals);
    }

    function testFuzz_scaleMatchesCheckedPowers(uint256 answer, uint8 decimals) public {
        if (answer % 2 == 0) answer = bound(answer, 0, 1e30);
        _same(
            abi.encodeCall(this.refScale, (answer, decimals)),
            address(this),
            abi.encodeCall(this.scale, (answer, decimals))
        );
    }

    // ---- OracleLib: every check in one branch ----

    RawFeed internal rawFeed = new RawFeed();

    /// @dev The reads as they were: the decoded round, then each check in turn.
    function refRead(uint256 heartbeat, uint8 decimals) external view returns (uint80, uint256) {
        address f = address(rawFeed);
        (uint80 r, int256 a, uint256 u, uint80 ai) = OracleLib.latest(f);
        return (r, OracleLib.validate(f, heartbeat, decimals, r, a, u, ai));
    }

    function refReadLatest(
        uint256 heartbeat,
        uint8 decimals
    ) external view returns (uint256, bool) {
        address f = address(rawFeed);
        (uint80 r, int256 a, uint256 u, uint80 ai) = OracleLib.latest(f);
        return (OracleLib.sane(f, decimals, r, a, u, ai), block.timestamp - u <= heartbeat);
    }

    function readRound(uint256 heartbeat, uint8 decimals) external view returns (uint80, uint256) {
        return OracleLib.readRound(address(rawFeed), heartbeat, decimals);
    }

    function readLatest(uint256 heartbeat, uint8 decimals) external view returns (uint256, bool) {
        return OracleLib.readLatest(address(rawFeed), heartbeat, decimals);
    }

    /// @dev Each field near the edge its check tests half the time: a non-positive answer, a
    ///      round answered in an earlier round, a zero or future `updatedAt`, an age at the
    ///      heartbeat.
    function testFuzz_oracleChecksInOneBranch(
        uint80 roundId,
        int256 answer,
        uint256 updatedAt,
        uint80 answeredInRound,
        uint32 heartbeat,
        uint8 decimals,
        uint256 pick
    ) public {
        vm.warp(1_700_000_000);
        if (pick & 1 == 0) answer = int256(bound(answer, -2, 1e30));
        if (pick & 2 == 0)
            answeredInRound = uint80(
                bound(answeredInRound, roundId - (roundId > 0 ? 1 : 0), uint256(roundId) + 1)
            );
        if (pick & 4 == 0) {
            // an age around the heartbeat, or a time around now (zero and the future included)
            if (pick & 8 == 0) {
                uint256 age = bound(
                    updatedAt,
                    0,
                    Math.min(uint256(heartbeat) + 1, block.timestamp)
                );
                updatedAt = block.timestamp - age;
            } else updatedAt = bound(updatedAt, 0, block.timestamp + 2);
        }
        if (pick & 16 == 0) decimals = uint8(bound(decimals, 0, 24));
        rawFeed.set(abi.encode(roundId, answer, uint256(0), updatedAt, answeredInRound), false);
        _same(
            abi.encodeCall(this.refRead, (heartbeat, decimals)),
            address(this),
            abi.encodeCall(this.readRound, (heartbeat, decimals))
        );
        _same(
            abi.encodeCall(this.refReadLatest, (heartbeat, decimals)),
            address(this),
            abi.encodeCall(this.readLatest, (heartbeat, decimals))
        );
    }
}
