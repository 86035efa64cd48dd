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
  "poolBalance, quoteScale, paused, sequencer flag, config page": 1n,
  sequencerFeed: 2n,
  pool: 3n,
  "insuranceFund, insuranceAccrued": 4n,
  "marketCount, traderDebt": 5n,
  "liq.0 (rates, keeper rewards, window)": 6n,
  "liq.1 (close factor, small debt, order fee)": 7n,
  "collateralTokens (length)": 8n,
};

/** `Store` mappings by slot offset from `BASE`. */
export const MAPPINGS = {
  collaterals: 9n,
  markets: 10n, // `Market`: the configuration's 5 slots, then the state's 4 (`state`)
  accounts: 11n,
  positions: 13n, // by `positionKey(account, marketId)`
  orders: 14n,
  liquidations: 16n,
  protections: 19n,
  settlementCallbacks: 24n,
  collateralConfigs: 25n,
};

const enc = AbiCoder.defaultAbiCoder();

/** The slot of `key` in a mapping at `slot`. */
export const at = (key: bigint | string, slot: bigint, type = "uint256"): bigint =>
  BigInt(keccak256(enc.encode([type, "uint256"], [key, slot])));

/** The absolute slot of mapping `name`. */
export const mapping = (name: keyof typeof MAPPINGS): bigint => BASE + MAPPINGS[name];

/** The first slot of market `id`'s state (`Market.state`, after the configuration's 5). */
export const stateSlot = (id: bigint): bigint => at(id, mapping("markets")) + 5n;

/** `MarketState`'s slots by offset from `stateSlot` (contracts/types/Types.sol). */
export const STATE_SLOTS = [
  "state0 (longOI, shortOI)",
  "state1 (funding index, rate, time)",
  "state2 (netBasis, blockSkew)",
  "state3 (liquidation window)",
] as const;

/** AccountIds.positionKey: the key of an account's position in a market. */
export const positionKey = (account: bigint, marketId: bigint | number): bigint =>
  (BigInt(marketId) << 168n) | account;

/** The absolute slot of field `name`. */
export const field = (name: string): bigint => BASE + FIELDS[name];

/** The fields of the slot `FIELDS["poolBalance, quoteScale, paused, sequencer flag, config page"]`
 *  (Store.sol: `int128 poolBalance`, `uint64 quoteScale`, `uint24 sequencerGracePeriod`,
 *  `bool paused`, `bool hasSequencer`, `uint24 configPage`, from the low bits up). */
export function decodeHotSlot(w: bigint) {
  const bits = (at: bigint, n: bigint) => (w >> at) & ((1n << n) - 1n);
  return {
    balance: BigInt.asIntN(128, bits(0n, 128n)),
    scale: bits(128n, 64n),
    gracePeriod: bits(192n, 24n),
    paused: bits(216n, 8n) === 1n,
    hasSequencer: bits(224n, 8n) === 1n,
    configPage: bits(232n, 24n),
  };
}
