// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice A Chainlink-style feed whose every field a test sets directly, including rounds that
///         MockV3Aggregator cannot produce (answeredInRound < roundId, updatedAt = 0, future
///         timestamps) and any decimals or description. Also serves as an L2 sequencer-uptime
///         feed (answer 0 = up, 1 = down; startedAt = when the status last changed).
contract MockFeed is AggregatorV3Interface {
    uint8 public override decimals;
    string public override description;

    uint80 public roundId;
    int256 public answer;
    uint256 public startedAt;
    uint256 public updatedAt;
    uint80 public answeredInRound;

    constructor(uint8 decimals_, string memory description_, int256 answer_) {
        decimals = decimals_;
        description = description_;
        setAnswer(answer_);
    }

    /// @notice A normal new round: next round id, answered in itself, timestamped now.
    function setAnswer(int256 answer_) public {
        setRound(roundId + 1, answer_, block.timestamp, block.timestamp, roundId + 1);
    }

    /// @notice Sets every field of the latest round.
    function setRound(
        uint80 roundId_,
        int256 answer_,
        uint256 startedAt_,
        uint256 updatedAt_,
        uint80 answeredInRound_
    ) public {
        roundId = roundId_;
        answer = answer_;
        startedAt = startedAt_;
        updatedAt = updatedAt_;
        answeredInRound = answeredInRound_;
    }

    function setDecimals(uint8 decimals_) external {
        decimals = decimals_;
    }

    function setDescription(string calldata description_) external {
        description = description_;
    }

    function version() external pure override returns (uint256) {
        return 1;
    }

    function getRoundData(
        uint80 roundId_
    ) external view override returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId_, answer, startedAt, updatedAt, answeredInRound);
    }

    function latestRoundData()
        external
        view
        override
        returns (uint80, int256, uint256, uint256, uint80)
    {
        return (roundId, answer, startedAt, updatedAt, answeredInRound);
    }
}
