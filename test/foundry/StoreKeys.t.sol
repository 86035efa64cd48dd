// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {AccountIds} from "../../contracts/libraries/AccountIds.sol";
import {MarketMath} from "../../contracts/libraries/MarketMath.sol";
import {ICrossmarginErrors as E} from "../../contracts/interfaces/ICrossmarginErrors.sol";
import {Store} from "../../contracts/types/Store.sol";
import {MarketState, StoredMarket} from "../../contracts/types/Types.sol";

/// @dev Reverts of a library's internal function, as calls (forge's `expectRevert` needs one).
contract PositionKeyCaller {
    function key(uint256 account, uint256 marketId) external pure returns (uint256) {
        return AccountIds.positionKey(account, marketId);
    }
}

/// @notice INV-80: the storage keys that save a slot hash (docs/math.md, "Storage keys"): a market's state found from its
///         configuration's slot (`MarketMath.stateOf`), and a position's one-level key
///         (`AccountIds.positionKey`), one-to-one on every pair it accepts.
contract StoreKeysTest is Test {
    Store internal s;
    PositionKeyCaller internal caller = new PositionKeyCaller();

    function testFuzz_stateOfIsTheMarketsState(uint256 id) public view {
        StoredMarket storage cfg = s.markets[id].config;
        MarketState storage viaCfg = MarketMath.stateOf(cfg);
        MarketState storage direct = s.markets[id].state;
        uint256 a;
        uint256 b;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            a := viaCfg.slot
            b := direct.slot
        }
        assertEq(a, b);
    }

    function testFuzz_positionKeyIsOneToOne(
        uint256 accountA,
        uint256 idA,
        uint256 accountB,
        uint256 idB
    ) public pure {
        accountA = bound(accountA, 0, (1 << 168) - 1);
        accountB = bound(accountB, 0, (1 << 168) - 1);
        idA = bound(idA, 0, (1 << 88) - 1);
        idB = bound(idB, 0, (1 << 88) - 1);
        uint256 ka = AccountIds.positionKey(accountA, idA);
        uint256 kb = AccountIds.positionKey(accountB, idB);
        assertEq(ka == kb, accountA == accountB && idA == idB);
        assertEq(ka, (idA << 168) | accountA);
    }

    function testFuzz_positionKeyRefusesWhatItCannotKeep(uint256 account, uint256 id) public {
        vm.assume(account >> 168 != 0 || id >> 88 != 0);
        if (account >> 168 != 0)
            vm.expectRevert(abi.encodeWithSelector(E.InvalidAccount.selector, account));
        else vm.expectRevert(abi.encodeWithSelector(E.UnknownMarket.selector, id));
        caller.key(account, id);
    }

    function test_positionKeyAtTheBounds() public view {
        uint256 maxAccount = (1 << 168) - 1;
        uint256 maxId = (1 << 88) - 1;
        assertEq(caller.key(maxAccount, maxId), type(uint256).max);
        assertEq(caller.key(0, 0), 0);
    }
}
