// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {ICrossmargin} from "../../../contracts/interfaces/ICrossmargin.sol";
import {ICrossmarginErrors} from "../../../contracts/interfaces/ICrossmarginErrors.sol";

interface IMintable {
    function mint(address to, uint256 amount) external;
}

/// @notice Drives the vault with deposits, depositFor and withdrawals by four actors on two
///         sub-accounts each, over every token (quote, WETH, WBTC and a fee-on-transfer token).
///         Each call predicts its outcome (success or the exact custom error) and counts every
///         surprise, so the invariant test fails on an unexpected revert as well as on a broken
///         balance. Ghost variables record what entered and left the vault per token.
contract VaultHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant SUBS = 2;
    uint256 internal constant MAX_QUOTE = 1e15; // 1e9 USDC per call
    uint256 internal constant MAX_TOKEN = 1e30; // 1e12 WETH-sized units per call
    uint256 internal constant FOT_BPS = 100;

    ICrossmargin public immutable engine;
    address[4] internal tokenList; // quote first; index 3 is the fee-on-transfer token
    MockV3Aggregator[] internal feeds;
    address[4] internal actorList;

    mapping(address token => uint256) public ghostIn; // what arrived in the vault
    mapping(address token => uint256) public ghostOut; // what left the vault
    uint256 public surprises; // calls whose outcome differed from the prediction
    bytes4 public lastSurprise;
    mapping(bytes32 => uint256) public calls;

    constructor(ICrossmargin engine_, address[4] memory tokens_, MockV3Aggregator[] memory feeds_) {
        engine = engine_;
        tokenList = tokens_;
        feeds = feeds_;
        for (uint256 i; i < 4; ++i) {
            actorList[i] = address(uint160(uint256(keccak256(abi.encode("vault-actor", i)))));
        }
    }

    // ------------------------------------------------------------------ actions

    function deposit(
        uint256 actorSeed,
        uint256 tokenSeed,
        uint256 subSeed,
        uint256 amount
    ) external {
        address actor = actorList[actorSeed % 4];
        uint256 account = engine.accountId(actor, uint8(subSeed % SUBS));
        _deposit(actor, account, tokenSeed, amount, false);
    }

    function depositFor(
        uint256 payerSeed,
        uint256 targetSeed,
        uint256 tokenSeed,
        uint256 subSeed,
        uint256 amount
    ) external {
        address payer = actorList[payerSeed % 4];
        uint256 account = engine.accountId(actorList[targetSeed % 4], uint8(subSeed % SUBS));
        _deposit(payer, account, tokenSeed, amount, true);
    }

    /// @param mode 0: more than the balance; 1: zero; 2: the whole balance; else: a part of it.
    ///        Unless overdrawing, a token and sub-account the actor holds is preferred.
    function withdraw(
        uint256 actorSeed,
        uint256 tokenSeed,
        uint256 subSeed,
        uint256 amount,
        uint256 mode
    ) external {
        mode %= 8;
        address actor = actorList[actorSeed % 4];
        uint256 account = engine.accountId(actor, uint8(subSeed % SUBS));
        address token = tokenList[tokenSeed % 4];
        if (mode > 1) (account, token) = _held(actor, account, token, tokenSeed ^ subSeed);
        uint256 balance = _balanceOf(account, token);
        bytes memory expected;
        if (mode == 0) {
            amount = balance + bound(amount, 1, MAX_TOKEN);
            expected = abi.encodeWithSelector(
                ICrossmarginErrors.InsufficientBalance.selector,
                account,
                token,
                balance,
                amount
            );
        } else {
            amount =
                mode == 1
                    ? 0
                    : mode == 2
                        ? balance
                        : bound(amount, 0, balance);
            if (amount == 0)
                expected = abi.encodeWithSelector(ICrossmarginErrors.ZeroAmount.selector);
        }
        uint256 vaultBefore = IERC20(token).balanceOf(address(engine));
        vm.prank(actor);
        try engine.withdraw(account, token, amount, actor) {
            if (expected.length != 0) _surprise(bytes4(0xffffffff));
            ghostOut[token] += amount;
            if (vaultBefore - IERC20(token).balanceOf(address(engine)) != amount)
                _surprise(bytes4(0xeeeeeeee));
            if (_balanceOf(account, token) != balance - amount) _surprise(bytes4(0xdddddddd));
            calls["withdraw"]++;
        } catch (bytes memory err) {
            if (keccak256(err) != keccak256(expected)) _surprise(bytes4(err));
            calls[amount == 0 ? bytes32("withdraw:zero") : bytes32("withdraw:over")]++;
        }
    }

    /// @notice Lets time pass and refreshes every feed (same price), so withdrawals, which read
    ///         the prices of the account's collateral, never meet a stale answer.
    function warp(uint256 dt) external {
        skip(bound(dt, 0, 12 hours));
        for (uint256 i; i < feeds.length; ++i) feeds[i].updateAnswer(feeds[i].latestAnswer());
        calls["warp"]++;
    }

    // ------------------------------------------------------------------ views for the test

    function actors() external view returns (address[4] memory) {
        return actorList;
    }

    function tokens() external view returns (address[4] memory) {
        return tokenList;
    }

    function accounts() external view returns (uint256[] memory list) {
        list = new uint256[](4 * SUBS);
        for (uint256 i; i < 4; ++i) {
            for (uint256 s; s < SUBS; ++s)
                list[i * SUBS + s] = engine.accountId(actorList[i], uint8(s));
        }
    }

    // ------------------------------------------------------------------ internals

    function _deposit(
        address payer,
        uint256 account,
        uint256 tokenSeed,
        uint256 amount,
        bool forOther
    ) private {
        uint256 idx = tokenSeed % 4;
        address token = tokenList[idx];
        amount = bound(amount, 0, idx == 0 ? MAX_QUOTE : MAX_TOKEN);
        // fee-on-transfer: the fee is burnt from what is sent; the vault credits what arrives
        uint256 arrives = idx == 3 ? amount - (amount * FOT_BPS) / 10_000 : amount;
        if (amount > 0) IMintable(token).mint(payer, amount);
        vm.prank(payer);
        IERC20(token).approve(address(engine), amount);
        uint256 vaultBefore = IERC20(token).balanceOf(address(engine));
        uint256 balanceBefore = _balanceOf(account, token);
        (bool ok, uint256 received, bytes memory err) = _callDeposit(
            payer,
            account,
            token,
            amount,
            forOther
        );
        if (ok) {
            if (amount == 0 || received != arrives) _surprise(bytes4(0xcccccccc));
            uint256 vaultIn = IERC20(token).balanceOf(address(engine)) - vaultBefore;
            if (vaultIn != received) _surprise(bytes4(0xbbbbbbbb));
            if (_balanceOf(account, token) != balanceBefore + received)
                _surprise(bytes4(0xaaaaaaaa));
            ghostIn[token] += vaultIn;
            calls[forOther ? bytes32("depositFor") : bytes32("deposit")]++;
        } else if (
            forOther &&
            idx != 0 &&
            balanceBefore == 0 &&
            payer != engine.ownerOf(account) &&
            bytes4(err) == ICrossmarginErrors.Unauthorized.selector
        ) {
            // INV-24: only the owner or an operator adds a collateral type to an account.
            calls["depositFor:newToken"]++;
        } else {
            if (amount != 0 || bytes4(err) != ICrossmarginErrors.ZeroAmount.selector)
                _surprise(bytes4(err));
            calls["deposit:zero"]++;
        }
    }

    function _callDeposit(
        address payer,
        uint256 account,
        address token,
        uint256 amount,
        bool forOther
    ) private returns (bool, uint256, bytes memory) {
        vm.prank(payer);
        if (forOther) {
            try engine.depositFor(account, token, amount) returns (uint256 r) {
                return (true, r, "");
            } catch (bytes memory e) {
                return (false, 0, e);
            }
        }
        try engine.deposit(uint8(account & 0xff), token, amount) returns (uint256 r) {
            return (true, r, "");
        } catch (bytes memory e) {
            return (false, 0, e);
        }
    }

    /// @dev The given (account, token) if it has a balance, else the first of the actor's that
    ///      has one (searching from a seed-dependent start), else the given pair.
    function _held(
        address actor,
        uint256 account,
        address token,
        uint256 seed
    ) private view returns (uint256, address) {
        if (_balanceOf(account, token) > 0) return (account, token);
        for (uint256 k; k < 4 * SUBS; ++k) {
            uint256 j = ((seed % (4 * SUBS)) + k) % (4 * SUBS);
            uint256 a = engine.accountId(actor, uint8(j / 4));
            address t = tokenList[j % 4];
            if (_balanceOf(a, t) > 0) return (a, t);
        }
        return (account, token);
    }

    function _balanceOf(uint256 account, address token) private view returns (uint256) {
        if (token == tokenList[0]) {
            int256 q = engine.getAccount(account).quoteBalance;
            return q > 0 ? uint256(q) : 0;
        }
        return engine.collateralBalance(account, token);
    }

    function _surprise(bytes4 what) private {
        surprises++;
        lastSurprise = what;
    }
}
