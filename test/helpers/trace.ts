/** A transaction's opcode trace on the in-process network, for the tests that check which
 *  slots or feeds a path touches (`scripts/bench/trace.ts`' `traceSteps`, the bench's own). */
import hre from "hardhat";
import { Step, traceSteps as trace } from "../../scripts/bench/trace";

export type TraceStep = Step;

/** The steps of transaction `hash`, with the stack (memory only with `memory`). */
export const traceSteps = (hash: string, memory = false): Promise<TraceStep[]> =>
  trace(hre, hash, { memory });

/** The word `k` places below the top of a step's stack. */
export const stackAt = (step: TraceStep, k = 0): bigint =>
  BigInt("0x" + step.stack![step.stack!.length - 1 - k]);

/** Every `op` (`SLOAD` or `SSTORE`) of transaction `hash`: its storage key and its gas. */
export async function storageOps(
  hash: string,
  op: "SLOAD" | "SSTORE",
): Promise<{ key: bigint; gas: number }[]> {
  return (await traceSteps(hash))
    .filter((s) => s.op === op)
    .map((s) => ({ key: stackAt(s), gas: s.gasCost }));
}
