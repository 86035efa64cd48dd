/** JSON-RPC over HTTP for the keeper, scripts and tests. ethers' JsonRpcProvider with a transport
 *  that reads answers natively: ethers' own HTTP client grows the body by copying it on every
 *  chunk and decodes UTF-8 in JavaScript, which is quadratic and slow for the multi-megabyte
 *  answers of `eth_getLogs` over many accounts and of batch views. */
import {
  JsonRpcApiProviderOptions,
  JsonRpcPayload,
  JsonRpcProvider,
  JsonRpcResult,
  Network,
} from "ethers";

export class FastJsonRpcProvider extends JsonRpcProvider {
  /** `chainId` given: no network probe (static network). The response cache is off by default
   *  (nonces, receipts and health must be read fresh). */
  constructor(
    readonly url: string,
    chainId?: number,
    options: JsonRpcApiProviderOptions = {},
  ) {
    super(url, chainId, {
      ...(chainId !== undefined ? { staticNetwork: Network.from(chainId) } : {}),
      cacheTimeout: -1,
      ...options,
    });
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    return jsonRpcResults(res);
  }
}

/** The results of a JSON-RPC HTTP response; a non-2xx status throws a `SERVER_ERROR` with the
 *  status and the first 500 characters of the body (what ethers' own provider reports). */
export async function jsonRpcResults(res: Response): Promise<JsonRpcResult[]> {
  if (!res.ok) {
    const body = await res.text().catch(() => "");
    throw Object.assign(new Error(`server response ${res.status} ${res.statusText}`), {
      code: "SERVER_ERROR",
      status: res.status,
      body: body.slice(0, 500),
    });
  }
  const json = (await res.json()) as JsonRpcResult | JsonRpcResult[];
  return Array.isArray(json) ? json : [json];
}
