import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expiredCopy } from "../../typescript/test/harness.js";
import { DEMO_PHONES, server, signedIn } from "./session.js";

type Tokens = { accessToken: string; refreshToken: string };

describe("an expired access token under the pages", () => {
  it("pages loading at once share one refresh, and the rotated pair is stored", async () => {
    const { dataDir } = await server();
    const wx = await signedIn(DEMO_PHONES[0]);
    const tokens = wx.getStorageSync("tanbi.tokens") as Tokens;
    wx.setStorageSync("tanbi.tokens", { ...tokens, accessToken: expiredCopy(tokens.accessToken, dataDir) });
    const before = wx.requests.length;
    // 首页 asks for the wallet and the achievements together; 足迹 and 兑换 load while it does.
    const pages = await Promise.all([
      wx.open("pages/home/index"),
      wx.open("pages/footprint/index"),
      wx.open("pages/redeem/index"),
    ]);
    assert.deepEqual(pages.map((p) => p.data.error), ["", "", ""]);
    const refreshes = wx.requests.slice(before).filter((r) => r.url.endsWith("/v1/auth/refresh"));
    assert.equal(refreshes.length, 1);
    const stored = wx.getStorageSync("tanbi.tokens") as Tokens;
    assert.notEqual(stored.refreshToken, tokens.refreshToken);
    assert.ok(pages[0]!.data.coins > 0);
  });

  it("a refused refresh token (used elsewhere) signs in again rather than showing an error", async () => {
    const { dataDir } = await server();
    const wx = await signedIn(DEMO_PHONES[0]);
    const tokens = wx.getStorageSync("tanbi.tokens") as Tokens;
    const rotated = await fetch(`${wx.getStorageSync("tanbi.baseUrl")}/v1/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refreshToken }),
    });
    assert.equal(rotated.status, 200);
    wx.setStorageSync("tanbi.tokens", { ...tokens, accessToken: expiredCopy(tokens.accessToken, dataDir) });
    const home = await wx.open("pages/home/index");
    // The demo has no WeChat sign-in: the app falls back to 登录, and shows no error of its own.
    assert.equal(home.data.error, "");
    assert.deepEqual(wx.navigations, ["/pages/signin/index"]);
    assert.equal(wx.getStorageSync("tanbi.tokens"), "");
  });
});
