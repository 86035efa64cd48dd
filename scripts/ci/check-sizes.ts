/**
 * Contract-size gate for CI: every contract compiled from contracts/ (mocks excluded) must fit
 * the EIP-170 runtime limit (24,576 bytes) and the EIP-3860 init-code limit (49,152 bytes).
 * Reads the Hardhat artifacts (run `hardhat compile` first); prints one line per contract,
 * largest first, and exits non-zero if any is over.
 */
import fs from "fs";
import path from "path";

const ROOT = path.join(__dirname, "..", "..");
const ARTIFACTS = path.join(ROOT, "artifacts", "contracts");
export const RUNTIME_LIMIT = 24_576;
export const INITCODE_LIMIT = 49_152;

export interface Size {
  name: string;
  source: string;
  runtime: number;
  initcode: number;
}

const bytes = (hex: string): number => (hex.length > 2 ? (hex.length - 2) / 2 : 0);

/** Sizes of every artifact under `dir` with code, skipping `skip` folders (relative). */
export function readSizes(dir = ARTIFACTS, skip = ["mocks"]): Size[] {
  const out: Size[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(path.relative(dir, p))) walk(p);
      } else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) {
        const a = JSON.parse(fs.readFileSync(p, "utf8")) as {
          contractName: string;
          sourceName: string;
          bytecode: string;
          deployedBytecode: string;
        };
        const runtime = bytes(a.deployedBytecode);
        if (runtime === 0) continue; // interfaces and abstract contracts
        out.push({
          name: a.contractName,
          source: a.sourceName,
          runtime,
          initcode: bytes(a.bytecode),
        });
      }
    }
  };
  walk(dir);
  return out.sort((x, y) => y.runtime - x.runtime);
}

function main(): void {
  if (!fs.existsSync(ARTIFACTS)) {
    console.error(`sizes: ${ARTIFACTS} not found; run hardhat compile first`);
    process.exit(1);
  }
  const sizes = readSizes();
  let ok = true;
  for (const s of sizes) {
    const over = s.runtime > RUNTIME_LIMIT || s.initcode > INITCODE_LIMIT;
    ok &&= !over;
    const pct = ((100 * s.runtime) / RUNTIME_LIMIT).toFixed(1);
    console.log(
      `size ${s.name.padEnd(24)} ${String(s.runtime).padStart(6)} B runtime (${pct.padStart(5)} % of ${RUNTIME_LIMIT}), ${String(s.initcode).padStart(6)} B initcode${over ? "  OVER THE LIMIT" : ""}`,
    );
  }
  console.log(`sizes: ${sizes.length} contracts, ${ok ? "all under the limits" : "FAILED"}`);
  if (!ok) process.exit(1);
}

if (require.main === module) main();
