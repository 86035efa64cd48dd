/**
 * Several transactions in one block, for the rules that look at the block (INV-40's block-start
 * skew): automine off, each sent with a decreasing priority fee (which fixes their order across
 * senders), then one block mined at timestamp `at`.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";

const GWEI = 10n ** 9n;

/** Mines the transactions `sends` returns, in that order, in one block at timestamp `at`, and
 *  checks each succeeded there, in order. Returns them mined. */
export async function inOneBlock(
  at: bigint,
  sends: ((o: object) => Promise<ContractTransactionResponse>)[],
): Promise<ContractTransactionResponse[]> {
  const txs: ContractTransactionResponse[] = [];
  await network.provider.send("evm_setAutomine", [false]);
  try {
    for (let i = 0; i < sends.length; i++) {
      const prio = BigInt(sends.length - i) * GWEI;
      txs.push(
        await sends[i]({
          gasLimit: 3_000_000,
          maxPriorityFeePerGas: prio,
          maxFeePerGas: 500n * GWEI,
        }),
      );
    }
    await network.provider.send("evm_mine", [Number(at)]);
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
  const receipts = await Promise.all(txs.map((t) => t.wait()));
  const block = receipts[0]!.blockNumber;
  receipts.forEach((r, i) => {
    expect(r!.status, `tx ${i} succeeded`).to.equal(1);
    expect(r!.blockNumber, `tx ${i} in the same block`).to.equal(block);
    expect(r!.index, `tx ${i} in order`).to.equal(i);
  });
  return txs;
}
