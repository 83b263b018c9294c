import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { TanbiClient } from "@tanbi/client";
import { DEMO_PHONES, createLinkToken, demoPartners, server, signedIn } from "./session.js";

const PHONE = DEMO_PHONES[4];

describe("绑定", () => {
  it("binds by a scanned raw token, lists it by partner name, and unbinds only after the resident confirms", async () => {
    const { baseUrl, dataDir } = await server();
    const partner = demoPartners(dataDir)["bike_share_ride"]!;
    const wx = await signedIn(PHONE);
    const bind = await wx.open("pages/bind/index");
    wx.scans.push((await createLinkToken(baseUrl, partner, `mp-${randomUUID()}`)).token);
    assert.equal(await bind.scanToBind(), true);
    const row = bind.data.bindings.find((b: { partner: string }) => b.partner === partner.name);
    assert.ok(row);
    assert.match(row.since, /^\d{4}-\d{2}-\d{2} 绑定$/);

    wx.modalAnswers.push(false);
    assert.equal(await bind.unbind(wx.tap({ id: row.id })), false);
    assert.match(wx.modals.at(-1)!, new RegExp(`^解绑后，${partner.name}`));
    const api = new TanbiClient({ baseUrl });
    await api.signInDev(PHONE);
    assert.equal((await api.bindings()).find((b) => b.id === row.id)?.unbound_at, null);

    wx.modalAnswers.push(true);
    assert.equal(await bind.unbind(wx.tap({ id: row.id })), true);
    assert.equal(bind.data.bindings.some((b: { id: number }) => b.id === row.id), false);
    assert.ok((await api.bindings()).find((b) => b.id === row.id)?.unbound_at);
  });

  it("shows the service's Chinese reason for a used token, and ours for a QR that is no token", async () => {
    const { baseUrl, dataDir } = await server();
    const partner = demoPartners(dataDir)["metro_trip"]!;
    const wx = await signedIn(PHONE);
    const bind = await wx.open("pages/bind/index");
    const { token } = await createLinkToken(baseUrl, partner, `mp-${randomUUID()}`);
    wx.scans.push(token, token);
    assert.equal(await bind.scanToBind(), true);
    const count = bind.data.bindings.length;
    assert.equal(await bind.scanToBind(), false);
    assert.match(bind.data.error, /[\u4e00-\u9fff]/);
    assert.equal(wx.toasts.at(-1), bind.data.error);
    assert.equal(bind.data.bindings.length, count);

    wx.scans.push("微信支付 收款码");
    assert.equal(await bind.scanToBind(), false);
    assert.equal(bind.data.error, "这不是碳普惠绑定码");
  });

  it("does nothing when the scan is cancelled", async () => {
    const wx = await signedIn(PHONE);
    const bind = await wx.open("pages/bind/index");
    const requests = wx.requests.length;
    assert.equal(await bind.scanToBind(), true);
    assert.equal(bind.data.error, "");
    assert.equal(wx.requests.length, requests);
  });
});
