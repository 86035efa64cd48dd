// LP exits (docs/specs.md INV-47, INV-48): what surrounds the request/claim flow of
// redeem-requests.test.ts: ERC-7540 previews and interface ids, the bounded and role-gated exit
// parameters, and claims while prices cannot be read.
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../../src/common/units";
import { ICrossmargin__factory } from "../../../typechain-types";
import { mockFeed } from "../../helpers/adversarial";
import {
  Env,
  advance,
  fundQuote,
  loadTrading,
  provideLiquidity,
  refreshFeeds,
  trade,
  usdc,
} from "../../helpers/trading";
import { expectConservation } from "../../helpers/model-world";
import { approach } from "../../helpers/pool";
import { ETH } from "../../../src/common";

const DAY = 86_400;
const HOUR = 3600;

describe("pool: ERC-7540 previews, parameters and oracle failure (INV-43, INV-47, INV-48)", () => {
  let env: Env;
  let carol: HardhatEthersSigner;
  let pool: Env["pool"];
  let poolAddr: string;

  beforeEach(async () => {
    env = await loadTrading();
    carol = env.users[5];
    pool = env.pool;
    poolAddr = await pool.getAddress();
  });

  afterEach(async () => {
    await expectConservation(env);
  });

  it("INV-43: previewRedeem and previewWithdraw revert AsyncRedeem; ERC-165 and ERC-7575 share()", async () => {
    await expect(pool.previewRedeem(1n)).to.be.revertedWithCustomError(pool, "AsyncRedeem");
    await expect(pool.previewWithdraw(1n)).to.be.revertedWithCustomError(pool, "AsyncRedeem");
    expect(await pool.share()).to.equal(poolAddr);
    // Interface ids: XOR of the selectors (EIP-7540, EIP-7575, EIP-165).
    const sel = (sig: string) => BigInt(ethers.id(sig).slice(0, 10));
    const iid = (sigs: string[]) =>
      "0x" +
      sigs
        .map(sel)
        .reduce((x, y) => x ^ y)
        .toString(16)
        .padStart(8, "0");
    const operator = iid(["setOperator(address,bool)", "isOperator(address,address)"]);
    const redeem = iid([
      "requestRedeem(uint256,address,address)",
      "pendingRedeemRequest(uint256,address)",
      "claimableRedeemRequest(uint256,address)",
    ]);
    const erc7575 = iid([
      "asset()",
      "share()",
      "convertToShares(uint256)",
      "convertToAssets(uint256)",
      "totalAssets()",
      "maxDeposit(address)",
      "previewDeposit(uint256)",
      "deposit(uint256,address)",
      "maxMint(address)",
      "previewMint(uint256)",
      "mint(uint256,address)",
      "maxWithdraw(address)",
      "previewWithdraw(uint256)",
      "withdraw(uint256,address,address)",
      "maxRedeem(address)",
      "previewRedeem(uint256)",
      "redeem(uint256,address,address)",
    ]);
    expect([operator, redeem, erc7575]).to.deep.equal(["0xe3bc4e65", "0x620ee8e4", "0x2f0a18c5"]);
    for (const id of [operator, redeem, erc7575, "0x01ffc9a7"]) {
      expect(await pool.supportsInterface(id), id).to.equal(true);
    }
    // Not async deposits (0xce3bbe50), not 0xffffffff.
    for (const id of ["0xce3bbe50", "0xffffffff", "0x00000000"]) {
      expect(await pool.supportsInterface(id), id).to.equal(false);
    }
  });

  it("INV-48/INV-23: setRedeemParams needs the engine's RISK_MANAGER_ROLE, keeps each bound, emits; new timing applies to new requests only", async () => {
    const [stranger] = env.users;
    const role = await env.engine.RISK_MANAGER_ROLE();
    expect(await pool.RISK_MANAGER_ROLE()).to.equal(role);
    await expect(pool.connect(stranger).setRedeemParams(HOUR, DAY, 0))
      .to.be.revertedWithCustomError(pool, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, role);
    const name = ethers.encodeBytes32String;
    const cases: [number, number, bigint, string, bigint, bigint, bigint][] = [
      [HOUR - 1, DAY, 0n, "redeemDelay", BigInt(HOUR - 1), BigInt(HOUR), BigInt(14 * DAY)],
      [14 * DAY + 1, DAY, 0n, "redeemDelay", BigInt(14 * DAY + 1), BigInt(HOUR), BigInt(14 * DAY)],
      [HOUR, DAY - 1, 0n, "claimWindow", BigInt(DAY - 1), BigInt(DAY), BigInt(30 * DAY)],
      [HOUR, 30 * DAY + 1, 0n, "claimWindow", BigInt(30 * DAY + 1), BigInt(DAY), BigInt(30 * DAY)],
      [HOUR, DAY, wad("0.01") + 1n, "exitFeeRate", wad("0.01") + 1n, 0n, wad("0.01")],
    ];
    for (const [d, w, f, n, v, lo, hi] of cases) {
      await expect(pool.setRedeemParams(d, w, f))
        .to.be.revertedWithCustomError(pool, "ParameterOutOfBounds")
        .withArgs(name(n), v, lo, hi);
    }
    expect([
      await pool.redeemDelay(),
      await pool.claimWindow(),
      await pool.exitFeeRate(),
    ]).to.deep.equal([BigInt(DAY), BigInt(3 * DAY), 0n]);
    // A request made under the old timing keeps it.
    const shares = await provideLiquidity(env, carol, usdc("100"));
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
    const old = await pool.redeemRequest(carol.address);
    // The bounds themselves are accepted; a role granted by the engine is enough.
    await env.engine.grantRole(role, stranger.address);
    await expect(pool.connect(stranger).setRedeemParams(14 * DAY, 30 * DAY, wad("0.01")))
      .to.emit(pool, "RedeemParamsSet")
      .withArgs(14 * DAY, 30 * DAY, wad("0.01"));
    await expect(pool.connect(stranger).setRedeemParams(HOUR, DAY, 0))
      .to.emit(pool, "RedeemParamsSet")
      .withArgs(HOUR, DAY, 0);
    const now = await pool.redeemRequest(carol.address);
    expect([now.claimableAt, now.expiresAt]).to.deep.equal([old.claimableAt, old.expiresAt]);
    const [, dave] = env.users;
    const s2 = await provideLiquidity(env, dave, usdc("100"));
    const t = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(t);
    await pool.connect(dave).requestRedeem(s2, dave.address, dave.address);
    const r = await pool.redeemRequest(dave.address);
    expect([r.claimableAt, r.expiresAt]).to.deep.equal([t + BigInt(HOUR), t + BigInt(HOUR + DAY)]);
  });

  it("INV-43/INV-22/INV-25: with a claimable request, sequencer down or a stale feed: max* are 0, claims revert with the oracle's error, request views still answer", async () => {
    const [alice] = env.users;
    const a = await fundQuote(env, alice, usdc("10000"));
    await trade(env, alice, a, ETH, wad("1"));
    const shares = await provideLiquidity(env, carol, usdc("1000"));
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
    const claimableAt = (await pool.redeemRequest(carol.address)).claimableAt;
    await approach(env, claimableAt + 60n);
    await time.increaseTo(claimableAt + 60n);
    expect(await pool.maxRedeem(carol.address)).to.equal(shares);

    // A stale ETH feed (ETH has open interest).
    const ethFeed = (await env.engine.getMarket(ETH)).feed;
    await advance(env, DAY + 1, [ethFeed]);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(shares);
    expect(await pool.maxRedeem(carol.address)).to.equal(0n);
    expect(await pool.maxWithdraw(carol.address)).to.equal(0n);
    await expect(
      pool.connect(carol).redeem(shares, carol.address, carol.address),
    ).to.be.revertedWithCustomError(env.engine, "OracleStale");
    await refreshFeeds(env);
    expect(await pool.maxRedeem(carol.address)).to.equal(shares);

    // Sequencer down.
    const now = BigInt(await time.latest());
    const seq = await mockFeed(env.admin, 0, 0n, "SEQ");
    await seq.setRound(1, 0, now - 3600n, now, 1);
    await env.engine.setSequencer(await seq.getAddress(), 600);
    await seq.setRound(2, 1, now, now, 2);
    expect(await pool.maxRedeem(carol.address)).to.equal(0n);
    expect(await pool.maxWithdraw(carol.address)).to.equal(0n);
    expect(await pool.claimableRedeemRequest(0, carol.address)).to.equal(shares);
    const oracle = ICrossmargin__factory.connect(await env.engine.getAddress(), carol);
    await expect(
      pool.connect(carol).withdraw(1n, carol.address, carol.address),
    ).to.be.revertedWithCustomError(oracle, "SequencerDown");
    // Requests and cancels need no price.
    await pool.connect(carol).cancelRedeemRequest(carol.address);
    await pool.connect(carol).requestRedeem(shares, carol.address, carol.address);
  });
});
