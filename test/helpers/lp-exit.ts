/** Liquidation setups around an LP exit. */
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { wad } from "../../src/common/units";
import { ETH, Env, deposit, setMarketPrice, trade } from "./liquidation";
import { requestAndWait } from "./pool";

/**
 * A vault with almost no free quote: `lossMaker` realises a loss against WETH collateral (quote
 * debt, the pool's ledger grows), the LP asks to leave and waits, `wethTrader` opens 1 ETH long
 * on 0.09 WETH only (226.8 USD at the 0.84 weight: IM 200 plus the 13.5 of the initial
 * weight's haircut), then the LP takes all it may. Returns `wethTrader`'s account.
 */
export async function lpTakesTheQuote(
  env: Env,
  lossMaker: HardhatEthersSigner,
  wethTrader: HardhatEthersSigner,
): Promise<bigint> {
  const { pool } = env.sys;
  await deposit(env, lossMaker, wad("10"), "WETH");
  await trade(env, lossMaker, ETH, wad("20"));
  await setMarketPrice(env, ETH, "2890");
  await trade(env, lossMaker, ETH, -wad("20"));
  await setMarketPrice(env, ETH, "3000");
  // The LP asks to leave (INV-47) and waits the delay.
  await requestAndWait(env.sys, env.lp, await pool.balanceOf(env.lp));
  const b = await deposit(env, wethTrader, wad("0.09"), "WETH");
  await trade(env, wethTrader, ETH, wad("1"));
  await pool.connect(env.lp).withdraw(await pool.maxWithdraw(env.lp), env.lp, env.lp);
  return b;
}
