/** Compares the record, the config and the chain: code at every recorded address, the engine's
 *  wiring and roles, every market's and collateral's parameters, feeds, the global settings and
 *  the pool's exit parameters. Returns every difference (empty when all agree). */
import { Provider, getAddress } from "ethers";
import {
  AggregatorV3Interface__factory,
  ICrossmargin__factory,
  ICrossmarginRisk__factory,
  LiquidityPool__factory,
  MockERC20__factory,
} from "../typechain-types";
import { wad } from "../src/common/units";
import type { FeedConfig, NetworkConfig, TokenConfig } from "./config/types";
import { ROLE_IDS } from "./context";
import type { DeploymentRecord } from "./record";
import { assertTimelock } from "./timelock";
import { Difference, collateralDifferences, marketDifferences, settingsDifferences } from "./state";
import { adlSettings, lastSettings, liquidationSettings, redeemParams } from "./steps/configure";

export async function checkDeployment(
  provider: Provider,
  record: DeploymentRecord,
  cfg: NetworkConfig,
): Promise<Difference[]> {
  const out: Difference[] = [];
  const diff = (where: string, field: string, want: unknown, have: unknown) =>
    out.push({ where, field, want: String(want), have: String(have) });

  const chainId = Number((await provider.getNetwork()).chainId);
  if (chainId !== record.chainId) diff("record", "chainId", record.chainId, chainId);
  for (const [key, c] of Object.entries(record.contracts)) {
    if ((await provider.getCode(c.address)) === "0x")
      diff(key, "code", `code at ${c.address}`, "none");
  }
  for (const [key, p] of Object.entries(record.pending ?? {})) {
    diff(key, "deployment", "confirmed", `pending (transaction ${p.hash}; the next run adopts it)`);
  }
  const address = (key: string) => record.contracts[key]?.address;
  const engineAddress = address("Crossmargin");
  if (!engineAddress) {
    diff("record", "Crossmargin", "recorded", "missing");
    return out;
  }
  if ((await provider.getCode(engineAddress)) === "0x") return out;
  const engine = ICrossmargin__factory.connect(engineAddress, provider);

  // Wiring.
  for (const [field, key, have] of [
    ["extension", "CrossmarginExtension", await engine.extension()],
    ["riskModule", "CrossmarginRisk", await engine.riskModule()],
    ["pool", "LiquidityPool", await engine.pool()],
    ["insuranceFund", "InsuranceFund", await engine.insuranceFund()],
  ] as const) {
    const want = address(key);
    if (!want || getAddress(want) !== getAddress(have)) diff("engine", field, want, have);
  }

  // Roles: the timelock (or the deployer without one) administers; the configured holders hold
  // the risk-manager and guardian roles; after the handover the deployer holds nothing.
  const deployer = record.deployer;
  const admin = cfg.timelock ?? deployer;
  const role = async (name: keyof typeof ROLE_IDS, who: string | undefined, want: boolean) => {
    if (!who) return;
    const has = await engine.hasRole(ROLE_IDS[name], who);
    if (has !== want)
      diff("roles", `${name} of ${who}`, want ? "held" : "not held", has ? "held" : "not held");
  };
  if (cfg.timelock) {
    try {
      await assertTimelock(provider, cfg.timelock);
    } catch (err) {
      diff(
        "roles",
        "timelock",
        "a TimelockController with a minimum delay",
        (err as Error).message,
      );
    }
  }
  await role("admin", admin, true);
  await role("riskManager", cfg.riskManager ?? deployer, true);
  await role("guardian", cfg.guardian ?? deployer, true);
  if (cfg.timelock && deployer) {
    await role("admin", deployer, false);
    if (cfg.riskManager && getAddress(cfg.riskManager) !== getAddress(deployer)) {
      await role("riskManager", deployer, false);
    }
  }

  // Feeds and tokens: configured addresses, or the recorded mocks.
  const feedOf = async (key: string, where: string, f: FeedConfig) => {
    const a = f.kind === "chainlink" ? f.address : address(key);
    if (!a) {
      diff(where, "feed", "recorded", "missing");
      return undefined;
    }
    if (f.kind === "chainlink") {
      const d = await AggregatorV3Interface__factory.connect(a, provider)
        .description()
        .catch(() => "(no description())");
      if (d !== f.description) diff(where, "feed description", f.description, d);
    }
    return a;
  };
  const tokenOf = (key: string, t: TokenConfig) =>
    t.kind === "existing" ? t.address : address(key);

  for (const c of cfg.collaterals) {
    const where = `collateral ${c.symbol}`;
    const token = tokenOf(`token:${c.symbol}`, c.token);
    const feed = await feedOf(`feed:${c.symbol}`, where, c.feed);
    if (!token || !feed) {
      if (!token) diff(where, "token", "recorded", "missing");
      continue;
    }
    const onChain = await engine.getCollateral(token);
    if (!onChain.listed) {
      diff(where, "listed", true, false);
      continue;
    }
    const decimals = Number(await MockERC20__factory.connect(token, provider).decimals());
    out.push(...collateralDifferences(c, feed, decimals, onChain).diffs);
  }

  const count = Number(await engine.marketCount());
  if (count !== cfg.markets.length) diff("engine", "marketCount", cfg.markets.length, count);
  if (record.markets.length !== count) diff("record", "markets", count, record.markets.length);
  for (const [id, m] of cfg.markets.entries()) {
    const recorded = record.markets[id];
    if (recorded && recorded.name !== m.name)
      diff(`market ${id}`, "name (record)", m.name, recorded.name);
    if (id >= count) continue;
    const feed = await feedOf(`feed:${m.name}`, `market ${id} ${m.name}`, m.feed);
    if (!feed) continue;
    out.push(...marketDifferences(id, m, feed, await engine.getMarket(id)).diffs);
  }

  // Global settings (events: the engine has no getters for them), risk model, pool exits.
  const asRecord = (o: object) => o as Record<string, bigint>;
  const pick = (want: object, have?: Record<string, bigint>) =>
    have && Object.fromEntries(Object.keys(want).map((k) => [k, have[k]]));
  const liq = liquidationSettings(cfg);
  out.push(
    ...settingsDifferences(
      "liquidation",
      asRecord(liq),
      pick(liq, await lastSettings(engine, "liquidation")),
    ),
  );
  const adl = adlSettings(cfg);
  out.push(
    ...settingsDifferences("adl", asRecord(adl), pick(adl, await lastSettings(engine, "adl"))),
  );
  const risk = ICrossmarginRisk__factory.connect(engineAddress, provider);
  for (const [i, o] of cfg.risk.offsets.entries()) {
    const ids = [o.marketA, o.marketB].map((n) => cfg.markets.findIndex((m) => m.name === n));
    const have = await risk.getOffsetPair(i + 1);
    out.push(
      ...settingsDifferences(
        `offset pair ${i + 1} ${o.marketA}/${o.marketB}`,
        {
          marketA: BigInt(ids[0]),
          marketB: BigInt(ids[1]),
          rate: wad(o.rate),
          stressMove: wad(o.stressMove),
        },
        {
          marketA: have.marketA,
          marketB: have.marketB,
          rate: have.rate,
          stressMove: have.stressMove,
        },
      ),
    );
  }
  const fee = await risk.topUpFee();
  if (fee !== wad(cfg.risk.topUpFee)) diff("risk", "topUpFee", wad(cfg.risk.topUpFee), fee);
  const poolAddress = address("LiquidityPool");
  if (poolAddress && (await provider.getCode(poolAddress)) !== "0x") {
    const pool = LiquidityPool__factory.connect(poolAddress, provider);
    const [d, w, f] = redeemParams(cfg);
    out.push(
      ...settingsDifferences(
        "pool",
        { redeemDelay: d, claimWindow: w, exitFeeRate: f },
        {
          redeemDelay: await pool.redeemDelay(),
          claimWindow: await pool.claimWindow(),
          exitFeeRate: await pool.exitFeeRate(),
        },
      ),
    );
  }
  return out;
}
