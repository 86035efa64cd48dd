// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {MarginLogic} from "./MarginLogic.sol";
import {Store} from "../types/Store.sol";

/// @title FundLogic
/// @notice The engine's side of the insurance fund (INV-70): liquidation penalties accrue beside
///         the fund's address and reach the fund by a sweep; bad debt asks the fund to cover it.
/// @dev Internal functions only: inlined into `LiquidationLogic` and the risk module.
library FundLogic {
    using SafeERC20 for IERC20;

    /// @notice Adds `toFund` to the accrual `accrued` (read by the caller from the same slot).
    ///         A sum over 96 bits (beyond a real token's supply) is paid at once; if the fund
    ///         refuses the token too, the pool takes it rather than the liquidation reverting.
    function accrue(Store storage s, IERC20 quote, uint256 accrued, uint256 toFund) internal {
        accrued += toFund;
        if (accrued <= type(uint96).max) s.insuranceAccrued = uint96(accrued);
        else if (!sweep(s, quote, accrued)) {
            MarginLogic.addPool(s, int256(accrued));
            s.insuranceAccrued = 0;
            emit Ev.InsuranceFundSwept(s.insuranceFund, accrued, false);
        }
    }

    /// @notice Pays `amount` of accrued penalties to the insurance fund and clears the accrual.
    ///         A quote token that refuses the fund (a blocklist) leaves both as they were and
    ///         returns false: the accrual stays the fund's, in the vault, and never lands in the
    ///         pool as a lump an LP could enter just before.
    function sweep(Store storage s, IERC20 quote, uint256 amount) internal returns (bool ok) {
        address fund = s.insuranceFund;
        ok = quote.trySafeTransfer(fund, amount);
        if (!ok) return false;
        s.insuranceAccrued = 0;
        emit Ev.InsuranceFundSwept(fund, amount, true);
    }

    /// @notice `sweepInsuranceFund`: pays the whole accrual to the fund. Reverts `ZeroAmount`
    ///         when nothing is accrued and `InsuranceFundRefused` when the token refuses the
    ///         fund (nothing changes).
    function sweepAll(Store storage s, IERC20 quote) internal returns (uint256 amount) {
        amount = s.insuranceAccrued;
        if (amount == 0) revert E.ZeroAmount();
        if (!sweep(s, quote, amount)) revert E.InsuranceFundRefused(s.insuranceFund);
    }

    /// @notice Bad debt covered, in the fund's place, by the penalties accrued for it that the
    ///         fund could not receive (its token refuses it): they are already in the vault.
    function accrualCover(
        Store storage s,
        address fund,
        uint256 debt
    ) internal returns (uint256 used) {
        uint256 accrued = s.insuranceAccrued;
        if (accrued == 0) return 0;
        used = Math.min(accrued, debt);
        s.insuranceAccrued = uint96(accrued - used);
        emit Ev.InsuranceFundSwept(fund, used, false);
    }

    /// @notice Asks the fund for `amount` quote units; a fund that reverts pays nothing.
    function cover(address fund, uint256 amount) internal returns (uint256 paid) {
        try IInsuranceFund(fund).cover(amount) returns (uint256 p) {
            paid = p > amount ? amount : p;
        } catch {
            paid = 0;
        }
    }
}
