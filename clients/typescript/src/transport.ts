/** How the client talks HTTP: one method, strings in and out, so any platform's request API fits. */
export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A JSON text, or undefined for no body. */
  body?: string;
}

export interface TransportResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

export interface Transport {
  /** Resolves with any HTTP answer (4xx/5xx too); rejects only when no answer arrived. */
  request(request: TransportRequest): Promise<TransportResponse>;
}

/** The adapter for browsers, H5 pages and Node 20+: the global `fetch` (or the one given). */
export function fetchTransport(fetchImpl: typeof fetch = globalThis.fetch): Transport {
  if (!fetchImpl) throw new Error("fetchTransport: no fetch on this platform; pass one");
  return {
    async request({ method, url, headers, body }) {
      const response = await fetchImpl(url, { method, headers, body });
      const out: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        out[key.toLowerCase()] = value;
      });
      return { status: response.status, headers: out, body: await response.text() };
    },
  };
}

/** The part of the mini-program's `wx` that `wx.request` needs (structurally compatible with miniprogram-api-typings). */
export interface WxRequestOptions {
  url: string;
  method?: string;
  header?: Record<string, string>;
  data?: string;
  dataType?: string;
  responseType?: string;
  success?: (result: { statusCode: number; data: unknown; header: Record<string, string> }) => void;
  fail?: (error: { errMsg: string }) => void;
}

export interface WxLike {
  request(options: WxRequestOptions): unknown;
}

/**
 * The adapter for WeChat mini-programs: `wx.request`. It asks for the raw text (`dataType` other than `json`)
 * so problem+json bodies and successes are parsed in one place, the same as with fetch.
 */
export function wxTransport(wx: WxLike): Transport {
  return {
    request({ method, url, headers, body }) {
      return new Promise((resolve, reject) => {
        wx.request({
          url,
          method,
          header: headers,
          data: body,
          dataType: "text",
          responseType: "text",
          success(result) {
            const out: Record<string, string> = {};
            for (const [key, value] of Object.entries(result.header ?? {})) out[key.toLowerCase()] = String(value);
            const data = result.data;
            const text = typeof data === "string" ? data : data === undefined || data === null ? "" : JSON.stringify(data);
            resolve({ status: result.statusCode, headers: out, body: text });
          },
          fail(error) {
            reject(new Error(`wx.request failed: ${error?.errMsg ?? "unknown"}`));
          },
        });
      });
    },
  };
}
