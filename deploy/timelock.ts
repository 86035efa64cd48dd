/** The timelock that receives the admin role: it must be a contract with a minimum delay (an
 *  OpenZeppelin TimelockController), and what the deployer can no longer do after the handover
 *  is printed as proposals for it: the call (target, value, data) and the `schedule` and
 *  `execute` calls that carry it through the timelock. */
import { Interface, Provider, ZeroHash, getAddress, id, isAddress } from "ethers";
import { TimelockController__factory } from "../typechain-types";
import type { Action } from "./context";

export interface Call {
  target: string;
  value: string;
  data: string;
}

export interface Proposal {
  label: string;
  /** The account that must make the call (the timelock, or the role holder). */
  holder?: string;
  call: Call;
  /** Present when the holder is a TimelockController: the calls its proposer and executor make. */
  schedule?: Call;
  execute?: Call;
  salt?: string;
  delay?: string;
}

const TIMELOCK = new Interface(TimelockController__factory.abi);

/** Checks that `address` is a timelock contract and returns its minimum delay (seconds). Throws
 *  a clear error for an EOA, a contract without `getMinDelay()`, or a zero delay. */
export async function assertTimelock(provider: Provider, address: string): Promise<bigint> {
  if (!isAddress(address)) throw new Error(`timelock "${address}" is not an address`);
  if ((await provider.getCode(address)) === "0x") {
    throw new Error(
      `timelock ${address} has no code: it is an externally owned account, not a timelock ` +
        `contract; deploy a TimelockController and configure its address`,
    );
  }
  let delay: bigint;
  try {
    const data = TIMELOCK.encodeFunctionData("getMinDelay");
    const ret = await provider.call({ to: address, data });
    [delay] = TIMELOCK.decodeFunctionResult("getMinDelay", ret) as unknown as [bigint];
  } catch {
    throw new Error(
      `timelock ${address} does not answer getMinDelay(): it is not a TimelockController`,
    );
  }
  if (delay === 0n) {
    throw new Error(`timelock ${address} has a minimum delay of 0: admin calls would not wait`);
  }
  return delay;
}

/** A proposal for `action`; with `timelock`, the schedule/execute calls at its minimum delay.
 *  The salt is derived from the label, so the same proposal printed twice has the same id. */
export function proposalFor(
  action: Action,
  holder: string | undefined,
  timelock?: { address: string; minDelay: bigint },
): Proposal {
  const call = { target: getAddress(action.target), value: "0", data: action.data };
  if (!timelock) return { label: action.label, holder, call };
  const salt = id(`crossmargin:${action.label}`);
  const args = [call.target, 0n, call.data, ZeroHash, salt] as const;
  return {
    label: action.label,
    holder,
    call,
    schedule: {
      target: timelock.address,
      value: "0",
      data: TIMELOCK.encodeFunctionData("schedule", [...args, timelock.minDelay]),
    },
    execute: {
      target: timelock.address,
      value: "0",
      data: TIMELOCK.encodeFunctionData("execute", [...args]),
    },
    salt,
    delay: timelock.minDelay.toString(),
  };
}

/** The proposals as text for the operator. */
export function formatProposals(proposals: Proposal[]): string {
  if (proposals.length === 0)
    return "no timelock proposals: nothing needs a role the deployer lacks";
  const lines = [`${proposals.length} call(s) need a role the deployer no longer holds:`];
  for (const [i, p] of proposals.entries()) {
    lines.push(`#${i + 1} ${p.label} (by ${p.holder ?? "the role holder"})`);
    lines.push(`   call     target ${p.call.target} value ${p.call.value} data ${p.call.data}`);
    if (p.schedule && p.execute) {
      lines.push(`   schedule target ${p.schedule.target} value 0 data ${p.schedule.data}`);
      lines.push(`   execute  target ${p.execute.target} value 0 data ${p.execute.data}`);
      lines.push(`   (salt ${p.salt}, predecessor 0x0, delay ${p.delay} s)`);
    }
  }
  return lines.join("\n");
}
