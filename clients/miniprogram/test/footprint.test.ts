import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEMO_PHONES, serviceAs, signedIn } from "./session.js";
import { builtLib } from "./wx.js";

const PHONE = DEMO_PHONES[0];

describe("足迹", () => {
  it("lists the actions as the service has them, newest first, and pages on with onReachBottom", async () => {
    const wx = await signedIn(PHONE);
    const footprint = await wx.open("pages/footprint/index");
    assert.equal(footprint.data.error, "");
    const expected = [];
    for await (const action of (await serviceAs(PHONE)).allActions({ limit: 50 })) expected.push(action);
    assert.ok(expected.length > 20, "the demo resident has more than one page");
    assert.equal(footprint.data.items.length, 20);
    assert.equal(footprint.data.done, false);
    while (!footprint.data.done) await footprint.onReachBottom();
    assert.deepEqual(
      footprint.data.items.map((r: { id: number; title: string }) => [r.id, r.title]),
      expected.map((a) => [a.id, a.title]),
    );
    const credited = footprint.data.items.filter((r: { accepted: boolean }) => r.accepted);
    assert.ok(credited.every((r: { coins: string; reasons: string[] }) => /^\+\d+ 碳币$/.test(r.coins) && r.reasons.length === 0));
    assert.equal(wx.titles.at(-1), "足迹");
  });

  it("opens the action a notification points at (?action=<id>), and toggles it on a tap", async () => {
    const wx = await signedIn(PHONE);
    const [second] = (await (await serviceAs(PHONE)).actions({ limit: 2 })).items.slice(1);
    assert.ok(second);
    const footprint = await wx.open("pages/footprint/index", { action: String(second.id) });
    const opened = footprint.data.items.filter((r: { open: boolean }) => r.open);
    assert.deepEqual(opened.map((r: { id: number }) => r.id), [second.id]);
    footprint.toggle(wx.tap({ id: second.id }));
    assert.equal(footprint.data.items.some((r: { open: boolean }) => r.open), false);
  });

  it("in English, titles and reasons come in English", async () => {
    const wx = await signedIn(PHONE, "en");
    const footprint = await wx.open("pages/footprint/index");
    assert.ok(footprint.data.items.length > 0);
    assert.ok(footprint.data.items.every((r: { title: string }) => !/[\u4e00-\u9fff]/.test(r.title)), "English titles");
    assert.ok(footprint.data.items.some((r: { status: string }) => r.status === "Credited"));
  });

  it("keeps what it showed and says so when loading more fails", async () => {
    const wx = await signedIn(PHONE);
    const footprint = await wx.open("pages/footprint/index");
    const shown = footprint.data.items.length;
    wx.setStorageSync("tanbi.baseUrl", "http://127.0.0.1:9");
    builtLib().resetClient();
    assert.equal(await footprint.onReachBottom(), false);
    assert.equal(footprint.data.error, "网络不通，请检查网络后重试");
    assert.equal(footprint.data.items.length, shown);
    assert.equal(footprint.data.loading, false);
  });
});
