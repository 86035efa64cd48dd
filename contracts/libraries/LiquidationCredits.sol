// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {WadMath} from "./WadMath.sol";
import {RiskMath} from "./RiskMath.sol";
import {Store} from "../types/Store.sol";
import {OffsetPair} from "../types/Types.sol";

/// @dev One open position of an account in liquidation, loaded once; the loop updates it in
///      memory. `LiquidationLogic.largestOpen` reads `mm` and `done` by their offsets in memory
///      (the fourth and fifth words): keep them there.
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
/// @notice Offset-pair credits during a liquidation (docs/math.md, "Offset pairs"): loaded once,
///         then kept in step with each close so the running MM is the real one.
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
}
