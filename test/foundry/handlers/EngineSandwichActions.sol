// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Health} from "../../../contracts/types/Types.sol";
import {EngineHandlerBase} from "./EngineHandlerBase.sol";

/// @notice INV-40 sandwich action of the engine handler: an attacker trades d1, another actor
///         trades in the same market, and the attacker unwinds d1 (on the same account or on
///         its second one) in the same block. The attacker's equity (both accounts) must not
///         grow, even before the fees it paid: it loses at least those fees.
abstract contract EngineSandwichActions is EngineHandlerBase {
    uint256 public ghostSandwiches; // sandwiches whose three trades all succeeded

    /// @notice One sandwich, all in the current block (forge: same block.number and timestamp; the
    ///         block-start skew is keyed by the timestamp).
    function sandwich(
        uint256 accSeed,
        uint256 marketSeed,
        uint256 sizeSeed,
        uint256 victimSeed
    ) external action("sandwich") {
        uint256 i = accSeed % N_ACCOUNTS;
        address owner = actors[i / N_SUBS];
        uint256 a1 = accounts[i];
        // The unwind: on the same account, or (half the time) on the owner's other account.
        uint256 a2 = (accSeed >> 8) % 2 == 0 ? a1 : accounts[i ^ 1];
        // The victim: an account of another actor.
        uint256 v =
            ((i / N_SUBS + 1 + ((victimSeed >> 8) % (N_ACTORS - 1))) % N_ACTORS) * N_SUBS +
                ((victimSeed >> 16) % N_SUBS);
        uint256 m = marketSeed % N_MARKETS;
        uint256 price = _price(m);
        int256 d1 = _fundedSize(price, sizeSeed, _available(a1));
        int256 d2 = _fundedSize(price, victimSeed, _available(accounts[v]));
        int256 before = _health(a1).equity + (a2 == a1 ? int256(0) : _health(a2).equity);

        (bool ok1, uint256 fee1) = _trade("sandwich", owner, a1, m, d1);
        if (!ok1) return;
        _trade("sandwich", actors[v / N_SUBS], accounts[v], m, d2);
        (bool ok2, uint256 fee2) = _trade("sandwich", owner, a2, m, -d1);
        // A lone first leg against the skew may fill better than the oracle price: only a
        // completed round trip is a sandwich.
        if (!ok2) return;
        ghostSandwiches++;

        int256 afterEq = _health(a1).equity + (a2 == a1 ? int256(0) : _health(a2).equity);
        // Equity before = after + (at least) fees + price impact; 2 wei of slack per account
        // for the floor of the open PnL in the two equity readings.
        if (afterEq + int256(fee1 + fee2) > before + 4) {
            _fail(
                string.concat(
                    "sandwich (INV-40): attacker gained, equity before ",
                    vm.toString(before),
                    " after ",
                    vm.toString(afterEq),
                    " fees ",
                    vm.toString(fee1 + fee2)
                )
            );
        }
    }

    /// @dev A long or short of a notional up to 3x the available margin (most trades fill).
    function _fundedSize(
        uint256 price,
        uint256 seed,
        int256 available
    ) private pure returns (int256) {
        uint256 cap = available > 1e18 ? uint256(available) * 3 : 3e18;
        int256 size = int256((_bound(seed, 1e18, cap) * 1e18) / price);
        if (size == 0) size = 1;
        return (seed >> 128) % 2 == 0 ? size : -size;
    }

    /// @dev A trade with a permissive bound; returns whether it filled and its fee (the engine's
    ///      quote in the same block is exactly the fill's fee).
    function _trade(
        bytes32 name,
        address owner,
        uint256 acct,
        uint256 m,
        int256 delta
    ) private returns (bool ok, uint256 fee) {
        try engine.quoteTrade(m, delta) returns (uint256, uint256 f) {
            fee = f;
        } catch {
            return (false, 0); // e.g. a stale feed: the trade would revert too
        }
        uint256 acceptable = delta > 0 ? type(uint256).max : 1;
        Health memory h = _health(acct);
        vm.prank(owner);
        try engine.modifyPosition(acct, m, delta, acceptable, block.timestamp) {
            _ok(name);
            ok = true;
        } catch (bytes memory err) {
            _reverted(name, err);
            _checkReduceRefusal(name, h, err);
            fee = 0;
        }
    }
}
