import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { TanbiClient, TanbiError } from "../src/index.js";
import { DEMO_PHONES, server } from "./harness.js";

describe("offers, vouchers, pay-codes", () => {
  let client: TanbiClient;
  before(async () => {
    const { baseUrl } = await server();
    client = new TanbiClient({ baseUrl });
    await client.signInDev(DEMO_PHONES[0]);
  });

  it("lists the offers with their merchant, across pages", async () => {
    const offers = [];
    for await (const offer of client.allOffers({ limit: 2 })) offers.push(offer);
    assert.ok(offers.length > 0);
    assert.ok(offers.every((o) => o.merchant.name.length > 0 && o.price > 0));
  });

  it("claims a voucher (coins held), finds it in my vouchers, and cancels it (coins released)", async () => {
    const before = await client.wallet();
    let offer;
    for await (const o of client.allOffers()) {
      if (o.stock_left > 0 && o.price <= before.available) {
        offer = o;
        break;
      }
    }
    assert.ok(offer, "an affordable offer in stock");
    const voucher = await client.claimVoucher(offer.id);
    assert.equal(voucher.offer_id, offer.id);
    assert.ok(voucher.code.length > 0);
    const held = await client.wallet();
    assert.equal(held.held, before.held + offer.price);
    const mine = [];
    for await (const v of client.allVouchers({ limit: 5 })) mine.push(v.id);
    assert.ok(mine.includes(voucher.id));
    const cancelled = await client.cancelVoucher(voucher.id);
    assert.equal(cancelled.status, "cancelled");
    assert.equal((await client.wallet()).held, before.held);

    const twice = await client.cancelVoucher(voucher.id).catch((e: unknown) => e);
    assert.ok(twice instanceof TanbiError);
    assert.equal(twice.status, 409);
    assert.equal(twice.code, "voucher_cancelled");
  });

  it("maps claim errors: 404 for an unknown offer, 422 for a malformed body", async () => {
    const missing = await client.claimVoucher(2 ** 31 - 1).catch((e: unknown) => e);
    assert.ok(missing instanceof TanbiError);
    assert.equal(missing.status, 404);
    assert.match(missing.code, /not_found/);
    const malformed = await client
      .request("POST", "/v1/me/vouchers", { body: { offer_id: "one" } })
      .catch((e: unknown) => e);
    assert.ok(malformed instanceof TanbiError);
    assert.equal(malformed.status, 422);
    assert.equal(malformed.code, "validation_error");
    assert.ok(Array.isArray(malformed.problem?.errors));
  });

  it("creates pay-codes that expire in about a minute, a new one each time", async () => {
    const first = await client.createPaycode();
    const second = await client.createPaycode();
    assert.notEqual(first.paycode, second.paycode);
    const ttl = (Date.parse(first.expires_at) - Date.now()) / 1000;
    assert.ok(ttl > 30 && ttl <= 61, `pay-code lifetime ${ttl} s`);
  });
});
