/**
 * CrossmarginBasisVault (contracts/examples): an ERC-4626 WETH vault hedged by a short ETH
 * perpetual through delayed orders, on a market with instant trading off. Expected values come
 * from a ledger the test keeps along the price path with src/model, never from the vault.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../../src/common/units";
import { FAR } from "../../../src/common";
import { divCeil } from "../../../src/model";
import {
  ETH,
  KEEPER_FEE,
  QUOTE_SCALE,
  VaultEnv,
  VIRTUAL_SHARES,
  hedged,
  modelExitValue,
  settleAndBook,
  setEthPrice,
  toAssets,
  toShares,
  vaultFixture,
  weth,
} from "../../helpers/examples";

const load = (): Promise<VaultEnv> => loadFixture(vaultFixture);

/** Settles the pending order at 3000 once its delay has passed. */
async function hedgedSettle(env: VaultEnv): Promise<void> {
  await settleAndBook(
    env,
    { weth: weth("1"), quote: 0n, position: { size: 0n, entryPrice: 0n, fundingIndex: 0n } },
    "3000",
  );
}

describe("examples: CrossmarginBasisVault", () => {
  it("deposit -> hedge committed -> settled by a keeper -> delta within the band", async () => {
    const env = await load();
    const { sys, vault, vaultAccount, alice, keeper } = env;
    // Nobody but the vault (or its operators: none) may trade its account.
    await expect(
      sys.engine.connect(alice).modifyPosition(vaultAccount, ETH, -1n, 1n, FAR),
    ).to.be.revertedWithCustomError(sys.engine, "Unauthorized");

    await expect(vault.connect(alice).deposit(weth("10"), alice.address))
      .to.emit(vault, "Deposit")
      .withArgs(alice.address, alice.address, weth("10"), toShares(weth("10"), 0n, 0n));
    expect(await sys.engine.collateralBalance(vaultAccount, await vault.asset())).to.equal(
      weth("10"),
    );
    expect(await sys.collaterals.WETH.balanceOf(await vault.getAddress())).to.equal(0n);

    const acceptable = (wad("3000") * 9_900n) / 10_000n;
    await expect(vault.connect(keeper).rebalance())
      .to.emit(vault, "HedgeOrderCommitted")
      .withArgs(-weth("10"), -weth("10"), acceptable, 1n);
    const order = await sys.engine.getOrder(vaultAccount, ETH);
    expect(order.sizeDelta).to.equal(-weth("10"));
    expect(order.acceptablePrice).to.equal(acceptable);
    expect(order.settlementDeadline - order.commitTime).to.equal(600n);
    await expect(vault.connect(keeper).rebalance()).to.be.revertedWithCustomError(
      vault,
      "OrderPending",
    );

    const ledger = await settleAndBook(
      env,
      { weth: weth("10"), quote: 0n, position: { size: 0n, entryPrice: 0n, fundingIndex: 0n } },
      "3000",
    );
    // Delta: WETH held + perp size = 0, well within the 5 % band.
    expect(ledger.weth + ledger.position.size).to.equal(0n);
    await expect(vault.connect(keeper).rebalance())
      .to.be.revertedWithCustomError(vault, "HedgeWithinBand")
      .withArgs(-weth("10"), -weth("10"));
  });

  it("the market refuses instant trades that add risk", async () => {
    const env = await load();
    const { sys, bob } = env;
    await sys.quote.mint(bob.address, 10_000_000_000n);
    await sys.quote.connect(bob).approve(await sys.engine.getAddress(), 10_000_000_000n);
    await sys.engine.connect(bob).deposit(0, await sys.quote.getAddress(), 10_000_000_000n);
    const bobAccount = await sys.engine.accountId(bob.address, 0);
    await expect(
      sys.engine.connect(bob).modifyPosition(bobAccount, ETH, -weth("1"), 1n, FAR),
    ).to.be.revertedWithCustomError(sys.engine, "InstantTradingDisabled");
  });

  it("price moves: totalAssets follows the ledger, the hedge stays neutral, deposits re-hedge", async () => {
    const env = await load();
    const { sys, vault, keeper, bob } = env;
    let ledger = await hedged(env);
    // ETH +10 %: the USD value barely moves (fees and funding only), the WETH value falls.
    const usdBefore =
      ((await modelExitValue(sys, ledger, wad("3000"), BigInt(await time.latest()))) *
        wad("3000")) /
      wad("1");
    const t = BigInt(await time.latest()) + 10n;
    await setEthPrice(sys, "3300", t);
    // A view runs at the latest block's timestamp (the WETH feed's update, after the market's).
    const expected = await modelExitValue(sys, ledger, wad("3300"), BigInt(await time.latest()));
    expect(await vault.totalAssets()).to.equal(expected);
    const usdAfter = (expected * wad("3300")) / wad("1");
    const drift = usdAfter > usdBefore ? usdAfter - usdBefore : usdBefore - usdAfter;
    expect(drift, "USD value moves by less than 5 USD on a 10 % move").to.be.lt(wad("5"));
    await expect(vault.connect(keeper).rebalance()).to.be.revertedWithCustomError(
      vault,
      "HedgeWithinBand",
    );

    // A 2 % deposit stays within the band; a further 10 % leaves it.
    await vault.connect(bob).deposit(weth("0.2"), bob.address);
    await expect(vault.connect(keeper).rebalance()).to.be.revertedWithCustomError(
      vault,
      "HedgeWithinBand",
    );
    await vault.connect(bob).deposit(weth("1"), bob.address);
    ledger = { ...ledger, weth: ledger.weth + weth("1.2") };
    await expect(vault.connect(keeper).rebalance())
      .to.emit(vault, "HedgeOrderCommitted")
      .withArgs(-weth("1.2"), -weth("11.2"), (wad("3300") * 9_900n) / 10_000n, 2n);
    ledger = await settleAndBook(env, ledger, "3300");
    expect(ledger.position.size).to.equal(-weth("11.2"));
  });

  it("redemption: request, reduce-only unwind, claim pays the ledger's WETH value", async () => {
    const env = await load();
    const { sys, vault, vaultAccount, alice, keeper } = env;
    let ledger = await hedged(env);
    const shares = await vault.balanceOf(alice.address);
    const half = shares / 2n;
    await setEthPrice(sys, "2700");
    await expect(vault.connect(alice).requestRedeem(half, alice.address, alice.address))
      .to.emit(vault, "RedeemRequest")
      .withArgs(alice.address, alice.address, 0n, alice.address, half);
    expect(await vault.pendingRedeemRequest(0, alice.address)).to.equal(half);
    expect(await vault.maxRedeem(alice.address)).to.equal(0n);
    await expect(vault.connect(alice).redeem(half, alice.address, alice.address))
      .to.be.revertedWithCustomError(vault, "RequestNotClaimable")
      .withArgs(alice.address, 0n, half);
    await expect(vault.previewRedeem(half)).to.be.revertedWithCustomError(vault, "AsyncRedeem");

    // The escrowed half leaves the target: the keeper unwinds 5 ETH of the short.
    expect(await vault.targetSize()).to.equal(-weth("5"));
    await vault.connect(keeper).rebalance();
    const order = await sys.engine.getOrder(vaultAccount, ETH);
    expect(order.sizeDelta).to.equal(weth("5"));
    expect(order.reduceOnly).to.equal(true);
    await expect(
      vault.connect(alice).redeem(half, alice.address, alice.address),
    ).to.be.revertedWithCustomError(vault, "OrderPending");

    ledger = await settleAndBook(env, ledger, "2700");
    expect(ledger.position.size).to.equal(-weth("5"));
    expect(ledger.quote, "the short's gain is realised in quote").to.be.gt(0n);
    expect(await vault.claimableRedeemRequest(0, alice.address)).to.equal(half);

    const at = BigInt(await time.latest()) + 5n;
    const ta = await modelExitValue(sys, ledger, wad("2700"), at);
    const supply = await vault.totalSupply();
    const expectedAssets = toAssets(half, ta, supply);
    const before = await sys.collaterals.WETH.balanceOf(alice.address);
    await time.setNextBlockTimestamp(at);
    await expect(vault.connect(alice).redeem(half, alice.address, alice.address))
      .to.emit(vault, "Withdraw")
      .withArgs(alice.address, alice.address, alice.address, expectedAssets, half);
    expect((await sys.collaterals.WETH.balanceOf(alice.address)) - before).to.equal(expectedAssets);
    // More than half the WETH: the short's USD gain is paid in WETH at 2700.
    expect(expectedAssets).to.be.gt(weth("5.2"));
    expect(await vault.totalSupply()).to.equal(supply - half);
    expect(await vault.escrowedShares()).to.equal(0n);
    expect(await sys.engine.collateralBalance(vaultAccount, await vault.asset())).to.equal(
      ledger.weth - expectedAssets,
    );
  });

  it("a quote debt blocks claims until someone repays it for WETH at the premium", async () => {
    const env = await load();
    const { sys, vault, vaultAccount, alice, keeper, bob } = env;
    let ledger = await hedged(env);
    const shares = await vault.balanceOf(alice.address);
    await setEthPrice(sys, "3300");
    await vault.connect(alice).requestRedeem(shares / 2n, alice.address, alice.address);
    await vault.connect(keeper).rebalance();
    ledger = await settleAndBook(env, ledger, "3300");
    expect(ledger.quote, "the short's loss is realised as a debt").to.be.lt(0n);
    const debt = -ledger.quote;
    await expect(vault.connect(alice).redeem(shares / 2n, alice.address, alice.address))
      .to.be.revertedWithCustomError(vault, "QuoteDebtOutstanding")
      .withArgs(debt);

    // Bob repays the debt and receives its USD value in WETH at 3300 plus 0.3 %.
    const wethOut = (debt * QUOTE_SCALE * wad("1") * 10_030n) / (wad("3300") * 10_000n);
    await sys.quote.mint(bob.address, debt);
    await sys.quote.connect(bob).approve(await vault.getAddress(), debt);
    await expect(vault.connect(bob).repayDebt(wethOut + 1n))
      .to.be.revertedWithCustomError(vault, "ConversionSlippage")
      .withArgs(wethOut, wethOut + 1n);
    const before = await sys.collaterals.WETH.balanceOf(bob.address);
    await expect(vault.connect(bob).repayDebt(wethOut))
      .to.emit(vault, "DebtRepaid")
      .withArgs(bob.address, debt, wethOut);
    expect((await sys.collaterals.WETH.balanceOf(bob.address)) - before).to.equal(wethOut);
    ledger = { ...ledger, weth: ledger.weth - wethOut, quote: 0n };
    expect((await sys.engine.getAccount(vaultAccount)).quoteBalance).to.equal(0n);

    const at = BigInt(await time.latest()) + 5n;
    const expectedAssets = toAssets(
      shares / 2n,
      await modelExitValue(sys, ledger, wad("3300"), at),
      await vault.totalSupply(),
    );
    await time.setNextBlockTimestamp(at);
    await vault.connect(alice).redeem(shares / 2n, alice.address, alice.address);
    expect(await sys.collaterals.WETH.balanceOf(alice.address)).to.equal(
      weth("990") + expectedAssets,
    );
    // Less than half the WETH: at 3300 the same USD is fewer ETH.
    expect(expectedAssets).to.be.lt(weth("4.6"));
  });

  it("mint and the withdraw(assets) claim round in the vault's favour", async () => {
    const env = await load();
    const { sys, vault, alice, bob, keeper } = env;
    let ledger = await hedged(env);
    const mintAt = BigInt(await time.latest()) + 5n;
    const ta = await modelExitValue(sys, ledger, wad("3000"), mintAt);
    const supply = await vault.totalSupply();
    const shares = weth("1") * 10n ** 6n;
    const pay = divCeil(shares * (ta + 1n), supply + VIRTUAL_SHARES);
    const before = await sys.collaterals.WETH.balanceOf(bob.address);
    await time.setNextBlockTimestamp(mintAt);
    await vault.connect(bob).mint(shares, bob.address);
    expect(before - (await sys.collaterals.WETH.balanceOf(bob.address))).to.equal(pay);
    ledger = { ...ledger, weth: ledger.weth + pay };

    await vault.connect(alice).requestRedeem(weth("5") * 10n ** 6n, alice.address, alice.address);
    await vault.connect(keeper).rebalance();
    ledger = await settleAndBook(env, ledger, "3000");
    if (ledger.quote < 0n) {
      await sys.quote.mint(bob.address, -ledger.quote);
      await sys.quote.connect(bob).approve(await vault.getAddress(), -ledger.quote);
      const out = await vault.connect(bob).repayDebt.staticCall(0);
      await vault.connect(bob).repayDebt(0);
      ledger = { ...ledger, weth: ledger.weth - out[1], quote: 0n };
    }
    const at = BigInt(await time.latest()) + 5n;
    const ta2 = await modelExitValue(sys, ledger, wad("3000"), at);
    const supply2 = await vault.totalSupply();
    const assets = weth("4");
    const burn = divCeil(assets * (supply2 + VIRTUAL_SHARES), ta2 + 1n);
    await time.setNextBlockTimestamp(at);
    await expect(vault.connect(alice).withdraw(assets, alice.address, alice.address))
      .to.emit(vault, "Withdraw")
      .withArgs(alice.address, alice.address, alice.address, assets, burn);
    const [left] = await vault.redeemRequest(alice.address);
    expect(left).to.equal(weth("5") * 10n ** 6n - burn);
    expect(await vault.supportsInterface("0x620ee8e4")).to.equal(true);
  });

  it("the order deadline stays inside the market's window whatever the vault's TTL", async () => {
    const env = await load();
    const { sys, vault, vaultAccount, alice, keeper } = env;
    // A market whose minimum delay (15 min) exceeds the vault's 10-minute TTL.
    await sys.engine.setMarketOrderParams(ETH, {
      instantTrading: false,
      minOrderDelay: 900,
      maxOrderAge: 7200,
    });
    await vault.connect(alice).deposit(weth("1"), alice.address);
    await vault.connect(keeper).rebalance();
    const order = await sys.engine.getOrder(vaultAccount, ETH);
    // Deadline = commit + delay + 60 s: keepers keep a minute to settle.
    expect(order.settlementDeadline - order.commitTime).to.equal(960n);
    await hedgedSettle(env);
    expect((await sys.engine.getPosition(vaultAccount, ETH)).size).to.equal(-weth("1"));
  });

  describe("attacks", () => {
    it("first-depositor inflation: donations do not take the victim's deposit", async () => {
      const env = await load();
      const { sys, vault, vaultAccount, attacker, alice } = env;
      await vault.connect(attacker).deposit(1n, attacker.address);
      expect(await vault.balanceOf(attacker.address)).to.equal(toShares(1n, 0n, 0n));
      // A WETH transfer to the vault is not an asset of the engine account: ignored.
      await sys.collaterals.WETH.connect(attacker).transfer(await vault.getAddress(), weth("50"));
      expect(await vault.totalAssets()).to.equal(1n);
      // A quote donation to the engine account counts, at the WETH price.
      const donation = 100_000_000_000n; // 100,000 USDC
      await sys.quote.mint(attacker.address, donation);
      await sys.quote.connect(attacker).approve(await sys.engine.getAddress(), donation);
      await sys.engine
        .connect(attacker)
        .depositFor(vaultAccount, await sys.quote.getAddress(), donation);
      const donated = (donation * QUOTE_SCALE * wad("1")) / wad("3000");
      const ta = 1n + donated;
      expect(await vault.totalAssets()).to.equal(ta);

      const supply = await vault.totalSupply();
      const victimShares = toShares(weth("10"), ta, supply);
      await vault.connect(alice).deposit(weth("10"), alice.address);
      expect(await vault.balanceOf(alice.address)).to.equal(victimShares);
      expect(victimShares).to.be.gt(0n);
      const ta2 = ta + weth("10");
      const supply2 = supply + victimShares;
      expect(await vault.totalAssets()).to.equal(ta2);
      const victimValue = toAssets(victimShares, ta2, supply2);
      const attackerValue = toAssets(supply, ta2, supply2);
      expect(weth("10") - victimValue, "victim loses dust only").to.be.lt(weth("0.0001"));
      expect(attackerValue, "the attacker recovers far less than it donated").to.be.lt(
        (donated * 6n) / 10n,
      );
    });

    it("a redeemer cannot time a claim around a pending order; the order is counted once", async () => {
      const env = await load();
      const { sys, vault, alice, bob, keeper } = env;
      let ledger = await hedged(env);
      await vault.connect(bob).deposit(weth("2"), bob.address);
      ledger = { ...ledger, weth: ledger.weth + weth("2") };
      await vault.connect(keeper).rebalance(); // -2 ETH, pending
      // Pending: the position is unchanged and only the reserved keeper fee is counted.
      const pendingValue = await modelExitValue(
        sys,
        ledger,
        wad("3000"),
        BigInt(await time.latest()),
        KEEPER_FEE,
      );
      expect(await vault.totalAssets()).to.equal(pendingValue);

      const shares = await vault.balanceOf(alice.address);
      await vault.connect(alice).requestRedeem(shares, alice.address, alice.address);
      const [, epoch] = await vault.redeemRequest(alice.address);
      expect(epoch).to.equal((await vault.coveredEpoch()) + 1n);
      await expect(
        vault.connect(alice).redeem(shares, alice.address, alice.address),
      ).to.be.revertedWithCustomError(vault, "OrderPending");
      ledger = await settleAndBook(env, ledger, "3000");
      // The pending order was sized before the request: the request waits for the next one.
      expect(await vault.maxRedeem(alice.address)).to.equal(0n);
      await expect(vault.connect(alice).redeem(shares, alice.address, alice.address))
        .to.be.revertedWithCustomError(vault, "RequestNotClaimable")
        .withArgs(alice.address, 0n, shares);
      await vault.connect(keeper).rebalance();
      const target = await vault.targetSize();
      expect((await sys.engine.getOrder(env.vaultAccount, ETH)).sizeDelta).to.equal(
        target - ledger.position.size,
      );
      ledger = await settleAndBook(env, ledger, "3000");
      expect(await vault.maxRedeem(alice.address)).to.equal(shares);
    });

    it("rebalance griefing: no order inside the band, bounded parameters, one order at a time", async () => {
      const env = await load();
      const { sys, vault, vaultAccount, attacker, keeper, admin } = env;
      await hedged(env);
      const quoteBefore = (await sys.engine.getAccount(vaultAccount)).quoteBalance;
      for (let i = 0; i < 3; i++)
        await expect(vault.connect(attacker).rebalance()).to.be.revertedWithCustomError(
          vault,
          "HedgeWithinBand",
        );
      // Dust deposits below the band never pay for an order.
      await vault.connect(attacker).deposit(weth("0.4"), attacker.address);
      await expect(vault.connect(attacker).rebalance()).to.be.revertedWithCustomError(
        vault,
        "HedgeWithinBand",
      );
      expect((await sys.engine.getAccount(vaultAccount)).quoteBalance).to.equal(quoteBefore);
      // A band below 1 % (or any bound broken) is refused, and only the risk role sets them.
      await expect(
        vault.connect(admin).setParameters(1, 100, 600, weth("0.01"), 30),
      ).to.be.revertedWithCustomError(vault, "ParameterOutOfBounds");
      await expect(
        vault.connect(admin).setParameters(500, 100, 600, weth("0.01"), 101),
      ).to.be.revertedWithCustomError(vault, "ParameterOutOfBounds");
      await expect(vault.connect(attacker).setParameters(100, 100, 600, weth("0.01"), 30))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, await vault.RISK_ROLE());
      // Out of the band: one order; the attacker cannot cancel it before its deadline.
      await vault.connect(attacker).deposit(weth("1"), attacker.address);
      await vault.connect(attacker).rebalance();
      await expect(vault.connect(attacker).rebalance()).to.be.revertedWithCustomError(
        vault,
        "OrderPending",
      );
      await expect(
        sys.engine.connect(attacker).cancelOrder(vaultAccount, ETH),
      ).to.be.revertedWithCustomError(sys.engine, "OrderNotExpired");
      expect(await sys.engine.isOperator(vaultAccount, keeper.address)).to.equal(false);
    });

    it("non-controllers and non-operators are rejected", async () => {
      const env = await load();
      const { sys, vault, vaultAccount, alice, attacker } = env;
      await hedged(env);
      const shares = await vault.balanceOf(alice.address);
      await expect(vault.connect(attacker).requestRedeem(shares, attacker.address, alice.address))
        .to.be.revertedWithCustomError(vault, "ERC20InsufficientAllowance")
        .withArgs(attacker.address, 0n, shares);
      await vault.connect(alice).requestRedeem(shares / 2n, alice.address, alice.address);
      await expect(vault.connect(attacker).requestRedeem(1n, alice.address, attacker.address))
        .to.be.revertedWithCustomError(vault, "NotController")
        .withArgs(attacker.address, alice.address);
      await expect(vault.connect(attacker).redeem(1n, attacker.address, alice.address))
        .to.be.revertedWithCustomError(vault, "NotController")
        .withArgs(attacker.address, alice.address);
      await expect(vault.connect(attacker).cancelRedeemRequest(alice.address))
        .to.be.revertedWithCustomError(vault, "NotController")
        .withArgs(attacker.address, alice.address);
      const wethAddr = await vault.asset();
      await expect(
        sys.engine.connect(attacker).withdraw(vaultAccount, wethAddr, 1n, attacker.address),
      )
        .to.be.revertedWithCustomError(sys.engine, "Unauthorized")
        .withArgs(attacker.address, vaultAccount);
      await expect(
        sys.engine.connect(attacker).commitOrder(vaultAccount, ETH, weth("1"), FAR, FAR),
      ).to.be.revertedWithCustomError(sys.engine, "Unauthorized");
      // The controller can take its request back.
      await expect(vault.connect(alice).cancelRedeemRequest(alice.address))
        .to.emit(vault, "RedeemRequestCanceled")
        .withArgs(alice.address, shares / 2n);
      expect(await vault.balanceOf(alice.address)).to.equal(shares);
      expect(await vault.escrowedShares()).to.equal(0n);
      // Once a rebalance acted on a request, it can only be claimed, not cancelled.
      await vault.connect(alice).requestRedeem(shares / 2n, alice.address, alice.address);
      await vault.connect(env.keeper).rebalance();
      await expect(vault.connect(alice).cancelRedeemRequest(alice.address))
        .to.be.revertedWithCustomError(vault, "RequestProcessed")
        .withArgs(alice.address);
    });
  });

  it("buyQuote: positive quote is sold for WETH at the oracle price less the premium", async () => {
    const env = await load();
    const { sys, vault, vaultAccount, alice, bob, keeper } = env;
    let ledger = await hedged(env);
    await setEthPrice(sys, "2700");
    await vault
      .connect(alice)
      .requestRedeem((await vault.balanceOf(alice.address)) / 2n, alice.address, alice.address);
    await vault.connect(keeper).rebalance();
    ledger = await settleAndBook(env, ledger, "2700");
    const amount = ledger.quote;
    await expect(vault.connect(bob).buyQuote(amount + 1n, FAR))
      .to.be.revertedWithCustomError(vault, "InsufficientQuote")
      .withArgs(amount, amount + 1n);
    const num = amount * QUOTE_SCALE * wad("1") * 9_970n;
    const den = wad("2700") * 10_000n;
    const wethIn = (num + den - 1n) / den;
    const before = await sys.quote.balanceOf(bob.address);
    await expect(vault.connect(bob).buyQuote(amount, wethIn))
      .to.emit(vault, "QuoteBought")
      .withArgs(bob.address, amount, wethIn);
    expect((await sys.quote.balanceOf(bob.address)) - before).to.equal(amount);
    expect((await sys.engine.getAccount(vaultAccount)).quoteBalance).to.equal(0n);
    expect(await sys.engine.collateralBalance(vaultAccount, await vault.asset())).to.equal(
      ledger.weth + wethIn,
    );
    await expect(vault.connect(bob).repayDebt(0)).to.be.revertedWithCustomError(
      vault,
      "NoQuoteDebt",
    );
  });
});
