/** What every deploy step shares: the signer, the record so far, and an idempotent `deploy`. */
import { ContractFactory, Provider, Signer } from "ethers";
import { DeploymentRecord } from "./record";

export interface StepContext {
  signer: Signer;
  provider: Provider;
  record: DeploymentRecord;
  /** Returns a factory for an artifact name, with libraries linked. */
  factory(name: string, libraries?: Record<string, string>): Promise<ContractFactory>;
  log(message: string): void;
}

/** Deploys `key` unless the record already has it with code on chain; returns its address. */
export async function deployOnce(
  ctx: StepContext,
  key: string,
  artifact: string,
  args: unknown[] = [],
  libraries?: Record<string, string>,
): Promise<string> {
  const known = ctx.record.contracts[key];
  if (known && (await ctx.provider.getCode(known.address)) !== "0x") {
    ctx.log(`reuse ${key} at ${known.address}`);
    return known.address;
  }
  const factory = await ctx.factory(artifact, libraries);
  const contract = await factory.deploy(...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  const address = await contract.getAddress();
  const jsonArgs = args.map((a) => (typeof a === "bigint" ? a.toString() : a));
  ctx.record.contracts[key] = {
    address,
    block: receipt!.blockNumber,
    artifact,
    args: jsonArgs,
    libraries,
  };
  ctx.log(`deployed ${key} at ${address} (block ${receipt!.blockNumber}, gas ${receipt!.gasUsed})`);
  return address;
}

/** Sends a transaction and waits for it. */
export async function send(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}
