// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Health, OffsetPair, Protection} from "../libraries/Types.sol";

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
    ///         `rate <= 0.5`, `0.005 <= stressMove <= 1` (INV-54).
    function setOffsetPair(
        uint256 pairId,
        uint8 marketA,
        uint8 marketB,
        uint64 rate,
        uint64 stressMove
    ) external;

    /// @notice The fee a top-up pays its caller, USD WAD (<= 10 USD). Risk manager only.
    function setTopUpFee(uint256 feeUsd) external;

    // ---------------------------------------------------------------- protection

    /// @notice Attaches reserve sub-account `reserveSub` of the same owner to `account`
    ///         (`maxPerWindow == 0` detaches it). The caller must be authorised on both.
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
    ///         fee from the reserve. Permissionless.
    /// @return amount Quote units moved. @return fee Quote units paid to the caller.
    function topUp(uint256 account) external returns (uint256 amount, uint256 fee);

    /// @notice `topUp` for the engine's `liquidate` (the engine calls itself; no one else may).
    function protect(uint256 account, address keeper) external returns (uint256, uint256);

    // ---------------------------------------------------------------- previews

    /// @notice The state after a trade of `sizeDelta` at the oracle price now, as a delayed
    ///         order's fill would run (instant trading not required, no slippage bound). Runs
    ///         the trade and reverts it: call with eth_call (not a view, like a quoter).
    function previewTrade(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta
    ) external returns (Preview memory);

    /// @notice The state after withdrawing `amount` of `token` (quote or collateral).
    function previewWithdraw(
        uint256 account,
        address token,
        uint256 amount
    ) external returns (Preview memory);

    /// @notice Engine-only halves of the previews: run the action, then revert `Simulated`.
    function simulateTrade(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        bool check
    ) external;

    function simulateWithdraw(uint256 account, address token, uint256 amount, bool check) external;

    // ---------------------------------------------------------------- views

    /// @notice Equity, IM, MM, buffer, utilisation and the uniform shock to liquidation.
    function accountRisk(uint256 account) external view returns (AccountRisk memory);

    /// @notice The smallest uniform adverse move (WAD) at which the account is liquidatable:
    ///         0 if it is now, type(uint256).max if not even at 100 %.
    function shockToLiquidation(uint256 account) external view returns (uint256);

    /// @notice Health with every price moved by `shock` (WAD) against the account.
    function shockedHealth(uint256 account, uint256 shock) external view returns (Health memory);

    function getOffsetPair(uint256 pairId) external view returns (OffsetPair memory);

    function getProtection(uint256 account) external view returns (Protection memory);

    function topUpFee() external view returns (uint256);
}
