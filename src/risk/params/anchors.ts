/** Other venues' published risk parameters, printed next to the derived ones for comparison.
 *  These are the published values at the time of writing; venues change them, so check the
 *  venue's current documentation before quoting them. They never enter the derivation. */

/** A perpetual venue's initial and maintenance margin rates for one market. */
export interface MarketAnchor {
  venue: string;
  imr: number;
  mmr: number;
}

/** A lending venue's collateral parameters (Aave v3: LTV, liquidation threshold, bonus). */
export interface LendingAnchor {
  venue: string;
  ltv: number;
  liquidationThreshold: number;
  liquidationBonus: number;
}

/** A perpetual venue's spot-collateral asset weights. */
export interface WeightAnchor {
  venue: string;
  initialWeight: number;
  maintenanceWeight: number;
}

/** Published values at the time of writing, one row per market or collateral. */
export const ANCHORS: {
  markets: Record<string, readonly MarketAnchor[]>;
  collaterals: Record<string, { lending: LendingAnchor; weights: WeightAnchor }>;
} = {
  markets: {
    "ETH-PERP": [
      { venue: "dYdX v4", imr: 0.05, mmr: 0.03 },
      { venue: "Drift", imr: 0.05, mmr: 0.025 },
      { venue: "Hyperliquid", imr: 0.04, mmr: 0.02 },
    ],
    "BTC-PERP": [
      { venue: "dYdX v4", imr: 0.05, mmr: 0.03 },
      { venue: "Drift", imr: 0.05, mmr: 0.025 },
      { venue: "Hyperliquid", imr: 0.025, mmr: 0.0125 },
    ],
    "SOL-PERP": [
      { venue: "dYdX v4", imr: 0.1, mmr: 0.05 },
      { venue: "Drift", imr: 0.1, mmr: 0.05 },
      { venue: "Hyperliquid", imr: 0.05, mmr: 0.025 },
    ],
  },
  collaterals: {
    WETH: {
      lending: {
        venue: "Aave v3 Ethereum",
        ltv: 0.805,
        liquidationThreshold: 0.83,
        liquidationBonus: 0.05,
      },
      weights: { venue: "Drift spot", initialWeight: 0.8, maintenanceWeight: 0.9 },
    },
    WBTC: {
      lending: {
        venue: "Aave v3 Ethereum",
        ltv: 0.73,
        liquidationThreshold: 0.78,
        liquidationBonus: 0.05,
      },
      weights: { venue: "Drift spot", initialWeight: 0.8, maintenanceWeight: 0.9 },
    },
  },
};
