// A fake of the mini-program's networking and storage, shared by this package's wx tests and the mini-program's
// page tests: `wx.request` forwards to real HTTP and calls back as WeChat does, storage keeps copies of values.
import type { WxRequestOptions } from "../src/index.js";

/** What `wx.request` hands back: the data parsed when dataType is `json` (the default), else the text. */
export function forwardRequest(options: WxRequestOptions): { abort(): void } {
  const controller = new AbortController();
  fetch(options.url, {
    method: options.method ?? "GET",
    headers: options.header,
    body: options.data,
    signal: controller.signal,
  })
    .then(async (response) => {
      const text = await response.text();
      const header: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        header[k.replace(/\b\w/g, (c) => c.toUpperCase())] = v; // wx keeps the server's casing
      });
      let data: unknown = text;
      if ((options.dataType ?? "json") === "json") {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
      // wx calls `success` for every HTTP answer, 4xx and 5xx too, and `fail` only when none came.
      options.success?.({ statusCode: response.status, data, header });
    })
    .catch((error: Error) => options.fail?.({ errMsg: `request:fail ${error.message}` }));
  return { abort: () => controller.abort() };
}

/** `wx.getStorageSync` and friends: synchronous, and (as on a device) a stored object comes back as a copy. */
export function fakeStorage() {
  const storage = new Map<string, unknown>();
  return {
    storage,
    getStorageSync: (key: string) => (storage.has(key) ? structuredClone(storage.get(key)) : ""),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, structuredClone(value)),
    removeStorageSync: (key: string) => void storage.delete(key),
  };
}
