/** Decodes revert data of any protocol contract into `Name(arg, ...)`, for logs and tests. */
import { Interface, ErrorDescription } from "ethers";
import {
  ICrossmargin__factory,
  InsuranceFund__factory,
  LiquidityPool__factory,
} from "../../typechain-types";

const interfaces: Interface[] = [
  ICrossmargin__factory.createInterface(),
  LiquidityPool__factory.createInterface(),
  InsuranceFund__factory.createInterface(),
];

/** The parsed custom error in `data`, or undefined when no protocol contract declares it. */
export function parseError(data: string | undefined | null): ErrorDescription | undefined {
  if (!data || data.length < 10) return undefined;
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return parsed;
    } catch {
      // not this interface
    }
  }
  return undefined;
}

/** Finds revert data on an ethers / provider error object (nested differently per provider). */
export function revertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (!e || typeof e !== "object" || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && o.data.startsWith("0x") && o.data.length >= 10) return o.data;
    for (const k of ["error", "info", "cause", "data"]) {
      const found = walk(o[k]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(err);
}

/** A one-line description of an error: the decoded custom error if any, else its message. */
export function describeError(err: unknown): string {
  const parsed = parseError(revertData(err));
  if (parsed) return `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})`;
  const msg =
    (err as { shortMessage?: string; message?: string })?.shortMessage ??
    (err as { message?: string })?.message ??
    String(err);
  return msg.split("\n")[0];
}
