/** What the risk-parameter derivation runs on: each market and collateral with its daily price
 *  series, the offset pairs, and the stated assumptions for series without history. */

/** A stand-in for a series that has no history file: another series' daily log returns
 *  multiplied by `volatilityMultiplier` and its volumes by `volumeMultiplier`. */
export interface ProxySpec {
  of: string;
  volatilityMultiplier: number;
  volumeMultiplier: number;
  /** Why the multipliers are what they are (printed with the table). */
  assumption: string;
}

/** A daily series: its CSV (relative to the project root), and the proxy used when the file is
 *  absent. A present file always wins over the proxy. */
export interface SeriesSpec {
  file: string;
  proxy?: ProxySpec;
}

/** A perpetual market and the series its risk comes from. */
export interface MarketInput {
  name: string;
  series: string;
}

/** A collateral token and the series of its USD price. */
export interface CollateralInput {
  symbol: string;
  series: string;
}

/** Two markets whose opposite positions earn a margin credit (docs/math.md, offset pairs). */
export interface OffsetInput {
  marketA: string;
  marketB: string;
}

/** Everything the derivation reads. */
export interface RiskInputs {
  series: Record<string, SeriesSpec>;
  markets: readonly MarketInput[];
  collaterals: readonly CollateralInput[];
  offsets: readonly OffsetInput[];
}

/** The committed inputs. data/ holds ETH and BTC history only; SOL runs on the ETH series
 *  until data/SOL-USD-daily.csv exists. */
export const RISK_INPUTS: RiskInputs = {
  series: {
    ETH: { file: "data/ETH-USD-daily.csv" },
    BTC: { file: "data/BTC-USD-daily.csv" },
    SOL: {
      file: "data/SOL-USD-daily.csv",
      proxy: {
        of: "ETH",
        // SOL's realised volatility has run at roughly 1.3-1.7 times ETH's: the middle, 1.5.
        volatilityMultiplier: 1.5,
        // SOL's spot dollar volume has run at roughly a tenth to a third of ETH's: 0.2, so the
        // size term does not credit SOL with ETH's depth.
        volumeMultiplier: 0.2,
        assumption:
          "SOL = ETH daily log returns x1.5 (SOL realised vol ~1.3-1.7x ETH), volume x0.2 " +
          "(SOL dollar volume ~0.1-0.33x ETH)",
      },
    },
  },
  markets: [
    { name: "ETH-PERP", series: "ETH" },
    { name: "BTC-PERP", series: "BTC" },
    { name: "SOL-PERP", series: "SOL" },
  ],
  collaterals: [
    { symbol: "WETH", series: "ETH" },
    { symbol: "WBTC", series: "BTC" },
  ],
  offsets: [{ marketA: "ETH-PERP", marketB: "BTC-PERP" }],
};
