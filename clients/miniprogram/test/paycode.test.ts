import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readQr } from "./qr.js";
import { DEMO_PHONES, signedIn } from "./session.js";
import { builtLib } from "./wx.js";

describe("付款码", () => {
  it("draws the pay-code as a QR that decodes to it, in English too", async () => {
    const wx = await signedIn(DEMO_PHONES[0], "en");
    const paycode = await wx.open("pages/paycode/index");
    assert.ok(paycode.data.paycode);
    assert.equal(readQr(paycode, "#paycode"), paycode.data.paycode);
    assert.equal(paycode.data.t.paycodeHint, "Show the merchant this code to pay with coins");
    await wx.close(paycode);
    assert.equal(paycode.timer, null);
  });

  it("shows the error and schedules nothing when no code can be had; retry draws one", async () => {
    const wx = await signedIn(DEMO_PHONES[0]);
    const base = wx.getStorageSync("tanbi.baseUrl");
    wx.setStorageSync("tanbi.baseUrl", "http://127.0.0.1:9");
    builtLib().resetClient();
    const paycode = await wx.open("pages/paycode/index");
    assert.equal(paycode.data.error, "网络不通，请检查网络后重试");
    assert.equal(paycode.data.paycode, "");
    assert.equal(paycode.timer, null);
    wx.setStorageSync("tanbi.baseUrl", base);
    builtLib().resetClient();
    await paycode.renew();
    assert.equal(readQr(paycode, "#paycode"), paycode.data.paycode);
    assert.notEqual(paycode.timer, null);
    await wx.close(paycode);
    assert.equal(paycode.timer, null);
  });
});
