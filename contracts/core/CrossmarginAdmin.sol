// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmarginAdmin} from "../interfaces/ICrossmarginAdmin.sol";
import {AdminLogic} from "../libraries/AdminLogic.sol";
import {CrossmarginStorage} from "./CrossmarginStorage.sol";
import {MarketStatus} from "../types/Types.sol";

/// @title CrossmarginAdmin
/// @notice Role-gated governance entry points; validation and writes live in AdminLogic.
abstract contract CrossmarginAdmin is CrossmarginStorage, ICrossmarginAdmin {
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
    ) external onlyRole(RISK_MANAGER_ROLE) {
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
        uint128 skewScale,
        uint64 makerFee,
        uint64 takerFee,
        uint64 maxFundingVelocity
    ) external onlyRole(RISK_MANAGER_ROLE) {
        AdminLogic.setMarketTradingParams(
            s,
            marketId,
            skewScale,
            makerFee,
            takerFee,
            maxFundingVelocity
        );
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketMarginParams(
        uint256 marketId,
        uint64 imrBase,
        uint64 imrSizeFactor,
        uint64 maintenanceScalar,
        uint128 minPositionMargin
    ) external onlyRole(RISK_MANAGER_ROLE) {
        AdminLogic.setMarketMarginParams(
            s,
            marketId,
            imrBase,
            imrSizeFactor,
            maintenanceScalar,
            minPositionMargin
        );
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketLimits(
        uint256 marketId,
        uint128 maxOpenInterest,
        uint64 maxOiPoolRatio,
        uint64 maxNetExposureRatio,
        uint128 maxLiquidationPerWindow,
        uint32 liquidationWindow
    ) external onlyRole(RISK_MANAGER_ROLE) {
        AdminLogic.setMarketLimits(
            s,
            marketId,
            maxOpenInterest,
            maxOiPoolRatio,
            maxNetExposureRatio,
            maxLiquidationPerWindow,
            liquidationWindow
        );
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketOrderParams(
        uint256 marketId,
        bool instantTrading,
        uint32 minOrderDelay,
        uint32 maxOrderAge
    ) external onlyRole(RISK_MANAGER_ROLE) {
        AdminLogic.setMarketOrderParams(s, marketId, instantTrading, minOrderDelay, maxOrderAge);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setMarketStatus(uint256 marketId, MarketStatus status) external {
        bool admin = hasRole(DEFAULT_ADMIN_ROLE, msg.sender);
        if (!admin && (status == MarketStatus.Active || !hasRole(GUARDIAN_ROLE, msg.sender))) {
            revert AccessControlUnauthorizedAccount(
                msg.sender,
                admin ? GUARDIAN_ROLE : DEFAULT_ADMIN_ROLE
            );
        }
        AdminLogic.setMarketStatus(s, marketId, status);
    }

    /// @inheritdoc ICrossmarginAdmin
    function settleMarket(uint256 marketId, uint256 price) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AdminLogic.settleMarket(s, marketId, price);
    }

    /// @inheritdoc ICrossmarginAdmin
    function setLiquidationParams(
        uint64 feeRate,
        uint64 buffer,
        uint128 minKeeperReward,
        uint128 maxKeeperReward,
        uint64 closeFactorHfThreshold,
        uint128 smallDebtUsd,
        uint128 orderKeeperFee,
        uint64 penaltyRate,
        uint32 accountWindow
    ) external onlyRole(RISK_MANAGER_ROLE) {
        AdminLogic.setLiquidationParams(
            s,
            feeRate,
            buffer,
            minKeeperReward,
            maxKeeperReward,
            closeFactorHfThreshold,
            smallDebtUsd,
            orderKeeperFee,
            penaltyRate,
            accountWindow
        );
    }

    /// @inheritdoc ICrossmarginAdmin
    function setAdlParams(
        uint64 floorRatio,
        uint64 rewardRate,
        uint128 maxReward
    ) external onlyRole(RISK_MANAGER_ROLE) {
        AdminLogic.setAdlParams(s, floorRatio, rewardRate, maxReward);
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
    function pause() external onlyRole(GUARDIAN_ROLE) {
        s.paused = true;
        emit PausedSet(true);
    }

    /// @inheritdoc ICrossmarginAdmin
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        s.paused = false;
        emit PausedSet(false);
    }
}
