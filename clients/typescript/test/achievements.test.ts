import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { TanbiClient } from "../src/index.js";
import { DEMO_PHONES, server } from "./harness.js";

describe("achievements and notifications", () => {
  let client: TanbiClient;
  before(async () => {
    const { baseUrl } = await server();
    client = new TanbiClient({ baseUrl });
    await client.signInDev(DEMO_PHONES[1]);
  });

  it("reads the level, trees and medals, and the year's report", async () => {
    const achievements = await client.achievements();
    assert.ok(achievements.lifetime_grams > 0);
    assert.ok(achievements.level.number >= 1);
    assert.ok(Array.isArray(achievements.medals));
    const year = new Date().getUTCFullYear();
    const report = await client.yearReport(year);
    assert.equal(report.year, year);
  });

  it("iterates the inbox and marks it read", async () => {
    const all = [];
    for await (const n of client.allNotifications({ limit: 1 })) all.push(n);
    assert.ok(all.length > 0);
    assert.ok(all.every((n) => n.title_zh.length > 0));
    const newest = all[0];
    assert.ok(newest);
    const unread = await client.markNotificationsRead({ ids: [newest.id] });
    assert.ok(Number.isInteger(unread.unread));
    const after = (await client.notifications({ limit: 1 })).items[0];
    assert.equal(after?.read, true);
  });

  it("lists the subscribe-message subscriptions", async () => {
    const subscriptions = await client.notificationSubscriptions();
    assert.equal(typeof subscriptions, "object");
  });
});
