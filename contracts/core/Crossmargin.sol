// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmarginTrading} from "../interfaces/ICrossmarginTrading.sol";
import {CrossmarginLiquidation} from "./CrossmarginLiquidation.sol";
import {MarginLogic} from "../libraries/MarginLogic.sol";
import {CollateralLogic} from "../libraries/CollateralLogic.sol";
import {OrderLogic} from "../libraries/OrderLogic.sol";
import {TradeLogic} from "../libraries/TradeLogic.sol";
import {PoolLogic} from "../libraries/PoolLogic.sol";
import {AccountIds} from "../libraries/AccountIds.sol";
import {Delegation} from "../libraries/Delegation.sol";
import {CollateralListing, MarginCheck} from "../types/Types.sol";

/// @title Crossmargin
/// @notice The engine: accounts, the shared collateral vault, trading and margin. Its own code
///         holds every path that moves value (`ICrossmarginTrading`, `ICrossmarginLiquidation`)
///         and the roles; everything else (operators, governance, views) answers at this address
///         through the extension (`CrossmarginExtension`), run by delegatecall on this storage.
///         `ICrossmargin` is the whole interface at this address.
/// @dev The split keeps the trade paths' selector dispatch short (a function pays about 22 gas
///      for each selector the dispatcher compares before its own) and the engine under EIP-170.
contract Crossmargin is ICrossmarginTrading, CrossmarginLiquidation {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @dev Withdrawals of a multicall, paid out after its margin check (checks-effects-interactions).
    struct Transfer {
        address token;
        address to;
        uint256 amount;
    }

    /// @notice The extension (`CrossmarginExtension`): selectors the engine does not have run in
    ///         it, on the engine's storage (see `fallback`); the risk module's run behind it.
    address public immutable extension;

    /// @param quote The settlement token (decimals <= 18), valued at par.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (a timelock in production).
    /// @param extension_ The deployed `CrossmarginExtension` (operators, governance, views).
    constructor(address quote, address admin, address extension_) CrossmarginLiquidation(quote) {
        if (quote == address(0) || admin == address(0) || extension_.code.length == 0)
            revert ZeroAddress();
        extension = extension_;
        uint8 decimals = IERC20Metadata(quote).decimals();
        if (decimals > 18) revert UnsupportedDecimals(quote, decimals);
        s.quoteToken = quote;
        s.quoteScale = uint64(10 ** (18 - decimals));
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Runs every selector the engine does not have in the extension, on the engine's
    ///         storage (delegatecall): account ids, operators and settlement callbacks,
    ///         governance and views (`ICrossmarginExtension`), and behind it the risk module's
    ///         (`ICrossmarginRisk`). Both share the engine's storage layout
    ///         (`CrossmarginStorage`) and refuse to change state outside it.
    fallback() external {
        Delegation.forward(extension);
    }

    // ------------------------------------------------------------------ vault

    /// @inheritdoc ICrossmarginTrading
    function deposit(
        uint8 subAccount,
        address token,
        uint256 amount
    ) external nonReentrant returns (uint256) {
        return _deposit(AccountIds.id(msg.sender, subAccount), token, amount);
    }

    /// @inheritdoc ICrossmarginTrading
    function depositFor(
        uint256 account,
        address token,
        uint256 amount
    ) external nonReentrant returns (uint256) {
        _ownerOf(account);
        // Only the owner or an operator adds a collateral type: a stranger could otherwise fill
        // the account's slots with dust, each costing every health check an oracle read.
        if (!_isQuote(token) && CollateralLogic.collateralBalance(s, account, token) == 0)
            _authorize(account);
        return _deposit(account, token, amount);
    }

    /// @inheritdoc ICrossmarginTrading
    function withdraw(
        uint256 account,
        address token,
        uint256 amount,
        address to
    ) external nonReentrant {
        _authorize(account);
        _checkRecipient(to);
        // The debit and the check are this contract's own code (internal library functions):
        // no linked call on the withdrawal's path.
        MarginLogic.debit(s, account, token, amount, _isQuote(token));
        MarginLogic.check(s, account, MarginLogic.increasing(type(uint256).max, 0));
        IERC20(token).safeTransfer(to, amount);
        emit Withdrawn(account, token, to, amount);
    }

    // ------------------------------------------------------------------ trading

    /// @inheritdoc ICrossmarginTrading
    function modifyPosition(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline
    ) external nonReentrant {
        _authorize(account);
        _checkDeadline(deadline);
        // The trade and its margin check are this contract's own code (internal library
        // functions): no linked call on the trade's path.
        MarginCheck memory p = _newPending();
        _trade(account, marketId, sizeDelta, acceptablePrice, p);
        MarginLogic.check(s, account, p);
    }

    /// @inheritdoc ICrossmarginTrading
    function multicall(
        uint256 account,
        Action[] calldata actions,
        uint256 deadline
    ) external nonReentrant {
        _authorize(account);
        _checkDeadline(deadline);
        MarginCheck memory p = _newPending();
        Transfer[] memory out = new Transfer[](actions.length);
        uint256 nOut;
        for (uint256 i; i < actions.length; ++i) {
            Action calldata a = actions[i];
            ActionKind kind = a.kind;
            if (kind == ActionKind.Deposit) {
                uint256 received = _deposit(account, a.token, a.amount);
                // Equity before the call excludes every deposit it makes, quote or collateral.
                p.equityBeforeAdj -= MarginLogic.depositValueUsd(s, account, a.token, received);
            } else if (kind == ActionKind.Withdraw) {
                _checkRecipient(a.recipient);
                MarginLogic.debit(s, account, a.token, a.amount, _isQuote(a.token));
                out[nOut++] = Transfer(a.token, a.recipient, a.amount);
                p.riskIncreased = true;
            } else if (kind == ActionKind.ModifyPosition) {
                _trade(account, a.marketId, a.sizeDelta, a.acceptablePrice, p);
            } else {
                // An order's reserve and fee sit outside the reducing rule's reconstruction of
                // equity before the call: a batch that touches one is held to IM.
                p.riskIncreased = true;
                if (kind == ActionKind.CommitOrder) {
                    _commit(
                        account,
                        a.marketId,
                        a.sizeDelta,
                        a.acceptablePrice,
                        a.settlementDeadline
                    );
                } else {
                    OrderLogic.cancel(s, account, a.marketId, msg.sender, true);
                }
            }
        }
        MarginLogic.check(s, account, p);
        for (uint256 i; i < nOut; ++i) {
            Transfer memory o = out[i];
            IERC20(o.token).safeTransfer(o.to, o.amount);
            emit Withdrawn(account, o.token, o.to, o.amount);
        }
    }

    // ------------------------------------------------------------------ pool hooks

    /// @inheritdoc ICrossmarginTrading
    function poolDeposit(uint256 assets) external nonReentrant {
        if (msg.sender != s.pool) revert OnlyPool(msg.sender);
        emit PoolDeposited(assets, MarginLogic.addPool(s, assets.toInt256()));
    }

    /// @inheritdoc ICrossmarginTrading
    function poolWithdraw(address receiver, uint256 assets) external nonReentrant {
        PoolLogic.withdraw(s, receiver, assets);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Reverts `DeadlineExpired` once the block is past the caller's deadline.
    function _checkDeadline(uint256 deadline) private view {
        if (block.timestamp > deadline) revert DeadlineExpired(deadline, block.timestamp);
    }

    function _checkRecipient(address to) private view {
        if (to == address(0) || to == address(this)) revert InvalidRecipient(to);
    }

    /// @dev An instant trade (`modifyPosition`, a multicall's): a slippage bound is required
    ///      (INV-40); the margin check is the caller's, recorded in `pending`.
    function _trade(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        MarginCheck memory pending
    ) private {
        if (acceptablePrice == 0) revert SlippageBoundRequired();
        TradeLogic.TradeResult memory r = TradeLogic.userTrade(
            s,
            account,
            marketId,
            sizeDelta,
            0,
            true,
            pending
        );
        TradeLogic.checkSlippage(sizeDelta, r.fill, acceptablePrice);
    }

    function _newPending() private pure returns (MarginCheck memory p) {
        p.hintMarket = TradeLogic.NO_HINT;
    }

    /// @dev Credits exactly what arrived. The only function that increases collateral balances.
    function _deposit(
        uint256 account,
        address token,
        uint256 amount
    ) private returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint128).max) revert AmountTooLarge(amount, type(uint128).max);
        bool isQuote = _isQuote(token);
        CollateralListing storage c = s.collaterals[token];
        if (!isQuote) {
            if (!c.listed) revert UnknownToken(token);
            uint256 totalAfter = uint256(c.totalDeposited) + amount;
            if (totalAfter > c.depositCap)
                revert DepositCapExceeded(token, c.depositCap, totalAfter);
        }
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        received = IERC20(token).balanceOf(address(this)) - before;
        if (received == 0) revert ZeroAmount();
        if (isQuote) {
            MarginLogic.creditQuote(s, account, received);
        } else {
            uint256 balance = s.collateralBalances[account][c.index];
            MarginLogic.setCollateral(s, account, c, balance, balance + received);
        }
        emit Deposited(account, token, msg.sender, received);
    }
}
