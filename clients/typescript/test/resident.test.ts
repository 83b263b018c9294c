import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { TanbiClient, TanbiError } from "../src/index.js";
import { DEMO_PHONES, server } from "./harness.js";

describe("wallet, actions, transfers, impact", () => {
  let client: TanbiClient;
  before(async () => {
    const { baseUrl } = await server();
    client = new TanbiClient({ baseUrl });
    await client.signInDev(DEMO_PHONES[2]);
  });

  it("reads the wallet", async () => {
    const wallet = await client.wallet();
    assert.ok(Number.isInteger(wallet.available) && wallet.available > 0);
    assert.ok(Number.isInteger(wallet.expiring_30d) && Number.isInteger(wallet.held));
    assert.ok(Array.isArray(wallet.lots) && wallet.lots.length > 0);
  });

  it("pages through the actions with the async iterator, the same as by hand", async () => {
    const byHand: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.actions({ limit: 7, cursor });
      assert.ok(page.items.length <= 7);
      byHand.push(...page.items.map((a) => a.id));
      cursor = page.next_cursor ?? undefined;
      pages += 1;
    } while (cursor);
    assert.ok(pages > 1, "the demo resident should have more than one page of actions");
    const iterated: number[] = [];
    for await (const action of client.allActions({ limit: 7 })) iterated.push(action.id);
    assert.deepEqual(iterated, byHand);
    assert.equal(new Set(iterated).size, iterated.length);
  });

  it("reads one action with its title and breakdown", async () => {
    const first = (await client.actions({ limit: 1 })).items[0];
    assert.ok(first);
    const action = await client.action(first.id);
    assert.equal(action.id, first.id);
    assert.ok(action.title.length > 0);
    assert.ok(action.breakdown);
  });

  it("maps a route a resident may not call to 403 wrong_role", async () => {
    const first = (await client.actions({ limit: 1 })).items[0];
    assert.ok(first);
    const error = await client.request("GET", `/v1/actions/${first.id}/explain`).catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 403);
    assert.equal(error.code, "wrong_role");
  });

  it("iterates the transfers; credits add up to positive amounts", async () => {
    let count = 0;
    for await (const transfer of client.allTransfers({ limit: 20 })) {
      assert.ok(Number.isInteger(transfer.amount));
      if (transfer.kind === "credit") assert.ok(transfer.amount > 0);
      count += 1;
    }
    assert.ok(count > 0);
  });

  it("reads the impact", async () => {
    const impact = await client.impact();
    assert.ok(impact.total_grams > 0);
    assert.ok(impact.by_methodology.length > 0);
  });
});

describe("the resident's district", () => {
  it("lists the city's districts and moves the resident to one; an unknown code is 422 unknown_district", async () => {
    const { baseUrl } = await server();
    const client = new TanbiClient({ baseUrl });
    await client.signInDev(DEMO_PHONES[4]);
    const { districts } = await client.districts();
    assert.ok(districts.length > 1);
    assert.ok(districts.every((d) => d.code && d.zh && d.en));
    const target = districts[districts.length - 1]!;
    const me = await client.updateMe({ district: target.code });
    assert.equal(me.district, target.code);
    assert.equal((await client.me()).district, target.code);
    const error = await client.updateMe({ district: "atlantis" }).catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, "unknown_district");
  });
});
