// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Bitmask} from "../libraries/Bitmask.sol";
import {WadMath} from "../libraries/WadMath.sol";

/// @notice The health loop's hand-written arithmetic (`WadMath`, `Bitmask`), exposed for the
///         differential test against the TypeScript model (test/hardhat/adversarial/wad-math.test.ts).
contract WadMathHarness {
    function mulDown(uint256 a, uint256 b) external pure returns (uint256) {
        return WadMath.mulDown(a, b);
    }

    function mulUp(uint256 a, uint256 b) external pure returns (uint256) {
        return WadMath.mulUp(a, b);
    }

    function divDown(uint256 a, uint256 b) external pure returns (uint256) {
        return WadMath.divDown(a, b);
    }

    function divUp(uint256 a, uint256 b) external pure returns (uint256) {
        return WadMath.divUp(a, b);
    }

    function sMulFloor(int256 a, int256 b) external pure returns (int256) {
        return WadMath.sMulFloor(a, b);
    }

    function sMulCeil(int256 a, int256 b) external pure returns (int256) {
        return WadMath.sMulCeil(a, b);
    }

    function divFloor(int256 a, int256 b) external pure returns (int256) {
        return WadMath.divFloor(a, b);
    }

    function divCeil(int256 a, int256 b) external pure returns (int256) {
        return WadMath.divCeil(a, b);
    }

    function count(uint64 x) external pure returns (uint256) {
        return Bitmask.count(x);
    }

    function lowest(uint64 x) external pure returns (uint256) {
        return Bitmask.lowest(x);
    }
}
