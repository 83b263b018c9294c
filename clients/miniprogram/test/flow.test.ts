// The acceptance path: a resident signs in, binds by a scanned link token, sees a credited trip on 足迹 with its
// title, claims a voucher on 兑换, and shows a pay-code that renews itself on 付款码.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { TanbiClient } from "@tanbi/client";
import { postEvents } from "../../typescript/test/harness.js";
import { readQr } from "./qr.js";
import { DEMO_PHONES, createLinkToken, demoPartners, server, signedIn } from "./session.js";
import type { FakeWx, PageInstance } from "./wx.js";

const PHONE = DEMO_PHONES[3];

function busTrip(subject: string, distance_m: number, minutesAgo: number) {
  const alighted = new Date(Date.now() - minutesAgo * 60_000);
  const boarded = new Date(alighted.getTime() - 20 * 60_000);
  return {
    id: `mp-${randomUUID()}`,
    type: "bus_trip",
    subject,
    occurred_at: boarded.toISOString(),
    evidence: { boarded_at: boarded.toISOString(), alighted_at: alighted.toISOString(), distance_m },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a resident's first week, through the pages", () => {
  let wx: FakeWx;
  let api: TanbiClient;
  let subject: string;

  it("signs in and binds by scanning a partner's link-token QR (a link carrying the token)", async () => {
    const { baseUrl, dataDir } = await server();
    wx = await signedIn(PHONE);
    api = new TanbiClient({ baseUrl });
    await api.signInDev(PHONE);
    const partner = demoPartners(dataDir)["bus_trip"]!;
    subject = `mp-${randomUUID()}`;
    const { token } = await createLinkToken(baseUrl, partner, subject);
    const bind = await wx.open("pages/bind/index");
    const before = bind.data.bindings.length;
    wx.scans.push(`https://bus.example.cn/tanbi/bind?token=${encodeURIComponent(token)}`);
    assert.equal(await bind.scanToBind(), true);
    assert.equal(bind.data.error, "");
    assert.equal(bind.data.bindings.length, before + 1);
    assert.ok(bind.data.bindings.some((b: { partner: string }) => b.partner === partner.name));
    assert.equal(wx.toasts.at(-1), `已绑定 ${partner.name}`);
    const mine = await api.bindings();
    assert.ok(mine.some((b) => b.partner_id === partner.id && !b.unbound_at));
  });

  it("sees the partner's trip credited on 足迹 with its title, and a too-short one saying why", async () => {
    const { baseUrl, dataDir } = await server();
    const partner = demoPartners(dataDir)["bus_trip"]!;
    const credited = busTrip(subject, 5000, 5);
    const refused = busTrip(subject, 100, 2);
    await postEvents(baseUrl, partner, [credited, refused]);
    const ours = (a: { occurred_at: string }) =>
      [credited, refused].some((e) => Date.parse(e.occurred_at) === Date.parse(a.occurred_at));
    const newest = await until("both trips processed", async () => {
      const found = (await api.actions({ limit: 5 })).items.filter(ours);
      return found.length === 2 ? found : undefined;
    });
    const footprint = await wx.open("pages/footprint/index");
    assert.equal(footprint.data.error, "");
    const trip = newest.find((a) => a.status === "accepted")!;
    const rejected = newest.find((a) => a.status === "rejected")!;
    assert.ok(trip && rejected, "one credited, one rejected");
    const shownTrip = footprint.data.items.find((r: { id: number }) => r.id === trip.id);
    assert.equal(shownTrip.title, trip.title);
    assert.match(shownTrip.title, /公交/);
    assert.equal(shownTrip.status, "已入账");
    assert.equal(shownTrip.coins, `+${trip.coins} 碳币`);
    assert.ok(trip.coins > 0);
    const shownRejected = footprint.data.items.find((r: { id: number }) => r.id === rejected.id);
    assert.equal(shownRejected.status, "未入账");
    assert.deepEqual(shownRejected.reasons, rejected.reasons_explained.map((r) => r.text));
    assert.ok(shownRejected.reasons.length > 0 && /[\u4e00-\u9fff]/.test(shownRejected.reasons[0]));
  });

  it("claims a voucher on 兑换 (coins held) and shows its code as a QR", async () => {
    const wallet = await api.wallet();
    const redeem = await wx.open("pages/redeem/index");
    const offer = redeem.data.offers.find((o: { soldOut: boolean; price: number }) => !o.soldOut && o.price <= wallet.available);
    assert.ok(offer, "an affordable offer in stock");
    assert.ok(offer.merchant.length > 0);
    assert.equal(await redeem.claim(wx.tap({ id: offer.id })), true);
    assert.equal(wx.modals.at(-1), `用 ${offer.price} 碳币兑换「${offer.title}」？`);
    assert.equal(redeem.data.tab, "vouchers");
    const voucher = redeem.data.vouchers.find((v: { id: number }) => v.id === redeem.data.shown);
    assert.ok(voucher && voucher.held);
    assert.equal(readQr(redeem, "#voucher"), voucher.code);
    const after = await api.wallet();
    assert.equal(after.held, wallet.held + offer.price);
  });

  it("shows a pay-code QR on 付款码 that renews before it expires, and stops renewing once hidden", async () => {
    const paycode: PageInstance = await wx.open("pages/paycode/index");
    const first = paycode.data.paycode;
    assert.ok(first);
    assert.equal(readQr(paycode, "#paycode"), first);
    assert.equal(wx.keepScreenOn, true);
    // The run's pay-codes live 5 s: the page fetches the next at 80 % of that.
    const second = await until("a renewed pay-code", async () => (paycode.data.paycode !== first ? paycode.data.paycode : undefined), 10_000);
    assert.equal(readQr(paycode, "#paycode"), second);
    assert.ok(Date.parse(paycode.data.expiresAt) > Date.now());
    await wx.hide(paycode);
    assert.equal(wx.keepScreenOn, false);
    const asked = wx.requests.filter((r) => r.url.endsWith("/v1/me/paycodes")).length;
    await sleep(5_500);
    assert.equal(wx.requests.filter((r) => r.url.endsWith("/v1/me/paycodes")).length, asked);
    assert.equal(paycode.data.paycode, second);
  });
});
