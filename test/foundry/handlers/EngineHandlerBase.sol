// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {ICrossmargin} from "../../../contracts/interfaces/ICrossmargin.sol";
import {ICrossmarginErrors as E} from "../../../contracts/interfaces/ICrossmarginErrors.sol";
import {LiquidityPool} from "../../../contracts/pool/LiquidityPool.sol";
import {InsuranceFund} from "../../../contracts/pool/InsuranceFund.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {Health} from "../../../contracts/types/Types.sol";
import {Deployment} from "../utils/EngineSetup.sol";

/// @notice State, ghost variables and helpers shared by the engine handler's actions.
/// @dev Handler-level checks cannot revert (a reverting handler call is ignored with
///      fail_on_revert = false), so each failed check is recorded in `violations` /
///      `firstViolation` and asserted by the invariant test after every call.
abstract contract EngineHandlerBase is CommonBase, StdCheats, StdUtils {
    uint256 internal constant N_ACTORS = 3;
    uint256 internal constant N_SUBS = 2;
    uint256 internal constant N_ACCOUNTS = N_ACTORS * N_SUBS;
    uint256 internal constant N_MARKETS = 3;
    uint256 internal constant N_FEEDS = 5; // markets 0..2, WETH, WBTC
    uint256 internal constant N_LPS = 3; // the seed LP and two more
    int256 internal constant FEED_SCALE = 1e10; // 8-decimal answers -> WAD

    ICrossmargin public immutable engine;
    LiquidityPool public immutable pool;
    InsuranceFund public immutable fund;
    MockERC20 public immutable usdc;
    MockERC20 public immutable weth;
    MockERC20 public immutable wbtc;
    address public immutable admin;
    address public immutable keeper;

    MockV3Aggregator[N_FEEDS] internal feeds;
    int256[N_FEEDS] public answers;
    int256[N_FEEDS] internal initialAnswers;
    address[N_ACTORS] internal actors;
    uint256[N_ACCOUNTS] public accounts;
    address[N_LPS] internal lps;

    /// @dev Ghost clock: every action warps here first, so time only moves in time actions.
    uint256 public clock;

    // ------------------------------------------------------------------ ghosts

    uint256 public violations;
    string public firstViolation;
    uint256 public unexpectedReverts;

    bytes32[] internal actionNames;
    mapping(bytes32 action => uint256) public calls;
    mapping(bytes32 action => uint256) public successes;
    bytes4[] internal revertSelectors;
    mapping(bytes4 selector => uint256) public revertCount;

    uint256 public ghostLiquidations; // successful liquidate calls
    uint256 public ghostBadDebtEvents;
    uint256 public ghostDeficit; // quote units
    uint256 public ghostCovered;
    uint256 public ghostSocialised;
    uint256 public ghostFundTopUps; // liquidation fees the fund received
    uint256 public ghostFundPurchases; // quote the fund paid for collateral (INV-29)
    uint256 public ghostCollateralLiquidations;
    uint256 public ghostOrdersFilled;

    constructor(Deployment memory dep) {
        engine = dep.engine;
        pool = dep.pool;
        fund = dep.fund;
        usdc = dep.usdc;
        weth = dep.weth;
        wbtc = dep.wbtc;
        admin = dep.admin;
        keeper = makeAddr("keeper");
        for (uint256 i; i < N_MARKETS; ++i) feeds[i] = dep.marketFeeds[i];
        feeds[3] = dep.wethFeed;
        feeds[4] = dep.wbtcFeed;
        for (uint256 i; i < N_FEEDS; ++i) {
            answers[i] = feeds[i].latestAnswer();
            initialAnswers[i] = answers[i];
        }
        for (uint256 i; i < N_ACTORS; ++i) {
            actors[i] = makeAddr(string.concat("actor", vm.toString(i)));
            for (uint256 j; j < N_SUBS; ++j)
                accounts[i * N_SUBS + j] = engine.accountId(actors[i], uint8(j));
        }
        lps[0] = dep.seedLp;
        for (uint256 i = 1; i < N_LPS; ++i) lps[i] = makeAddr(string.concat("lp", vm.toString(i)));
        clock = block.timestamp;
    }

    // ------------------------------------------------------------------ views for the test

    function accountCount() external pure returns (uint256) {
        return N_ACCOUNTS;
    }

    function actionCount() external view returns (uint256) {
        return actionNames.length;
    }

    function actionName(uint256 i) external view returns (bytes32) {
        return actionNames[i];
    }

    function revertSelectorCount() external view returns (uint256) {
        return revertSelectors.length;
    }

    function revertSelector(uint256 i) external view returns (bytes4) {
        return revertSelectors[i];
    }

    // ------------------------------------------------------------------ bookkeeping

    /// @dev Warps to the ghost clock and counts the call.
    modifier action(bytes32 name) {
        vm.warp(clock);
        if (calls[name] == 0) actionNames.push(name);
        calls[name]++;
        _;
    }

    function _ok(bytes32 name) internal {
        successes[name]++;
    }

    function _fail(string memory why) internal {
        violations++;
        if (bytes(firstViolation).length == 0) firstViolation = why;
    }

    /// @dev Counts an expected revert; records anything that is not a business-rule error.
    function _reverted(bytes32 name, bytes memory err) internal {
        bytes4 sel = err.length >= 4 ? bytes4(err) : bytes4(0);
        if (revertCount[sel] == 0) revertSelectors.push(sel);
        revertCount[sel]++;
        if (!_benign(sel)) {
            unexpectedReverts++;
            _fail(string.concat("unexpected revert in ", _str(name), ": ", vm.toString(err)));
        }
    }

    /// @dev Errors a correct engine may raise for random input. Panics, ERC-20 balance errors,
    ///      SafeCast overflows, oracle errors and empty reverts are not in the list.
    function _benign(bytes4 sel) internal pure returns (bool) {
        return
            sel == E.InsufficientMargin.selector ||
            sel == E.WouldBecomeLiquidatable.selector ||
            sel == E.SlippageExceeded.selector ||
            sel == E.OpenInterestCapExceeded.selector ||
            sel == E.NetExposureExceeded.selector || // INV-45
            sel == E.MarketPaused.selector ||
            sel == E.MarketReduceOnly.selector ||
            sel == E.ProtocolPaused.selector ||
            sel == E.ZeroSizeDelta.selector ||
            sel == E.ZeroAmount.selector ||
            sel == E.InsufficientBalance.selector ||
            sel == E.DebtOutstanding.selector ||
            sel == E.DepositCapExceeded.selector ||
            sel == E.NotLiquidatable.selector ||
            sel == E.NoDebt.selector ||
            sel == E.NothingToSeize.selector ||
            sel == E.OrderExists.selector ||
            sel == E.NoOrder.selector ||
            sel == E.OrderNotExpired.selector ||
            sel == E.SettlementPriceExists.selector ||
            sel == E.InvalidOrderDeadline.selector ||
            sel == E.InsufficientPoolLiquidity.selector ||
            sel == E.AdlNotNeeded.selector || // INV-49 to INV-51
            sel == E.AdlNotOnSkewSide.selector ||
            sel == E.AdlNotInProfit.selector ||
            sel == E.AdlAccountLiquidatable.selector ||
            sel == E.MarketSettled.selector ||
            sel == LiquidityPool.PoolUnderwater.selector || // INV-41
            sel == LiquidityPool.SharePriceBelowFloor.selector ||
            sel == ERC4626.ERC4626ExceededMaxRedeem.selector;
    }

    // ------------------------------------------------------------------ helpers

    function _account(uint256 seed) internal view returns (uint256 account, address owner) {
        uint256 i = seed % N_ACCOUNTS;
        return (accounts[i], actors[i / N_SUBS]);
    }

    function _token(uint256 seed) internal view returns (MockERC20) {
        uint256 i = seed % 3;
        return
            i == 0
                ? usdc
                : i == 1
                    ? weth
                    : wbtc;
    }

    function _collateralToken(uint256 seed) internal view returns (MockERC20) {
        return seed % 2 == 0 ? weth : wbtc;
    }

    function _price(uint256 feed) internal view returns (uint256) {
        return uint256(answers[feed] * FEED_SCALE);
    }

    /// @dev Publishes the current answer of every feed at the current time (keeps all fresh).
    function _refreshFeeds() internal {
        for (uint256 i; i < N_FEEDS; ++i) feeds[i].updateAnswer(answers[i]);
    }

    /// @dev Moves one feed by `bps` (may be negative), kept within 1/10x..10x of its start.
    function _move(uint256 i, int256 bps) internal {
        int256 a = (answers[i] * (10_000 + bps)) / 10_000;
        int256 lo = initialAnswers[i] / 10;
        int256 hi = initialAnswers[i] * 10;
        answers[i] =
            a < lo
                ? lo
                : a > hi
                    ? hi
                    : a;
    }

    function _warp(uint256 dt) internal {
        clock += dt;
        vm.warp(clock);
        vm.roll(block.number + 1);
    }

    function _mintTo(MockERC20 token, address to, address spender, uint256 amount) internal {
        token.mint(to, amount);
        vm.prank(to);
        token.approve(spender, type(uint256).max);
    }

    function _health(uint256 account) internal view returns (Health memory) {
        return engine.accountHealth(account);
    }

    function _healthy(Health memory h) internal pure returns (bool) {
        return h.equity >= int256(h.mm);
    }

    /// @notice True when a trade of `delta` only shrinks `size` (TradeLogic.isReducing).
    function _isReducing(int256 size, int256 delta) internal pure returns (bool) {
        return size != 0 && (size > 0) != (delta > 0) && _abs(delta) <= _abs(size);
    }

    /// @dev The margin rule (DESIGN "What must always hold" 2) for a successful user action.
    function _checkMarginRule(
        bytes32 name,
        uint256 account,
        Health memory before,
        bool increased
    ) internal {
        Health memory h = _health(account);
        if (increased && h.equity < int256(h.im)) {
            _fail(
                string.concat(
                    _str(name),
                    ": risk-increasing action left account below IM, equity ",
                    vm.toString(h.equity),
                    " im ",
                    vm.toString(h.im)
                )
            );
        } else if (!increased && _healthy(before) && !_healthy(h)) {
            _fail(
                string.concat(
                    _str(name),
                    ": risk-reducing action made a healthy account liquidatable, before ",
                    vm.toString(before.equity),
                    "/",
                    vm.toString(before.mm),
                    " after ",
                    vm.toString(h.equity),
                    "/",
                    vm.toString(h.mm)
                )
            );
        }
    }

    /// @dev A reduce-only action of an account that was already liquidatable must not be
    ///      refused as "would become liquidatable" (DESIGN: reducing is always allowed unless it
    ///      makes a healthy account liquidatable).
    function _checkReduceRefusal(bytes32 name, Health memory before, bytes memory err) internal {
        if (
            err.length >= 4 &&
            bytes4(err) == E.WouldBecomeLiquidatable.selector &&
            !_healthy(before)
        ) {
            _fail(
                string.concat(
                    _str(name),
                    ": reduce-only action of a liquidatable account refused, before ",
                    vm.toString(before.equity),
                    "/",
                    vm.toString(before.mm)
                )
            );
        }
    }

    /// @dev A size delta for `size` by mode: 0 open/increase, 1 reduce, 2 flip, 3 close. New
    ///      exposure is half the time a random notional, half the time a multiple (5-45x) of
    ///      the account's available margin, so trades land on both sides of the IM boundary.
    function _sizeDelta(
        int256 size,
        uint256 price,
        uint256 seed,
        uint256 mode,
        int256 available
    ) internal pure returns (int256 delta) {
        uint256 notional =
            (seed >> 192) % 2 == 0 && available > 0
                ? uint256(available) * _bound(seed, 5, 45)
                : _bound(seed, 20e18, 250_000e18);
        int256 fresh = int256((notional * 1e18) / price);
        if (fresh == 0) fresh = 1;
        if (size == 0 || mode == 0) {
            bool long = size == 0 ? (seed >> 128) % 2 == 0 : ((seed >> 128) % 4 != 0) == (size > 0);
            return long ? fresh : -fresh;
        }
        if (mode == 1) {
            delta = -(size * int256(_bound(seed >> 64, 1, 99))) / 100;
            return delta == 0 ? -size : delta;
        }
        if (mode == 2) return size > 0 ? -size - fresh : -size + fresh;
        return -size;
    }

    /// @dev Equity minus initial margin (USD WAD).
    function _available(uint256 account) internal view returns (int256) {
        Health memory h = _health(account);
        return h.equity - int256(h.im);
    }

    /// @dev A permissive acceptable price, or (1 in 8) the oracle price itself, which price
    ///      impact usually breaches.
    function _acceptable(
        int256 delta,
        uint256 price,
        uint256 seed
    ) internal pure returns (uint256) {
        if (seed % 8 == 0) return price;
        return delta > 0 ? price * 10 : 1; // INV-40: a bound is required
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    function _str(bytes32 name) internal pure returns (string memory) {
        uint256 n;
        while (n < 32 && name[n] != 0) n++;
        bytes memory b = new bytes(n);
        for (uint256 i; i < n; ++i) b[i] = name[i];
        return string(b);
    }
}
