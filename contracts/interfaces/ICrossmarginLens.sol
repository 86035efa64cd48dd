// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmargin} from "./ICrossmargin.sol";
import {Order} from "../types/Types.sol";

/// @title ICrossmarginLens
/// @notice Read-only views over the Crossmargin engine for wallets, keepers and integrators.
///         Stateless: every figure is computed from the engine's getters at call time, with the
///         engine's rounding (docs/math.md). USD values, prices and sizes are 18-decimal WAD;
///         token amounts are in the token's own decimals.
/// @dev Views that price an account revert like the engine does when a feed it needs is stale
///      or the sequencer is down, except `batchHealth` and
///      `scanFlags`, which report such accounts as not ok.
interface ICrossmarginLens {
    /// @notice The lens was deployed without an engine.
    error LensZeroEngine();

    /// @notice `token` is neither the quote token nor a listed collateral.
    /// @param token The token given to `maxWithdrawable`.
    error LensUnknownToken(address token);

    /// @notice Margin figures of an account (USD WAD unless stated).
    /// @param equity Weighted collateral + unrealised PnL - accrued funding (signed).
    /// @param im Initial margin, including what pending orders reserve.
    /// @param mm Maintenance margin.
    /// @param healthFactor `mm == 0 ? uint256.max : (equity <= 0 ? 0 : divDown(equity, mm))`.
    /// @param marginUtilisation `equity <= 0 ? uint256.max : divUp(im, equity)`.
    /// @param availableMargin `equity - im` (signed).
    /// @param liquidatable `equity < mm`.
    /// @param quoteBalance Quote token balance in quote units (negative = debt).
    struct AccountSummary {
        int256 equity;
        uint256 im;
        uint256 mm;
        uint256 healthFactor;
        uint256 marginUtilisation;
        int256 availableMargin;
        bool liquidatable;
        int256 quoteBalance;
    }

    /// @notice One open position valued at the current oracle (or settlement) price.
    /// @param unrealisedPnl `sMulFloor(size, price - entryPrice)`.
    /// @param accruedFunding `sMulCeil(size, indexNow - positionIndex)`, positive = owed.
    /// @param notional `mulUp(|size|, price)`.
    /// @param im Initial requirement of the position (with `minPositionMargin`).
    /// @param mm Maintenance requirement of the position (with `minPositionMargin`).
    /// @param liquidationPrice As `liquidationPrice(account, marketId)`; 0 if none.
    struct PositionInfo {
        uint256 marketId;
        int256 size;
        uint256 entryPrice;
        uint256 price;
        int256 unrealisedPnl;
        int256 accruedFunding;
        uint256 notional;
        uint256 im;
        uint256 mm;
        uint256 liquidationPrice;
    }

    /// @notice One non-quote collateral balance of an account.
    /// @param price Oracle price, WAD USD per whole token.
    /// @param valueUsd `floor(balance * price / 10^decimals)`.
    /// @param weightedUsd `mulDown(valueUsd, weight)`: what counts towards equity.
    struct CollateralInfo {
        address token;
        uint256 balance;
        uint256 price;
        uint256 valueUsd;
        uint256 weightedUsd;
    }

    /// @notice All collateral of an account.
    /// @param items Every non-quote collateral the account holds, by token index.
    /// @param tokens The tokens of `items`, in the same order.
    /// @param totalValueUsd Sum of `items[i].valueUsd`.
    /// @param totalWeightedUsd Sum of `items[i].weightedUsd`.
    /// @param quoteBalance Quote balance in quote units (signed).
    /// @param weightedCollateral `quoteToUsd(quoteBalance) + totalWeightedUsd` (signed USD WAD).
    struct CollateralSummary {
        CollateralInfo[] items;
        address[] tokens;
        uint256 totalValueUsd;
        uint256 totalWeightedUsd;
        int256 quoteBalance;
        int256 weightedCollateral;
    }

    /// @notice A pending delayed order and what a keeper can do with it now.
    /// @param settleable A settlement round exists and the order has not expired.
    /// @param cancellable The order expired: anyone may cancel it for the keeper fee.
    /// @param settlementRound The round to pass to `settleOrder` (0 if none yet).
    /// @param phaseProof 0, or the last round of the previous phase for `settleOrderAcrossPhase`.
    struct PendingOrder {
        uint256 marketId;
        Order order;
        bool settleable;
        bool cancellable;
        uint80 settlementRound;
        uint80 phaseProof;
    }

    /// @notice The engine this lens reads.
    /// @return The Crossmargin engine, fixed at deployment.
    function engine() external view returns (ICrossmargin);

    /// @notice Equity, requirements and the ratios derived from them (docs/math.md, Margin).
    /// @param account The account id (`owner << 8 | subAccount`).
    /// @return summary The account's margin figures.
    function accountSummary(uint256 account) external view returns (AccountSummary memory summary);

    /// @notice Every open position of `account`, by market id.
    /// @param account The account id.
    /// @return list One entry per open position.
    function positions(uint256 account) external view returns (PositionInfo[] memory list);

    /// @notice The account's non-quote collateral valued at oracle prices, with totals.
    /// @param account The account id.
    /// @return summary Per-token values, totals and the held token list.
    function collaterals(uint256 account) external view returns (CollateralSummary memory summary);

    /// @notice The largest amount of `token` that `withdraw` would accept from `account` now.
    /// @dev Exact: withdrawing the result passes the engine's checks (balance, debt, equity >= IM
    ///      afterwards) and one more token unit fails, at the same block. Quote token:
    ///      `min(balance, floor((equity - IM) / quoteScale))`. Other collateral: 0 while the
    ///      quote balance is negative; otherwise the balance less the smallest remainder whose
    ///      weighted value still covers IM (the whole balance for weight 0 when equity >= IM).
    /// @param account The account id.
    /// @param token The quote token or a listed collateral (else `LensUnknownToken`).
    /// @return amount Token units (0 when nothing can be withdrawn).
    function maxWithdrawable(uint256 account, address token) external view returns (uint256 amount);

    /// @notice Oracle price of `marketId` at which `account` reaches `equity == MM`.
    /// @dev Closed form holding every other price, the collateral, the funding index and this
    ///      market's maintenance ratio (`mmr`) fixed at their current values:
    ///      `p* = (R - E0 + s * p0) / (s - |s| * mmr)`, with `E0` the current equity, `p0` the
    ///      current price, `s` the size and `R = MM - mulUp(notional, mmr)`. One final rounding,
    ///      to the safe side: up for a long (liquidatable below `p*`), down for a short
    ///      (liquidatable above `p*`). When the size factor sets `mmr`, the true `mmr` changes with
    ///      the notional, so `p*` is conservative for a long and optimistic for a short.
    /// @param account The account id.
    /// @param marketId The market.
    /// @return price WAD price, or 0 if there is no position or no positive such price.
    function liquidationPrice(
        uint256 account,
        uint256 marketId
    ) external view returns (uint256 price);

    /// @notice Fill price and fee of a hypothetical trade at the current oracle price.
    /// @param marketId The market.
    /// @param sizeDelta Signed size (WAD).
    /// @return fill WAD fill price with price impact.
    /// @return fee USD WAD trading fee.
    function fillPrice(
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fill, uint256 fee);

    /// @notice Health of many accounts for keepers. An account whose health cannot be computed
    ///         (stale feed, sequencer down...) is reported with `ok[i] = false` and zeros instead
    ///         of reverting the whole batch; its `liquidatable[i]` is then the engine's
    ///         `isLiquidatable`, which values a stale market at its last answer.
    /// @param accounts Account ids.
    /// @return ok Whether the account's health could be read.
    /// @return equity Equity (USD WAD), 0 when not ok.
    /// @return mm Maintenance margin (USD WAD), 0 when not ok.
    /// @return liquidatable `equity < mm`; when not ok, `engine.isLiquidatable` (false if that
    ///         reverts too).
    function batchHealth(
        uint256[] calldata accounts
    )
        external
        view
        returns (
            bool[] memory ok,
            int256[] memory equity,
            uint256[] memory mm,
            bool[] memory liquidatable
        );

    /// @notice One flag byte per account, for keepers scanning a large book: bit 0 (`SCAN_OK`)
    ///         the account's health could be read, bit 1 (`SCAN_LIQUIDATABLE`) as
    ///         `batchHealth`'s `liquidatable`, bit 2 (`SCAN_EXPOSED`) the account has a position
    ///         or quote debt. An account without either has equity >= 0 and no maintenance
    ///         margin at any price and any time, so it is reported `SCAN_OK` without pricing it;
    ///         only a transaction on that account (which emits an event naming it) can change
    ///         that. An exposed account's flags are `batchHealth`'s for it.
    /// @param accounts Account ids.
    /// @return flags `accounts.length` bytes, `flags[i]` for `accounts[i]`.
    function scanFlags(uint256[] calldata accounts) external view returns (bytes memory flags);

    /// @notice The account's pending delayed orders with their keeper status.
    /// @param account The account id.
    /// @return orders One entry per pending order, by market id.
    function pendingOrders(uint256 account) external view returns (PendingOrder[] memory orders);
}
