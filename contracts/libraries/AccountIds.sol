// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";

/// @title AccountIds
/// @notice The one home of the account rule: an account id is `uint256(owner) << 8 | subAccount`
///         (sub-accounts 0..255), for the engine, its modules and its libraries alike.
library AccountIds {
    /// @notice The id of `owner`'s sub-account `subAccount`.
    function id(address owner, uint8 subAccount) internal pure returns (uint256) {
        return (uint256(uint160(owner)) << 8) | subAccount;
    }

    /// @notice The key of `account`'s position in market `marketId` in `Store.positions`:
    ///         `marketId << 168 | account`, so finding a position costs one slot hash, not
    ///         two. One-to-one on account ids below 2^168 (every id `id` makes) and market ids
    ///         below 2^88 (listing stops at 64); any other pair reverts, so no two positions
    ///         share a slot.
    function positionKey(uint256 account, uint256 marketId) internal pure returns (uint256) {
        if (account >> 168 != 0) revert E.InvalidAccount(account);
        if (marketId >> 88 != 0) revert E.UnknownMarket(marketId);
        return (marketId << 168) | account;
    }

    /// @notice The owner an account id encodes; reverts `InvalidAccount` for an id above 168
    ///         bits or with a zero owner.
    function ownerOf(uint256 account) internal pure returns (address owner) {
        owner = address(uint160(account >> 8));
        if (account >> 168 != 0 || owner == address(0)) revert E.InvalidAccount(account);
    }
}
