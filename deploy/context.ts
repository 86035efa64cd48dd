/** What every deploy step shares: the signer, the record so far, an idempotent `deployOnce` and
 *  `act`, which sends an admin call, plans it (dry run) or turns it into a timelock proposal
 *  (after the handover, when the deployer no longer holds the role it needs). */
import {
  Contract,
  ContractFactory,
  Provider,
  Signer,
  ZeroHash,
  getCreateAddress,
  id,
} from "ethers";
import { DeploymentRecord } from "./record";
import { Proposal, proposalFor } from "./timelock";

/** The engine roles deploy actions need. */
export type Role = "admin" | "riskManager";
/** The engine's role ids (contracts/core/CrossmarginStorage.sol). */
export const ROLE_IDS = {
  admin: ZeroHash,
  riskManager: id("RISK_MANAGER_ROLE"),
  guardian: id("GUARDIAN_ROLE"),
} as const;

/** One call the configuration needs: what it does, the role it needs, where it goes. */
export interface Action {
  label: string;
  role: Role;
  target: string;
  data: string;
  /** A role change the call makes (a dry run assumes it for the calls planned after it). */
  roleChange?: { role: Role; account: string; granted: boolean };
}

/** A line of the plan a dry run prints. */
export interface PlanEntry {
  kind: "deploy" | "call" | "proposal";
  label: string;
  target?: string;
  data?: string;
}

export interface StepContext {
  signer: Signer;
  provider: Provider;
  deployer: string;
  record: DeploymentRecord;
  /** Returns a factory for an artifact name, with libraries linked. */
  factory(name: string, libraries?: Record<string, string>): Promise<ContractFactory>;
  log(message: string): void;
  /** Writes the record (no-op when the run does not persist); called after every deployment. */
  save(): void;
  /** Dry run: nothing is sent; deployments and calls go to `plan`. */
  dryRun: boolean;
  /** Dry run: the nonce the next planned deployment would use (for its predicted address). */
  nextNonce: number;
  plan: PlanEntry[];
  /** Calls the deployer cannot make because another account (the timelock) holds the role. */
  proposals: Proposal[];
  /** Engine address once known (role checks read it) and the configured governance. */
  engine?: string;
  /** Whether the engine has code (cached once true). */
  engineLive?: boolean;
  timelock?: { address: string; minDelay: bigint };
  riskManager?: string;
  /** Contracts deployed by this run (keys), in order. */
  deployed: string[];
  /** Dry run: role changes of planned calls ("role:account" -> held). */
  plannedRoles?: Map<string, boolean>;
}

export async function hasCode(provider: Provider, address: string): Promise<boolean> {
  return (await provider.getCode(address)) !== "0x";
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
  if (known) {
    if (await hasCode(ctx.provider, known.address)) {
      ctx.log(`reuse ${key} at ${known.address}`);
      return known.address;
    }
    ctx.log(`drift: record has ${key} at ${known.address} but there is no code there; redeploying`);
  }
  const jsonArgs = args.map((a) => (typeof a === "bigint" ? a.toString() : a));
  if (ctx.dryRun) {
    const address = getCreateAddress({ from: ctx.deployer, nonce: ctx.nextNonce++ });
    ctx.plan.push({ kind: "deploy", label: `deploy ${key} (${artifact})`, target: address });
    ctx.log(`would deploy ${key} (${artifact}) at ${address}, args ${JSON.stringify(jsonArgs)}`);
    return address;
  }
  const adopted = await adoptPending(ctx, key);
  if (adopted) return adopted;
  const factory = await ctx.factory(artifact, libraries);
  const contract = await factory.deploy(...args);
  const tx = contract.deploymentTransaction()!;
  // Recorded as soon as it is sent: a run that dies before the receipt adopts it next time.
  ctx.record.pending = {
    ...ctx.record.pending,
    [key]: { hash: tx.hash, artifact, args: jsonArgs, libraries },
  };
  ctx.save();
  const receipt = await tx.wait();
  const address = await contract.getAddress();
  ctx.record.contracts[key] = {
    address,
    block: receipt!.blockNumber,
    artifact,
    args: jsonArgs,
    libraries,
  };
  delete ctx.record.pending![key];
  ctx.deployed.push(key);
  ctx.save();
  ctx.log(`deployed ${key} at ${address} (block ${receipt!.blockNumber}, gas ${receipt!.gasUsed})`);
  return address;
}

/** A deployment sent by an earlier run that never saw its receipt: adopted when it was mined
 *  (waited for when still pending), forgotten when the node no longer knows it or it failed. */
async function adoptPending(ctx: StepContext, key: string): Promise<string | undefined> {
  const pending = ctx.record.pending?.[key];
  if (!pending) return undefined;
  const tx = await ctx.provider.getTransaction(pending.hash);
  const receipt = tx ? await tx.wait() : null;
  delete ctx.record.pending![key];
  if (!receipt || receipt.status !== 1 || !receipt.contractAddress) {
    ctx.log(`pending deployment of ${key} (${pending.hash}) did not land; deploying again`);
    ctx.save();
    return undefined;
  }
  const { artifact, args, libraries } = pending;
  const address = receipt.contractAddress;
  ctx.record.contracts[key] = { address, block: receipt.blockNumber, artifact, args, libraries };
  ctx.save();
  ctx.log(`adopted ${key} at ${address} from an earlier run's transaction ${pending.hash}`);
  return address;
}

/** Sends a transaction and waits for it. */
export async function send(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}

/** Whether `account` holds `role` on the engine (true on an engine not deployed yet, which a
 *  dry run plans: its deployer will hold every role during setup). */
async function holds(ctx: StepContext, role: Role, account: string): Promise<boolean> {
  const planned = ctx.plannedRoles?.get(`${role}:${account.toLowerCase()}`);
  if (planned !== undefined) return planned;
  if (!ctx.engine) return account === ctx.deployer;
  // Once the engine has code it keeps it: ask the node only until then.
  ctx.engineLive ||= await hasCode(ctx.provider, ctx.engine);
  if (!ctx.engineLive) return account === ctx.deployer;
  const abi = ["function hasRole(bytes32,address) view returns (bool)"];
  const engine = new Contract(ctx.engine, abi, ctx.provider);
  return (await engine.hasRole(ROLE_IDS[role], account)) as boolean;
}

/** Makes one configuration call: sends it when the deployer holds its role, plans it in a dry
 *  run, and otherwise records (and logs) it as a proposal for the account holding the role. */
export async function act(ctx: StepContext, action: Action): Promise<void> {
  if (await holds(ctx, action.role, ctx.deployer)) {
    if (ctx.dryRun) {
      ctx.nextNonce++;
      const change = action.roleChange;
      if (change) {
        ctx.plannedRoles ??= new Map();
        ctx.plannedRoles.set(`${change.role}:${change.account.toLowerCase()}`, change.granted);
      }
      ctx.plan.push({
        kind: "call",
        label: action.label,
        target: action.target,
        data: action.data,
      });
      ctx.log(`would call ${action.label}`);
      return;
    }
    await send(ctx.signer.sendTransaction({ to: action.target, data: action.data }));
    ctx.log(action.label);
    return;
  }
  const tl = ctx.timelock;
  const viaTimelock = tl !== undefined && (await holds(ctx, action.role, tl.address));
  const holder = viaTimelock
    ? tl!.address
    : action.role === "riskManager"
      ? ctx.riskManager
      : tl?.address;
  const proposal = proposalFor(action, holder, viaTimelock ? tl : undefined);
  ctx.proposals.push(proposal);
  ctx.plan.push({
    kind: "proposal",
    label: action.label,
    target: action.target,
    data: action.data,
  });
  ctx.log(
    `needs ${action.role} (held by ${holder ?? "another account"}): proposal ${action.label}`,
  );
}
