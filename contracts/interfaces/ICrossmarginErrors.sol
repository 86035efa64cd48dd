// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title ICrossmarginErrors
/// @notice Every custom error of the engine, with the numbers that explain it.
interface ICrossmarginErrors {
    // --- accounts and access ---
    error InvalidAccount(uint256 account);
    error Unauthorized(address caller, uint256 account);
    error InvalidSignature();
    error SignatureExpired(uint256 deadline);
    error DeadlineExpired(uint256 deadline, uint256 timestamp);
    error ProtocolPaused();
    error OnlyPool(address caller);
    error AlreadySet(bytes32 what);

    // --- input and parameters ---
    error ZeroAmount();
    error ZeroAddress();
    error InvalidRecipient(address to);
    error AmountTooLarge(uint256 amount, uint256 max);
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    error FeedDescriptionMismatch(address feed, string expected, string actual);
    error UnsupportedDecimals(address token, uint8 decimals);

    // --- collateral ---
    error UnknownToken(address token);
    error TokenAlreadyListed(address token);
    error TooManyCollateralTypes(uint256 max);
    error DepositCapExceeded(address token, uint256 cap, uint256 totalAfter);
    error InsufficientBalance(uint256 account, address token, uint256 balance, uint256 requested);
    error DebtOutstanding(uint256 account, int256 quoteBalance);
    error TooManyCollaterals(uint256 account, uint256 max);
    error InsufficientPoolLiquidity(uint256 available, uint256 requested);

    // --- markets and trading ---
    error UnknownMarket(uint256 marketId);
    error TooManyMarkets(uint256 max);
    error ZeroSizeDelta();
    error SizeOverflow(int256 size);
    error MarketPaused(uint256 marketId);
    error MarketReduceOnly(uint256 marketId);
    error MarketSettled(uint256 marketId);
    error InvalidStatus(uint256 marketId, uint8 status);
    error SlippageExceeded(uint256 fillPrice, uint256 acceptablePrice);
    error OpenInterestCapExceeded(uint256 marketId, uint256 openInterest, uint256 cap);
    /// @notice INV-45: the trade would take the net skew notional (USD WAD) above `cap`, the
    ///         pool's balance times the market's `maxNetExposureRatio`.
    error NetExposureExceeded(uint256 marketId, uint256 netNotional, uint256 cap);
    error TooManyPositions(uint256 account, uint256 max);
    error InstantTradingDisabled(uint256 marketId);

    // --- margin ---
    error InsufficientMargin(uint256 account, int256 equity, uint256 requiredMargin);
    error WouldBecomeLiquidatable(uint256 account, int256 equity, uint256 maintenanceMargin);

    // --- liquidation ---
    error NotLiquidatable(uint256 account, int256 equity, uint256 maintenanceMargin);
    error NoDebt(uint256 account);
    error NothingToSeize(uint256 account, address token);
    /// @dev `liquidate` on an account without positions that can still cover its debt: only
    ///      `liquidateCollateral`, under the close factor, may take its collateral.
    error UseCollateralLiquidation(uint256 account);

    // --- delayed orders ---
    error OrderExists(uint256 account, uint256 marketId);
    error NoOrder(uint256 account, uint256 marketId);
    error RoundTooEarly(uint80 roundId, uint256 updatedAt, uint256 earliest);
    error RoundNotFirst(uint80 roundId, uint256 previousUpdatedAt, uint256 earliest);
    error OrderNotExpired(uint256 deadline, uint256 timestamp);
    error OrderExpired(uint256 deadline, uint256 timestamp);
    error SettlementPriceExists(uint256 account, uint256 marketId);
    error InvalidOrderDeadline(uint256 deadline, uint256 min, uint256 max);

    // --- sandwich protection (INV-40) ---
    /// @notice A trade or order commit without a slippage bound (`acceptablePrice == 0`).
    error SlippageBoundRequired();

    // --- order safety (INV-35..INV-39) ---
    error RoundBeforeCommit(uint80 roundId, uint80 commitRound);
    error RoundPredecessorMissing(uint80 roundId, uint80 predecessor);
    error InvalidPhaseProof(uint80 roundId, uint80 lastRoundOfPreviousPhase);
    error SettlementPriceOutOfBand(uint256 price, uint256 min, uint256 max);

    // --- auto-deleveraging (INV-49 to INV-52) ---
    error AdlDisabled();
    error AdlNotNeeded(int256 poolValue, int256 poolBalance);
    error AdlAccountLiquidatable(uint256 account, int256 equity, uint256 maintenanceMargin);
    error AdlNotOnSkewSide(uint256 account, uint256 marketId, int256 size, int256 skew);
    error AdlNotInProfit(uint256 account, uint256 marketId, int256 pnl);

    // risk model (docs/math.md, "Risk model")
    error NotDelegated();
    error OnlyEngine(address caller);
    error InvalidOffsetPair(uint256 pairId, uint256 marketA, uint256 marketB);
    error MarketInOtherPair(uint256 marketId, uint256 pairId);
    error InvalidReserve(uint256 account, uint8 reserveSub);
    error NoProtection(uint256 account);
    error TopUpUnavailable(uint256 account, uint256 reserve, uint256 free, uint256 fee);
    error TopUpInsufficient(uint256 account, uint256 amount, uint256 need);
    error Simulated(bytes result);
}
