// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Bitmask} from "../libraries/Bitmask.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {ICrossmarginLens} from "../interfaces/ICrossmarginLens.sol";
import {WadMath} from "../libraries/WadMath.sol";
import {
    AccountData,
    CollateralConfig,
    Health,
    MarketConfig,
    PositionView
} from "../types/Types.sol";
import {LensMath} from "./LensMath.sol";

/// @title CrossmarginLens
/// @notice Stateless read-only views over the Crossmargin engine (see ICrossmarginLens).
/// @dev Holds no state but the engine address; never writes. Every figure comes from the
///      engine's getters and the engine's own formulas (`LensMath` mirrors `MarketMath` on memory
///      structs), so a view agrees with what the engine would compute in the same block.
contract CrossmarginLens is ICrossmarginLens {
    using WadMath for uint256;
    using WadMath for int256;

    /// @inheritdoc ICrossmarginLens
    ICrossmargin public immutable engine;

    /// @dev Quote units -> USD WAD: 10 ** (18 - quote decimals), fixed at deployment.
    uint256 private immutable _quoteScale;
    address private immutable _quote;

    /// @param engine_ The Crossmargin engine to read.
    constructor(ICrossmargin engine_) {
        if (address(engine_) == address(0)) revert LensZeroEngine();
        engine = engine_;
        address quote = engine_.quoteToken();
        _quote = quote;
        _quoteScale = engine_.quoteScale();
    }

    // ------------------------------------------------------------------ account

    /// @inheritdoc ICrossmarginLens
    function accountSummary(uint256 account) external view returns (AccountSummary memory r) {
        Health memory h = engine.accountHealth(account);
        r.equity = h.equity;
        r.im = h.im;
        r.mm = h.mm;
        if (h.mm == 0) r.healthFactor = type(uint256).max;
        else if (h.equity > 0) r.healthFactor = uint256(h.equity).divDown(h.mm);
        r.marginUtilisation = h.equity <= 0 ? type(uint256).max : h.im.divUp(uint256(h.equity));
        r.availableMargin = h.equity - int256(h.im);
        r.liquidatable = h.equity < int256(h.mm);
        r.quoteBalance = engine.getAccount(account).quoteBalance;
    }

    /// @inheritdoc ICrossmarginLens
    function positions(uint256 account) external view returns (PositionInfo[] memory list) {
        uint256 mask = engine.getAccount(account).marketMask;
        list = new PositionInfo[](Bitmask.count(mask));
        if (list.length == 0) return list;
        Health memory h = engine.accountHealth(account);
        for (uint256 i; mask != 0; ++i) {
            uint256 id = Bitmask.lowest(mask);
            mask &= mask - 1;
            list[i] = _position(account, id, h);
        }
    }

    /// @inheritdoc ICrossmarginLens
    function collaterals(uint256 account) external view returns (CollateralSummary memory r) {
        AccountData memory a = engine.getAccount(account);
        address[] memory all = engine.collateralTokens();
        uint256 mask = a.collateralMask;
        uint256 n = Bitmask.count(mask);
        r.items = new CollateralInfo[](n);
        r.tokens = new address[](n);
        for (uint256 i; mask != 0; ++i) {
            uint256 index = Bitmask.lowest(mask);
            mask &= mask - 1;
            CollateralInfo memory c = _collateral(account, all[index]);
            r.items[i] = c;
            r.tokens[i] = c.token;
            r.totalValueUsd += c.valueUsd;
            r.totalWeightedUsd += c.weightedUsd;
        }
        r.quoteBalance = a.quoteBalance;
        r.weightedCollateral = r.quoteBalance * int256(_quoteScale) + int256(r.totalWeightedUsd);
    }

    /// @inheritdoc ICrossmarginLens
    function maxWithdrawable(uint256 account, address token) external view returns (uint256) {
        int256 quoteBalance = engine.getAccount(account).quoteBalance;
        if (token == _quote) {
            if (quoteBalance <= 0) return 0;
            int256 free = _freeMargin(account);
            if (free <= 0) return 0;
            return WadMath.min(uint256(quoteBalance), uint256(free) / _quoteScale);
        }
        CollateralConfig memory c = engine.getCollateral(token);
        if (!c.listed) revert LensUnknownToken(token);
        // Debt blocks every non-quote withdrawal (engine: DebtOutstanding).
        if (quoteBalance < 0) return 0;
        uint256 balance = engine.collateralBalance(account, token);
        if (balance == 0) return 0;
        int256 freeMargin = _freeMargin(account);
        if (freeMargin < 0) return 0;
        // Withdrawing lowers equity - IM by exactly the initial-weighted value it removes.
        uint256 price = engine.collateralPrice(token);
        (, , uint256 init) = LensMath.weightedUsd(balance, price, c);
        if (uint256(freeMargin) >= init) return balance;
        return balance - LensMath.minBalanceFor(init - uint256(freeMargin), balance, price, c);
    }

    /// @inheritdoc ICrossmarginLens
    function liquidationPrice(uint256 account, uint256 marketId) external view returns (uint256) {
        if (engine.getAccount(account).marketMask & (uint256(1) << marketId) == 0) return 0;
        return _position(account, marketId, engine.accountHealth(account)).liquidationPrice;
    }

    /// @inheritdoc ICrossmarginLens
    function fillPrice(
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fill, uint256 fee) {
        return engine.quoteTrade(marketId, sizeDelta);
    }

    // ------------------------------------------------------------------ keepers

    /// @dev `scanFlags` bits (ICrossmarginLens).
    uint8 private constant SCAN_OK = 1;
    uint8 private constant SCAN_LIQUIDATABLE = 2;
    uint8 private constant SCAN_EXPOSED = 4;

    /// @inheritdoc ICrossmarginLens
    function scanFlags(uint256[] calldata accounts) external view returns (bytes memory flags) {
        uint256 n = accounts.length;
        flags = new bytes(n);
        for (uint256 i; i < n; ++i) {
            AccountData memory a = engine.getAccount(accounts[i]);
            // No position and no debt: equity = quote + weighted collateral >= 0 = MM.
            if (a.marketMask == 0 && a.quoteBalance >= 0) {
                flags[i] = bytes1(SCAN_OK);
                continue;
            }
            (bool ok, bool liquidatable) = _liquidatable(accounts[i]);
            flags[i] = bytes1(
                SCAN_EXPOSED | (ok ? SCAN_OK : 0) | (liquidatable ? SCAN_LIQUIDATABLE : 0)
            );
        }
    }

    /// @inheritdoc ICrossmarginLens
    function batchHealth(
        uint256[] calldata accounts
    )
        external
        view
        returns (
            bool[] memory ok,
            int256[] memory equity,
            uint256[] memory mm,
            bool[] memory liquidatable
        )
    {
        uint256 n = accounts.length;
        ok = new bool[](n);
        equity = new int256[](n);
        mm = new uint256[](n);
        liquidatable = new bool[](n);
        for (uint256 i; i < n; ++i) {
            // One stale feed must not hide every other account from the keeper.
            try engine.accountHealth(accounts[i]) returns (Health memory h) {
                ok[i] = true;
                equity[i] = h.equity;
                mm[i] = h.mm;
                liquidatable[i] = h.equity < int256(h.mm);
            } catch {
                // The figures stay zero; a stale market still lets `liquidate` act (INV-25).
                liquidatable[i] = _liquidatableStale(accounts[i]);
            }
        }
    }

    /// @inheritdoc ICrossmarginLens
    function pendingOrders(uint256 account) external view returns (PendingOrder[] memory list) {
        uint256 mask = engine.getAccount(account).orderMask;
        list = new PendingOrder[](Bitmask.count(mask));
        for (uint256 i; mask != 0; ++i) {
            uint256 id = Bitmask.lowest(mask);
            mask &= mask - 1;
            PendingOrder memory p = list[i];
            p.marketId = id;
            (p.order, p.settleable, p.cancellable, p.settlementRound, p.phaseProof) = engine
                .orderStatus(account, id);
        }
    }

    // ------------------------------------------------------------------ internals

    /// @dev One position valued at the current price; `h` is the account's health (for p*).
    function _position(
        uint256 account,
        uint256 id,
        Health memory h
    ) private view returns (PositionInfo memory r) {
        PositionView memory p = engine.getPosition(account, id);
        MarketConfig memory cfg = engine.getMarket(id);
        (, int256 indexNow) = engine.currentFunding(id);
        r.marketId = id;
        r.size = p.size;
        r.entryPrice = p.entryPrice;
        r.price = engine.marketPrice(id);
        r.unrealisedPnl = r.size.sMulFloor(int256(r.price) - int256(r.entryPrice));
        r.accruedFunding = r.size.sMulCeil(indexNow - p.fundingIndex);
        r.notional = LensMath.notionalOf(r.size, r.price);
        uint256 mmr;
        (r.im, r.mm, mmr) = LensMath.requirements(cfg, r.notional);
        // R: every maintenance requirement but this market's `mulUp(notional, mmr)` (its
        // minPositionMargin stays in R, as the model's liquidationPrice).
        uint256 others = h.mm - (r.mm - cfg.minPositionMargin);
        r.liquidationPrice = LensMath.liquidationPrice(h.equity, others, r.size, r.price, mmr);
    }

    /// @dev `batchHealth`'s `ok` and `liquidatable` for one account, without its figures.
    function _liquidatable(uint256 account) private view returns (bool ok, bool liquidatable) {
        try engine.accountHealth(account) returns (Health memory h) {
            return (true, h.equity < int256(h.mm));
        } catch {
            return (false, _liquidatableStale(account));
        }
    }

    /// @dev An account whose health reverts: `isLiquidatable` values a stale market at its last
    ///      answer; a feed that is not merely stale leaves it unknown (false).
    function _liquidatableStale(uint256 account) private view returns (bool) {
        try engine.isLiquidatable(account) returns (bool yes) {
            return yes;
        } catch {
            return false;
        }
    }

    /// @dev One collateral balance valued at its oracle price.
    function _collateral(
        uint256 account,
        address token
    ) private view returns (CollateralInfo memory r) {
        CollateralConfig memory c = engine.getCollateral(token);
        r.token = token;
        r.balance = engine.collateralBalance(account, token);
        r.price = engine.collateralPrice(token);
        (r.valueUsd, r.weightedUsd, ) = LensMath.weightedUsd(r.balance, r.price, c);
    }

    /// @dev `equity - IM` (IM includes what pending orders reserve, as the withdrawal check).
    function _freeMargin(uint256 account) private view returns (int256) {
        Health memory h = engine.accountHealth(account);
        return h.equity - int256(h.im);
    }
}
