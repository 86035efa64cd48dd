// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Health, OffsetPair, Protection} from "../types/Types.sol";

/// @title ICrossmarginRisk
/// @notice The risk module's entry points, called at the engine's address (the engine runs them
///         by delegatecall from its fallback): offset pairs, protection by a reserve
///         sub-account, previews and the account-wide risk views (docs/math.md, "Risk model").
interface ICrossmarginRisk {
    /// @notice An account's risk figures (USD WAD unless stated).
    struct AccountRisk {
        int256 equity;
        uint256 im;
        uint256 mm;
        int256 buffer; // equity - MM
        uint256 bufferRatio; // WAD: (equity - MM) / equity, 0 when either is <= 0
        uint256 marginUtilisation; // WAD: IM / equity, max when equity <= 0
        uint256 shockToLiquidation; // WAD: uniform move that makes it liquidatable
    }

    /// @notice The state after an action, or why it would fail (`ok == false`, `error` the
    ///         revert data). Trade previews also give the fill price and fee (USD WAD).
    struct Preview {
        bool ok;
        bool liquidatable;
        bytes error;
        uint256 fillPrice;
        uint256 fee;
        int256 equity;
        uint256 im;
        uint256 mm;
    }

    // ---------------------------------------------------------------- governance

    /// @notice Declares (or with `rate == 0` removes) offset pair `pairId` (1 .. 32) of two
    ///         listed markets; each market belongs to one pair at most. Risk manager only;
    ///         `rate <= 0.5`, `0.005 <= stressMove <= 1` (INV-54). Reverts `InvalidOffsetPair`
    ///         (id out of range, twice the same market), `UnknownMarket`, `MarketInOtherPair`
    ///         and `ParameterOutOfBounds`. Emits `OffsetPairSet`.
    /// @param pairId The pair id (1 .. 32).
    /// @param marketA The first market id.
    /// @param marketB The second market id.
    /// @param rate Share of the matched margin credited (WAD, <= 0.5; 0 removes the pair).
    /// @param stressMove Move of one leg against the other the pair must cover (WAD).
    function setOffsetPair(
        uint256 pairId,
        uint8 marketA,
        uint8 marketB,
        uint64 rate,
        uint64 stressMove
    ) external;

    /// @notice The fee a top-up pays its caller, USD WAD (<= 10 USD). Risk manager only.
    ///         Reverts `ParameterOutOfBounds`. Emits `TopUpFeeSet`.
    /// @param feeUsd The fee (USD WAD), paid from the reserve in quote units rounded up.
    function setTopUpFee(uint256 feeUsd) external;

    // ---------------------------------------------------------------- protection

    /// @notice Attaches reserve sub-account `reserveSub` of the same owner to `account`
    ///         (`maxPerWindow == 0` detaches it). The caller must be authorised on both
    ///         (`Unauthorized`). Reverts `InvalidReserve` (the account itself), `InvalidAccount`
    ///         and `ParameterOutOfBounds`. Emits `ProtectionSet`.
    /// @param account The protected account id.
    /// @param reserveSub The owner's sub-account that serves as the reserve (ignored when
    ///        detaching).
    /// @param buffer WAD (<= 1): top-ups aim at MM * (1 + buffer).
    /// @param maxPerWindow Quote units a window may move at most.
    /// @param window Seconds (1 minute .. 7 days).
    function setProtection(
        uint256 account,
        uint8 reserveSub,
        uint64 buffer,
        uint96 maxPerWindow,
        uint32 window
    ) external;

    /// @notice Moves quote from the account's reserve when the account is liquidatable, enough
    ///         to restore at least MM (aiming at MM * (1 + buffer)); pays the caller the top-up
    ///         fee from the reserve. Permissionless. Moves at most the window's allowance and what
    ///         the reserve can give while staying at or above its own IM. Reverts `NoProtection`,
    ///         `NotLiquidatable`, `TopUpUnavailable` and `TopUpInsufficient`. Emits `ToppedUp`.
    /// @param account The protected account id.
    /// @return amount Quote units moved.
    /// @return fee Quote units paid to the caller.
    function topUp(uint256 account) external returns (uint256 amount, uint256 fee);

    /// @notice `topUp` for the engine's `liquidate` (the engine calls itself; no one else may:
    ///         `OnlyEngine`).
    /// @param account The protected account id.
    /// @param keeper The liquidating keeper, paid the top-up fee.
    /// @return Quote units moved.
    /// @return Quote units paid to `keeper`.
    function protect(uint256 account, address keeper) external returns (uint256, uint256);

    // ---------------------------------------------------------------- previews

    /// @notice The state after a trade of `sizeDelta` at the oracle price now, as a delayed
    ///         order's fill would run (instant trading not required, no slippage bound). Runs
    ///         the trade and reverts it: call with eth_call (not a view, like a quoter). Never
    ///         reverts for a trade that would fail: `ok == false` and `error` says why.
    /// @param account The account id.
    /// @param marketId The market.
    /// @param sizeDelta Size change (size WAD, signed; positive buys).
    /// @return The outcome: the margin check's verdict, the fill price (price WAD), fee and the
    ///         account's equity, IM and MM after (USD WAD).
    function previewTrade(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta
    ) external returns (Preview memory);

    /// @notice The state after withdrawing `amount` of `token` (quote or collateral). Runs the
    ///         withdrawal and reverts it: call with eth_call.
    /// @param account The account id.
    /// @param token The quote token or a listed collateral.
    /// @param amount Token units to withdraw.
    /// @return The outcome: the margin check's verdict (or the revert data) and the account's
    ///         equity, IM and MM after (USD WAD); fill price and fee are 0.
    function previewWithdraw(
        uint256 account,
        address token,
        uint256 amount
    ) external returns (Preview memory);

    /// @notice Engine-only halves of the previews: run the action, then revert `Simulated`.
    ///         Reverts `OnlyEngine` for any other caller.
    /// @param account The account id.
    /// @param marketId The market.
    /// @param sizeDelta Size change (size WAD, signed).
    /// @param check Whether to run the margin check before reporting the state.
    function simulateTrade(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        bool check
    ) external;

    /// @notice Engine-only half of `previewWithdraw`: debits the account, then reverts
    ///         `Simulated`. Reverts `OnlyEngine` for any other caller.
    /// @param account The account id.
    /// @param token The quote token or a listed collateral.
    /// @param amount Token units to withdraw.
    /// @param check Whether to run the margin check before reporting the state.
    function simulateWithdraw(uint256 account, address token, uint256 amount, bool check) external;

    // ---------------------------------------------------------------- views

    /// @notice Equity, IM, MM, buffer, utilisation and the uniform shock to liquidation.
    ///         Reverts like `accountHealth` on an unusable feed.
    /// @param account The account id.
    /// @return The figures (USD WAD and WAD ratios; see `AccountRisk`).
    function accountRisk(uint256 account) external view returns (AccountRisk memory);

    /// @notice The smallest uniform adverse move (WAD) at which the account is liquidatable:
    ///         0 if it is now, type(uint256).max if not even at 100 %.
    /// @param account The account id.
    /// @return The shock (WAD, exact to 1 wei of WAD, by the interpolation search of docs/math.md "Risk views").
    function shockToLiquidation(uint256 account) external view returns (uint256);

    /// @notice Health with every price moved by `shock` (WAD) against the account: longs and
    ///         collateral down, shorts up. Reverts `ParameterOutOfBounds` above 1.
    /// @param account The account id.
    /// @param shock The relative move (WAD, <= 1).
    /// @return Equity, IM and MM after the move (USD WAD).
    function shockedHealth(uint256 account, uint256 shock) external view returns (Health memory);

    /// @notice An offset pair.
    /// @param pairId The pair id (1 .. 32).
    /// @return Its markets, rate and stress move (WAD); all zero when not declared.
    function getOffsetPair(uint256 pairId) external view returns (OffsetPair memory);

    /// @notice An account's protection by a reserve sub-account.
    /// @param account The account id.
    /// @return Whether enabled, the reserve sub-account, buffer (WAD), cap per window and usage
    ///         (quote units), window length and start (seconds).
    function getProtection(uint256 account) external view returns (Protection memory);

    /// @notice The fee a top-up pays its caller.
    /// @return The fee (USD WAD).
    function topUpFee() external view returns (uint256);

    /// @notice Liquidation penalties owed to the insurance fund and still held in the vault
    ///         (INV-70): the fund's quote balance plus this is what the fund has.
    /// @return Quote units.
    function insuranceAccrued() external view returns (uint256);

    /// @notice Pays the accrued liquidation penalties to the insurance fund; anyone may call.
    ///         A bad-debt settlement sweeps first by itself. Reverts `ZeroAmount` when nothing
    ///         is accrued, and `InsuranceFundRefused` when the quote token refuses the fund (the
    ///         accrual then stays the fund's and covers bad debt in its place).
    ///         Emits `InsuranceFundSwept`.
    /// @return amount Quote units paid.
    function sweepInsuranceFund() external returns (uint256 amount);
}
