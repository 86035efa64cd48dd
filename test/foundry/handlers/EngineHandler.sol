// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {ICrossmargin} from "../../../contracts/interfaces/ICrossmargin.sol";
import {ICrossmarginTrading} from "../../../contracts/interfaces/ICrossmarginTrading.sol";
import {ICrossmarginErrors as E} from "../../../contracts/interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../../../contracts/interfaces/ICrossmarginEvents.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {
    AccountData,
    Health,
    MarketState,
    MarketStatus,
    Order
} from "../../../contracts/types/Types.sol";
import {Deployment} from "../utils/EngineSetup.sol";
import {EngineHandlerBase} from "./EngineHandlerBase.sol";
import {EngineSandwichActions} from "./EngineSandwichActions.sol";
import {EngineAdlActions} from "./EngineAdlActions.sol";
import {EngineRiskActions} from "./EngineRiskActions.sol";
import {EngineOrderActions} from "./EngineOrderActions.sol";
import {PoolHandler} from "./PoolHandler.sol";

/// @notice Drives the whole engine with bounded random actions of several actors (each with
///         sub-accounts), LPs, a keeper and the guardian, and checks the per-action rules:
///         the margin rule of user actions, "liquidatable => liquidation succeeds, healthy =>
///         NotLiquidatable", and the bad-debt waterfall (fund first, then the pool). The LP
///         actions (deposits, ERC-7540 redeem requests, claims, cancels) are in PoolHandler.
contract EngineHandler is
    EngineSandwichActions,
    PoolHandler,
    EngineAdlActions,
    EngineRiskActions,
    EngineOrderActions
{
    /// @dev What a liquidation's events say happened.
    struct LiqLogs {
        int256 quoteDelta; // sum of PositionModified.quoteDelta (account side)
        uint256 fee;
        uint256 reward;
        uint256 toFund;
        uint256 deficit;
        uint256 covered;
        uint256 socialised;
        uint256 purchases; // CollateralSoldToFund.debtRepaid: the fund buying collateral
        bool badDebt;
        uint256 toppedUp; // ToppedUp.amount: the reserve restored the account (INV-55)
        uint256 topUpFee;
    }

    /// @dev Balances around a liquidation.
    struct LiqSnap {
        int256 poolBalance;
        uint256 fund;
        uint256 keeper;
        int256 quoteBalance;
    }

    uint256 internal constant QUOTE_SCALE = 1e12; // USDC units -> USD WAD

    constructor(Deployment memory dep) EngineHandlerBase(dep) {}

    /// @notice Initial collateral of every account (called once by the test's setUp; not a
    ///         fuzz target): 25k USDC each, 5 WETH on even and 0.2 WBTC on every third account.
    function seedAccounts() external {
        for (uint256 i; i < N_ACCOUNTS; ++i) {
            address owner = actors[i / N_SUBS];
            _seed(owner, usdc, accounts[i], 25_000e6);
            if (i % 2 == 0) _seed(owner, weth, accounts[i], 5e18);
            if (i % 3 == 0) _seed(owner, wbtc, accounts[i], 0.2e8);
        }
    }

    // ------------------------------------------------------------------ vault

    /// @notice Deposit of any token, by the owner or (1 in 5) by a third party for the account.
    function deposit(
        uint256 accSeed,
        uint256 tokenSeed,
        uint256 amountSeed
    ) external action("deposit") {
        (uint256 acct, address owner) = _account(accSeed);
        MockERC20 token = _token(tokenSeed);
        uint256 amount =
            token == usdc
                ? _bound(amountSeed, 1e6, 100_000e6)
                : token == weth
                    ? _bound(amountSeed, 1e15, 30e18)
                    : _bound(amountSeed, 1e4, 2e8);
        // A stranger may top up the quote token or a collateral already held (INV-24).
        bool topUp =
            address(token) == address(usdc) || engine.collateralBalance(acct, address(token)) != 0;
        address from = amountSeed % 5 == 0 && topUp ? keeper : owner;
        _mintTo(token, from, address(engine), amount);
        vm.prank(from);
        if (from == owner) {
            try engine.deposit(uint8(acct), address(token), amount) {
                _ok("deposit");
            } catch (bytes memory err) {
                _reverted("deposit", err);
            }
        } else {
            try engine.depositFor(acct, address(token), amount) {
                _ok("deposit");
            } catch (bytes memory err) {
                _reverted("deposit", err);
            }
        }
    }

    /// @notice Withdrawal of part of a balance, or (1 in 8) one unit more than the balance.
    function withdraw(
        uint256 accSeed,
        uint256 tokenSeed,
        uint256 amountSeed
    ) external action("withdraw") {
        (uint256 acct, address owner) = _account(accSeed);
        MockERC20 token = _token(tokenSeed);
        uint256 balance;
        int256 qb = engine.getAccount(acct).quoteBalance;
        if (token == usdc) {
            balance = qb > 0 ? uint256(qb) : 0;
        } else {
            balance = engine.collateralBalance(acct, address(token));
        }
        uint256 amount =
            balance == 0 || amountSeed % 8 == 0 ? balance + 1 : _bound(amountSeed, 1, balance);
        Health memory before = _health(acct);
        vm.prank(owner);
        try engine.withdraw(acct, address(token), amount, owner) {
            _ok("withdraw");
            _checkMarginRule("withdraw", acct, before, true);
            // The vault lends nobody tokens, and quote debt blocks other collateral.
            if (amount > balance) _fail("withdraw: more than the balance");
            if (token != usdc && qb < 0) _fail("withdraw: collateral left with debt outstanding");
        } catch (bytes memory err) {
            _reverted("withdraw", err);
        }
    }

    // ------------------------------------------------------------------ trading

    /// @notice One trade: mode 0 open/increase, 1 reduce, 2 flip, 3 close.
    function modifyPosition(
        uint256 accSeed,
        uint256 marketSeed,
        uint256 sizeSeed,
        uint256 modeSeed
    ) external action("modifyPosition") {
        (uint256 acct, address owner) = _account(accSeed);
        uint256 m = marketSeed % N_MARKETS;
        int256 size = engine.getPosition(acct, m).size;
        uint256 price = _price(m);
        int256 delta = _sizeDelta(size, price, sizeSeed, modeSeed % 4, _available(acct));
        bool increased = !_isReducing(size, delta);
        uint256 acceptable = _acceptable(delta, price, modeSeed >> 8);
        Health memory before = _health(acct);
        vm.prank(owner);
        try engine.modifyPosition(acct, m, delta, acceptable, block.timestamp) {
            _ok("modifyPosition");
            _checkMarginRule("modifyPosition", acct, before, increased);
        } catch (bytes memory err) {
            _reverted("modifyPosition", err);
            if (!increased) _checkReduceRefusal("modifyPosition", before, err);
        }
    }

    /// @notice A multicall of 2-3 actions: mostly trades, sometimes a USDC or WETH deposit or a
    ///         USDC withdrawal.
    function multicall(uint256 accSeed, uint256 seed) external action("multicall") {
        (uint256 acct, address owner) = _account(accSeed);
        uint256 n = 2 + (seed % 2);
        ICrossmarginTrading.Action[] memory acts = new ICrossmarginTrading.Action[](n);
        int256[N_MARKETS] memory sim;
        for (uint256 m; m < N_MARKETS; ++m) sim[m] = engine.getPosition(acct, m).size;
        bool increased;
        int256 available = _available(acct) / int256(n);
        for (uint256 i; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            uint256 kind = s % 10;
            if (kind == 0) {
                uint256 amount = _bound(s >> 8, 1e6, 20_000e6);
                _mintTo(usdc, owner, address(engine), amount);
                acts[i] = _tokenAction(
                    ICrossmarginTrading.ActionKind.Deposit,
                    address(usdc),
                    amount,
                    owner
                );
            } else if (kind == 1) {
                uint256 amount = _bound(s >> 8, 1e15, 5e18);
                _mintTo(weth, owner, address(engine), amount);
                acts[i] = _tokenAction(
                    ICrossmarginTrading.ActionKind.Deposit,
                    address(weth),
                    amount,
                    owner
                );
            } else if (kind == 2) {
                uint256 amount = _bound(s >> 8, 1e6, 20_000e6);
                acts[i] = _tokenAction(
                    ICrossmarginTrading.ActionKind.Withdraw,
                    address(usdc),
                    amount,
                    owner
                );
                increased = true;
            } else {
                uint256 m = (s >> 8) % N_MARKETS;
                uint256 price = _price(m);
                int256 delta = _sizeDelta(sim[m], price, s >> 16, (s >> 24) % 4, available);
                if (!_isReducing(sim[m], delta)) increased = true;
                sim[m] += delta;
                acts[i].kind = ICrossmarginTrading.ActionKind.ModifyPosition;
                acts[i].marketId = m;
                acts[i].sizeDelta = delta;
                acts[i].acceptablePrice = _acceptable(delta, price, s >> 32);
            }
        }
        Health memory before = _health(acct);
        vm.prank(owner);
        try engine.multicall(acct, acts, block.timestamp) {
            _ok("multicall");
            _checkMarginRule("multicall", acct, before, increased);
        } catch (bytes memory err) {
            _reverted("multicall", err);
            if (!increased) _checkReduceRefusal("multicall", before, err);
        }
    }

    // ------------------------------------------------------------------ prices and time

    /// @notice Moves one market or collateral price by up to +-50 % after 1 s - 10 min.
    function movePrice(
        uint256 feedSeed,
        uint256 bpsSeed,
        uint256 dtSeed
    ) external action("movePrice") {
        _warp(_bound(dtSeed, 1, 600));
        _move(feedSeed % N_FEEDS, _bps(bpsSeed));
        _refreshFeeds();
    }

    /// @notice Moves every price by the same +-50 % at once (a market-wide crash or spike).
    function crash(uint256 bpsSeed, uint256 dtSeed) external action("crash") {
        _warp(_bound(dtSeed, 1, 600));
        int256 bps = _bps(bpsSeed);
        for (uint256 i; i < N_FEEDS; ++i) _move(i, bps);
        _refreshFeeds();
    }

    /// @notice Lets 1 min - 2 days pass (funding accrues), then republishes every feed.
    function passTime(uint256 dtSeed) external action("passTime") {
        _warp(_bound(dtSeed, 60, 2 days));
        _refreshFeeds();
    }

    /// @notice Guardian/admin market status change (mostly back to Active), sometimes a protocol
    ///         pause toggle.
    function setMarketStatus(uint256 marketSeed, uint256 statusSeed) external action("setStatus") {
        uint256 s = statusSeed % 10;
        MarketStatus status =
            s < 8
                ? MarketStatus.Active
                : s == 8
                    ? MarketStatus.ReduceOnly
                    : MarketStatus.Paused;
        vm.startPrank(admin);
        engine.setMarketStatus(marketSeed % N_MARKETS, status);
        // Pause the whole protocol 1 in 16 times, until the next status change (only opening
        // risk stops while paused).
        if (engine.paused()) engine.unpause();
        else if ((statusSeed >> 8) % 16 == 0) engine.pause();
        vm.stopPrank();
        _ok("setStatus");
    }

    // ------------------------------------------------------------------ liquidation

    /// @notice liquidate(account, maxNotional) with maxNotional 0 (unbounded) 1 in 3 times.
    ///         Liquidatable => must succeed; healthy => must revert NotLiquidatable.
    function liquidate(uint256 accSeed, uint256 notionalSeed) external action("liquidate") {
        uint256 acct = _liquidationTarget(accSeed, false);
        uint256 maxNotional = notionalSeed % 3 == 0 ? 0 : _bound(notionalSeed, 1, 2_000_000e18);
        bool liquidatable = engine.isLiquidatable(acct);
        LiqSnap memory snap = LiqSnap(
            engine.poolBalance(),
            _fundHoldings(),
            usdc.balanceOf(keeper),
            engine.getAccount(acct).quoteBalance
        );
        MarketState[] memory windows = _windows();
        vm.recordLogs();
        vm.prank(keeper);
        try engine.liquidate(acct, maxNotional) returns (uint256, uint256 reward) {
            _ok("liquidate");
            if (!liquidatable) _fail("liquidate: a healthy account was liquidated");
            ghostLiquidations++;
            Vm.Log[] memory logs = vm.getRecordedLogs();
            _checkLiquidation(acct, snap, reward, _parseLiquidation(acct, logs));
            _checkWindows(windows, logs);
        } catch (bytes memory err) {
            vm.getRecordedLogs();
            _reverted("liquidate", err);
            if (liquidatable) {
                _fail(
                    string.concat(
                        "liquidate reverted for a liquidatable account: ",
                        vm.toString(err)
                    )
                );
            } else if (err.length < 4 || bytes4(err) != E.NotLiquidatable.selector) {
                _fail(
                    string.concat("liquidate of a healthy account: wrong error ", vm.toString(err))
                );
            }
        }
    }

    /// @notice Repays quote debt for discounted WETH/WBTC (Aave-style collateral liquidation).
    function liquidateCollateral(
        uint256 accSeed,
        uint256 tokenSeed,
        uint256 repaySeed
    ) external action("liquidateCollateral") {
        uint256 acct = _liquidationTarget(accSeed, true);
        MockERC20 token = _collateralToken(tokenSeed);
        int256 qb = engine.getAccount(acct).quoteBalance;
        uint256 debt = qb < 0 ? uint256(-qb) : 0;
        uint256 repay = _bound(repaySeed, 1, debt == 0 ? 1e6 : debt * 2);
        uint256 balance = engine.collateralBalance(acct, address(token));
        bool liquidatable = engine.isLiquidatable(acct);
        _mintTo(usdc, keeper, address(engine), repay);
        vm.recordLogs();
        vm.prank(keeper);
        try engine.liquidateCollateral(acct, address(token), repay) returns (
            uint256 repaid,
            uint256 seized
        ) {
            _ok("liquidateCollateral");
            ghostCollateralLiquidations++;
            if (!liquidatable || debt == 0)
                _fail("liquidateCollateral: healthy or debt-free account");
            if (repaid > repay || repaid > debt) _fail("liquidateCollateral: repaid too much");
            LiqLogs memory l = _parseLiquidation(acct, vm.getRecordedLogs());
            if (l.badDebt) {
                // INV-29: the last collateral gone, what nothing backs is settled in the call.
                ghostBadDebtEvents++;
                ghostDeficit += l.deficit;
                ghostCovered += l.covered;
                ghostSocialised += l.socialised;
                if (l.deficit != debt - repaid || engine.getAccount(acct).quoteBalance != 0)
                    _fail("liquidateCollateral: settled debt is not the rest of the debt");
            } else if (engine.getAccount(acct).quoteBalance != qb + int256(repaid)) {
                _fail("liquidateCollateral: debt not reduced by the repayment");
            }
            if (engine.collateralBalance(acct, address(token)) != balance - seized)
                _fail("liquidateCollateral: balance not reduced by the seizure");
            // The liquidator never receives more than the repayment buys at the discounted price.
            uint256 discounted =
                (engine.collateralPrice(address(token)) *
                    (1e18 - engine.getCollateral(address(token)).liquidationDiscount)) / 1e18;
            uint256 unit = 10 ** token.decimals();
            if ((seized * discounted) / unit > repaid * QUOTE_SCALE)
                _fail("liquidateCollateral: seized more than the repayment buys");
        } catch (bytes memory err) {
            _reverted("liquidateCollateral", err);
            bytes4 sel = err.length >= 4 ? bytes4(err) : bytes4(0);
            if (liquidatable && debt != 0 && sel != E.NothingToSeize.selector)
                _fail(string.concat("liquidateCollateral refused: ", vm.toString(err)));
        }
    }

    // ------------------------------------------------------------------ delayed orders

    function commitOrder(
        uint256 accSeed,
        uint256 marketSeed,
        uint256 sizeSeed,
        uint256 modeSeed
    ) external action("commitOrder") {
        (uint256 acct, address owner) = _account(accSeed);
        uint256 m = marketSeed % N_MARKETS;
        int256 size = engine.getPosition(acct, m).size;
        uint256 price = _price(m);
        int256 delta = _sizeDelta(size, price, sizeSeed, modeSeed % 4, _available(acct));
        bool increased = !_isReducing(size, delta);
        uint256 deadline = block.timestamp + _bound(modeSeed >> 8, 3, 2 hours);
        uint256 acceptable = _acceptable(delta, price, modeSeed >> 40);
        Health memory before = _health(acct);
        vm.prank(owner);
        try engine.commitOrder(acct, m, delta, acceptable, deadline) {
            _ok("commitOrder");
            _checkMarginRule("commitOrder", acct, before, increased);
        } catch (bytes memory err) {
            _reverted("commitOrder", err);
        }
    }

    // ------------------------------------------------------------------ internals

    function _seed(address owner, MockERC20 token, uint256 acct, uint256 amount) private {
        _mintTo(token, owner, address(engine), amount);
        vm.prank(owner);
        engine.deposit(uint8(acct), address(token), amount);
    }

    /// @dev A price move in bps: half the time within +-5 %, otherwise within +-50 %.
    function _bps(uint256 seed) private pure returns (int256) {
        return (seed >> 128) % 2 == 0 ? int256(seed % 1_001) - 500 : int256(seed % 10_001) - 5_000;
    }

    /// @dev 3 in 4 times the first liquidatable account (with debt, if `needDebt`) from a random
    ///      start; otherwise, or when there is none, a random account.
    function _liquidationTarget(uint256 seed, bool needDebt) private view returns (uint256) {
        if (seed % 4 != 0) {
            for (uint256 k; k < N_ACCOUNTS; ++k) {
                uint256 acct = accounts[((seed >> 8) + k) % N_ACCOUNTS];
                if (needDebt && engine.getAccount(acct).quoteBalance >= 0) continue;
                if (engine.isLiquidatable(acct)) return acct;
            }
        }
        (uint256 account, ) = _account(seed >> 8);
        return account;
    }

    function _parseLiquidation(
        uint256 acct,
        Vm.Log[] memory logs
    ) private view returns (LiqLogs memory l) {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory lg = logs[i];
            if (lg.emitter != address(engine) || lg.topics.length < 2) continue;
            if (uint256(lg.topics[1]) != acct) continue;
            bytes32 t = lg.topics[0];
            if (t == Ev.PositionModified.selector) {
                (, , , , , , int256 quoteDelta, ) = abi.decode(
                    lg.data,
                    (int256, int256, uint256, uint256, int256, int256, int256, int256)
                );
                l.quoteDelta += quoteDelta;
            } else if (t == Ev.LiquidationFeePaid.selector) {
                (, l.fee, l.reward, l.toFund) = abi.decode(
                    lg.data,
                    (uint256, uint256, uint256, uint256)
                );
            } else if (t == Ev.BadDebtSettled.selector) {
                (l.deficit, l.covered, l.socialised) = abi.decode(
                    lg.data,
                    (uint256, uint256, uint256)
                );
                l.badDebt = true;
            } else if (t == Ev.ToppedUp.selector) {
                (l.toppedUp, l.topUpFee) = abi.decode(lg.data, (uint256, uint256));
            } else if (t == Ev.CollateralSoldToFund.selector) {
                (, uint256 repaid) = abi.decode(lg.data, (uint256, uint256));
                l.purchases += repaid;
            }
        }
    }

    /// @dev The waterfall: the pool's ledger moves only by the closed positions' PnL and the
    ///      socialised part; the fund gets the fee share and pays what it covers; when anything is
    ///      socialised the fund was emptied first; an account with nothing open is never left
    ///      with negative equity.
    function _checkLiquidation(
        uint256 acct,
        LiqSnap memory snap,
        uint256 reward,
        LiqLogs memory l
    ) private {
        if (engine.poolBalance() != snap.poolBalance - l.quoteDelta - int256(l.socialised))
            _fail("liquidate: pool ledger moved by more than PnL and socialised debt");
        uint256 fundNow = _fundHoldings();
        // INV-29: the fund also pays for the collateral it buys from a bankrupt account.
        if (fundNow + l.covered + l.purchases != snap.fund + l.toFund)
            _fail("liquidate: insurance fund moved by more than its fee share and cover");
        ghostFundPurchases += l.purchases;
        if (l.toppedUp != 0) {
            // INV-55: the reserve acted first; nothing was closed or charged.
            ghostTopUps++;
            if (l.fee != 0 || l.quoteDelta != 0 || engine.isLiquidatable(acct))
                _fail("liquidate (INV-55): a top-up closed positions or left it liquidatable");
            if (engine.getAccount(acct).quoteBalance != snap.quoteBalance + int256(l.toppedUp))
                _fail("liquidate (INV-55): account credited other than the top-up");
            if (usdc.balanceOf(keeper) != snap.keeper + l.topUpFee)
                _fail("liquidate (INV-56): keeper paid other than the top-up fee");
            return;
        }
        if (usdc.balanceOf(keeper) != snap.keeper + reward || reward != l.reward)
            _fail("liquidate: keeper reward mismatch");
        if (reward > 1_000e6) _fail("liquidate: keeper reward above maxKeeperReward");
        if (l.fee != l.reward + l.toFund) _fail("liquidate: fee split mismatch");
        AccountData memory a = engine.getAccount(acct);
        if (l.badDebt) {
            ghostBadDebtEvents++;
            ghostDeficit += l.deficit;
            ghostCovered += l.covered;
            ghostSocialised += l.socialised;
            if (l.deficit != l.covered + l.socialised)
                _fail("bad debt: deficit != covered + socialised");
            if (l.socialised > 0 && fundNow != 0)
                _fail("bad debt socialised before the fund was empty");
            if (a.quoteBalance != 0 || a.collateralMask != 0 || a.marketMask != 0)
                _fail("bad debt: account not cleared");
            int256 owed = snap.quoteBalance + l.quoteDelta - int256(l.fee) + int256(l.purchases);
            if (int256(l.deficit) != -owed)
                _fail("bad debt: deficit is not the account's remaining debt");
        } else if (
            a.quoteBalance != snap.quoteBalance + l.quoteDelta - int256(l.fee) + int256(l.purchases)
        ) {
            _fail("liquidate: account quote balance moved by more than PnL, fee and sales");
        }
        ghostFundTopUps += l.toFund;
        // INV-29: a closed-out account may keep negative equity only while unsold collateral
        // backs its debt (the fund could not buy it): never hidden bad debt.
        if (a.marketMask == 0 && a.collateralMask == 0 && _health(acct).equity < 0)
            _fail("liquidate: closed-out account left with negative equity (hidden bad debt)");
    }

    /// @dev A multicall deposit or withdrawal of `amount` of `token` (a withdrawal pays `owner`).
    function _tokenAction(
        ICrossmarginTrading.ActionKind kind,
        address token,
        uint256 amount,
        address owner
    ) private pure returns (ICrossmarginTrading.Action memory a) {
        a.kind = kind;
        a.token = token;
        a.amount = amount;
        if (kind == ICrossmarginTrading.ActionKind.Withdraw) a.recipient = owner;
    }
}
