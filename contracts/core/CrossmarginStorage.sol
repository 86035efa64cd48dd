// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossmarginErrors} from "../interfaces/ICrossmarginErrors.sol";
import {ICrossmarginEvents} from "../interfaces/ICrossmarginEvents.sol";
import {Store} from "../types/Store.sol";

/// @title CrossmarginStorage
/// @notice The engine's storage layout and roles, shared by the engine and its risk module
///         (`CrossmarginRisk`, which runs by delegatecall): AccessControl's role mapping in slot
///         0, then `Store`. Both inherit it first, so the layout is the same by construction.
abstract contract CrossmarginStorage is
    AccessControl,
    ReentrancyGuardTransient,
    ICrossmarginErrors,
    ICrossmarginEvents
{
    bytes32 public constant RISK_MANAGER_ROLE = keccak256("RISK_MANAGER_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    Store internal s;
}
