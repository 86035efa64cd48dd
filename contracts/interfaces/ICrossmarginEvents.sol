// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {MarketStatus} from "../types/Types.sol";
import {
    AdlSettings,
    LiquidationSettings,
    MarketLimits,
    MarketMarginParams,
    MarketOrderParams,
    MarketTradingParams
} from "../types/Params.sol";

/// @title ICrossmarginEvents
/// @notice One event per state change, carrying computed outcomes so indexers need not recompute.
/// @dev Units: quote units are the quote token's own decimals, token units a collateral's own
///      decimals; USD values, prices, sizes and ratios are 18-decimal WAD.
interface ICrossmarginEvents {
    // --- accounts ---
    /// @notice The owner approved or revoked an operator of one account.
    /// @param account The account id.
    /// @param operator The operator.
    /// @param approved True when approved, false when revoked.
    event OperatorSet(uint256 indexed account, address indexed operator, bool approved);
    /// @notice Tokens credited to an account: exactly what reached the vault.
    /// @param account The account credited.
    /// @param token The quote token or a listed collateral.
    /// @param from Who paid (the caller).
    /// @param amount Token units received and credited.
    event Deposited(
        uint256 indexed account,
        address indexed token,
        address indexed from,
        uint256 amount
    );
    /// @notice Tokens sent out of an account after its margin check.
    /// @param account The account debited.
    /// @param token The quote token or a listed collateral.
    /// @param to The recipient.
    /// @param amount Token units sent.
    event Withdrawn(
        uint256 indexed account,
        address indexed token,
        address indexed to,
        uint256 amount
    );

    // --- governance ---
    /// @notice A collateral token listed (its risk parameters follow in `CollateralParamsSet`).
    /// @param token The token.
    /// @param feed Its Chainlink USD price feed.
    /// @param heartbeat Maximum age of the feed's answer (seconds).
    /// @param index Its bit in `AccountData.collateralMask` and index in `collateralTokens()`.
    event CollateralListed(address indexed token, address feed, uint32 heartbeat, uint8 index);
    /// @notice A collateral's risk parameters (emitted at listing too; INV-53).
    /// @param token The token.
    /// @param initialWeight Weight for withdrawals and risk-increasing trades (WAD).
    /// @param maintenanceWeight Weight for equity and liquidation (WAD).
    /// @param liquidationDiscount Discount to the oracle price at which liquidators and the
    ///        insurance fund buy the token (WAD).
    /// @param sizeFactor How fast the weights fall above the size threshold (WAD per sqrt(USD)).
    /// @param sizeThreshold Balance value above which the weights are haircut (USD WAD).
    /// @param weightFloor Fraction of the weights the size scale never goes below (WAD).
    /// @param depositCap Total deposits allowed (token units).
    event CollateralParamsSet(
        address indexed token,
        uint64 initialWeight,
        uint64 maintenanceWeight,
        uint64 liquidationDiscount,
        uint64 sizeFactor,
        uint128 sizeThreshold,
        uint64 weightFloor,
        uint128 depositCap
    );
    /// @notice A collateral's price feed replaced.
    /// @param token The token.
    /// @param feed The new feed.
    /// @param heartbeat Maximum age of its answer (seconds).
    /// @param feedDecimals The feed's decimals, read from it.
    event CollateralFeedSet(
        address indexed token,
        address feed,
        uint32 heartbeat,
        uint8 feedDecimals
    );
    /// @notice A market created, Active (its parameters follow in their own events).
    /// @param marketId The new market's id.
    /// @param name Its name (bytes32 string, e.g. "ETH-PERP"), unique.
    /// @param feed Its Chainlink price feed.
    /// @param heartbeat Maximum age of the feed's answer (seconds).
    event MarketAdded(uint256 indexed marketId, bytes32 name, address feed, uint32 heartbeat);
    /// @notice A market's price feed replaced.
    /// @param marketId The market.
    /// @param feed The new feed.
    /// @param heartbeat Maximum age of its answer (seconds).
    /// @param feedDecimals The feed's decimals, read from it.
    event MarketFeedSet(
        uint256 indexed marketId,
        address feed,
        uint32 heartbeat,
        uint8 feedDecimals
    );
    /// @notice A market's pricing and funding parameters.
    /// @param marketId The market.
    /// @param params Skew scale (size WAD; 0 = no price impact and no funding), maker and taker
    ///        fees (WAD of notional), funding velocity (WAD per day per day).
    event MarketTradingParamsSet(uint256 indexed marketId, MarketTradingParams params);
    /// @notice A market's margin requirements.
    /// @param marketId The market.
    /// @param params Initial margin ratio and its size factor, maintenance scalar (WAD, WAD per
    ///        sqrt(USD), WAD) and the margin added per position (USD WAD).
    event MarketMarginParamsSet(uint256 indexed marketId, MarketMarginParams params);
    /// @notice A market's open-interest, exposure and liquidation caps.
    /// @param marketId The market.
    /// @param params Open interest cap per side (size WAD), the pool ratios (WAD; INV-45), the
    ///        notional liquidated per window at most (USD WAD; 0 = unlimited) and the window
    ///        (seconds).
    event MarketLimitsSet(uint256 indexed marketId, MarketLimits params);
    /// @notice A market's order parameters.
    /// @param marketId The market.
    /// @param params Whether `modifyPosition` may add risk without a delayed order, the delay
    ///        to the earliest settlement round and the latest deadline after a commit (seconds).
    event MarketOrderParamsSet(uint256 indexed marketId, MarketOrderParams params);
    /// @notice A new config page holds the configuration checks read (INV-79): the liquidation
    ///         parameters, every market's config slots 0 and 1, every collateral's slot 0.
    /// @param version The page's version (1, 2, ...).
    /// @param page The page's address.
    event ConfigPagePublished(uint256 version, address page);
    /// @notice A market's status changed (Active at creation).
    /// @param marketId The market.
    /// @param status The new status.
    /// @param settlementPrice The price positions close at once Settled (price WAD; 0 for any
    ///        other status).
    event MarketStatusSet(uint256 indexed marketId, MarketStatus status, uint256 settlementPrice);
    /// @notice The protocol-wide liquidation parameters (docs/math.md, "Liquidation").
    /// @param params Keeper and penalty rates (WAD), buffer (WAD), keeper reward floor and cap
    ///        per account and window (USD WAD), close-factor threshold (WAD), small debt (USD
    ///        WAD), order keeper fee (USD WAD) and the per-account window (seconds).
    event LiquidationParamsSet(LiquidationSettings params);
    /// @notice The L2 sequencer-uptime feed that margin checks and the pool's valuation consult.
    /// @param feed The uptime feed (zero: no check).
    /// @param gracePeriod Seconds after the sequencer comes back up during which prices are
    ///        still refused.
    event SequencerSet(address feed, uint32 gracePeriod);
    /// @notice The liquidity pool set (once).
    /// @param pool The pool.
    event PoolSet(address pool);
    /// @notice The insurance fund set (once).
    /// @param fund The fund.
    event InsuranceFundSet(address fund);
    /// @notice Liquidation penalties accrued for the insurance fund left the accrual (INV-70).
    /// @param fund The fund.
    /// @param amount Quote units.
    /// @param toFund True: paid to the fund (`sweepInsuranceFund`, or the sweep before a
    ///        bad-debt settlement). False: the quote token refuses the fund, and they were used
    ///        in its place: to cover bad debt, or (a sum beyond 96 bits) credited to the pool.
    event InsuranceFundSwept(address fund, uint256 amount, bool toFund);
    /// @notice The protocol paused (by the guardian) or unpaused (by the admin).
    /// @param paused True when paused.
    event PausedSet(bool paused);
    /// @notice The auto-deleveraging parameters (INV-52).
    /// @param params Floor ratio (WAD; 0 = off), the caller's reward rate (WAD of notional) and
    ///        reward per call at most (USD WAD).
    event AdlParamsSet(AdlSettings params);

    // --- trading ---
    /// @notice Funding of a market recorded up to this block by a parameter change or the
    ///         market's settlement. A position change records funding too, and reports the index
    ///         in its `PositionModified` instead.
    /// @param marketId The market.
    /// @param fundingRate The rate now (WAD per day, signed; positive: longs pay shorts).
    /// @param fundingIndex The cumulative index now (USD WAD per unit of size, signed).
    /// @param price The price it accrued at (price WAD).
    event FundingRecorded(
        uint256 indexed marketId,
        int256 fundingRate,
        int256 fundingIndex,
        uint256 price
    );
    /// @notice A position changed: a trade, an order fill, a liquidation close or an ADL close.
    ///         The old position's PnL and funding are realised into the quote balance.
    /// @param account The account.
    /// @param marketId The market.
    /// @param sizeDelta The change (size WAD, signed; positive buys).
    /// @param newSize The position after it (size WAD, signed).
    /// @param fillPrice The fill price (price WAD).
    /// @param fee Trading fee charged (USD WAD; 0 for liquidation, ADL and settled closes).
    /// @param realisedPnl PnL of the old size at the fill price (USD WAD, signed).
    /// @param fundingPaid Funding the old size owed since its last change (USD WAD, signed;
    ///        positive: paid by the account).
    /// @param quoteDelta `realisedPnl - fundingPaid - fee` credited to the quote balance
    ///        (quote units, signed, rounded down); the pool's balance moves by the opposite.
    /// @param fundingIndex The market's cumulative funding index, recorded up to this block
    ///        before the change (USD WAD per unit of size, signed).
    event PositionModified(
        uint256 indexed account,
        uint256 indexed marketId,
        int256 sizeDelta,
        int256 newSize,
        uint256 fillPrice,
        uint256 fee,
        int256 realisedPnl,
        int256 fundingPaid,
        int256 quoteDelta,
        int256 fundingIndex
    );

    // --- pool ---
    /// @notice The liquidity pool credited quote tokens to its balance in the vault.
    /// @param assets Quote units credited.
    /// @param poolBalance The pool's balance after (quote units, signed).
    event PoolDeposited(uint256 assets, int256 poolBalance);
    /// @notice The liquidity pool withdrew quote tokens from the vault.
    /// @param receiver The recipient.
    /// @param assets Quote units sent.
    /// @param poolBalance The pool's balance after (quote units, signed).
    event PoolWithdrawn(address indexed receiver, uint256 assets, int256 poolBalance);

    // --- liquidation ---
    /// @notice `liquidate` closed (part of) a position at the oracle price, without fee. The
    ///         close's PnL, funding and quote movement are in the `PositionModified` event that
    ///         precedes it in the same transaction.
    /// @param account The account.
    /// @param marketId The market.
    /// @param keeper The caller.
    /// @param sizeClosed The size change (size WAD, signed: negative closes a long).
    /// @param price The oracle price it closed at (price WAD).
    /// @param notionalUsd `mulUp(|sizeClosed|, price)` (USD WAD).
    event PositionLiquidated(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed keeper,
        int256 sizeClosed,
        uint256 price,
        uint256 notionalUsd
    );
    /// @notice `feeQuote = keeperRewardQuote + toInsuranceFundQuote` charged to the account
    ///         for `notionalClosedUsd` by one `liquidate` call. Both are capped, penalty first,
    ///         by what the account can pay, so the charge never creates debt.
    /// @param account The account.
    /// @param keeper The caller, paid `keeperRewardQuote`.
    /// @param notionalClosedUsd Notional the call closed (USD WAD).
    /// @param feeQuote Total charged to the account (quote units).
    /// @param keeperRewardQuote Paid to the keeper (quote units).
    /// @param toInsuranceFundQuote The fund's penalty (quote units); if the quote token refuses
    ///        the transfer to the fund, it goes to the pool's balance instead.
    event LiquidationFeePaid(
        uint256 indexed account,
        address indexed keeper,
        uint256 notionalClosedUsd,
        uint256 feeQuote,
        uint256 keeperRewardQuote,
        uint256 toInsuranceFundQuote
    );
    /// @notice The insurance fund bought `amount` of `token` from a bankrupt account for
    ///         `debtRepaid` quote units, at the oracle price less the token's discount.
    /// @param account The account (no positions left, negative weighted equity).
    /// @param token The collateral sold.
    /// @param amount Token units moved to the fund.
    /// @param debtRepaid Quote units the fund paid against the account's debt.
    event CollateralSoldToFund(
        uint256 indexed account,
        address indexed token,
        uint256 amount,
        uint256 debtRepaid
    );
    /// @notice A liquidator repaid quote debt and took collateral at the discounted oracle price.
    /// @param account The account.
    /// @param token The collateral seized.
    /// @param liquidator The caller, who paid `debtRepaid` and received `collateralSeized`.
    /// @param debtRepaid Quote units repaid.
    /// @param collateralSeized Token units seized.
    event CollateralLiquidated(
        uint256 indexed account,
        address indexed token,
        address indexed liquidator,
        uint256 debtRepaid,
        uint256 collateralSeized
    );
    /// @notice Debt no collateral backs any more written off (INV-5): the insurance fund covers
    ///         what it can, the pool's balance the rest; the account's quote balance is zeroed.
    /// @param account The account.
    /// @param deficit The debt written off (quote units).
    /// @param coveredByFund Paid by the insurance fund (quote units).
    /// @param socialised `deficit - coveredByFund`, taken from the pool's balance (quote units).
    event BadDebtSettled(
        uint256 indexed account,
        uint256 deficit,
        uint256 coveredByFund,
        uint256 socialised
    );

    // --- delayed orders ---
    /// @notice A delayed order recorded; it reserves its margin and keeper fee until it settles.
    /// @param account The account.
    /// @param marketId The market.
    /// @param sizeDelta The order's size (size WAD, signed; positive buys).
    /// @param acceptablePrice The worst fill accepted (price WAD), as stored: the caller's bound
    ///        on the float grid, on its stricter side (docs/math.md, "Order storage").
    /// @param settlementDeadline After this (unix seconds) the order can only be cancelled.
    /// @param keeperFee Fee reserved for the keeper (quote units).
    event OrderCommitted(
        uint256 indexed account,
        uint256 indexed marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 settlementDeadline,
        uint256 keeperFee
    );
    /// @notice A delayed order filled at its settlement round.
    /// @param account The account.
    /// @param marketId The market.
    /// @param keeper The caller, paid the keeper fee (credited to its account, INV-71).
    /// @param roundId The oracle round it filled at.
    /// @param keeperFeeQuote The fee charged to the account and paid to the keeper (quote units;
    ///        capped by the account's equity, INV-35).
    event OrderSettled(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed keeper,
        uint80 roundId,
        uint256 keeperFeeQuote
    );
    /// @notice An order's keeper fee was credited to the quote balance of the keeper's account
    ///         `accountId(keeper, 0)` (INV-71), after `OrderSettled` or `OrderCancelled` named
    ///         the keeper and the fee.
    /// @param account The keeper's account.
    /// @param feeQuote The fee credited (quote units).
    event KeeperFeeCredited(uint256 indexed account, uint256 feeQuote);
    /// @notice The owner set (or, with the zero address, removed) the contract notified when
    ///         the account's delayed orders settle.
    /// @param account The account.
    /// @param callback The `ICrossmarginSettlementCallback` contract, or zero.
    event SettlementCallbackSet(uint256 indexed account, address callback);
    /// @notice A settlement callback reverted or ran out of gas; the settlement stands.
    /// @param account The account.
    /// @param marketId The market of the settled order.
    /// @param callback The contract called.
    /// @param reason The first 4 bytes of its revert data (an error selector), or zero.
    event SettlementCallbackFailed(
        uint256 indexed account,
        uint256 indexed marketId,
        address callback,
        bytes4 reason
    );
    /// @notice A delayed order removed without a fill.
    /// @param account The account.
    /// @param marketId The market.
    /// @param caller Who cancelled it (the keeper or liquidator, the owner or an operator).
    /// @param reason `"expired"`, `"owner"`, `"governance"` (a pause or status change; free),
    ///        `"reduce-only"` (no position left to reduce), `"slippage"`, `"margin"`,
    ///        `"liquidation"`, or the 4-byte selector of another error of the fill.
    /// @param keeperFee Fee charged to the account (quote units; 0 when free).
    event OrderCancelled(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed caller,
        bytes32 reason,
        uint256 keeperFee
    );

    // --- order safety (INV-35, INV-36, INV-38) ---
    /// @notice A reduce-only order was clamped to the position left (`filledDelta`).
    /// @param account The account.
    /// @param marketId The market.
    /// @param sizeDelta The order's size (size WAD, signed).
    /// @param filledDelta The size it fills instead, `-position` (size WAD, signed).
    event OrderClamped(
        uint256 indexed account,
        uint256 indexed marketId,
        int256 sizeDelta,
        int256 filledDelta
    );
    /// @notice The keeper fee charged was capped by the account's equity (`charged < reserved`).
    /// @param account The account.
    /// @param marketId The market.
    /// @param reserved The keeper fee the order reserved (quote units).
    /// @param charged What the account was charged (quote units).
    event OrderFeeCapped(
        uint256 indexed account,
        uint256 indexed marketId,
        uint256 reserved,
        uint256 charged
    );
    /// @notice An owner's cancellation fee went to the insurance fund, or (`toInsuranceFund`
    ///         false: the fund or token refused it) to the pool's balance.
    /// @param account The account.
    /// @param marketId The market.
    /// @param amount The fee (quote units).
    /// @param toInsuranceFund True when the fund received it.
    event OrderCancelFeeCollected(
        uint256 indexed account,
        uint256 indexed marketId,
        uint256 amount,
        bool toInsuranceFund
    );

    // --- auto-deleveraging (INV-49 to INV-52) ---
    /// @notice `keeper` closed `sizeDelta` of the account's position at the oracle `price`
    ///         because the pool was below its floor (`poolValue` and `poolBalance` before the
    ///         close). `score` ranks candidates (docs/math.md); the account paid `charge` quote
    ///         units, of which `reward` went to the keeper and the rest to the pool.
    /// @param account The account.
    /// @param marketId The market.
    /// @param keeper The caller.
    /// @param sizeDelta The size change (size WAD, signed: negative closes a long).
    /// @param price The oracle price (price WAD).
    /// @param score The position's ADL score (WAD).
    /// @param charge Quote units charged to the account.
    /// @param reward Quote units paid to the keeper, out of `charge`.
    /// @param poolValue The pool's value before the close (quote units, signed).
    /// @param poolBalance The pool's balance before the close (quote units, signed).
    event AutoDeleveraged(
        uint256 indexed account,
        uint256 indexed marketId,
        address indexed keeper,
        int256 sizeDelta,
        uint256 price,
        uint256 score,
        uint256 charge,
        uint256 reward,
        int256 poolValue,
        int256 poolBalance
    );

    // risk model (docs/math.md, "Risk model")
    /// @notice An offset pair declared, changed or removed (`rate == 0`; INV-54).
    /// @param pairId The pair id (1 .. 32).
    /// @param marketA The first market (0 when removed).
    /// @param marketB The second market (0 when removed).
    /// @param rate Share of the matched margin credited (WAD).
    /// @param stressMove Move of one leg against the other the pair must cover (WAD).
    event OffsetPairSet(
        uint256 indexed pairId,
        uint256 marketA,
        uint256 marketB,
        uint64 rate,
        uint64 stressMove
    );
    /// @notice The fee (USD WAD) a top-up pays its caller (INV-56).
    /// @param feeUsd The fee (USD WAD).
    event TopUpFeeSet(uint256 feeUsd);
    /// @notice A reserve attached to an account (`maxPerWindow == 0`: detached; INV-55).
    /// @param account The protected account.
    /// @param reserve The reserve's account id (the one detached, when detaching).
    /// @param buffer Top-ups aim at MM * (1 + buffer) (WAD).
    /// @param maxPerWindow Quote units the reserve may move per window.
    /// @param window Length of the window (seconds).
    event ProtectionSet(
        uint256 indexed account,
        uint256 indexed reserve,
        uint64 buffer,
        uint96 maxPerWindow,
        uint32 window
    );
    /// @notice Quote moved from the reserve before liquidation (quote units; INV-55, INV-56).
    /// @param account The protected account.
    /// @param reserve The reserve's account id.
    /// @param caller Who triggered it (a `topUp` caller or the liquidating keeper), paid `fee`.
    /// @param amount Quote units moved to the account.
    /// @param fee Quote units paid by the reserve to `caller`.
    event ToppedUp(
        uint256 indexed account,
        uint256 indexed reserve,
        address indexed caller,
        uint256 amount,
        uint256 fee
    );
}
