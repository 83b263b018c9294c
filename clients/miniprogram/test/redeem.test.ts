import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readQr } from "./qr.js";
import { DEMO_PHONES, newPhone, serviceAs, signedIn } from "./session.js";

const PHONE = DEMO_PHONES[0];

describe("兑换", () => {
  it("lists the offers with their merchant and distance, nearest first, when the resident shares a location", async () => {
    const wx = await signedIn(PHONE);
    const offers = (await (await serviceAs(PHONE)).offers({ limit: 50 })).items;
    const located = offers.find((o) => o.merchant.location);
    assert.ok(located, "a demo merchant with a location");
    wx.location = { latitude: located.merchant.location!.lat, longitude: located.merchant.location!.lng };
    const redeem = await wx.open("pages/redeem/index");
    assert.equal(redeem.data.offers.length, offers.length);
    const first = redeem.data.offers[0];
    assert.equal(first.merchant, located.merchant.name);
    assert.equal(first.distance, "0 米");
    const metres = redeem.data.offers.map((o: { metres: number }) => (o.metres < 0 ? Infinity : o.metres));
    assert.deepEqual(metres, [...metres].sort((a, b) => a - b));
  });

  it("without a location, shows no distances", async () => {
    const wx = await signedIn(PHONE);
    const redeem = await wx.open("pages/redeem/index");
    assert.ok(redeem.data.offers.length > 0);
    assert.ok(redeem.data.offers.every((o: { distance: string; merchant: string }) => o.distance === "" && o.merchant));
  });

  it("returns a held voucher after asking: its coins come back", async () => {
    const wx = await signedIn(PHONE);
    const client = await serviceAs(PHONE);
    const redeem = await wx.open("pages/redeem/index");
    const wallet = await client.wallet();
    const offer = redeem.data.offers.find((o: { soldOut: boolean; price: number }) => !o.soldOut && o.price <= wallet.available);
    assert.equal(await redeem.claim(wx.tap({ id: offer.id })), true);
    const shown = redeem.data.shown;
    assert.equal((await client.wallet()).held, wallet.held + offer.price);
    assert.equal(await redeem.cancelVoucher(wx.tap({ id: shown })), true);
    const returned = redeem.data.vouchers.find((v: { id: number }) => v.id === shown);
    assert.equal(returned.status, "已退券");
    assert.equal(returned.held, false);
    assert.equal((await client.wallet()).held, wallet.held);
  });

  it("a claim the resident declines sends nothing; one they cannot afford says so in Chinese and holds nothing", async () => {
    const phone = newPhone();
    const wx = await signedIn(phone);
    const redeem = await wx.open("pages/redeem/index");
    const offer = redeem.data.offers.find((o: { soldOut: boolean }) => !o.soldOut);
    const before = wx.requests.length;
    wx.modalAnswers.push(false);
    assert.equal(await redeem.claim(wx.tap({ id: offer.id })), false);
    assert.equal(wx.requests.length, before);

    assert.equal(await redeem.claim(wx.tap({ id: offer.id })), false);
    assert.equal(redeem.data.error, "可用碳币不足");
    assert.equal(wx.toasts.at(-1), "可用碳币不足");
    assert.equal(redeem.data.tab, "offers");
    const wallet = await (await serviceAs(phone)).wallet();
    assert.equal(wallet.held, 0);
  });

  it("shows a held voucher's code as a QR on a tap", async () => {
    const wx = await signedIn(PHONE);
    const redeem = await wx.open("pages/redeem/index");
    const offer = redeem.data.offers.find((o: { soldOut: boolean }) => !o.soldOut);
    assert.equal(await redeem.claim(wx.tap({ id: offer.id })), true);
    const reopened = await wx.open("pages/redeem/index");
    const held = reopened.data.vouchers.find((v: { held: boolean }) => v.held);
    assert.ok(held);
    assert.equal(reopened.data.shown, 0);
    await reopened.showVoucher(wx.tap({ id: held.id }));
    assert.equal(reopened.data.shown, held.id);
    assert.equal(readQr(reopened, "#voucher"), held.code);
  });
});
