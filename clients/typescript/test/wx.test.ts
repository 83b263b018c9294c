import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  SignedOutError,
  TanbiClient,
  TanbiError,
  wxLanguage,
  wxStorage,
  wxTransport,
  type WxRequestOptions,
} from "../src/index.js";
import { fakeStorage, forwardRequest } from "./fake-wx.js";
import { DEMO_PHONES, expiredCopy, server } from "./harness.js";

/** A fake `wx` that behaves as the mini-program's for requests, storage and the system language. */
function fakeWx(language = "zh_CN") {
  const requests: WxRequestOptions[] = [];
  const wx = {
    ...fakeStorage(),
    requests,
    language,
    request(options: WxRequestOptions) {
      requests.push(options);
      return forwardRequest(options);
    },
    getSystemInfoSync: () => ({ language: wx.language }),
  };
  return wx;
}

describe("the wx.request adapter and wx storage", () => {
  it("signs in, keeps the tokens in wx storage, and reads through wx.request", async () => {
    const { baseUrl } = await server();
    const wx = fakeWx();
    const client = new TanbiClient({ baseUrl, transport: wxTransport(wx), tokens: wxStorage(wx), language: wxLanguage(wx) });
    const pair = await client.signInDev(DEMO_PHONES[4]);
    assert.deepEqual(wx.storage.get("tanbi.tokens"), { accessToken: pair.access_token, refreshToken: pair.refresh_token });
    const wallet = await client.wallet();
    assert.ok(wallet.available >= 0);
    const last = wx.requests.at(-1);
    assert.equal(last?.header?.["authorization"], `Bearer ${pair.access_token}`);
    assert.equal(last?.header?.["accept-language"], "zh-CN");
    assert.equal(last?.dataType, "text");

    // A second launch reads the stored tokens.
    const relaunched = new TanbiClient({ baseUrl, transport: wxTransport(wx), tokens: wxStorage(wx) });
    assert.equal(await relaunched.isSignedIn(), true);
    const page = await relaunched.actions({ limit: 3 });
    assert.ok(page.items.length > 0);
  });

  it("maps problem+json through wx.request, in WeChat's language", async () => {
    const { baseUrl } = await server();
    const wx = fakeWx("en");
    const client = new TanbiClient({ baseUrl, transport: wxTransport(wx), tokens: wxStorage(wx), language: wxLanguage(wx) });
    await client.signInDev(DEMO_PHONES[4]);
    const error = await client.action(2 ** 31 - 1).catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 404);
    assert.equal(error.code, "action_not_found");
    assert.match(error.detail, /^[\x20-\x7e]+$/);
  });

  it("refreshes once for concurrent 401s through wx.request, and stores the rotated pair", async () => {
    const { baseUrl, dataDir } = await server();
    const wx = fakeWx();
    const client = new TanbiClient({ baseUrl, transport: wxTransport(wx), tokens: wxStorage(wx) });
    const pair = await client.signInDev(DEMO_PHONES[3]);
    wx.setStorageSync("tanbi.tokens", { accessToken: expiredCopy(pair.access_token, dataDir), refreshToken: pair.refresh_token });
    wx.requests.length = 0;
    await Promise.all([client.wallet(), client.impact(), client.achievements(), client.createPaycode()]);
    assert.equal(wx.requests.filter((r) => r.url.endsWith("/v1/auth/refresh")).length, 1);
    const stored = wx.getStorageSync("tanbi.tokens") as { refreshToken: string };
    assert.notEqual(stored.refreshToken, pair.refresh_token);
  });

  it("a reused refresh token clears wx storage", async () => {
    const { baseUrl, dataDir } = await server();
    const wx = fakeWx();
    const client = new TanbiClient({ baseUrl, transport: wxTransport(wx), tokens: wxStorage(wx) });
    const pair = await client.signInDev(DEMO_PHONES[2]);
    await client.refresh();
    wx.setStorageSync("tanbi.tokens", { accessToken: expiredCopy(pair.access_token, dataDir), refreshToken: pair.refresh_token });
    await assert.rejects(client.wallet(), (e: unknown) => e instanceof SignedOutError && e.code === "refresh_token_reused");
    assert.equal(wx.storage.has("tanbi.tokens"), false);
  });

  it("wx.request's fail callback becomes network_error", async () => {
    const wx = fakeWx();
    wx.setStorageSync("tanbi.tokens", { accessToken: "a", refreshToken: "r" });
    const client = new TanbiClient({ baseUrl: "http://127.0.0.1:9", transport: wxTransport(wx), tokens: wxStorage(wx) });
    const error = await client.wallet().catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 0);
    assert.equal(error.code, "network_error");
  });
});
