// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

import {ICrossmargin} from "../interfaces/ICrossmargin.sol";
import {ICrossmarginSettlementCallback} from "../interfaces/ICrossmarginSettlementCallback.sol";

/// @notice A settlement callback for tests: records what it is told, or misbehaves on demand.
contract MockSettlementCallback is ICrossmarginSettlementCallback {
    enum Mode {
        Record,
        Revert,
        BurnGas,
        ReturnBomb,
        Reenter
    }

    error Refused(uint256 account);

    ICrossmargin public immutable engine;
    Mode public mode;
    uint256 public calls;
    uint256 public lastAccount;
    uint256 public lastMarketId;
    bool public lastFilled;
    int256 public lastSizeDelta;
    uint256 public lastPrice;
    int256 public sizeSeen; // the position size the engine's view showed during the callback

    constructor(ICrossmargin engine_) {
        engine = engine_;
    }

    function setMode(Mode m) external {
        mode = m;
    }

    function onOrderSettled(
        uint256 account,
        uint256 marketId,
        bool filled,
        int256 sizeDelta,
        uint256 settlementPrice
    ) external {
        if (msg.sender != address(engine)) revert Refused(account);
        Mode m = mode;
        if (m == Mode.Revert) revert Refused(account);
        if (m == Mode.BurnGas) {
            while (true) {
                calls += 1;
            }
        }
        if (m == Mode.ReturnBomb) {
            // solhint-disable-next-line no-inline-assembly
            assembly {
                revert(0, 100000)
            }
        }
        if (m == Mode.Reenter) {
            // The engine is locked during the callback: this reverts, and so does the callback.
            engine.withdraw(account, engine.quoteToken(), 1, address(this));
        }
        calls += 1;
        (lastAccount, lastMarketId, lastFilled) = (account, marketId, filled);
        (lastSizeDelta, lastPrice) = (sizeDelta, settlementPrice);
        sizeSeen = engine.getPosition(account, marketId).size;
    }
}
