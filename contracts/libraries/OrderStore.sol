// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {PositionLib} from "./PositionLib.sol";
import {Order, StoredOrder} from "../types/Types.sol";

/// @title Two-slot order storage (docs/math.md, "Order storage")
/// @notice A pending order is two storage slots. The acceptable price and the reserve are
///         64-bit floats (PositionLib's unsigned float: exact below 2^57 wei, within a relative
///         2^-56 above), each rounded to the side that can only hold the order to more: the
///         acceptable price to the stricter bound (down for a buy, up for a sell) and the reserve
///         up. The deadline and the earliest settlement time are offsets from the commit time.
/// @dev The only code that writes `Store.orders` (besides `delete`) or decodes its floats.
library OrderStore {
    using SafeCast for uint256;

    /// @dev `StoredOrder.flags`' bits, in slot 0 (the flags field starts at bit 248).
    uint256 private constant REDUCE_ONLY = 1 << 248;
    uint256 private constant CALLBACK = 1 << 249;

    /// @notice Stores `v`. Reverts (SafeCast) for a value the view's field widths or the
    ///         offsets cannot hold: an acceptable price at or above 2^128 (after rounding), a
    ///         reserve at or above 2^96, an earliest settlement over 2^16 - 1 seconds or a
    ///         deadline over 2^32 - 1 seconds after the commit.
    /// @param callback Whether the account has a settlement callback (INV-76).
    /// @return acceptable The acceptable price stored (WAD): what the fill is held to.
    function write(
        StoredOrder storage o,
        Order memory v,
        bool callback
    ) internal returns (uint256 acceptable) {
        uint64 a = PositionLib.encodeEntry(v.acceptablePrice, v.sizeDelta < 0);
        uint64 r = PositionLib.encodeEntry(v.reserveUsd, true);
        acceptable = PositionLib.decodeEntry(a);
        acceptable.toUint128();
        PositionLib.decodeEntry(r).toUint96();
        uint256 t = v.commitTime;
        uint256 delay = (v.earliestSettlement - t).toUint16();
        uint256 lifetime = (v.settlementDeadline - t).toUint32();
        // The two words in `StoredOrder`'s layout (fields from the low-order bits up), one
        // SSTORE each; `OrderStore.t.sol` checks the round trip through the compiler's decoding.
        uint256 w0 =
            uint256(uint128(v.sizeDelta)) |
                (uint256(a) << 128) |
                (t << 192) |
                (delay << 232) |
                (v.reduceOnly ? REDUCE_ONLY : 0) |
                (callback ? CALLBACK : 0);
        uint256 w1 =
            uint256(v.commitRound) |
                (uint256(v.keeperFee) << 80) |
                (uint256(r) << 160) |
                (lifetime << 224);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(o.slot, w0)
            sstore(add(o.slot, 1), w1)
        }
    }

    /// @notice The order in the view's units (all zero when there is none), and whether the
    ///         account has a settlement callback to notify (INV-76).
    function load(StoredOrder storage o) internal view returns (Order memory v, bool callback) {
        uint256 w0;
        uint256 w1;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            w0 := sload(o.slot)
            w1 := sload(add(o.slot, 1))
        }
        uint256 t = uint40(w0 >> 192);
        if (t == 0) return (v, false);
        v.sizeDelta = int128(uint128(w0));
        // < 2^128 and < 2^96: `write` refused anything larger
        v.acceptablePrice = uint128(PositionLib.decodeEntry(uint64(w0 >> 128)));
        v.commitTime = uint40(t);
        v.earliestSettlement = uint40(t + uint16(w0 >> 232));
        v.reduceOnly = w0 & REDUCE_ONLY != 0;
        callback = w0 & CALLBACK != 0;
        v.commitRound = uint80(w1);
        v.keeperFee = uint80(w1 >> 80);
        v.reserveUsd = uint96(PositionLib.decodeEntry(uint64(w1 >> 160)));
        // t + lifetime < 2^40 for any block time before the year 36,812
        v.settlementDeadline = uint40(t + (w1 >> 224));
    }

    /// @notice Sets or clears the callback flag of a pending order (INV-76); `setSettlementCallback`
    ///         calls it for each of the account's pending orders.
    function setCallback(StoredOrder storage o, bool callback) internal {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let w := and(sload(o.slot), not(CALLBACK))
            if callback {
                w := or(w, CALLBACK)
            }
            sstore(o.slot, w)
        }
    }

    /// @notice What the order adds to the account's IM (USD WAD): its reserve and its keeper
    ///         fee. Reads one slot.
    function requirementUsd(
        StoredOrder storage o,
        uint256 quoteScale
    ) internal view returns (uint256) {
        return PositionLib.decodeEntry(o.reserveFloat) + uint256(o.keeperFee) * quoteScale;
    }
}
