/** The insurance fund's side of conservation (INV-70): liquidation penalties the engine holds
 *  for the fund until a sweep. */
import { ContractRunner } from "ethers";
import { ICrossmarginRisk__factory } from "../../typechain-types";

/** `insuranceAccrued()` of the engine at `engine` (the risk module's view, at the engine). */
export async function insuranceAccrued(engine: {
  getAddress(): Promise<string>;
  runner: ContractRunner | null;
}): Promise<bigint> {
  return ICrossmarginRisk__factory.connect(
    await engine.getAddress(),
    engine.runner,
  ).insuranceAccrued();
}

/** What the insurance fund has in quote: its own balance plus what the engine accrued for it. */
export async function fundHoldings(sys: {
  quote: { balanceOf(who: string): Promise<bigint> };
  insuranceFund: { getAddress(): Promise<string> };
  engine: { getAddress(): Promise<string>; runner: ContractRunner | null };
}): Promise<bigint> {
  const held = await sys.quote.balanceOf(await sys.insuranceFund.getAddress());
  return held + (await insuranceAccrued(sys.engine));
}
