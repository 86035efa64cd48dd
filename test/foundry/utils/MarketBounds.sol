// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

// A market's parameter bounds as the setters enforce them (AdminLogic, ICrossmarginAdmin), for
// the forge tests that draw parameters within them.
uint256 constant WAD = 1e18;
uint256 constant MAX_SKEW_SCALE = 1e33;
uint256 constant MAX_FEE = 0.05e18;
uint256 constant MAX_VELOCITY = 10e18;
uint256 constant MIN_IMR = 0.02e18;
uint256 constant MAX_IMR_SIZE_FACTOR = 0.01e18;
uint256 constant MIN_SCALAR = 0.5e18;
uint256 constant MAX_SCALAR = 0.9e18;
uint256 constant MAX_MIN_POSITION_MARGIN = 10_000e18;
