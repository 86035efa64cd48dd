// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ICrossmarginAdmin} from "./ICrossmarginAdmin.sol";
import {LiquidationSettings} from "../types/Params.sol";
import {
    AccountData,
    AccountLiquidation,
    CollateralConfig,
    Health,
    MarketConfig,
    MarketInfo,
    MarketState,
    Order,
    PositionView
} from "../types/Types.sol";

/// @title ICrossmarginExtension
/// @notice What the engine's address answers through its extension (`CrossmarginExtension`, run
///         by delegatecall from the engine's fallback on the engine's storage): account ids,
///         operators and settlement callbacks, governance (`ICrossmarginAdmin`) and every view.
///         None of it is on a trade's path, so it stays out of the engine's code and selector
///         dispatch. `ICrossmargin` is the whole interface at the engine's address.
interface ICrossmarginExtension is IERC5267, ICrossmarginAdmin {
    // --- accounts ---

    /// @notice The account id of `owner`'s sub-account `subAccount`.
    /// @param owner The owner.
    /// @param subAccount The sub-account (0 .. 255).
    /// @return The account id, `uint256(owner) << 8 | subAccount`.
    function accountId(address owner, uint8 subAccount) external pure returns (uint256);

    /// @notice The owner encoded in an account id. Reverts `InvalidAccount` if bits above the
    ///         owner are set or the owner is the zero address.
    /// @param account The account id.
    /// @return The owner, `address(uint160(account >> 8))`.
    function ownerOf(uint256 account) external pure returns (address);

    /// @notice Lets `operator` trade and withdraw for `account` (owner only). An operator acts as
    ///         the owner on that account: trades, commits and cancels orders, withdraws to any
    ///         recipient, adds collateral types and attaches a reserve. Reverts `Unauthorized`
    ///         for anyone but the owner, `ZeroAddress` for a zero operator.
    /// @param account The account id.
    /// @param operator The operator.
    /// @param approved True to approve, false to revoke.
    function setOperator(uint256 account, address operator, bool approved) external;

    /// @notice `setOperator` authorised by the owner's EIP-712 signature (EOA or ERC-1271).
    ///         Domain: name "Crossmargin", version "1", this chain's id, this contract
    ///         (`eip712Domain()`). Type (`SET_OPERATOR_TYPEHASH`): `SetOperator(uint256 account,
    ///         address operator,bool approved,uint256 nonce,uint256 deadline)`. The nonce is the
    ///         account's (`nonces(account)`), not the owner's, so signatures for different
    ///         sub-accounts do not invalidate each other; it is consumed. Anyone may submit it.
    ///         Reverts `SignatureExpired` after the deadline, `InvalidNonce` for any nonce but the
    ///         current one, `InvalidAccount`, `ZeroAddress` and `InvalidSignature` if the owner
    ///         did not sign it (docs/integration.md, "Signing").
    /// @param account The account id.
    /// @param operator The operator.
    /// @param approved True to approve, false to revoke.
    /// @param nonce The account's current nonce, as signed.
    /// @param deadline Last timestamp at which the signature is valid (unix seconds).
    /// @param signature The owner's signature (65-byte ECDSA, or whatever its ERC-1271 accepts).
    function setOperatorWithSig(
        uint256 account,
        address operator,
        bool approved,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice The account's next `SetOperator` nonce.
    /// @param account The account id.
    /// @return The nonce the next `setOperatorWithSig` for this account must sign.
    function nonces(uint256 account) external view returns (uint256);

    /* solhint-disable func-name-mixedcase */
    /// @notice The EIP-712 domain separator `setOperatorWithSig` signs under.
    /// @return keccak256 of the domain (name "Crossmargin", version "1", chain id, this contract).
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The EIP-712 type hash of `SetOperator`.
    /// @return keccak256("SetOperator(uint256 account,address operator,bool approved,uint256
    ///         nonce,uint256 deadline)").
    function SET_OPERATOR_TYPEHASH() external view returns (bytes32);
    /* solhint-enable func-name-mixedcase */

    /// @notice Registers the contract notified when the account's delayed orders settle (owner
    ///         only, `Unauthorized`), or removes it with the zero address. At settlement the
    ///         engine calls `ICrossmarginSettlementCallback.onOrderSettled` on it last, with
    ///         200,000 gas (`OrderLogic.SETTLEMENT_CALLBACK_GAS`), and ignores its failure
    ///         (`SettlementCallbackFailed`): a callback cannot block settlement or liquidation.
    ///         The keeper must send enough gas for that budget (`InsufficientCallbackGas`).
    ///         Reverts `InvalidCallback` for an address without code.
    /// @param account The account id.
    /// @param callback The callback contract, or zero to remove it.
    function setSettlementCallback(uint256 account, address callback) external;

    /// @notice The account's settlement callback (zero: none).
    /// @param account The account id.
    /// @return The `ICrossmarginSettlementCallback` contract notified at settlement.
    function settlementCallback(uint256 account) external view returns (address);

    /// @notice Whether `operator` may act for `account`.
    /// @param account The account id.
    /// @param operator The address to check.
    /// @return True when the owner approved it (the owner itself is not an operator).
    function isOperator(uint256 account, address operator) external view returns (bool);

    // --- views ---

    /// @notice The settlement token, valued at par (1 quote token = 1 USD).
    /// @return The quote token's address.
    function quoteToken() external view returns (address);

    /// @notice The current config page (INV-79): a contract whose code holds the liquidation
    ///         parameters, every market's config slots 0 and 1 and every collateral's slot 0,
    ///         which margin checks and liquidations read instead of the slots.
    /// @return version The page's version (0 before the first market is listed).
    /// @return page The page's address (0 before the first market is listed).
    function configPage() external view returns (uint256 version, address page);

    /// @notice Returns the next config page's code as raw return data, not ABI-encoded (so the
    ///         ABI declares no return value), laid out as docs/math.md "Config page" says. The
    ///         page's init code calls it when the engine publishes a page (INV-79); read it with
    ///         `eth_call` and its raw result.
    function configPageCode() external view;

    /// @notice The quote token's scale: quote units times this are USD WAD.
    /// @return 10 ** (18 - the quote token's decimals) (1e12 for a 6-decimal USDC).
    function quoteScale() external view returns (uint256);

    /// @notice The account's value with no haircut: quote balance at par, every collateral at
    ///         its oracle price (no weight), every position's PnL less the funding it owes.
    ///         What the account would be worth closed out at oracle prices, before fees and
    ///         price impact; `accountHealth().equity` is the same with collateral weights.
    ///         Reverts on any unusable feed of a market or collateral the account holds.
    /// @param account The account id.
    /// @return The value (USD WAD, signed).
    function accountValue(uint256 account) external view returns (int256);

    /// @notice A market's name, feed and status.
    /// @param marketId The market.
    /// @return Name (bytes32 string, set at listing), feed and status (None: no such market).
    function marketInfo(uint256 marketId) external view returns (MarketInfo memory);

    /// @notice The id of the market listed under `name`. Reverts `UnknownMarketName`.
    /// @param name The market's name (bytes32 string, e.g. "ETH-PERP").
    /// @return The market id.
    function marketIdByName(bytes32 name) external view returns (uint256);

    /// @notice Equity, IM and MM of `account` at the latest prices; reverts on any unusable
    ///         feed, a stale one included, and while the L2 sequencer is down or in its grace
    ///         period.
    /// @param account The account id.
    /// @return Equity (signed), IM (pending orders included) and MM, all USD WAD.
    function accountHealth(uint256 account) external view returns (Health memory);

    /// @notice Whether `liquidate` accepts `account`: equity < MM with a stale market valued
    ///         at its feed's last answer (docs/specs.md, INV-25) and a stale collateral at its
    ///         last answer with half its weights (INV-34).
    /// @param account The account id.
    /// @return True when `equity < MM` by that valuation.
    function isLiquidatable(uint256 account) external view returns (bool);

    /// @notice The account's stored record.
    /// @param account The account id.
    /// @return Quote balance (quote units, signed) and the bitmaps of open positions (by market
    ///         id), held collaterals (by token index) and pending orders (by market id).
    function getAccount(uint256 account) external view returns (AccountData memory);

    /// @notice The account's position in a market (zero if none).
    /// @param account The account id.
    /// @param marketId The market.
    /// @return Size (size WAD, signed), entry price (price WAD) and the funding index at its last
    ///         change (USD WAD per unit of size).
    function getPosition(
        uint256 account,
        uint256 marketId
    ) external view returns (PositionView memory);

    /// @notice The account's pending delayed order in a market (zero if none).
    /// @param account The account id.
    /// @param marketId The market.
    /// @return The stored order (`commitTime == 0`: none); see `orderStatus` for what a keeper
    ///         can do with it.
    function getOrder(uint256 account, uint256 marketId) external view returns (Order memory);

    /// @notice Sum of the negative quote balances (quote units): what traders owe the vault. The
    ///         vault owes traders `quote.balanceOf(engine) - poolBalance + traderDebt` (INV-46).
    /// @return The total quote debt of all accounts (quote units).
    function traderDebt() external view returns (uint256);

    /// @notice The liquidation parameters as `setLiquidationParams` last set them (all zero
    ///         before the first call), read back exactly from their stored units (INV-75).
    /// @return params The parameters (WAD rates, USD WAD amounts, seconds).
    /// @return maxTakerFee The highest taker fee of any market (WAD): the floor of the penalty
    ///         rate outside settled markets (INV-28).
    function getLiquidationParams()
        external
        view
        returns (LiquidationSettings memory params, uint256 maxTakerFee);

    /// @notice The account's liquidation window: notional closed and keeper rewards paid (for
    ///         the reward cap), and the debt at the window's start and repaid (close factor).
    /// @param account The account id.
    /// @return The window's record: starts (unix seconds), notional closed (USD WAD), rewards
    ///         paid, debt at start and repaid (quote units).
    function getAccountLiquidation(
        uint256 account
    ) external view returns (AccountLiquidation memory);

    /// @notice The account's balance of a non-quote collateral (the quote balance is in
    ///         `getAccount`).
    /// @param account The account id.
    /// @param token The collateral token.
    /// @return Token units held (0 for the quote token or an unknown token).
    function collateralBalance(uint256 account, address token) external view returns (uint256);

    /// @notice A collateral token's configuration.
    /// @param token The token.
    /// @return Feed, decimals, index, weights, discount and size scale (WAD), deposit cap and
    ///         total deposited (token units); `listed == false` for a token not listed.
    function getCollateral(address token) external view returns (CollateralConfig memory);

    /// @notice Every listed collateral token.
    /// @return The tokens, by index (the bit of `AccountData.collateralMask`).
    function collateralTokens() external view returns (address[] memory);

    /// @notice A market's configuration.
    /// @param marketId The market.
    /// @return Feed, status and every parameter, in the units of `MarketConfig`; status None
    ///         for an id that does not exist.
    function getMarket(uint256 marketId) external view returns (MarketConfig memory);

    /// @notice A market's aggregates: open interest per side (size WAD), recorded funding rate
    ///         (WAD per day) and index (USD WAD per unit), net entry notional and funding
    ///         snapshot (USD WAD), liquidation window and block-start skew.
    /// @param marketId The market.
    /// @return The stored state (funding as last recorded; see `currentFunding`).
    function getMarketState(uint256 marketId) external view returns (MarketState memory);

    /// @notice The number of markets; ids run from 0 to `marketCount() - 1`.
    /// @return The number of markets.
    function marketCount() external view returns (uint256);

    /// @notice A market's price: its oracle's latest answer, or the settlement price once
    ///         settled. Reverts `UnknownMarket`, and on an unusable (e.g. stale) feed.
    /// @param marketId The market.
    /// @return The price (price WAD, the feed's answer scaled from its decimals).
    function marketPrice(uint256 marketId) external view returns (uint256);

    /// @notice A collateral's oracle price. Reverts `UnknownToken`, and on an unusable (e.g.
    ///         stale) feed.
    /// @param token The collateral token.
    /// @return USD per whole token (price WAD, the feed's answer scaled from its decimals).
    function collateralPrice(address token) external view returns (uint256);

    /// @notice Funding rate and index as of now (not yet recorded). Reverts `UnknownMarket`,
    ///         and on an unusable feed (the index accrues at the current price).
    /// @param marketId The market.
    /// @return rate The rate now (WAD per day, signed; positive: longs pay shorts).
    /// @return index The cumulative index now (USD WAD per unit of size, signed).
    function currentFunding(uint256 marketId) external view returns (int256 rate, int256 index);

    /// @notice Fill price and fee of a hypothetical trade at the current oracle price, at the
    ///         effective skew of the current block (INV-40). A settled market quotes its
    ///         settlement price without fee. Reverts `UnknownMarket`, and on an unusable feed.
    /// @param marketId The market.
    /// @param sizeDelta Size change (size WAD, signed; positive buys).
    /// @return fill Fill price with price impact (price WAD).
    /// @return fee Trading fee (USD WAD).
    function quoteTrade(
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fill, uint256 fee);

    /// @notice The liquidity pool's ledger balance in the vault: deposits, less withdrawals,
    ///         plus what traders realised against it (losses, fees, funding) and minus their
    ///         gains and socialised bad debt.
    /// @return The balance (quote units, signed).
    function poolBalance() external view returns (int256);

    /// @notice Pool value in quote units: balance plus the traders' open losses minus open gains.
    ///         Also counts unpaid funding and leaves out the refundable impact premium of every
    ///         skew (INV-44). Reverts while the L2 sequencer is down or in its grace period, and
    ///         on an unusable feed of a market with open interest.
    /// @return The value (quote units, signed).
    function poolValue() external view returns (int256);

    /// @notice Quote units the pool may pay out now, keeping the reserve its open interest needs.
    ///         Never more than `poolBalance - traderDebt` nor the engine's quote balance (INV-46).
    ///         Reverts on an unusable feed of a market with open interest.
    /// @return The amount (quote units).
    function poolWithdrawable() external view returns (uint256);

    /// @notice The liquidity pool, the only caller of `poolDeposit` and `poolWithdraw`.
    /// @return The pool's address (zero until set).
    function pool() external view returns (address);

    /// @notice The insurance fund that receives liquidation penalties and covers bad debt first.
    /// @return The fund's address (zero until set).
    function insuranceFund() external view returns (address);

    /// @notice Whether the guardian paused the protocol (risk-increasing trades and orders
    ///         refused).
    /// @return True while paused.
    function paused() external view returns (bool);

    /// @notice The pool's value and balance (quote units) and the profit (quote units) traders
    ///         must realise to bring the pool back to its ADL floor; 0 when ADL is not allowed.
    ///         Reverts like `poolValue()`.
    /// @return poolValue The pool's value (quote units, signed).
    /// @return poolBalance The pool's balance (quote units, signed).
    /// @return needed Profit to realise (quote units; 0 when ADL is off or not needed).
    function adlNeed() external view returns (int256 poolValue, int256 poolBalance, uint256 needed);

    /// @notice A pending order and what a keeper can do with it now.
    /// @param account The account id.
    /// @param marketId The market.
    /// @return order The order (zero if none).
    /// @return settleable True when a settlement round exists and the order has not expired.
    /// @return cancellable True when anyone may cancel it (expired).
    /// @return settlementRound The round to pass to `settleOrder` (0 if none yet).
    /// @return phaseProof 0, or the last round of the previous phase: then settle with
    ///         `settleOrderAcrossPhase(account, marketId, settlementRound, phaseProof)`.
    function orderStatus(
        uint256 account,
        uint256 marketId
    )
        external
        view
        returns (
            Order memory order,
            bool settleable,
            bool cancellable,
            uint80 settlementRound,
            uint80 phaseProof
        );

    /* solhint-disable func-name-mixedcase */
    /// @notice The role that sets risk parameters (markets' margin, fees and limits, offset pairs).
    /// @return keccak256("RISK_MANAGER_ROLE").
    function RISK_MANAGER_ROLE() external view returns (bytes32);

    /// @notice The role that may pause the protocol and a market.
    /// @return keccak256("GUARDIAN_ROLE").
    function GUARDIAN_ROLE() external view returns (bytes32);

    /// @notice The most collateral types (besides the quote token) one account may hold.
    /// @return 8.
    function MAX_COLLATERALS_PER_ACCOUNT() external view returns (uint256);
    /* solhint-enable func-name-mixedcase */

    /// @notice The risk module (`CrossmarginRisk`): the selectors the extension does not have
    ///         run in it, on the engine's storage (`ICrossmarginRisk`).
    /// @return The module's address.
    function riskModule() external view returns (address);
}
