/**
 * Gas profile of one transaction on the in-process network: where its gas goes by opcode class
 * (cold/warm storage reads, storage writes, calls, logs, the rest), and by contract.
 * Used by the gas benchmark's notes to show why a scenario costs what it does.
 *   import { profile } from "./trace"; console.log(await profile(hre, txHash));
 */
import { HardhatRuntimeEnvironment } from "hardhat/types";

/** One step of `debug_traceTransaction`'s struct logs. */
export interface Step {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
  memory?: string[];
}

/**
 * The struct logs of transaction `hash` (`debug_traceTransaction`): storage never, the stack
 * unless `stack` is false, the memory only with `memory`. The one trace call of the bench
 * scripts and the tests that read a transaction's opcodes.
 */
export async function traceSteps(
  hre: HardhatRuntimeEnvironment,
  hash: string,
  { stack = true, memory = false } = {},
): Promise<Step[]> {
  const trace = (await hre.network.provider.send("debug_traceTransaction", [
    hash,
    { disableStorage: true, disableStack: !stack, disableMemory: !memory },
  ])) as { structLogs: Step[] };
  return trace.structLogs;
}

export const CALLS = new Set([
  "CALL",
  "STATICCALL",
  "DELEGATECALL",
  "CALLCODE",
  "CREATE",
  "CREATE2",
]);

/** Opcodes that read another account (cold: 2,600 on its first access in the transaction). */
const ACCOUNT_READS = new Set(["EXTCODECOPY", "EXTCODESIZE", "EXTCODEHASH", "BALANCE"]);

/** A call's own cost at step `i` (it entered a frame): what the caller lost minus what the
 *  callee used. */
export function callOwnCost(logs: Step[], i: number): number {
  const s = logs[i];
  let j = i + 1;
  while (j < logs.length && logs[j].depth > s.depth) j++;
  const calleeUsed = logs[i + 1].gas - (logs[j - 1].gas - logs[j - 1].gasCost);
  const callerLost = s.gas - (logs[j] ? logs[j].gas : 0);
  return callerLost - calleeUsed;
}

/**
 * Gas by opcode class of the transaction `hash` (execution only: no intrinsic 21k/calldata).
 * Every opcode of a frame entered by `CALL` or `STATICCALL` (a feed, a token, the fund) other than
 * storage, calls and logs counts as "external code": it is the cost of what the engine calls, not
 * the engine's own arithmetic. A `DELEGATECALL` runs the engine's own libraries and modules.
 */
export async function profile(
  hre: HardhatRuntimeEnvironment,
  hash: string,
): Promise<Record<string, number>> {
  const logs = await traceSteps(hre, hash, { stack: false });
  const out: Record<string, number> = {};
  const add = (k: string, g: number) => (out[k] = (out[k] ?? 0) + g);
  // outside[d]: whether the frame at depth d runs code the engine called (not its own).
  const outside: boolean[] = [false, false];
  for (let i = 0; i < logs.length; i++) {
    const s = logs[i];
    if (i > 0 && s.depth > logs[i - 1].depth) {
      const via = logs[i - 1].op;
      outside[s.depth] = outside[s.depth - 1] || via === "CALL" || via === "STATICCALL";
    }
    if (CALLS.has(s.op)) {
      // Own cost of a call: what the caller lost minus what the callee used.
      const next = logs[i + 1];
      if (next && next.depth > s.depth) {
        add(`call ${s.op}`, callOwnCost(logs, i));
        add("calls (count)", 1);
      } else add(`call ${s.op}`, s.gasCost);
      continue;
    }
    if (process.env.TRACE_OPS) add(`op ${s.op}`, s.gasCost);
    const cold = s.op === "SLOAD" && s.gasCost >= 2100;
    if (cold) add("SLOAD cold", s.gasCost);
    else if (ACCOUNT_READS.has(s.op) && s.gasCost >= 2600) {
      // A cold account's code read (the config page, INV-79): its 2,600 access is storage-like
      // work, not arithmetic; the copy's own words stay in "other".
      add("account cold", 2600);
      add("other", s.gasCost - 2600);
    } else if (s.op === "SSTORE") add("SSTORE", s.gasCost);
    else if (s.op.startsWith("LOG")) add("LOG", s.gasCost);
    else if (outside[s.depth]) add("external code", s.gasCost);
    else if (s.op === "SLOAD") add("SLOAD warm", s.gasCost);
    else if (s.op === "SHA3" || s.op === "KECCAK256") add("KECCAK", s.gasCost);
    else add("other", s.gasCost);
    if (s.op === "SLOAD" && s.gasCost >= 2100) add("SLOAD cold (count)", 1);
  }
  return out;
}
