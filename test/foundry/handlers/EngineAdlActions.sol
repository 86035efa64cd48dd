// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {MarketState} from "../../../contracts/types/Types.sol";
import {EngineHandlerBase} from "./EngineHandlerBase.sol";

/// @notice Auto-deleveraging action of the engine handler (INV-49 to INV-52): a keeper names a
///         random account and market. A call that succeeds must have been needed, must have
///         shrunk a position towards zero without flipping it, must leave the account healthy,
///         must pay the caller exactly the reward it reports, within the bound, must leave the
///         account's equity plus the reward no higher than before (half the calls are the
///         owner's own), and must not lower the pool's value (beyond one unit of rounding).
abstract contract EngineAdlActions is EngineHandlerBase {
    uint256 public ghostAdls; // successful autoDeleverage calls
    uint256 internal constant ADL_MAX_REWARD = 100e18; // EngineSetup's setAdlParams

    function autoDeleverage(uint256 accSeed, uint256 marketSeed) external action("autoDeleverage") {
        _refreshFeeds();
        (uint256 acct, uint256 m) = _adlTarget(accSeed, marketSeed);
        // Half the time, the market first moves 5-50 % the skew's way (the pool loses).
        if ((marketSeed >> 128) % 2 == 0) _rally(m, marketSeed >> 136);
        int256 valueBefore;
        uint256 needed;
        try engine.adlNeed() returns (int256 v, int256, uint256 n) {
            (valueBefore, needed) = (v, n);
        } catch (bytes memory err) {
            _reverted("autoDeleverage", err);
            return;
        }
        int256 sizeBefore = engine.getPosition(acct, m).size;
        // Half the calls come from the account's own owner (self-deleveraging, INV-52).
        address caller = (accSeed >> 64) % 2 == 0 ? keeper : engine.ownerOf(acct);
        uint256 callerBefore = usdc.balanceOf(caller);
        int256 equityBefore = _health(acct).equity;
        vm.prank(caller);
        try engine.autoDeleverage(acct, m) returns (uint256 closed, uint256 reward) {
            _ok("autoDeleverage");
            ghostAdls++;
            if (needed == 0) _fail("ADL (INV-49): ran while the pool was at or above its floor");
            int256 sizeAfter = engine.getPosition(acct, m).size;
            if (
                closed == 0 ||
                _abs(sizeAfter) + closed != _abs(sizeBefore) ||
                (sizeAfter != 0 && (sizeAfter > 0) != (sizeBefore > 0))
            ) _fail("ADL (INV-50): the position did not shrink by `closed` towards zero");
            if (engine.isLiquidatable(acct)) _fail("ADL (INV-51): left the account liquidatable");
            if (usdc.balanceOf(caller) != callerBefore + reward)
                _fail("ADL (INV-52): caller paid other than the reported reward");
            // The account never gains (oracle-price close, then the charge); the reward comes
            // out of the charge, so the owner calling on itself gains nothing either (1 unit of
            // rounding for the realised PnL).
            if (_health(acct).equity + int256(reward * 1e12) > equityBefore + 1e12)
                _fail("ADL (INV-52): the account plus the reward gained");
            if (reward * 1e12 > ADL_MAX_REWARD) _fail("ADL (INV-52): reward above maxReward");
            (int256 valueAfter, , ) = engine.adlNeed();
            if (valueAfter + 1 < valueBefore) _fail("ADL: the pool's value fell");
        } catch (bytes memory err) {
            _reverted("autoDeleverage", err);
        }
    }

    /// @dev Two calls in three name the first position on the side of its market's skew (from a
    ///      random start), the rest a random account and market (mostly refused).
    function _adlTarget(
        uint256 accSeed,
        uint256 marketSeed
    ) private view returns (uint256, uint256) {
        uint256 acct = accounts[accSeed % N_ACCOUNTS];
        uint256 m = marketSeed % N_MARKETS;
        if (accSeed % 3 == 0) return (acct, m);
        uint256 n = N_ACCOUNTS * N_MARKETS;
        for (uint256 k; k < n; ++k) {
            uint256 i = ((accSeed % n) + k) % n;
            uint256 a = accounts[i / N_MARKETS];
            uint256 mk = (m + i) % N_MARKETS;
            int256 size = engine.getPosition(a, mk).size;
            (uint128 longOI, uint128 shortOI) = _oi(mk);
            int256 skew = int256(uint256(longOI)) - int256(uint256(shortOI));
            if (size != 0 && (size > 0) == (skew > 0)) return (a, mk);
        }
        return (acct, m);
    }

    function _rally(uint256 m, uint256 seed) private {
        (uint128 longOI, uint128 shortOI) = _oi(m);
        if (longOI == shortOI) return;
        int256 bps = int256(_bound(seed, 500, 5_000));
        _move(m, longOI > shortOI ? bps : -bps);
        _refreshFeeds();
    }

    function _oi(uint256 m) private view returns (uint128, uint128) {
        MarketState memory st = engine.getMarketState(m);
        return (st.longOI, st.shortOI);
    }
}
