// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";

/// @notice A Chainlink feed as the engine stores it (one slot).
/// @param feed The AggregatorV3Interface address.
/// @param heartbeat Maximum age of an answer in seconds.
/// @param decimals The feed's decimals, read once at configuration.
struct Feed {
    address feed;
    uint32 heartbeat;
    uint8 decimals;
}

/// @title OracleLib
/// @notice Reads Chainlink feeds defensively and normalises answers to 18 decimals.
///         Every failure is its own error naming the feed, declared in `ICrossmarginErrors` so
///         that the engine's interface decodes it.
library OracleLib {
    /// @notice The latest answer of `feed` (a `Feed`'s fields, on the stack: no memory struct on
    ///         the health loop) as a WAD price; reverts on any unsafe answer.
    function read(
        address feed,
        uint256 heartbeat,
        uint8 decimals
    ) internal view returns (uint256 price) {
        (, price) = readRound(feed, heartbeat, decimals);
    }

    /// @notice `read`, with the id of the round the price comes from.
    function readRound(
        address feed,
        uint256 heartbeat,
        uint8 decimals
    ) internal view returns (uint80 roundId, uint256 price) {
        int256 answer;
        uint256 updatedAt;
        uint80 answeredInRound;
        (roundId, answer, updatedAt, answeredInRound) = latest(feed);
        // Every check of `validate` in one branch: a failing round takes `validate`, which
        // reverts with the first failing check's error, as it always did.
        if (!_sound(roundId, answer, updatedAt, answeredInRound, heartbeat))
            return (
                roundId,
                validate(feed, heartbeat, decimals, roundId, answer, updatedAt, answeredInRound)
            );
        price = scale(uint256(answer), decimals);
    }

    /// @notice `latestRoundData()` of `feed` without `startedAt`, by a plain static call (`_round`).
    function latest(
        address feed
    )
        internal
        view
        returns (uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound)
    {
        return _round(feed, 0xfeaf968c, 0, 4);
    }

    /// @notice `getRoundData(id)` of `feed` without `startedAt`, by a plain static call (`_round`).
    function roundData(
        address feed,
        uint80 id
    )
        internal
        view
        returns (uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound)
    {
        return _round(feed, 0x9a6fc8f5, id, 0x24);
    }

    /// @dev What the ABI decoder does with a round's five words, in fewer steps: a revert of the
    ///      feed is bubbled up; a reply shorter than five words (an address without code, for
    ///      one) or a round id that does not fit 80 bits reverts without data, as the decoder
    ///      would.
    function _round(
        address feed,
        uint256 selector,
        uint256 arg,
        uint256 size
    )
        private
        view
        returns (uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound)
    {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(0, shl(224, selector))
            mstore(4, arg)
            if iszero(staticcall(gas(), feed, 0, size, ptr, 0xa0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if lt(returndatasize(), 0xa0) {
                revert(0, 0)
            }
            let r := mload(ptr)
            let a := mload(add(ptr, 0x80))
            if or(shr(80, r), shr(80, a)) {
                revert(0, 0)
            }
            roundId := r
            answer := mload(add(ptr, 0x20))
            updatedAt := mload(add(ptr, 0x60))
            answeredInRound := a
        }
    }

    /// @notice Like `read`, but an answer older than the heartbeat is returned with
    ///         `fresh = false` instead of reverting. Every other unsafe answer still reverts.
    function readLatest(
        address feed,
        uint256 heartbeat,
        uint8 decimals
    ) internal view returns (uint256 price, bool fresh) {
        (uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound) = latest(feed);
        // As in `readRound`: a round that fails a check takes `sane`, which reverts.
        if (!_sound(roundId, answer, updatedAt, answeredInRound, type(uint256).max))
            sane(feed, decimals, roundId, answer, updatedAt, answeredInRound);
        price = scale(uint256(answer), decimals);
        fresh = block.timestamp - updatedAt <= heartbeat;
    }

    /// @notice Validates one round of `feed` and returns its answer as a WAD price.
    function validate(
        address feed,
        uint256 heartbeat,
        uint8 decimals,
        uint80 roundId,
        int256 answer,
        uint256 updatedAt,
        uint80 answeredInRound
    ) internal view returns (uint256 price) {
        price = sane(feed, decimals, roundId, answer, updatedAt, answeredInRound);
        if (block.timestamp - updatedAt > heartbeat)
            revert ICrossmarginErrors.OracleStale(feed, updatedAt, heartbeat);
    }

    /// @notice Every check of `validate` but the age (positive, complete, not from the future),
    ///         for a round whose age another rule judges (a delayed order's settlement round).
    function sane(
        address feed,
        uint8 decimals,
        uint80 roundId,
        int256 answer,
        uint256 updatedAt,
        uint80 answeredInRound
    ) internal view returns (uint256) {
        if (answer <= 0) revert ICrossmarginErrors.OracleNonPositive(feed, answer);
        if (updatedAt == 0 || answeredInRound < roundId) {
            revert ICrossmarginErrors.OracleIncompleteRound(feed, roundId, answeredInRound);
        }
        if (updatedAt > block.timestamp)
            revert ICrossmarginErrors.OracleFutureTimestamp(feed, updatedAt);
        return scale(uint256(answer), decimals);
    }

    /// @dev Whether a round passes every check of `validate` (positive, complete, not from the
    ///      future, at most `heartbeat` old; `sane`'s with an unbounded heartbeat), in one branch.
    function _sound(
        uint80 roundId,
        int256 answer,
        uint256 updatedAt,
        uint80 answeredInRound,
        uint256 heartbeat
    ) private view returns (bool ok) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := and(
                and(sgt(answer, 0), iszero(lt(answeredInRound, roundId))),
                and(
                    and(iszero(iszero(updatedAt)), iszero(gt(updatedAt, timestamp()))),
                    iszero(gt(sub(timestamp(), updatedAt), heartbeat))
                )
            )
        }
    }

    /// @notice Scales an answer with `decimals` decimals to 18 decimals (rounding down).
    function scale(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals == 18) return answer;
        if (decimals < 18) {
            uint256 factor;
            // 10^(18 - decimals) <= 1e18: one EXP, no checked-power loop
            unchecked {
                factor = 10 ** (18 - decimals);
            }
            return answer * factor;
        }
        return answer / 10 ** (decimals - 18);
    }

    /// @notice Reverts while the sequencer is down or inside the grace period after it came up.
    /// @param feed The optional L2 sequencer-uptime feed (answer 0 = up, 1 = down); 0 = none.
    function checkSequencer(address feed, uint256 gracePeriod) internal view {
        if (feed == address(0)) return;
        (, int256 answer, uint256 startedAt, , ) = AggregatorV3Interface(feed).latestRoundData();
        if (answer != 0) revert ICrossmarginErrors.SequencerDown(feed);
        if (startedAt == 0 || block.timestamp - startedAt <= gracePeriod) {
            revert ICrossmarginErrors.SequencerGracePeriod(feed, startedAt, gracePeriod);
        }
    }
}
