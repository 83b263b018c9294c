import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TanbiClient } from "@tanbi/client";
import { DEMO_PHONES, server, signedIn } from "./session.js";
import { builtLib, installWx } from "./wx.js";

describe("首页", () => {
  it("shows the wallet's coins, the coins expiring soon, this month's grams, trees and the level", async () => {
    const wx = await signedIn(DEMO_PHONES[0]);
    const home = await wx.open("pages/home/index");
    assert.equal(home.data.error, "");
    const { baseUrl } = await server();
    const api = new TanbiClient({ baseUrl });
    await api.signInDev(DEMO_PHONES[0]);
    const [wallet, mine] = await Promise.all([api.wallet(), api.achievements()]);
    assert.equal(home.data.coins, wallet.available);
    assert.equal(home.data.expiring, wallet.expiring_30d);
    assert.ok(home.data.coins > 0);
    assert.equal(home.data.level, mine.level.zh);
    assert.match(home.data.trees, new RegExp(`^≈ ${mine.trees.count} 棵树`));
    assert.match(home.data.monthGrams, /(克|千克|吨)$/);
    assert.equal(wx.titles.at(-1), "首页");
  });

  it("in English where WeChat is in English", async () => {
    const wx = await signedIn(DEMO_PHONES[0], "en");
    const home = await wx.open("pages/home/index");
    assert.equal(home.data.t.coins, "Coins available");
    assert.match(home.data.level, /^[A-Za-z ]+$/);
    assert.match(home.data.monthGrams, /(g|kg|t)$/);
  });

  it("without a session on the demo service, opens the dev sign-in instead of loading", async () => {
    const { baseUrl } = await server();
    const wx = installWx(baseUrl);
    const home = await wx.open("pages/home/index");
    assert.deepEqual(wx.navigations, ["/pages/signin/index"]);
    assert.equal(home.data.ready, false);
    assert.equal(home.data.error, "");
  });

  it("says the network is down when the service cannot be reached, and loads on retry", async () => {
    const wx = await signedIn(DEMO_PHONES[0]);
    const { baseUrl } = await server();
    wx.setStorageSync("tanbi.baseUrl", "http://127.0.0.1:9");
    builtLib().resetClient();
    const home = await wx.open("pages/home/index");
    assert.equal(home.data.error, "网络不通，请检查网络后重试");
    assert.equal(home.data.ready, false);
    wx.setStorageSync("tanbi.baseUrl", baseUrl);
    builtLib().resetClient();
    await home.load();
    assert.equal(home.data.error, "");
    assert.ok(home.data.coins > 0);
  });
});
