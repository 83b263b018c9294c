import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { TanbiClient, TanbiError } from "../src/index.js";
import { DEMO_PHONES, createLinkToken, demoPartners, server } from "./harness.js";

describe("binding by a partner's link token", () => {
  it("binds with a scanned token, lists the binding with the partner's name, and unbinds", async () => {
    const { baseUrl, dataDir } = await server();
    const partner = demoPartners(dataDir)["bike_share_ride"];
    assert.ok(partner);
    const client = new TanbiClient({ baseUrl });
    await client.signInDev(DEMO_PHONES[3]);
    const { token } = await createLinkToken(baseUrl, partner, `ts-sdk-${randomUUID()}`);
    const binding = await client.bind(token);
    assert.equal(binding.partner_id, partner.id);
    assert.equal(binding.unbound_at, null);
    const listed = (await client.bindings()).find((b) => b.id === binding.id);
    assert.ok(listed);
    assert.ok(listed.partner_name.length > 0);
    const unbound = await client.unbind(binding.id);
    assert.ok(unbound.unbound_at);
  });

  it("maps a used or unknown token to 422 invalid_link_token, and a subject bound elsewhere to 409", async () => {
    const { baseUrl, dataDir } = await server();
    const partner = demoPartners(dataDir)["bus_trip"];
    assert.ok(partner);
    const first = new TanbiClient({ baseUrl });
    const second = new TanbiClient({ baseUrl });
    await first.signInDev(DEMO_PHONES[3]);
    await second.signInDev(DEMO_PHONES[4]);
    const subject = `ts-sdk-${randomUUID()}`;
    const { token } = await createLinkToken(baseUrl, partner, subject);
    await first.bind(token);

    const reused = await first.bind(token).catch((e: unknown) => e);
    assert.ok(reused instanceof TanbiError);
    assert.equal(reused.status, 422);
    assert.equal(reused.code, "invalid_link_token");

    const unknown = await first.bind("not-a-real-token").catch((e: unknown) => e);
    assert.ok(unknown instanceof TanbiError);
    assert.equal(unknown.code, "invalid_link_token");

    const again = await createLinkToken(baseUrl, partner, subject);
    const taken = await second.bind(again.token).catch((e: unknown) => e);
    assert.ok(taken instanceof TanbiError);
    assert.equal(taken.status, 409);
    assert.equal(taken.code, "subject_bound");
  });
});
