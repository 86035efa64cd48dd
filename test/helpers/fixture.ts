/** Test fixtures built from the deploy scripts, so tests exercise the real deployment. */
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { System } from "../../deploy/deploy";
import { deployWithHardhat } from "../../deploy/hardhat";

export type { System };

async function deployFixture(): Promise<System> {
  return deployWithHardhat(hre, { persist: false });
}

/** The full local deployment (mock USDC/WETH/WBTC, 3 markets, pool, insurance fund), snapshotted. */
export function loadSystem(): Promise<System> {
  return loadFixture(deployFixture);
}
