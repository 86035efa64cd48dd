/** INV-69: the health loop's hand-written arithmetic (`WadMath`, `Bitmask`) against the
 *  independent TypeScript model (src/model/fixed.ts), at overflow-sized values: every result to
 *  the wei, and a revert with the compiler's own panic (0x11 overflow, 0x12 division by zero)
 *  exactly where checked arithmetic or OpenZeppelin's `mulDiv` reverts. The forge
 *  `HotMath.t.sol` compares the same code with the checked Solidity it replaced; this test
 *  compares it with the model, and runs under coverage. */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { WadMathHarness } from "../../../typechain-types";
import {
  INT256_MAX,
  INT256_MIN,
  UINT256_MAX,
  WAD,
  divCeil,
  divDown,
  divFloor,
  divUp,
  mulDown,
  mulUp,
  sMulCeil,
  sMulFloor,
} from "../../../src/model";

type Outcome = { ok: true; value: bigint } | { ok: false; data: string };

const panic = (code: number): Outcome => ({
  ok: false,
  data: "0x4e487b71" + code.toString(16).padStart(64, "0"),
});
const OVERFLOW = panic(0x11);
const DIV_ZERO = panic(0x12);

async function outcome(call: () => Promise<bigint>): Promise<Outcome> {
  try {
    return { ok: true, value: await call() };
  } catch (e) {
    return { ok: false, data: (e as { data?: string }).data ?? "0x" };
  }
}

/** A model's result, or the panic checked arithmetic raises when it leaves the type's range. */
function within(value: bigint, min: bigint, max: bigint): Outcome {
  return value < min || value > max ? OVERFLOW : { ok: true, value };
}

/** Deterministic values of every bit length (xorshift64*, fixed seed). */
function* sample(n: number, signed: boolean): Generator<bigint> {
  let x = 0x9e3779b97f4a7c15n;
  const next = () => {
    x ^= x >> 12n;
    x ^= (x << 25n) & 0xffffffffffffffffn;
    x ^= x >> 27n;
    return (x * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
  };
  for (let i = 0; i < n; i++) {
    let v = (next() << 192n) | (next() << 128n) | (next() << 64n) | next();
    v >>= next() % 256n; // any bit length
    yield signed ? (next() & 1n ? -v : v) >> 1n : v;
  }
}

const UNSIGNED = [
  0n,
  1n,
  2n,
  WAD - 1n,
  WAD,
  WAD + 1n,
  (1n << 128n) - 1n,
  1n << 128n,
  1n << 200n,
  INT256_MAX,
  UINT256_MAX / WAD,
  UINT256_MAX - 1n,
  UINT256_MAX,
];
const SIGNED = [
  0n,
  1n,
  -1n,
  WAD - 1n,
  -WAD + 1n,
  WAD,
  -WAD,
  1n << 128n,
  -(1n << 128n),
  INT256_MAX / WAD,
  INT256_MIN / WAD,
  INT256_MAX,
  INT256_MIN + 1n,
  INT256_MIN,
];

const pairs = (xs: bigint[], ys: bigint[]) => xs.flatMap((x) => ys.map((y) => [x, y] as const));

describe("adversarial: WadMath and Bitmask match the TypeScript model at overflow-sized values (INV-69)", () => {
  let lib: WadMathHarness;

  before(async () => {
    const factory = await ethers.getContractFactory("WadMathHarness");
    lib = (await factory.deploy()) as unknown as WadMathHarness;
  });

  /** Runs every case against the harness (in parallel batches) and compares with the model. */
  async function check(
    name: string,
    cases: (readonly [bigint, bigint])[],
    onChain: (a: bigint, b: bigint) => Promise<bigint>,
    model: (a: bigint, b: bigint) => Outcome,
  ): Promise<void> {
    for (let i = 0; i < cases.length; i += 64) {
      const batch = cases.slice(i, i + 64);
      const got = await Promise.all(batch.map(([a, b]) => outcome(() => onChain(a, b))));
      batch.forEach(([a, b], k) =>
        expect(got[k], `${name}(${a}, ${b})`).to.deep.equal(model(a, b)),
      );
    }
  }

  const unsignedCases = [
    ...pairs(UNSIGNED, UNSIGNED),
    ...pairs([...sample(40, false)], [...sample(12, false)]),
  ];
  const signedCases = [
    ...pairs(SIGNED, SIGNED),
    ...pairs([...sample(40, true)], [...sample(12, true)]),
  ];

  it("mulDown and mulUp: the plain path, the 512-bit fallback past 2^256, and Panic 0x11 past the result's range", async () => {
    await check(
      "mulDown",
      unsignedCases,
      (a, b) => lib.mulDown(a, b),
      (a, b) => within(mulDown(a, b), 0n, UINT256_MAX),
    );
    await check(
      "mulUp",
      unsignedCases,
      (a, b) => lib.mulUp(a, b),
      (a, b) => within(mulUp(a, b), 0n, UINT256_MAX),
    );
  });

  it("divDown and divUp: Panic 0x12 for a zero divisor, the fallback past 2^256, Panic 0x11 past the range", async () => {
    const model = (f: (a: bigint, b: bigint) => bigint) => (a: bigint, b: bigint) =>
      b === 0n ? DIV_ZERO : within(f(a, b), 0n, UINT256_MAX);
    await check("divDown", unsignedCases, (a, b) => lib.divDown(a, b), model(divDown));
    await check("divUp", unsignedCases, (a, b) => lib.divUp(a, b), model(divUp));
  });

  it("sMulFloor and sMulCeil: floor and ceiling to the wei; Panic 0x11 where a * b leaves int256 (and, for the ceiling, at int256.min)", async () => {
    await check(
      "sMulFloor",
      signedCases,
      (a, b) => lib.sMulFloor(a, b),
      (a, b) =>
        a * b < INT256_MIN || a * b > INT256_MAX ? OVERFLOW : { ok: true, value: sMulFloor(a, b) },
    );
    await check(
      "sMulCeil",
      signedCases,
      (a, b) => lib.sMulCeil(a, b),
      (a, b) =>
        a * b <= INT256_MIN || a * b > INT256_MAX ? OVERFLOW : { ok: true, value: sMulCeil(a, b) },
    );
  });

  it("divFloor and divCeil for positive divisors: to the wei; Panic 0x12 for zero; divCeil's negation of int256.min is Panic 0x11", async () => {
    const divisors = [0n, 1n, 2n, 3n, WAD, 10n ** 12n, INT256_MAX, ...sample(8, false)].map(
      (b) => b & INT256_MAX,
    );
    const cases = pairs([...SIGNED, ...sample(24, true)], divisors);
    await check(
      "divFloor",
      cases,
      (a, b) => lib.divFloor(a, b),
      (a, b) => (b === 0n ? DIV_ZERO : { ok: true, value: divFloor(a, b) }),
    );
    await check(
      "divCeil",
      cases,
      (a, b) => lib.divCeil(a, b),
      (a, b) =>
        a === INT256_MIN ? OVERFLOW : b === 0n ? DIV_ZERO : { ok: true, value: divCeil(a, b) },
    );
  });

  it("Bitmask.count and lowest: the set bits of a 64-bit mask and the first of them", async () => {
    const masks = [1n, 2n, 1n << 63n, (1n << 64n) - 1n, 0x8000000000000001n, ...sample(40, false)]
      .map((m) => m & ((1n << 64n) - 1n))
      .filter((m) => m !== 0n);
    for (const m of masks) {
      const bits = [...Array(64).keys()].filter((i) => (m >> BigInt(i)) & 1n);
      expect(await lib.count(m), `count(${m})`).to.equal(BigInt(bits.length));
      expect(await lib.lowest(m), `lowest(${m})`).to.equal(BigInt(bits[0]));
    }
    expect(await lib.count(0n)).to.equal(0n);
  });
});
