// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

/// @title ICrossmarginErrors
/// @notice Every custom error of the engine, with the numbers that explain it.
/// @dev Units: quote units are the quote token's own decimals, token units a collateral's own
///      decimals; USD values, prices, sizes and ratios are 18-decimal WAD. The oracle's errors
///      (`OracleStale`, `SequencerDown`...) are here too, as `OracleLib` reverts with them; role
///      checks revert with OpenZeppelin's `AccessControlUnauthorizedAccount`.
interface ICrossmarginErrors {
    // --- accounts and access ---
    /// @notice `account` is not a valid account id: bits above the 160-bit owner and the 8-bit
    ///         sub-account are set, or the owner is the zero address.
    /// @param account The rejected account id.
    error InvalidAccount(uint256 account);
    /// @notice `caller` may not act for `account`: it is neither the owner nor an operator
    ///         (adding a new collateral type by `depositFor` needs one of them too).
    /// @param caller The refused `msg.sender`.
    /// @param account The account it tried to act for.
    error Unauthorized(address caller, uint256 account);
    /// @notice The `setOperatorWithSig` signature is not the owner's (ECDSA for an EOA, ERC-1271
    ///         for a contract) over the EIP-712 `SetOperator` message.
    error InvalidSignature();
    /// @notice `settleOrder` with too little gas left to give the account's settlement callback
    ///         its whole budget (`SETTLEMENT_CALLBACK_GAS`): send the transaction with more gas.
    /// @param needed Gas the call needed at that point.
    /// @param left Gas it had.
    error InsufficientCallbackGas(uint256 needed, uint256 left);
    /// @notice `setSettlementCallback` with an address that has no code.
    /// @param callback The refused address.
    error InvalidCallback(address callback);
    /// @notice `addMarket` with an empty name or the name of an existing market.
    /// @param name The refused name (bytes32 string).
    error InvalidMarketName(bytes32 name);
    /// @notice No market has this name (`marketIdByName`).
    /// @param name The name looked up (bytes32 string).
    error UnknownMarketName(bytes32 name);
    /// @notice The `setOperatorWithSig` nonce is not the account's current one (already used, or
    ///         signed ahead of another signature for the same account not yet submitted).
    /// @param account The account the signature is for.
    /// @param expected The account's current nonce (`nonces(account)`).
    /// @param provided The nonce given with the signature.
    error InvalidNonce(uint256 account, uint256 expected, uint256 provided);
    /// @notice The `setOperatorWithSig` signature's deadline has passed.
    /// @param deadline The signed deadline (unix seconds).
    error SignatureExpired(uint256 deadline);
    /// @notice A `modifyPosition` or `multicall` mined after its deadline.
    /// @param deadline The caller's deadline (unix seconds).
    /// @param timestamp The block's timestamp.
    error DeadlineExpired(uint256 deadline, uint256 timestamp);
    /// @notice The guardian paused the protocol: trades and orders that add risk are refused
    ///         (reducing trades, deposits, withdrawals and liquidations continue).
    error ProtocolPaused();
    /// @notice `poolDeposit` or `poolWithdraw` called by someone other than the liquidity pool.
    /// @param caller The refused `msg.sender`.
    error OnlyPool(address caller);
    /// @notice `setPool` or `setInsuranceFund` called a second time: each is set once.
    /// @param what `"pool"` or `"insuranceFund"`, as a bytes32 string.
    error AlreadySet(bytes32 what);
    /// @notice `sweepInsuranceFund`: the quote token refused the transfer to the fund (e.g. a
    ///         blocklist); the accrual stays (INV-70).
    /// @param fund The fund.
    error InsuranceFundRefused(address fund);

    // --- input and parameters ---
    /// @notice A zero amount: a deposit, withdrawal (direct or in a `multicall`) or `maxRepay`
    ///         of 0, or a deposit of which nothing arrived.
    error ZeroAmount();
    /// @notice A zero address where one is required (token, feed, operator, pool, fund).
    error ZeroAddress();
    /// @notice A withdrawal to the zero address or to the engine itself.
    /// @param to The refused recipient.
    error InvalidRecipient(address to);
    /// @notice A deposit above `type(uint128).max` token units.
    /// @param amount The amount asked (token units).
    /// @param max The largest amount accepted (token units).
    error AmountTooLarge(uint256 amount, uint256 max);
    /// @notice A governance parameter (or a risk view's shock) outside its hard on-chain bounds.
    /// @param name The parameter's name, as a bytes32 string (e.g. `"imrBase"`).
    /// @param value The value given, in the parameter's own unit.
    /// @param min The smallest value allowed.
    /// @param max The largest value allowed.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice A setter's value is not a whole number of the unit it is stored in (a market's fee
    ///         is stored in pips, 1e-6 of notional: a WAD fee must be a multiple of 1e12; its
    ///         margin parameters and the liquidation rates in nanos, 1e9; the keeper rewards in
    ///         micro-USD, 1e12).
    /// @param name The parameter.
    /// @param value The value given, in the parameter's own unit.
    /// @param step The unit it must be a multiple of.
    error ParameterOffGrid(bytes32 name, uint256 value, uint256 step);
    /// @notice The feed's `description()` is not the one governance expected: guards against
    ///         configuring the wrong aggregator address.
    /// @param feed The feed address given.
    /// @param expected The description passed by governance.
    /// @param actual The feed's own description.
    error FeedDescriptionMismatch(address feed, string expected, string actual);
    /// @notice A token with too many decimals: above 18 for the quote token, above 36 for a
    ///         collateral.
    /// @param token The token.
    /// @param decimals Its `decimals()`.
    error UnsupportedDecimals(address token, uint8 decimals);

    // --- collateral ---
    /// @notice `token` is not a listed collateral (nor, where the quote token is accepted, the
    ///         quote token).
    /// @param token The unknown token.
    error UnknownToken(address token);
    /// @notice `listCollateral` of the quote token or of a token already listed.
    /// @param token The token.
    error TokenAlreadyListed(address token);
    /// @notice `listCollateral` when the engine already lists the maximum number of tokens.
    /// @param max The maximum (32, the bits of `AccountData.collateralMask`).
    error TooManyCollateralTypes(uint256 max);
    /// @notice The deposit would take the token's total deposits above its cap.
    /// @param token The collateral token.
    /// @param cap Its `depositCap` (token units).
    /// @param totalAfter Total deposits of the token after this deposit (token units).
    error DepositCapExceeded(address token, uint256 cap, uint256 totalAfter);
    /// @notice A withdrawal of more than the account holds.
    /// @param account The account.
    /// @param token The token withdrawn.
    /// @param balance What the account holds (token units; for the quote token its positive
    ///        quote balance, 0 when it is in debt).
    /// @param requested The amount asked (token units).
    error InsufficientBalance(uint256 account, address token, uint256 balance, uint256 requested);
    /// @notice A non-quote collateral cannot leave while the account's quote balance is negative
    ///         (INV-9): repay the debt first.
    /// @param account The account.
    /// @param quoteBalance Its quote balance (quote units, negative).
    error DebtOutstanding(uint256 account, int256 quoteBalance);
    /// @notice The deposit would give the account one non-quote collateral type too many (INV-11).
    /// @param account The account.
    /// @param max The maximum number of non-quote collateral types per account (8).
    error TooManyCollaterals(uint256 account, uint256 max);
    /// @notice The pool asked for more than `poolWithdrawable()`.
    /// @param available What the pool may withdraw now (quote units).
    /// @param requested What it asked for (quote units).
    error InsufficientPoolLiquidity(uint256 available, uint256 requested);

    // --- markets and trading ---
    /// @notice No market has this id (`marketId >= marketCount()`).
    /// @param marketId The unknown market id.
    error UnknownMarket(uint256 marketId);
    /// @notice `addMarket` when the engine already has the maximum number of markets.
    /// @param max The maximum (64, the bits of `AccountData.marketMask`).
    error TooManyMarkets(uint256 max);
    /// @notice The config page's version counter (24 bits) is used up (INV-79).
    error ConfigPageExhausted();
    /// @notice The config page of `version` was not created where and as expected (INV-79).
    /// @param version The page's version.
    error ConfigPageFailed(uint256 version);
    /// @notice A trade or order with `sizeDelta == 0`.
    error ZeroSizeDelta();
    /// @notice The position's new size would not fit an int128.
    /// @param size The new size (size WAD, signed).
    error SizeOverflow(int256 size);
    /// @notice A fill price of 2^183 wei or more, beyond what a position's entry float holds.
    /// @param price The fill price (WAD).
    error PriceOverflow(uint256 price);
    /// @notice The market is paused: no user trades or order commits (liquidations continue).
    /// @param marketId The market.
    error MarketPaused(uint256 marketId);
    /// @notice The market is reduce-only: the trade or order would grow or flip the position.
    /// @param marketId The market.
    error MarketReduceOnly(uint256 marketId);
    /// @notice The market is settled: positions may only be closed at the settlement price
    ///         (no order commits, no ADL).
    /// @param marketId The market.
    error MarketSettled(uint256 marketId);
    /// @notice A status change that is not allowed: to None or Settled through
    ///         `setMarketStatus`, or any change of a settled market.
    /// @param marketId The market.
    /// @param status The status asked for (`MarketStatus` as uint8).
    error InvalidStatus(uint256 marketId, uint8 status);
    /// @notice The fill is worse than the trader's bound: above it for a buy, below it for a sell.
    /// @param fillPrice The fill price with price impact (price WAD).
    /// @param acceptablePrice The trader's bound (price WAD).
    error SlippageExceeded(uint256 fillPrice, uint256 acceptablePrice);
    /// @notice A risk-increasing trade would take the side's open interest above a cap (INV-19):
    ///         the absolute `maxOpenInterest`, or the pool's balance times `maxOiPoolRatio`.
    /// @param marketId The market.
    /// @param openInterest The side's open interest after the trade: its size (size WAD) against
    ///        `maxOpenInterest`, or its notional (USD WAD) against the pool cap.
    /// @param cap The cap exceeded, in the same unit as `openInterest`.
    error OpenInterestCapExceeded(uint256 marketId, uint256 openInterest, uint256 cap);
    /// @notice INV-45: the trade would take the net skew notional (USD WAD) above `cap`, the
    ///         pool's balance times the market's `maxNetExposureRatio`.
    /// @param marketId The market.
    /// @param netNotional `mulUp(|skew|, price)` after the trade (USD WAD).
    /// @param cap The pool's balance in USD times `maxNetExposureRatio` (USD WAD).
    error NetExposureExceeded(uint256 marketId, uint256 netNotional, uint256 cap);
    /// @notice The trade would open one position too many in the account (INV-11).
    /// @param account The account.
    /// @param max The maximum number of open positions per account (16).
    error TooManyPositions(uint256 account, uint256 max);
    /// @notice The market takes risk-increasing trades only as delayed orders (`commitOrder`):
    ///         `modifyPosition` and `multicall` may only reduce positions there.
    /// @param marketId The market.
    error InstantTradingDisabled(uint256 marketId);

    // --- margin ---
    /// @notice The action increased risk and leaves equity below the initial margin (INV-7);
    ///         for a reducing order commit, equity below the keeper fee it reserves (INV-35).
    /// @param account The account.
    /// @param equity Its equity after the action (USD WAD, signed).
    /// @param requiredMargin The requirement it misses (USD WAD).
    error InsufficientMargin(uint256 account, int256 equity, uint256 requiredMargin);
    /// @notice A risk-reducing action (or an ADL close) would make a healthy account
    ///         liquidatable (INV-8, INV-51).
    /// @param account The account.
    /// @param equity Its equity after the action (USD WAD, signed).
    /// @param maintenanceMargin Its maintenance margin after the action (USD WAD).
    error WouldBecomeLiquidatable(uint256 account, int256 equity, uint256 maintenanceMargin);

    // --- liquidation ---
    /// @notice The account is healthy (`equity >= MM`): nothing to liquidate or top up (INV-13).
    /// @param account The account.
    /// @param equity Its equity as the liquidation rule values it (USD WAD, signed).
    /// @param maintenanceMargin Its maintenance margin (USD WAD).
    error NotLiquidatable(uint256 account, int256 equity, uint256 maintenanceMargin);
    /// @notice `liquidateCollateral` of an account whose quote balance is not negative.
    /// @param account The account.
    error NoDebt(uint256 account);
    /// @notice `liquidateCollateral` would repay or seize nothing: the account holds none of the
    ///         token, the close factor of the window is used up, or the amount rounds to zero.
    /// @param account The account.
    /// @param token The collateral token.
    error NothingToSeize(uint256 account, address token);

    // --- delayed orders ---
    /// @notice The account already has a pending order in this market (one per market).
    /// @param account The account.
    /// @param marketId The market.
    error OrderExists(uint256 account, uint256 marketId);
    /// @notice The account has no pending order in this market.
    /// @param account The account.
    /// @param marketId The market.
    error NoOrder(uint256 account, uint256 marketId);
    /// @notice The round was published before the order's earliest settlement time (INV-37).
    /// @param roundId The round given.
    /// @param updatedAt Its `updatedAt` (unix seconds).
    /// @param earliest The order's earliest settlement time (unix seconds).
    error RoundTooEarly(uint80 roundId, uint256 updatedAt, uint256 earliest);
    /// @notice The round is not the first one at or after the earliest settlement time: its
    ///         predecessor already was (INV-37).
    /// @param roundId The round given.
    /// @param previousUpdatedAt Its predecessor's `updatedAt` (unix seconds).
    /// @param earliest The order's earliest settlement time (unix seconds).
    error RoundNotFirst(uint80 roundId, uint256 previousUpdatedAt, uint256 earliest);
    /// @notice Only the owner or an operator may cancel an order before its deadline.
    /// @param deadline The order's settlement deadline (unix seconds).
    /// @param timestamp The block's timestamp.
    error OrderNotExpired(uint256 deadline, uint256 timestamp);
    /// @notice The order's settlement deadline has passed: it can only be cancelled.
    /// @param deadline The order's settlement deadline (unix seconds).
    /// @param timestamp The block's timestamp.
    error OrderExpired(uint256 deadline, uint256 timestamp);
    /// @notice The owner may no longer cancel: the feed has already published a round at or
    ///         after the earliest settlement time, so the order must be settled (INV-38).
    /// @param account The account.
    /// @param marketId The market.
    error SettlementPriceExists(uint256 account, uint256 marketId);
    /// @notice The settlement deadline is outside the market's window:
    ///         `now + minOrderDelay < deadline <= now + maxOrderAge`.
    /// @param deadline The deadline given (unix seconds).
    /// @param min The earliest deadline allowed (unix seconds).
    /// @param max The latest deadline allowed (unix seconds).
    error InvalidOrderDeadline(uint256 deadline, uint256 min, uint256 max);

    // --- sandwich protection (INV-40) ---
    /// @notice A trade or order commit without a slippage bound (`acceptablePrice == 0`).
    error SlippageBoundRequired();

    // --- order safety (INV-35..INV-39) ---
    /// @notice The round is not later than the round that was the feed's latest at commit.
    /// @param roundId The round given.
    /// @param commitRound The feed's latest round at commit.
    error RoundBeforeCommit(uint80 roundId, uint80 commitRound);
    /// @notice The round's predecessor does not exist, so the round cannot be proven first
    ///         (INV-37).
    /// @param roundId The round given.
    /// @param predecessor The round that should precede it.
    error RoundPredecessorMissing(uint80 roundId, uint80 predecessor);
    /// @notice A phase proof where none belongs (the round does not open a phase), or one that
    ///         is not the last round of the previous phase at or after the commit's round.
    /// @param roundId The round given.
    /// @param lastRoundOfPreviousPhase The proof given (0 if none).
    error InvalidPhaseProof(uint80 roundId, uint80 lastRoundOfPreviousPhase);
    /// @notice `settleMarket`'s explicit price is outside +-20 % of the feed's last answer
    ///         (INV-39).
    /// @param price The price given (price WAD).
    /// @param min The lowest price allowed (price WAD).
    /// @param max The highest price allowed (price WAD).
    error SettlementPriceOutOfBand(uint256 price, uint256 min, uint256 max);

    // --- auto-deleveraging (INV-49 to INV-52) ---
    /// @notice Auto-deleveraging is off (`floorRatio == 0`).
    error AdlDisabled();
    /// @notice The pool is at or above its floor, `poolValue >= floorRatio * poolBalance`.
    /// @param poolValue The pool's value (quote units, signed).
    /// @param poolBalance The pool's balance (quote units, signed).
    error AdlNotNeeded(int256 poolValue, int256 poolBalance);
    /// @notice ADL does not touch a liquidatable account: liquidate it instead.
    /// @param account The account.
    /// @param equity Its equity as the liquidation rule values it (USD WAD, signed).
    /// @param maintenanceMargin Its maintenance margin (USD WAD).
    error AdlAccountLiquidatable(uint256 account, int256 equity, uint256 maintenanceMargin);
    /// @notice The position is not on the side of the market's skew (or the skew is zero), so
    ///         closing it would not relieve the pool.
    /// @param account The account.
    /// @param marketId The market.
    /// @param size The position's size (size WAD, signed; 0 if none).
    /// @param skew The market's skew, long minus short open interest (size WAD, signed).
    error AdlNotOnSkewSide(uint256 account, uint256 marketId, int256 size, int256 skew);
    /// @notice The position is not in profit at the oracle price, funding owed included.
    /// @param account The account.
    /// @param marketId The market.
    /// @param pnl Its price PnL less funding owed (USD WAD, signed).
    error AdlNotInProfit(uint256 account, uint256 marketId, int256 pnl);

    // risk model (docs/math.md, "Risk model")
    /// @notice A risk-module function called at the module's own address: it only runs at the
    ///         engine's address (delegatecall from the engine's fallback).
    error NotDelegated();
    /// @notice An engine-only function (`protect`, `simulateTrade`, `simulateWithdraw`) called
    ///         by someone other than the engine itself.
    /// @param caller The refused `msg.sender`.
    error OnlyEngine(address caller);
    /// @notice `setOffsetPair` with a pair id outside 1 .. 32, or twice the same market.
    /// @param pairId The pair id given.
    /// @param marketA The first market id given.
    /// @param marketB The second market id given.
    error InvalidOffsetPair(uint256 pairId, uint256 marketA, uint256 marketB);
    /// @notice The market already belongs to another offset pair (one pair per market).
    /// @param marketId The market.
    /// @param pairId The pair it belongs to.
    error MarketInOtherPair(uint256 marketId, uint256 pairId);
    /// @notice The reserve sub-account is the protected account itself.
    /// @param account The account.
    /// @param reserveSub The sub-account given as its reserve.
    error InvalidReserve(uint256 account, uint8 reserveSub);
    /// @notice `topUp` of an account without an attached reserve.
    /// @param account The account.
    error NoProtection(uint256 account);
    /// @notice The reserve cannot pay a top-up now: what it can give while staying at or above
    ///         its own IM does not exceed the fee, or the window's allowance is used up.
    /// @param account The protected account.
    /// @param reserve The reserve's account id.
    /// @param free What the reserve can give (quote units).
    /// @param fee The caller's fee (quote units).
    error TopUpUnavailable(uint256 account, uint256 reserve, uint256 free, uint256 fee);
    /// @notice The most the reserve may move would not bring the account back to its MM.
    /// @param account The protected account.
    /// @param amount What the top-up could move (quote units).
    /// @param need What would restore MM * (1 + buffer) (quote units).
    error TopUpInsufficient(uint256 account, uint256 amount, uint256 need);
    /// @notice How a preview's simulation ends: it always reverts with the state it reached.
    /// @param result `abi.encode(fillPrice, fee, health)`: price WAD, USD WAD and the account's
    ///        `Health` (USD WAD) after the simulated action.
    error Simulated(bytes result);

    // --- oracles (`OracleLib` reverts with these) ---

    /// @notice A feed answered zero or less.
    /// @param feed The feed.
    /// @param answer Its answer.
    error OracleNonPositive(address feed, int256 answer);
    /// @notice A feed's answer is older than its heartbeat.
    /// @param feed The feed.
    /// @param updatedAt When the answer was published (unix seconds).
    /// @param heartbeat The most age allowed (seconds).
    error OracleStale(address feed, uint256 updatedAt, uint256 heartbeat);
    /// @notice A feed's round is incomplete (answered in an earlier round, or never updated).
    /// @param feed The feed.
    /// @param roundId The round read.
    /// @param answeredInRound The round its answer was computed in.
    error OracleIncompleteRound(address feed, uint80 roundId, uint80 answeredInRound);
    /// @notice A feed's answer is timestamped after the current block.
    /// @param feed The feed.
    /// @param updatedAt The answer's timestamp (unix seconds).
    error OracleFutureTimestamp(address feed, uint256 updatedAt);
    /// @notice The L2 sequencer-uptime feed reports the sequencer down.
    /// @param feed The sequencer feed.
    error SequencerDown(address feed);
    /// @notice The sequencer is back up but its grace period has not passed.
    /// @param feed The sequencer feed.
    /// @param upSince When it came back up (unix seconds).
    /// @param gracePeriod The grace period (seconds).
    error SequencerGracePeriod(address feed, uint256 upSince, uint256 gracePeriod);
}
