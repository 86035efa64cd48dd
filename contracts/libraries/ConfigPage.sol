// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Store, StoredLiquidationParams} from "../types/Store.sol";
import {StoredCollateral, StoredMarket} from "../types/Types.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";

/// @title ConfigPage
/// @notice A read-only copy, in the code of one contract, of what checks and liquidations read
///         of the configuration (docs/math.md, "Config page"; INV-79), so that they read it with
///         one cold code access instead of a cold slot per word. The page is `0x00` (STOP), the
///         liquidation parameters' slot 0 at byte 1, each market's config slots 0, 1 and 2 at
///         byte `33 + 96 i` (`i < marketCount`), and each collateral's config slot 0 counted from the
///         page's end, collateral `j` at `size - 32 (j + 1)` (so the markets' offsets do not
///         depend on the number of collaterals, nor theirs on the number of markets). Storage
///         stays the configuration's only source of truth: every function that writes one of
///         those slots publishes a new page in the same call (`publish`), so the page always
///         equals the slots. The engine creates each page with
///         CREATE2 from a constant init code that copies the engine's `configPageCode()`; its
///         address follows from the page's version, which the engine keeps in the slot every
///         check reads first (`Store.configPage`).
library ConfigPage {
    /// @dev The init code: `STATICCALL(gas, caller, configPageCode())`, revert if it failed,
    ///      else return what it returned as the new contract's code.
    ///      PUSH4 sel, PUSH0, MSTORE, PUSH0, PUSH0, PUSH1 4, PUSH1 0x1c, CALLER, GAS, STATICCALL,
    ///      ISZERO, PUSH1 0x1b, JUMPI, RETURNDATASIZE, PUSH0, PUSH0, RETURNDATACOPY,
    ///      RETURNDATASIZE, PUSH0, RETURN, JUMPDEST, PUSH0, PUSH0, REVERT.
    bytes internal constant INIT_CODE =
        hex"63025f2c3a5f525f5f6004601c335afa15601b573d5f5f3e3d5ff35b5f5ffd";
    /// @dev keccak256(INIT_CODE), checked by the tests.
    bytes32 internal constant INIT_HASH =
        0x015b1cfeede194790e81db1aa32f592da06f34c71b2cc22be410e50dd9277688;

    /// @notice The page of version `version` created by this contract (CREATE2's address).
    function at(uint256 version) internal view returns (address page) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, or(shl(160, 0xff), address()))
            mstore(add(p, 0x20), version)
            mstore(add(p, 0x40), INIT_HASH)
            page := and(keccak256(add(p, 11), 85), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    /// @notice Market `id`'s config slots 0 and 1 from the page at `page` (id < the page's
    ///         market count: the caller's market is listed).
    function words(address page, uint256 id) internal view returns (uint256 w0, uint256 w1) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(page, 0, add(33, mul(96, id)), 64)
            w0 := mload(0)
            w1 := mload(0x20)
        }
    }

    /// @notice Market `id`'s config slots 0, 1 and 2 (what a trade reads: the caps too) from the
    ///         page at `page` (id < the page's market count). In the free memory, not in the
    ///         scratch space: three words.
    function tradeWords(
        address page,
        uint256 id
    ) internal view returns (uint256 w0, uint256 w1, uint256 w2) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mload(0x40)
            extcodecopy(page, p, add(33, mul(96, id)), 96)
            w0 := mload(p)
            w1 := mload(add(p, 0x20))
            w2 := mload(add(p, 0x40))
        }
    }

    /// @notice The liquidation parameters' slot 0 (`Store.liq`) from the page at `page`.
    function liquidationWord(address page) internal view returns (uint256 w) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(page, 0, 1, 32)
            w := mload(0)
        }
    }

    /// @notice Collateral `index`'s config slot 0 from the page at `page` (a listed index).
    function collateralWord(address page, uint256 index) internal view returns (uint256 w) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(page, 0, sub(extcodesize(page), shl(5, add(index, 1))), 32)
            w := mload(0)
        }
    }

    /// @notice The page's code as the init code returns it (the layout above). Returned raw
    ///         (not ABI-encoded) by `configPageCode()`.
    function code(Store storage s) internal view returns (bytes memory c) {
        c = new bytes(size(s));
        StoredLiquidationParams storage liq = s.liq;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(add(c, 33), sload(liq.slot))
        }
        uint256 n = s.marketCount;
        for (uint256 id; id < n; ++id) {
            StoredMarket storage m = s.markets[id].config;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                let o := add(add(c, 65), mul(96, id))
                mstore(o, sload(m.slot))
                mstore(add(o, 32), sload(add(m.slot, 1)))
                mstore(add(o, 64), sload(add(m.slot, 2)))
            }
        }
        uint256 k = s.collateralTokens.length;
        for (uint256 j; j < k; ++j) {
            StoredCollateral storage cc = s.collateralConfigs[j];
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                mstore(sub(add(add(c, 32), mload(c)), shl(5, add(j, 1))), sload(cc.slot))
            }
        }
    }

    /// @notice The page's length in bytes: `1 + 32 + 96 marketCount + 32 collaterals`.
    function size(Store storage s) internal view returns (uint256) {
        return 33 + 96 * uint256(s.marketCount) + 32 * s.collateralTokens.length;
    }

    /// @notice Creates the page of the next version from the current slots and records it.
    ///         Called by every writer of a slot the page copies, after the write.
    function publish(Store storage s) internal {
        uint256 version = uint256(s.configPage) + 1;
        if (version > type(uint24).max) revert E.ConfigPageExhausted();
        bytes memory init = INIT_CODE;
        address page;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            page := create2(0, add(init, 32), mload(init), version)
        }
        if (page == address(0) || page != at(version) || page.code.length != size(s))
            revert E.ConfigPageFailed(version);
        s.configPage = uint24(version);
        emit Ev.ConfigPagePublished(version, page);
    }
}
