/**
 * The engine's `Store` layout (contracts/types/Store.sol) as storage slots, for the tools and
 * tests that read the engine's storage directly (`scripts/bench/slots.ts`,
 * `test/hardhat/markets/state-storage.test.ts`). `s` follows AccessControl's mapping (slot 0).
 */
import { AbiCoder, keccak256 } from "ethers";

export const BASE = 1n;

/** `Store` fields by slot offset from `BASE`. */
export const FIELDS: Record<string, bigint> = {
  quoteToken: 0n,
  "poolBalance, quoteScale, paused, sequencer flag": 1n,
  sequencerFeed: 2n,
  pool: 3n,
  "insuranceFund, insuranceAccrued": 4n,
  "marketCount, traderDebt": 5n,
  "liq.0 (fee, buffer, penalty rates)": 6n,
  "liq.1 (keeper rewards, window)": 7n,
  "liq.2 (small debt, order fee)": 8n,
};

/** `Store` mappings by slot offset from `BASE`. */
export const MAPPINGS = {
  markets: 11n,
  marketStates: 12n,
  accounts: 13n,
  positions: 15n,
  orders: 16n,
  liquidations: 18n,
  protections: 21n,
  settlementCallbacks: 26n,
};

const enc = AbiCoder.defaultAbiCoder();

/** The slot of `key` in a mapping at `slot`. */
export const at = (key: bigint | string, slot: bigint, type = "uint256"): bigint =>
  BigInt(keccak256(enc.encode([type, "uint256"], [key, slot])));

/** The absolute slot of mapping `name`. */
export const mapping = (name: keyof typeof MAPPINGS): bigint => BASE + MAPPINGS[name];

/** The absolute slot of field `name`. */
export const field = (name: string): bigint => BASE + FIELDS[name];
