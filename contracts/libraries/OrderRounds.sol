// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {OracleLib} from "./OracleLib.sol";
import {Order} from "../types/Types.sol";

/// @title OrderRounds
/// @notice Which oracle round settles a delayed order (INV-37, "the first round is the first").
/// @dev Chainlink round ids are `phaseId << 64 | aggregatorRoundId`; inside a phase the
///      aggregator ids are consecutive. A round `r` settles an order committed when the feed's
///      latest round was `c`, with earliest settlement time `e`, iff
///      - `r > c` and `updatedAt(r) >= e`, and
///      - its predecessor exists and is older than `e`: the predecessor is `r - 1` inside a
///        phase; for the first round of a phase (aggregator id 1) the caller must name the last
///        round `p` of the previous phase (`phase(p) == phase(r) - 1`, `p >= c`, `p + 1` does
///        not exist). A missing predecessor never counts as proof. The predecessor `c` itself
///        is not read: it was the latest round at the commit, updated at or before the commit
///        and so before `e` (INV-37).
///      Internal functions, inlined into OrderLogic.
library OrderRounds {
    enum Check {
        Ok,
        TooEarly,
        BeforeCommit,
        BadProof,
        PredecessorMissing,
        NotFirst
    }

    /// @dev Upper bound of the forward search for the last round of a phase (2^24 rounds).
    uint256 private constant MAX_GALLOP = 1 << 24;

    /// @notice Reverts unless `roundId`, updated at `updatedAt` (with `proof` for a first round
    ///         of a phase), settles the order.
    function checkRound(
        AggregatorV3Interface feed,
        uint80 roundId,
        uint256 updatedAt,
        uint80 proof,
        uint80 commitRound,
        uint256 earliest
    ) internal view {
        (Check c, uint80 prev, uint256 prevAt) = verify(
            feed,
            roundId,
            updatedAt,
            proof,
            commitRound,
            earliest
        );
        if (c == Check.Ok) return;
        if (c == Check.TooEarly) revert E.RoundTooEarly(roundId, updatedAt, earliest);
        if (c == Check.BeforeCommit) revert E.RoundBeforeCommit(roundId, commitRound);
        if (c == Check.BadProof) revert E.InvalidPhaseProof(roundId, proof);
        if (c == Check.PredecessorMissing) revert E.RoundPredecessorMissing(roundId, prev);
        revert E.RoundNotFirst(roundId, prevAt, earliest);
    }

    /// @notice The one rule `settle` and `status` share (see the library notice).
    function verify(
        AggregatorV3Interface feed,
        uint80 roundId,
        uint256 updatedAt,
        uint80 proof,
        uint80 commitRound,
        uint256 earliest
    ) internal view returns (Check, uint80 prev, uint256 prevAt) {
        if (updatedAt < earliest) return (Check.TooEarly, 0, 0);
        if (roundId <= commitRound) return (Check.BeforeCommit, 0, 0);
        if (uint64(roundId) > 1) {
            if (proof != 0) return (Check.BadProof, 0, 0);
            prev = roundId - 1;
            // The round right after the commit's: its predecessor is the commit's round, which
            // was the feed's latest at the commit, so updated at or before the commit's second,
            // before `earliest` (at least a second later); a feed never rewrites a past round.
            if (prev == commitRound) return (Check.Ok, prev, 0);
        } else {
            // First round of a phase: only with the last round of the previous phase as proof.
            if (
                uint64(roundId) == 0 ||
                proof >> 64 != (roundId >> 64) - 1 ||
                proof < commitRound ||
                _exists(feed, proof + 1)
            ) return (Check.BadProof, 0, 0);
            prev = proof;
        }
        bool ok;
        (ok, prevAt) = updatedAtOf(feed, prev);
        if (!ok) return (Check.PredecessorMissing, prev, 0);
        if (prevAt >= earliest) return (Check.NotFirst, prev, prevAt);
        return (Check.Ok, prev, prevAt);
    }

    /// @notice The round (and phase proof, 0 if none) that settles the order, or (0, 0) if none
    ///         does yet. Searches the commit's phase and, after one phase change, the next one.
    function find(
        AggregatorV3Interface feed,
        uint80 latest,
        uint80 commitRound,
        uint256 earliest
    ) internal view returns (uint80 round, uint80 proof) {
        uint256 phase = commitRound >> 64;
        uint256 latestPhase = latest >> 64;
        if (latestPhase == phase) {
            round = _bisect(feed, commitRound, latest, earliest);
        } else if (latestPhase == phase + 1) {
            uint80 last = _lastOfPhase(feed, commitRound);
            (, uint256 lastAt) = updatedAtOf(feed, last);
            if (last != commitRound && lastAt >= earliest) {
                round = _bisect(feed, commitRound, last, earliest);
            } else {
                round = _bisect(feed, uint80(latestPhase << 64), latest, earliest);
                if (uint64(round) == 1) proof = last;
            }
        } else {
            return (0, 0);
        }
        (bool ok, uint256 at) = updatedAtOf(feed, round);
        if (!ok) return (0, 0);
        (Check c, , ) = verify(feed, round, at, proof, commitRound, earliest);
        if (c != Check.Ok) return (0, 0);
    }

    /// @notice `updatedAt` of a round; false when it does not exist (zero or a revert).
    function updatedAtOf(
        AggregatorV3Interface feed,
        uint80 id
    ) internal view returns (bool, uint256) {
        try feed.getRoundData(id) returns (uint80, int256, uint256, uint256 updatedAt, uint80) {
            return (updatedAt != 0, updatedAt);
        } catch {
            return (false, 0);
        }
    }

    function _exists(AggregatorV3Interface feed, uint80 id) private view returns (bool ok) {
        (ok, ) = updatedAtOf(feed, id);
    }

    /// @dev Smallest id in (lo, hi] that is missing or at/after `earliest` (hi qualifies).
    ///      A missing round in the range makes `verify` reject what it returns.
    function _bisect(
        AggregatorV3Interface feed,
        uint256 lo,
        uint256 hi,
        uint256 earliest
    ) private view returns (uint80) {
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            (bool ok, uint256 t) = updatedAtOf(feed, uint80(mid));
            if (!ok || t >= earliest) hi = mid;
            else lo = mid;
        }
        return uint80(hi);
    }

    /// @dev The last existing round of `from`'s phase (`from` exists): gallop, then bisect.
    function _lastOfPhase(AggregatorV3Interface feed, uint80 from) private view returns (uint80) {
        uint256 lo = from; // exists
        uint256 step = 1;
        while (step <= MAX_GALLOP && _exists(feed, uint80(lo + step))) {
            lo += step;
            step *= 2;
        }
        uint256 hi = lo + step; // missing (or beyond the search bound)
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (_exists(feed, uint80(mid))) lo = mid;
            else hi = mid;
        }
        return uint80(lo);
    }

    /// @notice The answer of `roundId` if it is the order's settlement round (`checkRound`), and
    ///      the market's latest price, validated as any trade's (0 when not `live`, a settled
    ///      market: the fill reads its settlement price). The latest round is read first: when
    ///      it is the settlement round (a keeper settling as soon as the round is published),
    ///      one call serves both.
    /// @param c0 The market's config slot 0 as a word: the feed (bits 0..159), its heartbeat
    ///        (160..191) and decimals (192..199).
    function settlementPrice(
        uint256 c0,
        bool live,
        uint80 roundId,
        uint80 proof,
        Order memory o
    ) internal view returns (uint256 price, uint256 latestPrice) {
        address feed = address(uint160(c0));
        uint8 decimals = uint8(c0 >> 192);
        uint80 id;
        int256 answer;
        uint256 updatedAt;
        uint80 answeredIn;
        if (live) {
            (id, answer, updatedAt, answeredIn) = OracleLib.latest(feed);
            latestPrice = OracleLib.validate(
                feed,
                uint32(c0 >> 160),
                decimals,
                id,
                answer,
                updatedAt,
                answeredIn
            );
        }
        bool isLatest = live && id == roundId;
        if (!isLatest) (, answer, updatedAt, answeredIn) = OracleLib.roundData(feed, roundId);
        checkRound(
            AggregatorV3Interface(feed),
            roundId,
            updatedAt,
            proof,
            o.commitRound,
            o.earliestSettlement
        );
        // No age limit: the settlement round is judged by OrderRounds, not by the heartbeat
        // (the latest round passed `validate`, which is `sane` and the age).
        price =
            isLatest
                ? latestPrice
                : OracleLib.sane(feed, decimals, roundId, answer, updatedAt, answeredIn);
    }
}
