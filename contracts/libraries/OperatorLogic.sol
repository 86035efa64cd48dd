// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ICrossmarginErrors as E} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents as Ev} from "../interfaces/ICrossmarginEvents.sol";
import {Store} from "../types/Store.sol";
import {AccountIds} from "./AccountIds.sol";

/// @title OperatorLogic
/// @notice Operators of an account: the only writer of `s.operators` and of the EIP-712 nonces
///         (docs/integration.md, "Signing"). A linked library, so that the signature code (ECDSA
///         and ERC-1271) does not take room in the engine.
library OperatorLogic {
    /// @dev The EIP-712 type `setOperatorWithSig` verifies.
    bytes32 internal constant SET_OPERATOR_TYPEHASH = keccak256(
        "SetOperator(uint256 account,address operator,bool approved,uint256 nonce,uint256 deadline)"
    );

    /// @notice Sets an operator with the owner's EIP-712 signature over `SetOperator` (domain
    ///         `domainSeparator`) and the account's current nonce, which it consumes.
    function setWithSig(
        Store storage s,
        bytes32 domainSeparator,
        uint256 account,
        address operator,
        bool approved,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert E.SignatureExpired(deadline);
        address owner = AccountIds.ownerOf(account);
        uint256 expected = s.operatorNonces[account];
        if (nonce != expected) revert E.InvalidNonce(account, expected, nonce);
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator,
            keccak256(
                abi.encode(SET_OPERATOR_TYPEHASH, account, operator, approved, nonce, deadline)
            )
        );
        // ERC-1271 is a staticcall: the nonce may be written after it.
        if (!SignatureChecker.isValidSignatureNow(owner, digest, signature))
            revert E.InvalidSignature();
        s.operatorNonces[account] = expected + 1;
        set(s, account, operator, approved);
    }

    /// @notice Approves or revokes `operator` for `account` (the caller checked who may).
    function set(Store storage s, uint256 account, address operator, bool approved) internal {
        if (operator == address(0)) revert E.ZeroAddress();
        s.operators[account][operator] = approved;
        emit Ev.OperatorSet(account, operator, approved);
    }
}
