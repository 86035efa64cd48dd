// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {OracleLib} from "../libraries/OracleLib.sol";

/// @notice `OracleLib`'s round reads beside the ABI decoder's, for a differential test.
contract OracleReadHarness {
    function latest(address feed) external view returns (uint80, int256, uint256, uint80) {
        return OracleLib.latest(feed);
    }

    function roundData(
        address feed,
        uint80 id
    ) external view returns (uint80, int256, uint256, uint80) {
        return OracleLib.roundData(feed, id);
    }

    function latestByDecoder(address feed) external view returns (uint80, int256, uint256, uint80) {
        (uint80 r, int256 a, , uint256 u, uint80 ai) = AggregatorV3Interface(feed)
            .latestRoundData();
        return (r, a, u, ai);
    }

    function roundDataByDecoder(
        address feed,
        uint80 id
    ) external view returns (uint80, int256, uint256, uint80) {
        (uint80 r, int256 a, , uint256 u, uint80 ai) = AggregatorV3Interface(feed).getRoundData(id);
        return (r, a, u, ai);
    }
}
