import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TanbiClient, TanbiError, memoryStore } from "../src/index.js";
import { DEMO_PHONES, server } from "./harness.js";

describe("sign-in and sessions", () => {
  it("signs a demo resident in by phone and stores the token pair", async () => {
    const { baseUrl } = await server();
    const tokens = memoryStore();
    const client = new TanbiClient({ baseUrl, tokens });
    assert.equal(await client.isSignedIn(), false);
    const pair = await client.signInDev(DEMO_PHONES[0]);
    assert.ok(pair.access_token && pair.refresh_token.startsWith("rt_"));
    assert.ok(pair.expires_in > 0);
    assert.deepEqual(await tokens.get(), { accessToken: pair.access_token, refreshToken: pair.refresh_token });
    const me = await client.me();
    assert.equal(typeof me, "object");
  });

  it("refuses an authenticated call before sign-in without a request", async () => {
    let sent = 0;
    const client = new TanbiClient({
      baseUrl: "http://127.0.0.1:9",
      transport: { request: async () => ((sent += 1), { status: 200, headers: {}, body: "{}" }) },
    });
    await assert.rejects(client.wallet(), (e: unknown) => e instanceof TanbiError && e.code === "not_signed_in");
    assert.equal(sent, 0);
  });

  it("signs out: the refresh token is revoked on the service and the tokens cleared", async () => {
    const { baseUrl } = await server();
    const client = new TanbiClient({ baseUrl });
    await client.signInDev(DEMO_PHONES[1]);
    const before = await client.tokens.get();
    await client.signOut();
    assert.equal(await client.tokens.get(), null);
    const again = new TanbiClient({ baseUrl, tokens: memoryStore(before) });
    await assert.rejects(again.refresh(), (e: unknown) => e instanceof TanbiError && e.status === 401);
  });

  it("sends Accept-Language: Chinese by default on the service, English when configured, switchable per request", async () => {
    const { baseUrl } = await server();
    let language = "en";
    const client = new TanbiClient({ baseUrl, language: () => language });
    await client.signInDev(DEMO_PHONES[0]);
    const english = await client.action(2 ** 31 - 1).catch((e: unknown) => e);
    assert.ok(english instanceof TanbiError);
    assert.match(english.detail, /^[\x20-\x7e]+$/, `English detail expected: ${english.detail}`);
    language = "zh-CN";
    const chinese = await client.action(2 ** 31 - 1).catch((e: unknown) => e);
    assert.ok(chinese instanceof TanbiError);
    assert.equal(chinese.code, english.code);
    assert.match(chinese.detail, /[\u4e00-\u9fff]/, `Chinese detail expected: ${chinese.detail}`);
  });

  it("takes the device language from navigator.language when none is configured", async () => {
    const seen: string[] = [];
    const client = new TanbiClient({
      baseUrl: "http://x",
      transport: {
        request: async (r) => (seen.push(r.headers["accept-language"] ?? ""), { status: 200, headers: {}, body: "{}" }),
      },
      tokens: memoryStore({ accessToken: "a", refreshToken: "r" }),
    });
    await client.wallet();
    // Node 21+ has navigator.language; Node 20 has none, and then no header is sent (the service answers in Chinese).
    const nav = (globalThis as { navigator?: { language?: string } }).navigator;
    assert.equal(seen[0], nav?.language ?? "");
  });
});
