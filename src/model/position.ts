/**
 * @title Position math: trades, realised and unrealised PnL (docs/math.md).
 */
import { divTrunc, sMulCeil, sMulFloor, max, toQuoteFloor, WAD } from "./fixed";
import {
  MarketParams,
  MarketState,
  accruedFunding,
  fillPriceInBlock,
  orderFee,
  recordFunding,
  skewOf,
} from "./market";

/** One account's netted position in one market. */
export interface Position {
  /** Signed size, WAD base units (+ long, - short). */
  size: bigint;
  /** Entry price (WAD): the fill of the last touch rounded against the position to 57
   *  significant bits ({@link entryFor}); 0 when flat. */
  entryPrice: bigint;
  /** Funding index at the last touch, rounded against the position ({@link indexFor}); 0 when flat. */
  fundingIndex: bigint;
}

/** Mantissa bits of the 64-bit floats a position stores its entry and funding index in
 *  (PositionLib): `value = mantissa * 2^exponent`, exact below 2^57 wei. */
export const MANTISSA_BITS = 57n;

/** The float exponent of a magnitude: 0 below 2^57, else its bits beyond 57. */
function floatExponent(mag: bigint): bigint {
  return mag >> MANTISSA_BITS === 0n ? 0n : BigInt(mag.toString(2).length) - MANTISSA_BITS;
}

/** `v` on the unsigned float grid (PositionLib.encodeEntry): rounded up when `up`, else down. */
export function floatRound(v: bigint, up: boolean): bigint {
  const e = floatExponent(v);
  const m = v >> e;
  return (up && m << e !== v ? m + 1n : m) << e;
}

/** The entry a position of `size` stores for a fill at `fill`: rounded up to the float grid
 *  for a long, down for a short (its PnL can only be lower than at the fill). */
export function entryFor(size: bigint, fill: bigint): bigint {
  return floatRound(fill, size > 0n);
}

/** The acceptable price an order of `sizeDelta` stores (OrderStore, docs/math.md "Order
 *  storage"): the user's bound on the float grid, on its stricter side (down for a buy's maximum,
 *  up for a sell's minimum). The fill is held to this. */
export function orderBoundFor(sizeDelta: bigint, acceptablePrice: bigint): bigint {
  return floatRound(acceptablePrice, sizeDelta < 0n);
}

/** The reserve an order stores (USD WAD): rounded up to the float grid. */
export function orderReserveFor(reserveUsd: bigint): bigint {
  return floatRound(reserveUsd, true);
}

/** The funding index a position of `size` stores at `indexNow`: rounded down to the signed
 *  float grid (56 bits and a sign) for a long, up for a short (it can only owe more). */
export function indexFor(size: bigint, indexNow: bigint): bigint {
  const e = floatExponent((indexNow < 0n ? -indexNow : indexNow) << 1n);
  const m = indexNow >> e; // BigInt shifts floor, as Solidity's arithmetic shift does
  return (size < 0n && m << e !== indexNow ? m + 1n : m) << e;
}

/** What storing `pos` after a fill at `fill` and index `indexNow` may have taken from it (USD
 *  WAD, an upper bound): `|s| * (|e - fill| + |indexNow - i0|) / WAD + 2`. */
export function storeLoss(pos: Position, fill: bigint, indexNow: bigint): bigint {
  if (pos.size === 0n) return 0n;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  return (
    (abs(pos.size) * (abs(pos.entryPrice - fill) + abs(indexNow - pos.fundingIndex))) / WAD + 2n
  );
}

/** The flat position. */
export const EMPTY_POSITION: Position = { size: 0n, entryPrice: 0n, fundingIndex: 0n };

/** Outcome of {@link applyTrade}. All USD amounts are WAD; `quoteDelta` is in quote units. */
export interface TradeResult {
  /** Fill price (WAD). */
  fill: bigint;
  /** Funding index recorded by this touch. */
  indexNow: bigint;
  /** Order fee (USD, rounded up). */
  fee: bigint;
  /** Fee split, sizes >= 0. */
  makerPart: bigint;
  takerPart: bigint;
  /** Realised PnL of the old position at the fill, `sMulFloor(s, fill - e)`. */
  pnl: bigint;
  /** Funding owed by the old position, `sMulCeil(s, indexNow - i0)` (positive = pays). */
  funding: bigint;
  /** Change of the account's quote balance: `toQuoteFloor(pnl - funding - fee)`. The pool gets `-quoteDelta`. */
  quoteDelta: bigint;
  newPosition: Position;
  newMarketState: MarketState;
}

/** Contribution `s * x / WAD` of one position to an aggregate, truncated towards zero. */
function contribution(size: bigint, x: bigint): bigint {
  return divTrunc(size * x, WAD);
}

/**
 * A position's term of its market's `netBasis`: `trunc(s * e / WAD) - trunc(s * i0 / WAD)`
 * (each product truncated towards zero, as the engine does).
 */
export function basisOf(p: Position): bigint {
  return contribution(p.size, p.entryPrice) - contribution(p.size, p.fundingIndex);
}

/**
 * Returns the market state with `oldPos` replaced by `newPos` in the aggregates:
 * long/short OI, and `netBasis` (old term `trunc(s*e/WAD) - trunc(s*i0/WAD)` subtracted, new
 * one added). Funding fields are left as they are.
 */
export function replacePositionInMarket(
  state: MarketState,
  oldPos: Position,
  newPos: Position,
): MarketState {
  return {
    ...state,
    longOI: state.longOI - max(oldPos.size, 0n) + max(newPos.size, 0n),
    shortOI: state.shortOI - max(-oldPos.size, 0n) + max(-newPos.size, 0n),
    netBasis: state.netBasis - basisOf(oldPos) + basisOf(newPos),
  };
}

/**
 * Applies a trade of `sizeDelta` to `position` in one market, as the engine does:
 * 1. records funding with the skew before the trade (see `recordFunding`);
 * 2. `fill = fillPrice(oraclePrice, effectiveSkew(skewBefore, blockSkew, sizeDelta), sizeDelta,
 *    skewScale)` (up for buys, down for sells; INV-40); `fee` from `orderFee` with the real
 *    skew (rounded up);
 * 3. realises `pnl = sMulFloor(s, fill - e)` (down) and `funding = sMulCeil(s, indexNow - i0)` (up);
 *    `quoteDelta = toQuoteFloor(pnl - funding - fee, quoteDecimals)` (towards minus infinity);
 * 4. new position `{s + d, entryFor(s + d, fill), indexFor(s + d, indexNow)}`, or all zero when
 *    `s + d == 0`;
 * 5. OI and the net aggregates updated (see `replacePositionInMarket`).
 * @dev Pure: neither input is mutated. No margin or OI-cap checks are made here.
 * @param blockSkew The market's block-start skew when its funding was already recorded at `now`
 * (the skew then; see `blockSkewAt` in src/common); undefined otherwise (this trade records it).
 */
export function applyTrade(
  marketState: MarketState,
  params: MarketParams,
  position: Position,
  sizeDelta: bigint,
  oraclePrice: bigint,
  now: bigint,
  quoteDecimals: number,
  blockSkew?: bigint,
): TradeResult {
  const funded = recordFunding(marketState, params, oraclePrice, now);
  const indexNow = funded.fundingIndex;
  const skew = skewOf(funded);
  const fill = fillPriceInBlock(oraclePrice, skew, blockSkew, sizeDelta, params.skewScale);
  const { fee, makerPart, takerPart } = orderFee(
    skew,
    sizeDelta,
    fill,
    params.makerFee,
    params.takerFee,
  );
  return settle(
    funded,
    position,
    sizeDelta,
    fill,
    fee,
    makerPart,
    takerPart,
    indexNow,
    quoteDecimals,
  );
}

/**
 * Shared tail of a trade or a liquidation close: realise PnL and funding at `fill`, charge
 * `fee`, and move the position to `s + sizeDelta`. `state` must already have funding recorded.
 */
export function settle(
  state: MarketState,
  position: Position,
  sizeDelta: bigint,
  fill: bigint,
  fee: bigint,
  makerPart: bigint,
  takerPart: bigint,
  indexNow: bigint,
  quoteDecimals: number,
): TradeResult {
  const s = position.size;
  const pnl = s === 0n ? 0n : sMulFloor(s, fill - position.entryPrice);
  const funding = s === 0n ? 0n : accruedFunding(s, indexNow, position.fundingIndex);
  const quoteDelta = toQuoteFloor(pnl - funding - fee, quoteDecimals);
  const newSize = s + sizeDelta;
  const newPosition: Position =
    newSize === 0n
      ? { ...EMPTY_POSITION }
      : {
          size: newSize,
          entryPrice: entryFor(newSize, fill),
          fundingIndex: indexFor(newSize, indexNow),
        };
  const newMarketState = replacePositionInMarket(state, position, newPosition);
  return {
    fill,
    indexNow,
    fee,
    makerPart,
    takerPart,
    pnl,
    funding,
    quoteDelta,
    newPosition,
    newMarketState,
  };
}

/** Unrealised PnL at oracle price `price`: `sMulFloor(s, price - e)`, rounded down. */
export function unrealisedPnl(position: Position, price: bigint): bigint {
  if (position.size === 0n) return 0n;
  return sMulFloor(position.size, price - position.entryPrice);
}

/** Funding a position owes at `indexNow` (positive = pays), rounded up. */
export function positionFunding(position: Position, indexNow: bigint): bigint {
  if (position.size === 0n) return 0n;
  return sMulCeil(position.size, indexNow - position.fundingIndex);
}
