/** Decodes revert data of any protocol contract (engine and its modules and libraries, lens,
 *  pool, insurance fund, ERC-20) into the error's name and arguments. */
import { ErrorDescription, Interface, type InterfaceAbi } from "ethers";
import {
  crossmarginAbi,
  crossmarginLensAbi,
  erc20Abi,
  insuranceFundAbi,
  liquidityPoolAbi,
} from "./generated/abis.js";

export interface DecodedError {
  /** Error name, e.g. `InsufficientMargin`; `Error` / `Panic` for the built-in ones. */
  name: string;
  /** Full signature, e.g. `InsufficientMargin(uint256,int256,uint256)`. */
  signature: string;
  /** 4-byte selector. */
  selector: string;
  /** Arguments in declaration order. */
  args: unknown[];
  /** Arguments by parameter name (parameters without a name are left out). */
  named: Record<string, unknown>;
}

const interfaces: Interface[] = [
  crossmarginAbi,
  liquidityPoolAbi,
  insuranceFundAbi,
  crossmarginLensAbi,
  erc20Abi,
].map((abi) => new Interface(abi as unknown as InterfaceAbi));

function describe(e: ErrorDescription): DecodedError {
  const named: Record<string, unknown> = {};
  e.fragment.inputs.forEach((p, i) => {
    if (p.name) named[p.name] = e.args[i];
  });
  return {
    name: e.name,
    signature: e.signature,
    selector: e.selector,
    args: [...e.args],
    named,
  };
}

/** The decoded error in revert data `data`, or undefined when no protocol contract declares
 *  it (or `data` is empty). `Error(string)` and `Panic(uint256)` decode too. */
export function decodeError(data: string | undefined | null): DecodedError | undefined {
  if (!data || !/^0x[0-9a-fA-F]*$/.test(data) || data.length < 10) return undefined;
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return describe(parsed);
    } catch {
      // not declared by this contract, or undecodable arguments
    }
  }
  return undefined;
}

/** Finds revert data on an error thrown by ethers, viem or a raw EIP-1193 provider (each nests
 *  it differently). */
export function revertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (!e || typeof e !== "object" || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(o.data)) return o.data;
    for (const k of ["error", "info", "cause", "data", "revert"]) {
      const found = walk(o[k]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(err);
}

/** The decoded protocol error carried by a thrown error, if any. */
export function decodeThrown(err: unknown): DecodedError | undefined {
  return decodeError(revertData(err));
}

/** One line describing an error: `Name(arg, ...)` for a protocol error, else its message. */
export function describeError(err: unknown): string {
  const d = decodeThrown(err);
  if (d) return `${d.name}(${d.args.map((a) => String(a)).join(", ")})`;
  const o = err as { shortMessage?: string; message?: string } | undefined;
  return (o?.shortMessage ?? o?.message ?? String(err)).split("\n")[0];
}
