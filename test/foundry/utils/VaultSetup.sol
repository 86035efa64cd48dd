// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {Crossmargin} from "../../../contracts/core/Crossmargin.sol";
import {ICrossmargin} from "../../../contracts/interfaces/ICrossmargin.sol";
import {CrossmarginRisk} from "../../../contracts/core/CrossmarginRisk.sol";
import {CrossmarginExtension} from "../../../contracts/core/CrossmarginExtension.sol";
import {ICrossmarginAdmin} from "../../../contracts/interfaces/ICrossmarginAdmin.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {FeeOnTransferToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";

/// @notice A bare vault for the vault fuzz and invariant tests: USDC (6) quote, WETH (18),
///         WBTC (8) and a 1 %-fee-on-transfer token (18) as collateral with 8-decimal mock
///         feeds. No markets, no pool: only deposits and withdrawals move tokens.
abstract contract VaultSetup is Test {
    string internal constant FEED_DESCRIPTION = "v0.8/tests/MockV3Aggregator.sol";
    uint32 internal constant HEARTBEAT = 1 days;
    uint256 internal constant START_TIME = 1_700_000_000;
    uint128 internal constant CAP = type(uint128).max;

    ICrossmargin internal engine;
    MockERC20 internal usdc;
    MockERC20 internal weth;
    MockERC20 internal wbtc;
    FeeOnTransferToken internal fot;
    MockV3Aggregator[] internal feeds;

    function _deployVault() internal {
        vm.warp(START_TIME);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        weth = new MockERC20("Wrapped Ether", "WETH", 18);
        wbtc = new MockERC20("Wrapped Bitcoin", "WBTC", 8);
        fot = new FeeOnTransferToken(100);
        engine = ICrossmargin(
            address(
                new Crossmargin(
                    address(usdc),
                    address(this),
                    address(new CrossmarginExtension(address(new CrossmarginRisk())))
                )
            )
        );
        _list(address(weth), 3_000e8, 0.9e18);
        _list(address(wbtc), 60_000e8, 0.9e18);
        _list(address(fot), 1e8, 0.5e18);
    }

    function _list(address token, int256 answer, uint64 weight) private {
        MockV3Aggregator feed = new MockV3Aggregator(8, answer);
        feeds.push(feed);
        engine.listCollateral(
            token,
            ICrossmarginAdmin.CollateralParams({
                feed: address(feed),
                heartbeat: HEARTBEAT,
                risk: ICrossmarginAdmin.CollateralRisk({
                    initialWeight: weight,
                    maintenanceWeight: weight,
                    liquidationDiscount: 0.05e18,
                    sizeFactor: 0,
                    sizeThreshold: 0,
                    weightFloor: 0,
                    depositCap: CAP
                })
            }),
            FEED_DESCRIPTION
        );
    }

    /// @dev The four tokens the vault holds, quote first.
    function _tokens() internal view returns (address[4] memory) {
        return [address(usdc), address(weth), address(wbtc), address(fot)];
    }
}
