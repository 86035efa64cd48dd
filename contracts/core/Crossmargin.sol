// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {CrossmarginLiquidation} from "./CrossmarginLiquidation.sol";
import {MarginLogic} from "../libraries/MarginLogic.sol";
import {OperatorLogic} from "../libraries/OperatorLogic.sol";
import {OrderLogic} from "../libraries/OrderLogic.sol";
import {TradeLogic} from "../libraries/TradeLogic.sol";
import {PoolLogic} from "../libraries/PoolLogic.sol";
import {PositionLib} from "../libraries/PositionLib.sol";
import {AccountIds} from "../libraries/AccountIds.sol";
import {
    AccountData,
    AccountLiquidation,
    CollateralConfig,
    MarginCheck,
    Health,
    MarketConfig,
    MarketInfo,
    MarketState,
    MarketStatus,
    Order,
    PositionView
} from "../types/Types.sol";

/// @title Crossmargin
/// @notice The engine: accounts, the shared collateral vault, trading and margin.
contract Crossmargin is ICrossmargin, CrossmarginLiquidation, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    uint256 public constant MAX_COLLATERALS_PER_ACCOUNT = MarginLogic.MAX_COLLATERALS_PER_ACCOUNT;
    /// @inheritdoc ICrossmargin
    bytes32 public constant SET_OPERATOR_TYPEHASH = OperatorLogic.SET_OPERATOR_TYPEHASH;

    /// @dev Withdrawals of a multicall, paid out after its margin check (checks-effects-interactions).
    struct Transfer {
        address token;
        address to;
        uint256 amount;
    }

    /// @notice The risk module (`CrossmarginRisk`): selectors the engine does not have run in it,
    ///         on the engine's storage (see `fallback`).
    address public immutable riskModule;

    /// @param quote The settlement token (decimals <= 18), valued at par.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (a timelock in production).
    /// @param riskModule_ The deployed `CrossmarginRisk` (offset pairs, protection, previews).
    constructor(
        address quote,
        address admin,
        address riskModule_
    ) CrossmarginLiquidation(quote) EIP712("Crossmargin", "1") {
        if (quote == address(0) || admin == address(0) || riskModule_.code.length == 0)
            revert ZeroAddress();
        riskModule = riskModule_;
        uint8 decimals = IERC20Metadata(quote).decimals();
        if (decimals > 18) revert UnsupportedDecimals(quote, decimals);
        s.quoteToken = quote;
        s.quoteScale = uint64(10 ** (18 - decimals));
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Runs every selector the engine does not have in the risk module, on the engine's
    ///         storage (delegatecall): offset pairs, protection and top-ups, previews and risk
    ///         views (`ICrossmarginRisk`). The module shares the engine's storage layout
    ///         (`CrossmarginStorage`) and refuses to run outside it.
    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        address module = riskModule;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    // ------------------------------------------------------------------ accounts

    /// @inheritdoc ICrossmargin
    function accountId(address owner, uint8 subAccount) public pure returns (uint256) {
        return AccountIds.id(owner, subAccount);
    }

    /// @inheritdoc ICrossmargin
    function ownerOf(uint256 account) public pure returns (address owner) {
        return _ownerOf(account);
    }

    /// @inheritdoc ICrossmargin
    function setOperator(uint256 account, address operator, bool approved) external nonReentrant {
        _onlyOwner(account);
        OperatorLogic.set(s, account, operator, approved);
    }

    /// @inheritdoc ICrossmargin
    function setOperatorWithSig(
        uint256 account,
        address operator,
        bool approved,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant {
        OperatorLogic.setWithSig(
            s,
            _domainSeparatorV4(),
            account,
            operator,
            approved,
            nonce,
            deadline,
            signature
        );
    }

    /// @dev Reverts unless the caller owns `account` (an operator may not).
    function _onlyOwner(uint256 account) private view {
        if (_ownerOf(account) != msg.sender) revert Unauthorized(msg.sender, account);
    }

    /// @inheritdoc ICrossmargin
    function nonces(uint256 account) external view returns (uint256) {
        return s.operatorNonces[account];
    }

    /// @inheritdoc ICrossmargin
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc ICrossmargin
    function setSettlementCallback(uint256 account, address callback) external nonReentrant {
        _onlyOwner(account);
        if (callback != address(0) && callback.code.length == 0) revert InvalidCallback(callback);
        s.settlementCallbacks[account] = callback;
        emit SettlementCallbackSet(account, callback);
    }

    /// @inheritdoc ICrossmargin
    function settlementCallback(uint256 account) external view returns (address) {
        return s.settlementCallbacks[account];
    }

    /// @inheritdoc ICrossmargin
    function isOperator(uint256 account, address operator) external view returns (bool) {
        return s.operators[account][operator];
    }

    // ------------------------------------------------------------------ vault

    /// @inheritdoc ICrossmargin
    function deposit(
        uint8 subAccount,
        address token,
        uint256 amount
    ) external nonReentrant returns (uint256) {
        return _deposit(accountId(msg.sender, subAccount), token, amount);
    }

    /// @inheritdoc ICrossmargin
    function depositFor(
        uint256 account,
        address token,
        uint256 amount
    ) external nonReentrant returns (uint256) {
        ownerOf(account);
        // Only the owner or an operator adds a collateral type: a stranger could otherwise fill
        // the account's slots with dust, each costing every health check an oracle read.
        if (!_isQuote(token) && s.collateralBalances[account][token] == 0) _authorize(account);
        return _deposit(account, token, amount);
    }

    /// @inheritdoc ICrossmargin
    function withdraw(
        uint256 account,
        address token,
        uint256 amount,
        address to
    ) external nonReentrant {
        _authorize(account);
        _checkRecipient(to);
        MarginLogic.debitAndCheck(s, account, token, amount, _isQuote(token));
        IERC20(token).safeTransfer(to, amount);
        emit Withdrawn(account, token, to, amount);
    }

    // ------------------------------------------------------------------ trading

    /// @inheritdoc ICrossmargin
    function modifyPosition(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline
    ) external nonReentrant {
        _authorize(account);
        _checkDeadline(deadline);
        TradeLogic.tradeAndCheck(s, account, marketId, sizeDelta, acceptablePrice);
    }

    /// @inheritdoc ICrossmargin
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
                p = TradeLogic.trade(s, account, a.marketId, a.sizeDelta, a.acceptablePrice, p);
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
        MarginLogic.checkAccount(s, account, p);
        for (uint256 i; i < nOut; ++i) {
            Transfer memory o = out[i];
            IERC20(o.token).safeTransfer(o.to, o.amount);
            emit Withdrawn(account, o.token, o.to, o.amount);
        }
    }

    // ------------------------------------------------------------------ pool hooks

    /// @inheritdoc ICrossmargin
    function poolDeposit(uint256 assets) external nonReentrant {
        if (msg.sender != s.pool) revert OnlyPool(msg.sender);
        emit PoolDeposited(assets, MarginLogic.addPool(s, assets.toInt256()));
    }

    /// @inheritdoc ICrossmargin
    function poolWithdraw(address receiver, uint256 assets) external nonReentrant {
        PoolLogic.withdraw(s, receiver, assets);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICrossmargin
    function quoteToken() external view returns (address) {
        return s.quoteToken;
    }

    /// @inheritdoc ICrossmargin
    function quoteScale() external view returns (uint256) {
        return s.quoteScale;
    }

    /// @inheritdoc ICrossmargin
    function accountValue(uint256 account) external view returns (int256) {
        return MarginLogic.accountValue(s, account);
    }

    /// @inheritdoc ICrossmargin
    function marketInfo(uint256 marketId) external view returns (MarketInfo memory) {
        MarketConfig storage m = s.markets[marketId];
        return MarketInfo(s.marketNames[marketId], m.feed, m.status);
    }

    /// @inheritdoc ICrossmargin
    function marketIdByName(bytes32 name) external view returns (uint256) {
        uint256 idPlusOne = s.marketIdPlusOne[name];
        if (idPlusOne == 0) revert UnknownMarketName(name);
        return idPlusOne - 1;
    }

    /// @inheritdoc ICrossmargin
    function accountHealth(uint256 account) external view returns (Health memory) {
        return MarginLogic.health(s, account, TradeLogic.NO_HINT, 0, false);
    }

    /// @inheritdoc ICrossmargin
    function isLiquidatable(uint256 account) external view returns (bool) {
        Health memory h = MarginLogic.liquidationHealth(s, account);
        return h.equity < int256(h.mm);
    }

    /// @inheritdoc ICrossmargin
    function getAccount(uint256 account) external view returns (AccountData memory) {
        return s.accounts[account];
    }

    /// @inheritdoc ICrossmargin
    function getPosition(
        uint256 account,
        uint256 marketId
    ) external view returns (PositionView memory) {
        return PositionLib.toView(s.positions[account][marketId]);
    }

    /// @inheritdoc ICrossmargin
    function traderDebt() external view returns (uint256) {
        return s.traderDebt;
    }

    /// @inheritdoc ICrossmargin
    function getAccountLiquidation(
        uint256 account
    ) external view returns (AccountLiquidation memory) {
        return s.liquidations[account];
    }

    /// @inheritdoc ICrossmargin
    function getOrder(uint256 account, uint256 marketId) external view returns (Order memory) {
        return OrderLogic.get(s, account, marketId);
    }

    /// @inheritdoc ICrossmargin
    function collateralBalance(uint256 account, address token) external view returns (uint256) {
        return s.collateralBalances[account][token];
    }

    /// @inheritdoc ICrossmargin
    function getCollateral(address token) external view returns (CollateralConfig memory) {
        return s.collaterals[token];
    }

    /// @inheritdoc ICrossmargin
    function collateralTokens() external view returns (address[] memory) {
        return s.collateralTokens;
    }

    /// @inheritdoc ICrossmargin
    function getMarket(uint256 marketId) external view returns (MarketConfig memory) {
        return s.markets[marketId];
    }

    /// @inheritdoc ICrossmargin
    function getMarketState(uint256 marketId) external view returns (MarketState memory) {
        return s.marketStates[marketId];
    }

    /// @inheritdoc ICrossmargin
    function marketCount() external view returns (uint256) {
        return s.marketCount;
    }

    /// @inheritdoc ICrossmargin
    function marketPrice(uint256 marketId) external view returns (uint256) {
        return _marketPrice(marketId);
    }

    /// @inheritdoc ICrossmargin
    function collateralPrice(address token) external view returns (uint256) {
        CollateralConfig storage c = s.collaterals[token];
        if (!c.listed) revert UnknownToken(token);
        return MarginLogic.collateralPrice(c);
    }

    /// @inheritdoc ICrossmargin
    function currentFunding(uint256 marketId) external view returns (int256, int256) {
        return TradeLogic.funding(s, marketId, _marketPrice(marketId));
    }

    /// @inheritdoc ICrossmargin
    function quoteTrade(
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fill, uint256 fee) {
        return TradeLogic.quote(s, marketId, sizeDelta, _marketPrice(marketId));
    }

    /// @inheritdoc ICrossmargin
    function poolBalance() external view returns (int256) {
        return s.poolBalance;
    }

    /// @inheritdoc ICrossmargin
    function poolValue() external view returns (int256) {
        return PoolLogic.value(s);
    }

    /// @inheritdoc ICrossmargin
    function poolWithdrawable() external view returns (uint256) {
        return PoolLogic.withdrawable(s);
    }

    /// @inheritdoc ICrossmargin
    function pool() external view returns (address) {
        return s.pool;
    }

    /// @inheritdoc ICrossmargin
    function insuranceFund() external view returns (address) {
        return s.insuranceFund;
    }

    /// @inheritdoc ICrossmargin
    function paused() external view returns (bool) {
        return s.paused;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Reverts `DeadlineExpired` once the block is past the caller's deadline.
    function _checkDeadline(uint256 deadline) private view {
        if (block.timestamp > deadline) revert DeadlineExpired(deadline, block.timestamp);
    }

    function _checkRecipient(address to) private view {
        if (to == address(0) || to == address(this)) revert InvalidRecipient(to);
    }

    function _newPending() private pure returns (MarginCheck memory p) {
        p.hintMarket = TradeLogic.NO_HINT;
    }

    function _marketPrice(uint256 marketId) private view returns (uint256) {
        MarketConfig storage cfg = s.markets[marketId];
        if (cfg.status == MarketStatus.None) revert UnknownMarket(marketId);
        return MarginLogic.marketPrice(cfg);
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
        CollateralConfig storage c = s.collaterals[token];
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
            uint256 balance = s.collateralBalances[account][token];
            MarginLogic.setCollateral(s, account, token, c, balance, balance + received);
        }
        emit Deposited(account, token, msg.sender, received);
    }
}
