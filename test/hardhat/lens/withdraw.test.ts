/** CrossmarginLens.maxWithdrawable: the returned amount withdraws, one unit more does not. */
import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import { RiskAccount, collateralWeights, quoteToUsd, riskHealth } from "../../../src/model";
import { loadSystem } from "../../helpers/fixture";
import {
  QUOTE_DECIMALS,
  TwoMarketAccount,
  fund,
  fundPool,
  latestTime,
  loadTwoMarketAccount,
  modelAccount,
  trade,
} from "../../helpers/lens";
import { collateralRisk } from "../../helpers/risk";
import { SOL } from "../../../src/common";

/** Equity - IM of the (risk) model account if `token`'s balance drops by `amount`. */
function freeAfter(acc: RiskAccount, tokenIndex: number | "quote", amount: bigint): bigint {
  const next: RiskAccount =
    tokenIndex === "quote"
      ? { ...acc, quoteBalance: acc.quoteBalance - amount }
      : {
          ...acc,
          collaterals: acc.collaterals.map((c, i) =>
            i === tokenIndex ? { ...c, amount: c.amount - amount } : c,
          ),
        };
  const m = riskHealth(next);
  return m.equity - m.im;
}

describe("lens: maxWithdrawable", () => {
  const symbols = ["USDC", "WETH", "WBTC"] as const;

  /**
   * Pins the next block's timestamp, reads the lens at that (pending) block, checks that
   * `max + step` reverts there with `error`, then withdraws `max` in that very block.
   */
  async function withdrawMaxAt(
    f: TwoMarketAccount,
    symbol: (typeof symbols)[number],
    step: bigint,
    error: string,
  ): Promise<{ max: bigint; now: bigint }> {
    const { sys, trader, account } = f;
    const token = symbol === "USDC" ? sys.quote : sys.collaterals[symbol];
    const address = await token.getAddress();
    const now = (await latestTime()) + 30n;
    await time.setNextBlockTimestamp(now);
    const max = await sys.lens.maxWithdrawable(account, address, { blockTag: "pending" });
    const engine = sys.engine.connect(trader);
    await expect(
      engine.withdraw.staticCall(account, address, max + step, trader.address, {
        blockTag: "pending",
      }),
    ).to.be.revertedWithCustomError(sys.engine, error);
    const before = await token.balanceOf(trader.address);
    await (await engine.withdraw(account, address, max, trader.address)).wait();
    expect(await latestTime()).to.equal(now);
    expect((await token.balanceOf(trader.address)) - before).to.equal(max);
    return { max, now };
  }

  for (const [i, symbol] of symbols.entries()) {
    it(`${symbol}: margin-bound maximum withdraws; one unit more fails`, async () => {
      const f = await loadTwoMarketAccount();
      const token = symbol === "USDC" ? f.sys.quote : f.sys.collaterals[symbol];
      // Model at the block the withdrawal will be mined in.
      const now = (await latestTime()) + 30n;
      const { risk: model } = await modelAccount(f.sys, f.account, { now });
      const index = i === 0 ? "quote" : i - 1;
      const free = freeAfter(model, index, 0n);
      expect(free > 0n).to.equal(true);
      const { max } = await withdrawMaxAt(f, symbol, 1n, "InsufficientMargin");
      // Margin-bound (the balance would allow more), exact at the unit.
      const balance =
        index === "quote" ? model.quoteBalance : model.collaterals[index as number].amount;
      expect(max < balance).to.equal(true);
      expect(freeAfter(model, index, max) >= 0n).to.equal(true);
      expect(freeAfter(model, index, max + 1n) < 0n).to.equal(true);
      if (index === "quote") {
        // floor((equity - IM) / 1e12)
        expect(max).to.equal(free / 10n ** 12n);
      } else {
        // Closed form check: the remainder is the smallest that covers W(balance) - free, with
        // W the value at the initial weight (what a withdrawal takes off equity - IM).
        const c = model.collaterals[index as number];
        const w = (x: bigint) => collateralWeights({ ...c, amount: x }, c.risk).initialUsd;
        expect(w(c.amount - max) >= w(c.amount) - free).to.equal(true);
        expect(w(c.amount - max - 1n) < w(c.amount) - free).to.equal(true);
      }
      // Afterwards the account sits at its initial margin: nothing more of anything.
      const after = await f.sys.lens.accountSummary(f.account);
      expect(after.availableMargin >= 0n).to.equal(true);
      expect(after.availableMargin < quoteToUsd(1n, QUOTE_DECIMALS) * 1000n).to.equal(true);
      expect(await f.sys.lens.maxWithdrawable(f.account, await token.getAddress())).to.equal(0n);
    });
  }

  it("WETH: a larger step (1 gwei of WETH) also fails just above the maximum", async () => {
    const f = await loadTwoMarketAccount();
    const { max } = await withdrawMaxAt(f, "WETH", 10n ** 9n, "InsufficientMargin");
    expect(max > 0n).to.equal(true);
  });

  it("balance-bound: a healthy account withdraws its whole balance, one unit more fails", async () => {
    const sys = await loadSystem();
    const [, , other] = await hre.ethers.getSigners();
    const account = await fund(sys, other, 2, { USDC: "1000", WETH: "1.5", WBTC: "0.25" });
    for (const [symbol, error] of [
      ["USDC", "InsufficientBalance"],
      ["WETH", "InsufficientBalance"],
      ["WBTC", "InsufficientBalance"],
    ] as const) {
      const token = symbol === "USDC" ? sys.quote : sys.collaterals[symbol];
      const address = await token.getAddress();
      const max = await sys.lens.maxWithdrawable(account, address);
      const balance =
        symbol === "USDC"
          ? (await sys.engine.getAccount(account)).quoteBalance
          : await sys.engine.collateralBalance(account, address);
      expect(max).to.equal(balance);
      const engine = sys.engine.connect(other);
      await expect(
        engine.withdraw.staticCall(account, address, max + 1n, other.address),
      ).to.be.revertedWithCustomError(sys.engine, error);
      await (await engine.withdraw(account, address, max, other.address)).wait();
    }
    expect((await sys.lens.collaterals(account)).items.length).to.equal(0);
  });

  it("quote debt: no other collateral may leave, and no quote either", async () => {
    const sys = await loadSystem();
    const [, , other] = await hre.ethers.getSigners();
    await fundPool(sys, "100000");
    const account = await fund(sys, other, 4, { WETH: "2" });
    await trade(sys, other, account, SOL, wad("100")); // the fee is realised as quote debt
    expect((await sys.engine.getAccount(account)).quoteBalance < 0n).to.equal(true);
    const weth = await sys.collaterals.WETH.getAddress();
    expect(await sys.lens.maxWithdrawable(account, weth)).to.equal(0n);
    expect(await sys.lens.maxWithdrawable(account, await sys.quote.getAddress())).to.equal(0n);
    await expect(
      sys.engine.connect(other).withdraw.staticCall(account, weth, 1n, other.address),
    ).to.be.revertedWithCustomError(sys.engine, "DebtOutstanding");
  });

  it("weight 0: the whole balance while equity >= IM, nothing when it is not", async () => {
    const f = await loadTwoMarketAccount();
    const { sys, trader, account } = f;
    const wbtc = await sys.collaterals.WBTC.getAddress();
    const c = sys.config.collaterals[1];
    await (
      await sys.engine.setCollateralParams(
        wbtc,
        collateralRisk({ weight: 0n, discount: c.liquidationDiscount, cap: 10n ** 20n }),
      )
    ).wait();
    // The trader's leveraged account now misses IM without its WBTC: nothing may leave.
    const { risk: model } = await modelAccount(sys, account, { weights: { WBTC: 0n } });
    const m = riskHealth(model);
    expect(m.equity < m.im).to.equal(true);
    expect(await sys.lens.maxWithdrawable(account, wbtc)).to.equal(0n);
    await expect(
      sys.engine.connect(trader).withdraw.staticCall(account, wbtc, 1n, trader.address),
    ).to.be.revertedWithCustomError(sys.engine, "InsufficientMargin");
    // A second account without positions may take all of its (weightless) WBTC.
    const [, , other] = await hre.ethers.getSigners();
    const flat = await fund(sys, other, 9, { USDC: "10", WBTC: "0.3" });
    expect(await sys.lens.maxWithdrawable(flat, wbtc)).to.equal(30_000_000n);
    await (await sys.engine.connect(other).withdraw(flat, wbtc, 30_000_000n, other.address)).wait();
  });

  it("pending orders count: their reserve lowers the maximum", async () => {
    const f = await loadTwoMarketAccount();
    const { sys, trader, account } = f;
    const usdc = await sys.quote.getAddress();
    const before = await sys.lens.maxWithdrawable(account, usdc);
    const deadline = (await latestTime()) + 600n;
    await (
      await sys.engine.connect(trader).commitOrder(account, SOL, wad("10"), 1n << 127n, deadline)
    ).wait();
    const o = await sys.engine.getOrder(account, SOL);
    const reserveUsd = o.reserveUsd + o.keeperFee * 10n ** 12n;
    const after = await sys.lens.maxWithdrawable(account, usdc);
    // The reserve (in quote units, about) comes off the maximum; funding drift is far below 1 USDC.
    const drop = before - after;
    const expected = reserveUsd / 10n ** 12n;
    expect(drop >= expected - 1n && drop <= expected + 1n).to.equal(true);
  });

  it("unknown token: reverts with LensUnknownToken", async () => {
    const sys = await loadSystem();
    const [, , other] = await hre.ethers.getSigners();
    await expect(sys.lens.maxWithdrawable(1n, other.address))
      .to.be.revertedWithCustomError(sys.lens, "LensUnknownToken")
      .withArgs(other.address);
  });
});
