// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {CollateralConfig} from "../types/Types.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {ICrossmarginRisk} from "../interfaces/ICrossmarginRisk.sol";
import {AccountIds} from "../libraries/AccountIds.sol";

/// @title InsuranceFund
/// @notice First loss absorber for bad debt. Its quote tokens can only go to the engine.
contract InsuranceFund is IInsuranceFund, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IInsuranceFund
    address public immutable engine;
    /// @inheritdoc IInsuranceFund
    address public immutable quoteToken;

    constructor(address engine_, address quoteToken_, address admin) {
        if (engine_ == address(0) || quoteToken_ == address(0) || admin == address(0))
            revert ZeroAddress();
        engine = engine_;
        quoteToken = quoteToken_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IInsuranceFund
    function balance() public view returns (uint256) {
        return IERC20(quoteToken).balanceOf(address(this));
    }

    /// @inheritdoc IInsuranceFund
    function holdings() external view returns (uint256) {
        return balance() + ICrossmarginRisk(engine).insuranceAccrued();
    }

    /// @inheritdoc IInsuranceFund
    function seed(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        IERC20(quoteToken).safeTransferFrom(msg.sender, address(this), amount);
        emit Seeded(msg.sender, amount);
    }

    /// @inheritdoc IInsuranceFund
    function cover(uint256 amount) external nonReentrant returns (uint256 paid) {
        if (msg.sender != engine) revert OnlyEngine(msg.sender);
        uint256 available = balance();
        paid = amount < available ? amount : available;
        if (paid != 0) IERC20(quoteToken).safeTransfer(engine, paid);
        emit Covered(amount, paid);
    }

    /// @inheritdoc IInsuranceFund
    function buyCollateral(
        address token,
        uint256 amount,
        uint256 maxPaid
    ) external nonReentrant returns (uint256 paid) {
        if (amount == 0) revert ZeroAmount();
        if (token == quoteToken) revert QuoteTokenLocked();
        paid = collateralCost(token, amount);
        if (paid > maxPaid) revert SlippageExceeded(paid, maxPaid);
        emit CollateralBought(msg.sender, token, amount, paid);
        IERC20(quoteToken).safeTransferFrom(msg.sender, address(this), paid);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IInsuranceFund
    function collateralCost(address token, uint256 amount) public view returns (uint256) {
        ICrossmargin e = ICrossmargin(engine);
        // Reverts for an unlisted token and for a stale or invalid feed.
        uint256 price = e.collateralPrice(token);
        CollateralConfig memory c = e.getCollateral(token);
        uint256 discounted = Math.mulDiv(
            price,
            1e18 - c.liquidationDiscount / 2,
            1e18,
            Math.Rounding.Ceil
        );
        uint256 quoteUnit = 10 ** IERC20Metadata(quoteToken).decimals();
        return
            Math.mulDiv(
                amount * quoteUnit,
                discounted,
                10 ** c.tokenDecimals * 1e18,
                Math.Rounding.Ceil
            );
    }

    /// @inheritdoc IInsuranceFund
    function releaseSeizedCollateral(
        address token,
        address to,
        uint256 amount
    ) external nonReentrant onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkRelease(token, to, amount);
        IERC20(token).safeTransfer(to, amount);
        emit SeizedCollateralReleased(token, to, amount);
    }

    /// @inheritdoc IInsuranceFund
    function withdrawFromEngine(
        address token,
        address to,
        uint256 amount
    ) external nonReentrant onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkRelease(token, to, amount);
        ICrossmargin(engine).withdraw(AccountIds.id(address(this), 0), token, amount, to);
        emit SeizedCollateralReleased(token, to, amount);
    }

    /// @dev The quote token backs bad debt and never leaves by these paths.
    function _checkRelease(address token, address to, uint256 amount) private view {
        if (token == quoteToken) revert QuoteTokenLocked();
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
    }
}
