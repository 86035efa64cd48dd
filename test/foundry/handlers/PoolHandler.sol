// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {EngineHandlerBase} from "./EngineHandlerBase.sol";

/// @notice LP actions of the engine handler (INV-47, INV-48): deposits in any pool state, ERC-7540
///         redeem requests, claims (redeem or withdraw; the handler warps to claimableAt when the
///         request is still pending), cancels and exit-parameter changes. Per-call checks:
///         - a claim pays at most the claimed shares' value at claim time, and at most what the
///           engine could pay out (traders first, INV-46);
///         - round trip: a claim paying more per share than the LP's last deposit cost per share
///           implies the pool's assets per share rose in between (ghost of that deposit's price).
abstract contract PoolHandler is EngineHandlerBase {
    uint256 private constant VIRTUAL = 1e6;

    /// @dev An LP's last deposit: assets paid, shares got, and the pool's price then as the
    ///      fraction (totalAssets + 1) / (totalSupply + VIRTUAL).
    struct DepositGhost {
        uint256 assets;
        uint256 shares;
        uint256 priceNum;
        uint256 priceDen;
    }

    /// @dev The state a claim is checked against, read just before it.
    struct ClaimSnap {
        uint256 held; // the request's shares
        uint256 ta;
        uint256 supply;
        uint256 liquid; // engine.poolWithdrawable()
        uint256 balance; // the LP's USDC
    }

    mapping(address lp => DepositGhost) internal lastDeposit;
    uint256 public ghostClaimed; // quote units paid to LPs by claims
    uint256 public ghostClaims;

    function lpAt(uint256 i) external view returns (address) {
        return lps[i];
    }

    function lpCount() external pure returns (uint256) {
        return N_LPS;
    }

    function lpDeposit(uint256 lpSeed, uint256 amountSeed) external action("lpDeposit") {
        address lp = lps[lpSeed % N_LPS];
        uint256 amount = _bound(amountSeed, 1e6, 1_000_000e6);
        _mintTo(usdc, lp, address(pool), amount);
        (bool priced, uint256 num, uint256 den) = _poolPrice();
        vm.prank(lp);
        try pool.deposit(amount, lp) returns (uint256 shares) {
            _ok("lpDeposit");
            // Rounding favours the pool: new shares are never worth more than what was paid.
            if (pool.convertToAssets(shares) > amount)
                _fail("lpDeposit: shares worth more than paid");
            if (priced) lastDeposit[lp] = DepositGhost(amount, shares, num, den);
        } catch (bytes memory err) {
            _reverted("lpDeposit", err);
        }
    }

    /// @notice An LP requests a fraction of its shares for itself (the seed LP at most 20 %
    ///         at a time, so the pool is drained only sometimes).
    function lpRequest(uint256 lpSeed, uint256 fractionSeed) external action("lpRequest") {
        address lp = lps[lpSeed % N_LPS];
        uint256 maxPct = lp == lps[0] ? 20 : 100;
        uint256 shares = (pool.balanceOf(lp) * _bound(fractionSeed, 1, maxPct)) / 100;
        if (shares == 0) return;
        uint256 supply = pool.totalSupply();
        (uint256 held, , ) = pool.redeemRequest(lp);
        vm.prank(lp);
        try pool.requestRedeem(shares, lp, lp) {
            _ok("lpRequest");
            (uint256 now_, uint256 claimableAt, ) = pool.redeemRequest(lp);
            if (now_ != held + shares) _fail("lpRequest: request != held + shares");
            if (claimableAt != block.timestamp + pool.redeemDelay())
                _fail("lpRequest: delay not restarted");
            if (pool.totalSupply() != supply) _fail("lpRequest: supply changed");
        } catch (bytes memory err) {
            _reverted("lpRequest", err);
        }
    }

    /// @notice Claims part of an LP's request by redeem or withdraw; warps to claimableAt
    ///         first if it is still pending; an expired request is cancelled instead.
    function lpClaim(
        uint256 lpSeed,
        uint256 fractionSeed,
        bool byWithdraw
    ) external action("lpClaim") {
        address lp = lps[lpSeed % N_LPS];
        (uint256 held, uint256 claimableAt, uint256 expiresAt) = pool.redeemRequest(lp);
        if (held == 0) return;
        if (block.timestamp >= expiresAt) return _cancel(lp);
        if (block.timestamp < claimableAt) {
            _warp(claimableAt - block.timestamp + (fractionSeed % 3600));
            if (block.timestamp >= expiresAt) return _cancel(lp);
        }
        _refreshFeeds();
        ClaimSnap memory c = ClaimSnap(
            held,
            pool.totalAssets(),
            pool.totalSupply(),
            engine.poolWithdrawable(),
            usdc.balanceOf(lp)
        );
        (bool ok, uint256 shares) = _claim(lp, _bound(fractionSeed, 1, 100), byWithdraw);
        if (!ok) return;
        _ok("lpClaim");
        uint256 got = usdc.balanceOf(lp) - c.balance;
        ghostClaimed += got;
        ghostClaims++;
        _checkClaim(lp, got, shares, c);
    }

    /// @dev redeem of pct % of maxRedeem, or withdraw of pct % of maxWithdraw; false if
    ///      nothing was claimed (zero amount or an expected revert).
    function _claim(
        address lp,
        uint256 pct,
        bool byWithdraw
    ) private returns (bool, uint256 shares) {
        if (byWithdraw) {
            uint256 assets = (pool.maxWithdraw(lp) * pct) / 100;
            if (assets == 0) return (false, 0);
            vm.prank(lp);
            try pool.withdraw(assets, lp, lp) returns (uint256 s) {
                return (true, s);
            } catch (bytes memory err) {
                _reverted("lpClaim", err);
                return (false, 0);
            }
        }
        shares = (pool.maxRedeem(lp) * pct) / 100;
        if (shares == 0) return (false, 0);
        vm.prank(lp);
        try pool.redeem(shares, lp, lp) {
            return (true, shares);
        } catch (bytes memory err) {
            _reverted("lpClaim", err);
            return (false, 0);
        }
    }

    /// @notice Cancels an LP's request (pending, claimable or expired).
    function lpCancel(uint256 lpSeed) external action("lpCancel") {
        address lp = lps[lpSeed % N_LPS];
        (uint256 held, , ) = pool.redeemRequest(lp);
        if (held == 0) return;
        _cancel(lp);
    }

    /// @notice The risk manager sets new exit parameters within their bounds (1 in 4 with a fee).
    function setRedeemParams(uint256 seed) external action("setRedeemParams") {
        uint32 delay = uint32(_bound(seed, 1 hours, 3 days));
        uint32 window = uint32(_bound(seed >> 32, 1 days, 30 days));
        uint64 fee = (seed >> 64) % 4 == 0 ? uint64(_bound(seed >> 72, 0, 1e16)) : 0;
        vm.prank(admin);
        pool.setRedeemParams(delay, window, fee);
        _ok("setRedeemParams");
    }

    function _cancel(address lp) private {
        (uint256 held, , ) = pool.redeemRequest(lp);
        uint256 before = pool.balanceOf(lp);
        vm.prank(lp);
        try pool.cancelRedeemRequest(lp) {
            _ok("lpCancel");
            if (pool.balanceOf(lp) != before + held) _fail("lpCancel: shares not returned");
        } catch (bytes memory err) {
            _reverted("lpCancel", err);
        }
    }

    function _checkClaim(address lp, uint256 got, uint256 shares, ClaimSnap memory c) private {
        if (shares > c.held) return _fail("lpClaim: more shares than requested");
        if (got > c.liquid) _fail("lpClaim: above the withdrawable cap");
        // At most the shares' value at claim time: got / shares <= (ta + 1) / (supply + V).
        if (got * (c.supply + VIRTUAL) > shares * (c.ta + 1)) _fail("lpClaim: paid above value");
        (uint256 left, , ) = pool.redeemRequest(lp);
        if (left != c.held - shares) _fail("lpClaim: request not reduced by the shares");
        // Round trip against the LP's last deposit.
        DepositGhost memory g = lastDeposit[lp];
        if (g.shares != 0 && got * g.shares > g.assets * shares) {
            // (ta + 1) / (supply + V) > priceNum / priceDen
            if ((c.ta + 1) * g.priceDen <= g.priceNum * (c.supply + VIRTUAL))
                _fail("round trip: paid more per share than deposited without a price rise");
        }
    }

    /// @dev The pool's live price (totalAssets + 1) / (totalSupply + V); unpriced -> false.
    function _poolPrice() private view returns (bool, uint256, uint256) {
        try engine.poolValue() returns (int256 v) {
            uint256 ta = v > 0 ? uint256(v) : 0;
            return (true, ta + 1, pool.totalSupply() + VIRTUAL);
        } catch {
            return (false, 0, 0);
        }
    }
}
