/** Step 1: tokens and price feeds (mocks on local networks, existing addresses elsewhere). */
import { MockV3Aggregator__factory } from "../../typechain-types";
import { feedAnswer } from "../../src/common/units";
import { FeedConfig, NetworkConfig, TokenConfig } from "../config";
import { StepContext, deployOnce, hasCode } from "../context";

export async function tokenAddress(
  ctx: StepContext,
  key: string,
  token: TokenConfig,
): Promise<string> {
  if (token.kind === "existing") return token.address;
  return deployOnce(ctx, key, "MockERC20", [token.name, token.symbol, token.decimals]);
}

/** Returns the feed address and the description the engine must check it against. */
export async function feedAddress(
  ctx: StepContext,
  key: string,
  feed: FeedConfig,
): Promise<{ address: string; description: string }> {
  if (feed.kind === "chainlink") return { address: feed.address, description: feed.description };
  const address = await deployOnce(ctx, key, "MockV3Aggregator", [
    feed.decimals,
    feedAnswer(feed.initialPrice, feed.decimals),
  ]);
  // A dry run plans a mock it has not deployed: it would answer the artifact's description.
  if (ctx.dryRun && !(await hasCode(ctx.provider, address))) {
    return { address, description: MOCK_FEED_DESCRIPTION };
  }
  const description = await MockV3Aggregator__factory.connect(address, ctx.provider).description();
  return { address, description };
}

/** What `MockV3Aggregator.description()` answers. */
export const MOCK_FEED_DESCRIPTION = "v0.8/tests/MockV3Aggregator.sol";

export interface TokensAndFeeds {
  quote: string;
  collaterals: { symbol: string; token: string; feed: string; description: string }[];
  marketFeeds: { name: string; feed: string; description: string }[];
}

export async function deployTokensAndFeeds(
  ctx: StepContext,
  cfg: NetworkConfig,
): Promise<TokensAndFeeds> {
  const quote = await tokenAddress(ctx, `token:${cfg.quote.symbol}`, cfg.quote);
  const collaterals = [];
  for (const c of cfg.collaterals) {
    const token = await tokenAddress(ctx, `token:${c.symbol}`, c.token);
    const feed = await feedAddress(ctx, `feed:${c.symbol}`, c.feed);
    collaterals.push({
      symbol: c.symbol,
      token,
      feed: feed.address,
      description: feed.description,
    });
  }
  const marketFeeds = [];
  for (const m of cfg.markets) {
    const feed = await feedAddress(ctx, `feed:${m.name}`, m.feed);
    marketFeeds.push({ name: m.name, feed: feed.address, description: feed.description });
  }
  return { quote, collaterals, marketFeeds };
}
