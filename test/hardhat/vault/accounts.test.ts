/** Accounts: ids, operators on-chain and by EIP-712 signature (nonce, deadline, replay). */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TypedDataEncoder, ZeroAddress, id as keccakString } from "ethers";
import { accountId, ownerOf } from "../../../src/common/accounts";
import { units } from "../../../src/common/units";
import { Ctx, fund, setup } from "./helpers";

const TYPES = {
  SetOperator: [
    { name: "account", type: "uint256" },
    { name: "operator", type: "address" },
    { name: "approved", type: "bool" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

interface SetOperatorMsg {
  account: bigint;
  operator: string;
  approved: boolean;
  nonce: bigint;
  deadline: bigint;
}

describe("vault: accounts and operators", () => {
  let ctx: Ctx;
  let owner: HardhatEthersSigner;
  let op: HardhatEthersSigner;
  let other: HardhatEthersSigner;
  let acct: bigint;

  beforeEach(async () => {
    ctx = await setup();
    [owner, op, other] = ctx.users;
    acct = accountId(owner.address, 0);
  });

  /** Operator flags and the first account's nonce: what a rejected operator change must leave as is. */
  async function state(accounts: bigint[] = [acct], ops: string[] = [op.address]) {
    const flags = [];
    for (const a of accounts) for (const o of ops) flags.push(await ctx.engine.isOperator(a, o));
    return { flags, nonce: await ctx.engine.nonces(accounts[0]) };
  }

  describe("accountId / ownerOf", () => {
    it("encodes owner << 8 | subAccount like src/common and round-trips", async () => {
      for (const sub of [0, 1, 7, 255]) {
        const expected = accountId(owner.address, sub);
        expect(await ctx.engine.accountId(owner.address, sub)).to.equal(expected);
        expect(await ctx.engine.ownerOf(expected)).to.equal(owner.address);
        expect(ownerOf(expected)).to.equal(owner.address);
      }
      expect(accountId(owner.address, 1) - accountId(owner.address, 0)).to.equal(1n);
    });

    it("ownerOf rejects ids with bits above 168 or the zero owner (InvalidAccount)", async () => {
      for (const bad of [1n << 168n, (1n << 256n) - 1n, acct | (1n << 200n), 0n, 255n]) {
        await expect(ctx.engine.ownerOf(bad))
          .to.be.revertedWithCustomError(ctx.engine, "InvalidAccount")
          .withArgs(bad);
        expect(() => ownerOf(bad), "src/common agrees").to.throw(/invalid account id/);
      }
    });
  });

  describe("setOperator", () => {
    it("the owner approves and revokes an operator for one account, with events", async () => {
      await expect(ctx.engine.connect(owner).setOperator(acct, op.address, true))
        .to.emit(ctx.engine, "OperatorSet")
        .withArgs(acct, op.address, true);
      expect(await ctx.engine.isOperator(acct, op.address)).to.equal(true);
      // scoped to the account: sub-account 1 of the same owner is not delegated
      expect(await ctx.engine.isOperator(accountId(owner.address, 1), op.address)).to.equal(false);
      await expect(ctx.engine.connect(owner).setOperator(acct, op.address, false))
        .to.emit(ctx.engine, "OperatorSet")
        .withArgs(acct, op.address, false);
      expect(await ctx.engine.isOperator(acct, op.address)).to.equal(false);
    });

    it("an operator may withdraw for the account only while approved", async () => {
      const amount = units("100", 6);
      await fund(ctx.quote, ctx.engineAddress, owner, amount);
      await ctx.engine.connect(owner).deposit(0, ctx.quote.target, amount);
      await ctx.engine.connect(owner).setOperator(acct, op.address, true);
      await expect(
        ctx.engine.connect(op).withdraw(acct, ctx.quote.target, units("40", 6), op.address),
      ).to.changeTokenBalances(ctx.quote, [op, ctx.engine], [units("40", 6), -units("40", 6)]);
      // not for the owner's other sub-account
      const sub1 = accountId(owner.address, 1);
      await expect(ctx.engine.connect(op).withdraw(sub1, ctx.quote.target, 1n, op.address))
        .to.be.revertedWithCustomError(ctx.engine, "Unauthorized")
        .withArgs(op.address, sub1);
      await ctx.engine.connect(owner).setOperator(acct, op.address, false);
      const before = await ctx.engine.getAccount(acct);
      await expect(ctx.engine.connect(op).withdraw(acct, ctx.quote.target, 1n, op.address))
        .to.be.revertedWithCustomError(ctx.engine, "Unauthorized")
        .withArgs(op.address, acct);
      expect((await ctx.engine.getAccount(acct)).quoteBalance).to.equal(before.quoteBalance);
      expect(before.quoteBalance).to.equal(units("60", 6));
    });

    it("only the owner may set operators (not a stranger, not an operator)", async () => {
      await ctx.engine.connect(owner).setOperator(acct, op.address, true);
      const before = await state([acct], [op.address, other.address]);
      for (const caller of [other, op]) {
        await expect(ctx.engine.connect(caller).setOperator(acct, other.address, true))
          .to.be.revertedWithCustomError(ctx.engine, "Unauthorized")
          .withArgs(caller.address, acct);
      }
      await expect(ctx.engine.connect(other).setOperator(acct, op.address, false))
        .to.be.revertedWithCustomError(ctx.engine, "Unauthorized")
        .withArgs(other.address, acct);
      expect(await state([acct], [op.address, other.address])).to.deep.equal(before);
    });

    it("rejects the zero operator (ZeroAddress) and an invalid account id", async () => {
      const before = await state();
      await expect(
        ctx.engine.connect(owner).setOperator(acct, ZeroAddress, true),
      ).to.be.revertedWithCustomError(ctx.engine, "ZeroAddress");
      const bad = acct | (1n << 170n);
      await expect(ctx.engine.connect(owner).setOperator(bad, op.address, true))
        .to.be.revertedWithCustomError(ctx.engine, "InvalidAccount")
        .withArgs(bad);
      expect(await state()).to.deep.equal(before);
    });
  });

  describe("setOperatorWithSig (EIP-712)", () => {
    async function domain(overrides: Record<string, unknown> = {}) {
      const { chainId } = await ethers.provider.getNetwork();
      return {
        name: "Crossmargin",
        version: "1",
        chainId,
        verifyingContract: ctx.engineAddress,
        ...overrides,
      };
    }

    async function message(overrides: Partial<SetOperatorMsg> = {}): Promise<SetOperatorMsg> {
      return {
        account: acct,
        operator: op.address,
        approved: true,
        nonce: await ctx.engine.nonces(overrides.account ?? acct),
        deadline: BigInt(await time.latest()) + 3600n,
        ...overrides,
      };
    }

    async function sign(
      m: SetOperatorMsg,
      signer: HardhatEthersSigner = owner,
      dom: Record<string, unknown> = {},
    ): Promise<string> {
      return signer.signTypedData(await domain(dom), TYPES, m);
    }

    function submit(m: SetOperatorMsg, sig: string, relayer: HardhatEthersSigner = other) {
      return ctx.engine
        .connect(relayer)
        .setOperatorWithSig(m.account, m.operator, m.approved, m.nonce, m.deadline, sig);
    }

    it("exposes the domain separator and type hash the spec names", async () => {
      expect(await ctx.engine.DOMAIN_SEPARATOR()).to.equal(
        TypedDataEncoder.hashDomain(await domain()),
      );
      expect(await ctx.engine.SET_OPERATOR_TYPEHASH()).to.equal(
        keccakString(
          "SetOperator(uint256 account,address operator,bool approved,uint256 nonce,uint256 deadline)",
        ),
      );
    });

    it("a relayer submits the owner's signature: operator set, nonce used, event", async () => {
      const m = await message();
      expect(m.nonce).to.equal(0n);
      await expect(submit(m, await sign(m)))
        .to.emit(ctx.engine, "OperatorSet")
        .withArgs(acct, op.address, true);
      expect(await ctx.engine.isOperator(acct, op.address)).to.equal(true);
      expect(await ctx.engine.nonces(acct)).to.equal(1n);
      // a second signature (revoke) with the next nonce
      const r = await message({ approved: false });
      expect(r.nonce).to.equal(1n);
      await expect(submit(r, await sign(r)))
        .to.emit(ctx.engine, "OperatorSet")
        .withArgs(acct, op.address, false);
      expect(await ctx.engine.isOperator(acct, op.address)).to.equal(false);
      expect(await ctx.engine.nonces(acct)).to.equal(2n);
    });

    it("a replayed signature fails (InvalidNonce: used) and changes nothing", async () => {
      const m = await message();
      const sig = await sign(m);
      await submit(m, sig);
      await ctx.engine.connect(owner).setOperator(acct, op.address, false);
      const before = await state();
      for (const relayer of [other, op]) {
        await expect(submit(m, sig, relayer))
          .to.be.revertedWithCustomError(ctx.engine, "InvalidNonce")
          .withArgs(acct, 1n, 0n);
      }
      expect(await state()).to.deep.equal(before);
      expect(before).to.deep.equal({ flags: [false], nonce: 1n });
    });

    it("an expired signature fails (SignatureExpired); the deadline itself is still valid", async () => {
      // Pin block times: after a fixture revert the chain's clock may run ahead of time.latest().
      const now = BigInt(await time.latest()) + 5n;
      const late = await message({ deadline: now - 1n });
      const lateSig = await sign(late);
      const before = await state();
      await time.setNextBlockTimestamp(now);
      await expect(submit(late, lateSig))
        .to.be.revertedWithCustomError(ctx.engine, "SignatureExpired")
        .withArgs(now - 1n);
      expect(await state()).to.deep.equal(before);
      const onTime = await message({ deadline: now + 10n });
      const sig = await sign(onTime);
      await time.setNextBlockTimestamp(now + 10n);
      await expect(submit(onTime, sig)).to.emit(ctx.engine, "OperatorSet");
      expect(await ctx.engine.nonces(acct)).to.equal(1n);
    });

    it("a signature by anyone but the owner fails (InvalidSignature)", async () => {
      const m = await message();
      const before = await state();
      for (const signer of [other, op, ctx.admin]) {
        await expect(submit(m, await sign(m, signer))).to.be.revertedWithCustomError(
          ctx.engine,
          "InvalidSignature",
        );
      }
      expect(await state()).to.deep.equal(before);
    });

    it("any field changed after signing fails (InvalidSignature)", async () => {
      const m = await message();
      const sig = await sign(m);
      const sub1 = accountId(owner.address, 1);
      const before = await state([acct, sub1], [op.address, other.address]);
      const variants: Partial<SetOperatorMsg>[] = [
        { operator: other.address },
        { account: sub1 },
        { approved: false },
        { deadline: m.deadline + 1n },
      ];
      for (const v of variants) {
        await expect(submit({ ...m, ...v }, sig)).to.be.revertedWithCustomError(
          ctx.engine,
          "InvalidSignature",
        );
      }
      expect(await state([acct, sub1], [op.address, other.address])).to.deep.equal(before);
      await expect(submit(m, sig)).to.emit(ctx.engine, "OperatorSet"); // the original still works
    });

    it("a nonce ahead fails (InvalidNonce); a nonce changed after signing or a wrong domain fails (InvalidSignature)", async () => {
      const before = await state();
      const future = await message({ nonce: 1n });
      await expect(submit(future, await sign(future)))
        .to.be.revertedWithCustomError(ctx.engine, "InvalidNonce")
        .withArgs(acct, 0n, 1n);
      // signed with nonce 1 but submitted claiming 0: the digest differs
      await expect(
        submit({ ...future, nonce: 0n }, await sign(future)),
      ).to.be.revertedWithCustomError(ctx.engine, "InvalidSignature");
      const m = await message();
      const domains = [
        { name: "Crossmargin2" },
        { version: "2" },
        { chainId: 1n },
        { verifyingContract: other.address },
      ];
      for (const d of domains) {
        await expect(submit(m, await sign(m, owner, d))).to.be.revertedWithCustomError(
          ctx.engine,
          "InvalidSignature",
        );
      }
      expect(await state()).to.deep.equal(before);
    });

    it("malformed signatures fail (InvalidSignature)", async () => {
      const m = await message();
      const good = await sign(m);
      const before = await state();
      const flipped = good.slice(0, -2) + (good.endsWith("1b") ? "1c" : "1b");
      for (const sig of ["0x", good.slice(0, 130), "0x" + "00".repeat(65), flipped]) {
        await expect(submit(m, sig)).to.be.revertedWithCustomError(ctx.engine, "InvalidSignature");
      }
      expect(await state()).to.deep.equal(before);
    });

    it("one nonce counter per account: signatures for different sub-accounts made in parallel all land", async () => {
      const subs = [3, 0, 7].map((n) => accountId(owner.address, n));
      const msgs = await Promise.all(subs.map((account) => message({ account })));
      const sigs = await Promise.all(msgs.map((m) => sign(m)));
      expect(msgs.map((m) => m.nonce)).to.deep.equal([0n, 0n, 0n]);
      for (let i = 0; i < subs.length; i++) await submit(msgs[i], sigs[i]);
      for (const a of subs) {
        expect(await ctx.engine.isOperator(a, op.address)).to.equal(true);
        expect(await ctx.engine.nonces(a)).to.equal(1n);
      }
      expect(await ctx.engine.nonces(accountId(owner.address, 1))).to.equal(0n);
      expect(await ctx.engine.nonces(accountId(other.address, 0))).to.equal(0n);
    });

    it("exposes the EIP-712 domain (ERC-5267) that signers need", async () => {
      const d = await ctx.engine.eip712Domain();
      const { chainId } = await ethers.provider.getNetwork();
      expect(d.name).to.equal("Crossmargin");
      expect(d.version).to.equal("1");
      expect(d.chainId).to.equal(chainId);
      expect(d.verifyingContract).to.equal(ctx.engineAddress);
    });

    it("a valid signature for the zero operator still fails (ZeroAddress)", async () => {
      const m = await message({ operator: ZeroAddress });
      const before = await state();
      await expect(submit(m, await sign(m))).to.be.revertedWithCustomError(
        ctx.engine,
        "ZeroAddress",
      );
      expect(await state()).to.deep.equal(before);
    });
  });
});
