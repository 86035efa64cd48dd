// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {WadMath} from "./WadMath.sol";
import {RiskMath} from "./RiskMath.sol";
import {Store} from "../types/Store.sol";
import {OffsetPair} from "../types/Types.sol";

/// @dev One open position of an account in liquidation, loaded once; the loop updates it in
///      memory. `largestOpen` and `paired` (below) read `mm`, `done` and `pair` by their
///      offsets in memory (the fourth, fifth and seventh words): keep them there.
struct Slot {
    uint256 marketId;
    int256 size;
    uint256 price;
    uint256 mm;
    bool done;
    bool fresh;
    uint256 pair; // offset pair id, 0 = none
    uint256 credit; // the pair's MM credit at the legs' current sizes
}

/// @title LiquidationCredits
/// @notice A liquidation's slots: the close order (`largestOpen`), whether any is paired, and
///         the offset-pair credits (docs/math.md, "Offset pairs"), loaded once, then kept in
///         step with each close so the running MM is the real one.
library LiquidationCredits {
    using WadMath for uint256;
    using WadMath for int256;

    /// @dev Each pair's MM credit (docs/math.md, "Offset pairs") on both of its legs.
    function load(Store storage s, Slot[] memory slots) internal view {
        for (uint256 i; i < slots.length; ++i) {
            for (uint256 j = i + 1; j < slots.length; ++j) {
                if (slots[i].pair == 0 || slots[i].pair != slots[j].pair) continue;
                OffsetPair storage pair = s.offsetPairs[slots[i].pair];
                (, uint256 creditMm) = RiskMath.credit(
                    _leg(slots[i]),
                    _leg(slots[j]),
                    pair.rate,
                    pair.stressMove
                );
                slots[i].credit = creditMm;
                slots[j].credit = creditMm;
            }
        }
    }

    function _leg(Slot memory sl) private pure returns (RiskMath.Leg memory leg) {
        leg.pair = sl.pair;
        leg.size = sl.size;
        leg.notional = sl.size.abs().mulUp(sl.price);
        leg.mm = sl.mm;
    }

    /// @dev After a leg of a pair was closed (in part): the pair's credit at the new size (a
    ///      close may also create one, when the pair's MM was at or below its stress loss), and
    ///      the running MM `mm` moved by what the credit changed, so it stays the real MM.
    function update(
        Store storage s,
        Slot[] memory slots,
        uint256 k,
        uint256 mm
    ) internal view returns (uint256) {
        for (uint256 j; j < slots.length; ++j) {
            if (j == k || slots[j].pair != slots[k].pair) continue;
            OffsetPair storage pair = s.offsetPairs[slots[k].pair];
            (, uint256 credit) = RiskMath.credit(
                _leg(slots[k]),
                _leg(slots[j]),
                pair.rate,
                pair.stressMove
            );
            mm = mm + slots[k].credit - credit;
            slots[k].credit = credit;
            slots[j].credit = credit;
        }
        return mm;
    }

    /// @notice The open (not `done`) slot with the largest MM, the first of equal ones, or
    ///         `type(uint256).max` when every slot is done: what a liquidation closes next.
    /// @dev Hand-written (INV-69): it returns what the plain loop does (forge `HotMath.t.sol`).
    function largestOpen(Slot[] memory slots) internal pure returns (uint256 k) {
        // A `Slot` in memory is eight words: `mm` the fourth (0x60), `done` the fifth (0x80).
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            k := not(0)
            let best := 0
            let end := add(slots, shl(5, add(mload(slots), 1)))
            for {
                let p := add(slots, 0x20)
            } lt(p, end) {
                p := add(p, 0x20)
            } {
                let sl := mload(p)
                if iszero(mload(add(sl, 0x80))) {
                    let mm := mload(add(sl, 0x60))
                    if or(eq(k, not(0)), gt(mm, best)) {
                        best := mm
                        k := shr(5, sub(p, add(slots, 0x20)))
                    }
                }
            }
        }
    }

    /// @dev Whether any slot has an offset pair. Hand-written as `largestOpen` (the plain loop
    ///      paid about 80 gas a slot for its bounds checks): `pair` is a `Slot`'s seventh
    ///      word (0xc0).
    function paired(Slot[] memory slots) internal pure returns (bool any) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let end := add(slots, shl(5, add(mload(slots), 1)))
            for {
                let p := add(slots, 0x20)
            } lt(p, end) {
                p := add(p, 0x20)
            } {
                if mload(add(mload(p), 0xc0)) {
                    any := 1
                    break
                }
            }
        }
    }
}
