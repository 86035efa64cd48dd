/** A transaction's opcode trace on the in-process network (`debug_traceTransaction`), for the
 *  tests that check which slots or feeds a path touches. */
import { ethers } from "hardhat";

/** One step of the trace; `memory` only when asked for. */
export interface TraceStep {
  op: string;
  gasCost: number;
  stack: string[];
  memory?: string[];
}

/** The steps of transaction `hash` (storage never; memory only with `memory`). */
export async function traceSteps(hash: string, memory = false): Promise<TraceStep[]> {
  const trace = (await ethers.provider.send("debug_traceTransaction", [
    hash,
    { disableStorage: true, disableMemory: !memory },
  ])) as { structLogs: TraceStep[] };
  return trace.structLogs;
}

/** The word `k` places below the top of a step's stack. */
export const stackAt = (step: TraceStep, k = 0): bigint =>
  BigInt("0x" + step.stack[step.stack.length - 1 - k]);

/** Every `op` (`SLOAD` or `SSTORE`) of transaction `hash`: its storage key and its gas. */
export async function storageOps(
  hash: string,
  op: "SLOAD" | "SSTORE",
): Promise<{ key: bigint; gas: number }[]> {
  return (await traceSteps(hash))
    .filter((s) => s.op === op)
    .map((s) => ({ key: stackAt(s), gas: s.gasCost }));
}
