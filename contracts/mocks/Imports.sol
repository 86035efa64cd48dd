// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

// solhint-disable no-unused-import
// Makes Hardhat compile these so deploy scripts and tests get artifacts and typings.
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
