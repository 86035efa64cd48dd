// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmarginAdmin} from "../interfaces/ICrossmarginAdmin.sol";
import {AdminLogic} from "../libraries/AdminLogic.sol";
import {CrossmarginModule} from "./CrossmarginModule.sol";
import {MarketStatus} from "../types/Types.sol";
import {
    AdlSettings,
    LiquidationSettings,
    MarketLimits,
    MarketMarginParams,
    MarketOrderParams,
    MarketTradingParams
} from "../types/Params.sol";

/// @title CrossmarginAdmin
/// @notice Role-gated governance entry points; validation and writes live in AdminLogic.
abstract contract CrossmarginAdmin is CrossmarginModule, ICrossmarginAdmin {
    /// @inheritdoc ICrossmarginAdmin
    function listCollateral(
        address token,
        CollateralParams calldata p,
        string calldata feedDescription
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.listCollateral(s, token, p, feedDescription);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setCollateralParams(
        address token,
        CollateralRisk calldata risk
    ) external onlyRole(RISK_MANAGER) {
        AdminLogic.setCollateralParams(s, token, risk);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setCollateralFeed(
        address token,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.setCollateralFeed(s, token, feed, heartbeat, feedDescription);
    }

    /// @inheritdoc ICrossmarginAdmin
    function addMarket(
        MarketParams calldata p,
        string calldata feedDescription
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256) {
        return AdminLogic.addMarket(s, p, feedDescription);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketFeed(
        uint256 marketId,
        address feed,
        uint32 heartbeat,
        string calldata feedDescription
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.setMarketFeed(s, marketId, feed, heartbeat, feedDescription);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketTradingParams(
        uint256 marketId,
        MarketTradingParams calldata p
    ) external onlyRole(RISK_MANAGER) {
        AdminLogic.setMarketTradingParams(s, marketId, p);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketMarginParams(
        uint256 marketId,
        MarketMarginParams calldata p
    ) external onlyRole(RISK_MANAGER) {
        AdminLogic.setMarketMarginParams(s, marketId, p);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketLimits(
        uint256 marketId,
        MarketLimits calldata p
    ) external onlyRole(RISK_MANAGER) {
        AdminLogic.setMarketLimits(s, marketId, p);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketOrderParams(
        uint256 marketId,
        MarketOrderParams calldata p
    ) external onlyRole(RISK_MANAGER) {
        AdminLogic.setMarketOrderParams(s, marketId, p);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketStatus(uint256 marketId, MarketStatus status) external {
        _checkDelegated();
        bool admin = hasRole(DEFAULT_ADMIN_ROLE, msg.sender);
        if (!admin && (status == MarketStatus.Active || !hasRole(GUARDIAN, msg.sender))) {
            revert AccessControlUnauthorizedAccount(
                msg.sender,
                admin ? GUARDIAN : DEFAULT_ADMIN_ROLE
            );
        }
        AdminLogic.setMarketStatus(s, marketId, status);
    }

    /// @inheritdoc ICrossmarginAdmin
    function settleMarket(uint256 marketId, uint256 price) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.settleMarket(s, marketId, price);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setLiquidationParams(LiquidationSettings calldata p) external onlyRole(RISK_MANAGER) {
        AdminLogic.setLiquidationParams(s, p);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setAdlParams(AdlSettings calldata p) external onlyRole(RISK_MANAGER) {
        AdminLogic.setAdlParams(s, p);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setSequencer(address feed, uint32 gracePeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.setSequencer(s, feed, gracePeriod);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setPool(address pool) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.setPool(s, pool);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setInsuranceFund(address fund) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.setInsuranceFund(s, fund);
    }

    /// @inheritdoc ICrossmarginAdmin
    function pause() external onlyRole(GUARDIAN) {
        s.paused = true;
        emit PausedSet(true);
    }

    /// @inheritdoc ICrossmarginAdmin
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        s.paused = false;
        emit PausedSet(false);
    }
}
