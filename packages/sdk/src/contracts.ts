/** Typed ethers v6 contracts of a deployment (types generated at build time from the ABIs). */
import type { ContractRunner } from "ethers";
import type { Deployment } from "./deployment.js";
import {
  CrossmarginLens__factory,
  Crossmargin__factory,
  ERC20__factory,
  InsuranceFund__factory,
  LiquidityPool__factory,
} from "./generated/typechain/index.js";
import type {
  Crossmargin,
  CrossmarginLens,
  ERC20,
  InsuranceFund,
  LiquidityPool,
} from "./generated/typechain/index.js";

/** The engine at `address`, with the extension's functions (operators, governance, views) and
 *  the risk module's (previews, risk views) that its fallbacks run, and every event and error
 *  of its modules and libraries. */
export function engineContract(address: string, runner?: ContractRunner | null): Crossmargin {
  return Crossmargin__factory.connect(address, runner);
}

/** The read-only lens (summaries, positions, liquidation prices, pending orders). */
export function lensContract(address: string, runner?: ContractRunner | null): CrossmarginLens {
  return CrossmarginLens__factory.connect(address, runner);
}

/** The liquidity pool (ERC-4626 shares with delayed redemption). */
export function poolContract(address: string, runner?: ContractRunner | null): LiquidityPool {
  return LiquidityPool__factory.connect(address, runner);
}

/** The insurance fund. */
export function insuranceFundContract(
  address: string,
  runner?: ContractRunner | null,
): InsuranceFund {
  return InsuranceFund__factory.connect(address, runner);
}

/** Any ERC-20 (the quote token, collaterals, pool shares). */
export function erc20Contract(address: string, runner?: ContractRunner | null): ERC20 {
  return ERC20__factory.connect(address, runner);
}

export interface DeploymentContracts {
  engine: Crossmargin;
  lens: CrossmarginLens;
  pool: LiquidityPool;
  insuranceFund: InsuranceFund;
  quote: ERC20;
}

/** Every contract of `deployment`, connected to `runner` (a provider reads, a signer sends). */
export function connectDeployment(
  deployment: Deployment,
  runner?: ContractRunner | null,
): DeploymentContracts {
  return {
    engine: engineContract(deployment.engine, runner),
    lens: lensContract(deployment.lens, runner),
    pool: poolContract(deployment.pool, runner),
    insuranceFund: insuranceFundContract(deployment.insuranceFund, runner),
    quote: erc20Contract(deployment.quote.token, runner),
  };
}
