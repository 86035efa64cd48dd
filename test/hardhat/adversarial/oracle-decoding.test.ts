// OracleLib reads a round with one static call and decodes the five words itself (docs/gas.md).
// Differential test: for well-formed, short, oversized, out-of-range and reverting replies, and
// for an address without code, `OracleLib.latest` / `roundData` must return what Solidity's ABI
// decoder returns, or revert with the same data when the decoder reverts.
import { expect } from "chai";
import { ethers } from "hardhat";
import { AbiCoder, concat, toBeHex, zeroPadValue } from "ethers";
import type { OracleReadHarness, RawFeed } from "../../../typechain-types";

const enc = AbiCoder.defaultAbiCoder();
const TYPES = ["uint256", "uint256", "uint256", "uint256", "uint256"];
const word = (x: bigint) => zeroPadValue(toBeHex(BigInt.asUintN(256, x)), 32);

/** A round as five raw words; values are written as given, even out of their ABI range. */
const round = (id: bigint, answer: bigint, updatedAt: bigint, answeredIn: bigint) =>
  enc.encode(TYPES, [id, BigInt.asUintN(256, answer), updatedAt, updatedAt, answeredIn]);

const REPLIES: [string, string, boolean][] = [
  ["a well-formed round", round(42n, 3000n * 10n ** 8n, 1_700_000_000n, 42n), false],
  ["a negative answer", round(7n, -5n, 1_700_000_000n, 7n), false],
  ["round ids at 2^80 - 1", round(2n ** 80n - 1n, 1n, 1n, 2n ** 80n - 1n), false],
  ["a round id of 2^80", round(2n ** 80n, 1n, 1n, 1n), false],
  ["an answeredInRound of 2^80", round(1n, 1n, 1n, 2n ** 80n), false],
  ["four words", concat([word(1n), word(2n), word(3n), word(4n)]), false],
  ["six words", concat([round(3n, 4n, 5n, 3n), word(99n)]), false],
  ["nothing", "0x", false],
  ["a revert with a custom error", "0x12345678" + "00".repeat(31) + "2a", true],
  ["a revert without data", "0x", true],
];

type Read = { ok: true; value: bigint[] } | { ok: false; data: string };

async function outcome(call: () => Promise<[bigint, bigint, bigint, bigint]>): Promise<Read> {
  try {
    return { ok: true, value: [...(await call())] };
  } catch (e) {
    const data = (e as { data?: string }).data ?? "0x";
    return { ok: false, data };
  }
}

describe("adversarial: OracleLib's round decoding matches the ABI decoder", () => {
  let feed: RawFeed;
  let lib: OracleReadHarness;

  before(async () => {
    feed = (await (await ethers.getContractFactory("RawFeed")).deploy()) as unknown as RawFeed;
    lib = (await (
      await ethers.getContractFactory("OracleReadHarness")
    ).deploy()) as unknown as OracleReadHarness;
  });

  for (const [name, reply, reverts] of REPLIES) {
    it(`latestRoundData and getRoundData: ${name}`, async () => {
      await feed.set(reply, reverts);
      const f = await feed.getAddress();
      const mine = await outcome(() => lib.latest(f));
      const reference = await outcome(() => lib.latestByDecoder(f));
      expect(mine).to.deep.equal(reference);
      const mineAt = await outcome(() => lib.roundData(f, 42n));
      const referenceAt = await outcome(() => lib.roundDataByDecoder(f, 42n));
      expect(mineAt).to.deep.equal(referenceAt);
      if (reverts) expect(mine).to.deep.equal({ ok: false, data: reply }); // bubbled up as is
      // The cases are chosen so that both outcomes occur.
      expect(mine.ok).to.equal(
        !reverts &&
          !["a round id of 2^80", "an answeredInRound of 2^80"].includes(name) &&
          !["four words", "nothing"].includes(name),
      );
    });
  }

  it("an address without code reverts without data, as the decoder does", async () => {
    const eoa = ethers.Wallet.createRandom().address;
    expect(await outcome(() => lib.latest(eoa))).to.deep.equal(
      await outcome(() => lib.latestByDecoder(eoa)),
    );
    expect(await outcome(() => lib.latest(eoa))).to.deep.equal({ ok: false, data: "0x" });
  });
});
