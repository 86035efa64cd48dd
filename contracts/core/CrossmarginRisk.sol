// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ICrossmarginRisk} from "../interfaces/ICrossmarginRisk.sol";
import {WadMath} from "../libraries/WadMath.sol";
import {ConfigPage} from "../libraries/ConfigPage.sol";
import {MarginLogic} from "../libraries/MarginLogic.sol";
import {FundLogic} from "../libraries/FundLogic.sol";
import {TradeLogic} from "../libraries/TradeLogic.sol";
import {
    Health,
    MarginCheck,
    StoredMarket,
    MarketStatus,
    OffsetPair,
    Protection
} from "../types/Types.sol";
import {CrossmarginModule} from "./CrossmarginModule.sol";

/// @title CrossmarginRisk
/// @notice The engine's risk module (docs/math.md, "Risk model"): offset pairs, protection by a
///         reserve sub-account, previews and account-wide risk views.
/// @dev Runs only by delegatecall from the engine's fallback, on the engine's storage: it
///      inherits the same layout (`CrossmarginStorage`) and reverts `NotDelegated` when called
///      at its own address. It exists so that the engine stays under the contract size limit.
contract CrossmarginRisk is CrossmarginModule, ICrossmarginRisk {
    using SafeERC20 for IERC20;
    using WadMath for uint256;

    uint256 internal constant WAD = 1e18;
    uint256 public constant MAX_OFFSET_PAIRS = 32;
    uint256 internal constant MAX_OFFSET_RATE = 0.5e18;
    uint256 internal constant MIN_STRESS_MOVE = 0.005e18;
    uint256 internal constant MAX_TOP_UP_FEE = 10e18;
    uint256 internal constant MAX_PROTECTION_BUFFER = 1e18;
    uint256 internal constant MIN_PROTECTION_WINDOW = 1 minutes;
    uint256 internal constant MAX_PROTECTION_WINDOW = 7 days;

    modifier onlyEngine() {
        _checkDelegated();
        if (msg.sender != address(this)) revert OnlyEngine(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICrossmarginRisk
    function setOffsetPair(
        uint256 pairId,
        uint8 marketA,
        uint8 marketB,
        uint64 rate,
        uint64 stressMove
    ) external delegated onlyRole(RISK_MANAGER) {
        if (pairId == 0 || pairId > MAX_OFFSET_PAIRS)
            revert InvalidOffsetPair(pairId, marketA, marketB);
        OffsetPair storage pair = s.offsetPairs[pairId];
        // Release the markets the pair held, then bind the new ones (or none when removed).
        if (pair.rate != 0) {
            s.markets[pair.marketA].config.offsetPair = 0;
            s.markets[pair.marketB].config.offsetPair = 0;
        }
        if (rate == 0) {
            delete s.offsetPairs[pairId];
            emit OffsetPairSet(pairId, 0, 0, 0, 0);
            ConfigPage.publish(s);
            return;
        }
        if (marketA == marketB) revert InvalidOffsetPair(pairId, marketA, marketB);
        _bindMarket(marketA, pairId);
        _bindMarket(marketB, pairId);
        if (rate > MAX_OFFSET_RATE)
            revert ParameterOutOfBounds("offsetRate", rate, 0, MAX_OFFSET_RATE);
        if (stressMove < MIN_STRESS_MOVE || stressMove > WAD)
            revert ParameterOutOfBounds("stressMove", stressMove, MIN_STRESS_MOVE, WAD);
        s.offsetPairs[pairId] = OffsetPair(marketA, marketB, rate, stressMove);
        emit OffsetPairSet(pairId, marketA, marketB, rate, stressMove);
        ConfigPage.publish(s);
    }

    /// @inheritdoc ICrossmarginRisk
    function setTopUpFee(uint256 feeUsd) external delegated onlyRole(RISK_MANAGER) {
        if (feeUsd > MAX_TOP_UP_FEE)
            revert ParameterOutOfBounds("topUpFee", feeUsd, 0, MAX_TOP_UP_FEE);
        s.topUpFee = feeUsd;
        emit TopUpFeeSet(feeUsd);
    }

    // ---------------------------------------------------------------- protection

    /// @inheritdoc ICrossmarginRisk
    function setProtection(
        uint256 account,
        uint8 reserveSub,
        uint64 buffer,
        uint96 maxPerWindow,
        uint32 window
    ) external delegated nonReentrant {
        _authorize(account);
        if (maxPerWindow == 0) {
            // Detaching needs only the account; the event names the reserve that was attached.
            uint256 old = _reserveOf(account, s.protections[account].reserveSub);
            delete s.protections[account];
            s.liquidations[account].protection = false;
            emit ProtectionSet(account, old, 0, 0, 0);
            return;
        }
        uint256 reserve = _reserveOf(account, reserveSub);
        if (reserve == account) revert InvalidReserve(account, reserveSub);
        _authorize(reserve);
        if (buffer > MAX_PROTECTION_BUFFER)
            revert ParameterOutOfBounds("protectionBuffer", buffer, 0, MAX_PROTECTION_BUFFER);
        if (window < MIN_PROTECTION_WINDOW || window > MAX_PROTECTION_WINDOW) {
            revert ParameterOutOfBounds(
                "protectionWindow",
                window,
                MIN_PROTECTION_WINDOW,
                MAX_PROTECTION_WINDOW
            );
        }
        Protection storage p = s.protections[account];
        p.enabled = true;
        p.reserveSub = reserveSub;
        p.buffer = buffer;
        p.maxPerWindow = maxPerWindow;
        p.window = window;
        s.liquidations[account].protection = true;
        emit ProtectionSet(account, reserve, buffer, maxPerWindow, window);
    }

    /// @inheritdoc ICrossmarginRisk
    function topUp(
        uint256 account
    ) external delegated nonReentrant returns (uint256 amount, uint256 fee) {
        return _topUp(account, msg.sender);
    }

    /// @inheritdoc ICrossmarginRisk
    function protect(
        uint256 account,
        address keeper
    ) external onlyEngine returns (uint256 amount, uint256 fee) {
        return _topUp(account, keeper);
    }

    /// @inheritdoc ICrossmarginRisk
    function sweepInsuranceFund() external delegated nonReentrant returns (uint256 amount) {
        return FundLogic.sweepAll(s, IERC20(s.quoteToken));
    }

    // ---------------------------------------------------------------- previews

    /// @inheritdoc ICrossmarginRisk
    function previewTrade(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta
    ) external delegated returns (Preview memory) {
        return
            _preview(
                abi.encodeCall(
                    ICrossmarginRisk.simulateTrade,
                    (account, marketId, sizeDelta, true)
                ),
                abi.encodeCall(
                    ICrossmarginRisk.simulateTrade,
                    (account, marketId, sizeDelta, false)
                )
            );
    }

    /// @inheritdoc ICrossmarginRisk
    function previewWithdraw(
        uint256 account,
        address token,
        uint256 amount
    ) external delegated returns (Preview memory) {
        return
            _preview(
                abi.encodeCall(ICrossmarginRisk.simulateWithdraw, (account, token, amount, true)),
                abi.encodeCall(ICrossmarginRisk.simulateWithdraw, (account, token, amount, false))
            );
    }

    /// @inheritdoc ICrossmarginRisk
    function simulateTrade(
        uint256 account,
        uint256 marketId,
        int256 sizeDelta,
        bool check
    ) external onlyEngine {
        MarginCheck memory p = MarginCheck(false, 0, 0, 0, TradeLogic.NO_HINT, 0);
        // No slippage bound.
        TradeLogic.TradeResult memory r = TradeLogic.userTrade(
            s,
            account,
            marketId,
            sizeDelta,
            0,
            false,
            p
        );
        _finish(account, p, check, r.fill, r.fee);
    }

    /// @inheritdoc ICrossmarginRisk
    function simulateWithdraw(
        uint256 account,
        address token,
        uint256 amount,
        bool check
    ) external onlyEngine {
        MarginLogic.debit(s, account, token, amount, token == s.quoteToken);
        MarginCheck memory p = MarginLogic.increasing(TradeLogic.NO_HINT, 0);
        _finish(account, p, check, 0, 0);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICrossmarginRisk
    function accountRisk(uint256 account) external view delegated returns (AccountRisk memory r) {
        Health memory h = MarginLogic.health(s, account, TradeLogic.NO_HINT, 0, false);
        r.equity = h.equity;
        r.im = h.im;
        r.mm = h.mm;
        r.buffer = h.equity - int256(h.mm);
        if (r.buffer > 0) r.bufferRatio = uint256(r.buffer).divDown(uint256(h.equity));
        r.marginUtilisation = h.equity <= 0 ? type(uint256).max : h.im.divUp(uint256(h.equity));
        r.shockToLiquidation = _shockToLiquidation(account, h);
    }

    /// @inheritdoc ICrossmarginRisk
    function shockToLiquidation(uint256 account) external view delegated returns (uint256) {
        return
            _shockToLiquidation(
                account,
                MarginLogic.health(s, account, TradeLogic.NO_HINT, 0, false)
            );
    }

    /// @inheritdoc ICrossmarginRisk
    function shockedHealth(
        uint256 account,
        uint256 shock
    ) external view delegated returns (Health memory) {
        if (shock > WAD) revert ParameterOutOfBounds("shock", shock, 0, WAD);
        return MarginLogic.shockedHealth(s, account, shock);
    }

    /// @inheritdoc ICrossmarginRisk
    function getOffsetPair(uint256 pairId) external view delegated returns (OffsetPair memory) {
        return s.offsetPairs[pairId];
    }

    /// @inheritdoc ICrossmarginRisk
    function getProtection(uint256 account) external view delegated returns (Protection memory) {
        return s.protections[account];
    }

    /// @inheritdoc ICrossmarginRisk
    function topUpFee() external view delegated returns (uint256) {
        return s.topUpFee;
    }

    /// @inheritdoc ICrossmarginRisk
    function insuranceAccrued() external view delegated returns (uint256) {
        return s.insuranceAccrued;
    }

    // ---------------------------------------------------------------- internals

    function _bindMarket(uint256 marketId, uint256 pairId) private {
        StoredMarket storage m = s.markets[marketId].config;
        if (m.status == MarketStatus.None) revert UnknownMarket(marketId);
        uint256 current = m.offsetPair;
        if (current != 0 && current != pairId) revert MarketInOtherPair(marketId, current);
        m.offsetPair = uint8(pairId);
    }

    /// @dev docs/math.md, "Protection by a reserve sub-account".
    function _topUp(uint256 account, address caller) private returns (uint256 amount, uint256 fee) {
        Protection storage p = s.protections[account];
        if (!p.enabled) revert NoProtection(account);
        uint256 reserve = _reserveOf(account, p.reserveSub);
        bool newWindow = block.timestamp >= uint256(p.windowStart) + p.window;
        uint256 used = newWindow ? 0 : p.usedInWindow;
        (amount, fee) = _plan(account, reserve, p, used);
        MarginLogic.addQuote(s, s.accounts[reserve], -int256(amount + fee));
        MarginLogic.addQuote(s, s.accounts[account], int256(amount));
        if (newWindow) p.windowStart = uint40(block.timestamp);
        p.usedInWindow = uint96(used + amount);
        emit ToppedUp(account, reserve, caller, amount, fee);
        if (fee != 0) IERC20(s.quoteToken).safeTransfer(caller, fee);
    }

    /// @dev The top-up's amount and fee (quote units), or the reason there is none.
    function _plan(
        uint256 account,
        uint256 reserve,
        Protection storage p,
        uint256 used
    ) private view returns (uint256 amount, uint256 fee) {
        Health memory h = MarginLogic.liquidationHealth(s, account);
        if (h.equity >= int256(h.mm)) revert NotLiquidatable(account, h.equity, h.mm);
        uint256 need = MarginLogic.usdToQuoteUp(
            s,
            uint256(int256(h.mm.mulUp(WAD + p.buffer)) - h.equity)
        );
        uint256 left = p.maxPerWindow > used ? p.maxPerWindow - used : 0;
        uint256 free = _free(reserve);
        fee = MarginLogic.usdToQuoteUp(s, s.topUpFee);
        if (free <= fee) revert TopUpUnavailable(account, reserve, free, fee);
        amount = WadMath.min(WadMath.min(need, left), free - fee);
        if (amount == 0) revert TopUpUnavailable(account, reserve, free, fee);
        if (h.equity + int256(amount * s.quoteScale) < int256(h.mm))
            revert TopUpInsufficient(account, amount, need);
    }

    /// @dev What the reserve can give and stay at or above its IM (fresh feeds; quote units).
    function _free(uint256 reserve) private view returns (uint256) {
        int256 quote = s.accounts[reserve].quoteBalance;
        if (quote <= 0) return 0;
        Health memory r = MarginLogic.health(s, reserve, TradeLogic.NO_HINT, 0, false);
        if (r.equity <= int256(r.im)) return 0;
        return WadMath.min(uint256(quote), uint256(r.equity - int256(r.im)) / s.quoteScale);
    }

    /// @dev Runs the checked simulation; on failure, the unchecked one for the state after.
    function _preview(
        bytes memory checked,
        bytes memory unverified
    ) private returns (Preview memory p) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory data) = address(this).call(checked);
        // The simulation always reverts; `ok` cannot be true.
        assert(!ok);
        if (_isSimulated(data)) {
            p.ok = true;
            _decode(p, data);
            return p;
        }
        p.error = data;
        // solhint-disable-next-line avoid-low-level-calls
        (, bytes memory state) = address(this).call(unverified);
        if (_isSimulated(state)) _decode(p, state);
    }

    /// @dev The end of a simulation: the margin check (when asked) and the state, reverted.
    function _finish(
        uint256 account,
        MarginCheck memory p,
        bool check,
        uint256 fill,
        uint256 fee
    ) private view {
        if (check) {
            MarginLogic.checkAccount(s, account, p);
        }
        Health memory h = MarginLogic.health(
            s,
            account,
            p.hintMarket,
            p.hintPrice,
            !p.riskIncreased
        );
        revert Simulated(abi.encode(fill, fee, h));
    }

    function _isSimulated(bytes memory data) private pure returns (bool) {
        return data.length > 4 && bytes4(data) == Simulated.selector;
    }

    function _decode(Preview memory p, bytes memory data) private pure {
        bytes memory inner;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Skip the selector: the rest is the ABI encoding of `(bytes)`.
            let len := mload(data)
            inner := add(data, 4)
            mstore(inner, sub(len, 4))
        }
        bytes memory result = abi.decode(inner, (bytes));
        Health memory h;
        (p.fillPrice, p.fee, h) = abi.decode(result, (uint256, uint256, Health));
        p.equity = h.equity;
        p.im = h.im;
        p.mm = h.mm;
        p.liquidatable = h.equity < int256(h.mm);
    }

    function _shockToLiquidation(uint256 account, Health memory h) private view returns (uint256) {
        if (h.equity < int256(h.mm)) return 0;
        Health memory top = MarginLogic.shockedHealth(s, account, WAD);
        if (top.equity >= int256(top.mm)) return type(uint256).max;
        return _shockSearch(account, h.equity - int256(h.mm), top.equity - int256(top.mm));
    }

    /// @dev The safeguarded interpolation search of docs/math.md ("Risk views"): keeps
    ///      `gap(lo) >= 0 > gap(hi)` (`gap = equity - MM` at a shock) and returns `hi` once
    ///      `hi - lo == 1`. A round evaluates the interpolated `x`, then its neighbour across the
    ///      bracket; one that does not halve the bracket makes the next a bisection. A handful of
    ///      health evaluations instead of the 60 a bisection to 1e-18 takes.
    function _shockSearch(
        uint256 account,
        int256 gapLo,
        int256 gapHi
    ) private view returns (uint256 hi) {
        uint256 lo;
        hi = WAD;
        bool bisect;
        while (hi - lo > 1) {
            uint256 width = hi - lo;
            uint256 x;
            if (bisect) {
                x = lo + width / 2;
            } else {
                x =
                    lo +
                    Math.mulDiv(width, uint256(gapLo), uint256(gapLo - gapHi), Math.Rounding.Ceil);
                if (x <= lo) x = lo + 1;
                if (x >= hi) x = hi - 1;
            }
            (lo, hi, gapLo, gapHi) = _visit(account, x, lo, hi, gapLo, gapHi);
            if (!bisect) {
                if (hi == x && x - 1 > lo) {
                    (lo, hi, gapLo, gapHi) = _visit(account, x - 1, lo, hi, gapLo, gapHi);
                } else if (lo == x && x + 1 < hi) {
                    (lo, hi, gapLo, gapHi) = _visit(account, x + 1, lo, hi, gapLo, gapHi);
                }
            }
            bisect = (hi - lo) * 2 > width;
        }
    }

    /// @dev Evaluates the gap at shock `x` and moves the bracket's matching end there.
    function _visit(
        uint256 account,
        uint256 x,
        uint256 lo,
        uint256 hi,
        int256 gapLo,
        int256 gapHi
    ) private view returns (uint256, uint256, int256, int256) {
        Health memory m = MarginLogic.shockedHealth(s, account, x);
        int256 gap = m.equity - int256(m.mm);
        if (gap < 0) return (lo, x, gapLo, gap);
        return (x, hi, gap, gapHi);
    }

    /// @dev The reserve sub-account of `account`'s owner (the owner validated).
    function _reserveOf(uint256 account, uint8 reserveSub) private pure returns (uint256) {
        _ownerOf(account);
        return (account & ~uint256(0xff)) | reserveSub;
    }
}
