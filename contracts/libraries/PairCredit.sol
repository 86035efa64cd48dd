// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AccountIds} from "./AccountIds.sol";

import {WadMath} from "./WadMath.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {RiskMath} from "./RiskMath.sol";
import {Store} from "../types/Store.sol";
import {StoredMarket, OffsetPair} from "../types/Types.sol";

/// @title PairCredit
/// @notice What a reducing trade in a paired market does to the account's offset credit, for the
///         INV-8 reconstruction of MM before the trade (docs/math.md, "Offset pairs"; INV-54).
///         The health loop's own credit pass is `MarginLogic`'s.
library PairCredit {
    using WadMath for uint256;

    /// @notice How much the MM credit of `marketId`'s offset pair falls (negative: rises) when
    ///         the account's position there goes from `oldSize` to `newSize` at `price`; zero
    ///         unless the account holds the other leg. `pairId`: the market's offset pair (its
    ///         config slot 0's bits 216..223, non-zero).
    function creditLoss(
        Store storage s,
        uint256 account,
        uint256 marketId,
        uint256 pairId,
        uint256 price,
        int256 oldSize,
        int256 newSize
    ) internal view returns (int256) {
        (bool active, RiskMath.Leg memory partner, OffsetPair memory pair) = _partnerOf(
            s,
            account,
            marketId,
            pairId
        );
        if (!active) return 0;
        StoredMarket storage cfg = s.markets[marketId].config;
        (, uint256 before) = RiskMath.credit(
            MarketMath.leg(cfg, oldSize, price),
            partner,
            pair.rate,
            pair.stressMove
        );
        (, uint256 after_) = RiskMath.credit(
            MarketMath.leg(cfg, newSize, price),
            partner,
            pair.rate,
            pair.stressMove
        );
        return WadMath.toInt(before) - WadMath.toInt(after_);
    }

    /// @dev The other leg of `marketId`'s offset pair in the account, at its latest price. The
    ///      pair and the other leg are read only if the account's market mask (one bit per
    ///      non-zero position) holds that leg.
    function _partnerOf(
        Store storage s,
        uint256 account,
        uint256 marketId,
        uint256 pairId
    ) private view returns (bool active, RiskMath.Leg memory partner, OffsetPair memory pair) {
        uint256 others = s.accounts[account].marketMask & ~(uint256(1) << marketId);
        if (others == 0) return (false, partner, pair);
        pair = s.offsetPairs[pairId];
        uint256 other = pair.marketA == marketId ? pair.marketB : pair.marketA;
        if (others & (uint256(1) << other) == 0) return (false, partner, pair);
        int256 otherSize = s.positions[AccountIds.positionKey(account, other)].size;
        if (otherSize == 0) return (false, partner, pair);
        StoredMarket storage otherCfg = s.markets[other].config;
        (uint256 otherPrice, ) = MarginLogic.marketPriceLatest(otherCfg);
        return (true, MarketMath.leg(otherCfg, otherSize, otherPrice), pair);
    }
}
