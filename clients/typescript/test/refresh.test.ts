import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SignedOutError, TanbiClient, TanbiError, memoryStore, type Tokens } from "../src/index.js";
import { countingTransport, refreshes } from "./counting.js";
import { DEMO_PHONES, expiredCopy, server } from "./harness.js";

describe("token refresh", () => {
  it("an expired access token: twenty concurrent calls get 401, one refresh serves them all", async () => {
    const { baseUrl, dataDir } = await server();
    const transport = countingTransport();
    const tokens = memoryStore();
    const client = new TanbiClient({ baseUrl, transport, tokens });
    await client.signInDev(DEMO_PHONES[0]);
    const signedIn = (await tokens.get()) as Tokens;
    const expired = expiredCopy(signedIn.accessToken, dataDir);

    // The service refuses the expired token by itself.
    const probe = await fetch(`${baseUrl}/v1/me/wallet`, { headers: { authorization: `Bearer ${expired}` } });
    assert.equal(probe.status, 401);

    await tokens.set({ accessToken: expired, refreshToken: signedIn.refreshToken });
    transport.sent.length = 0;
    const calls = [
      ...Array.from({ length: 10 }, () => client.wallet()),
      ...Array.from({ length: 5 }, () => client.impact()),
      ...Array.from({ length: 5 }, () => client.actions({ limit: 1 })),
    ];
    const results = await Promise.all(calls);
    assert.equal(results.length, 20);
    assert.equal(refreshes(transport.sent), 1);
    const rotated = (await tokens.get()) as Tokens;
    assert.notEqual(rotated.refreshToken, signedIn.refreshToken);
    assert.notEqual(rotated.accessToken, expired);
    // 20 first tries + 1 refresh + 20 retries.
    assert.equal(transport.sent.length, 41);

    // The next call uses the new token directly.
    transport.sent.length = 0;
    await client.wallet();
    assert.equal(transport.sent.length, 1);
  });

  it("a call that got its 401 after another call refreshed retries with the new token, no second refresh", async () => {
    const { baseUrl, dataDir } = await server();
    const transport = countingTransport();
    const tokens = memoryStore();
    const client = new TanbiClient({ baseUrl, transport, tokens });
    await client.signInDev(DEMO_PHONES[1]);
    const signedIn = (await tokens.get()) as Tokens;
    await tokens.set({ accessToken: expiredCopy(signedIn.accessToken, dataDir), refreshToken: signedIn.refreshToken });
    await client.wallet(); // refreshes
    // A late 401 for the old token (the new pair is already stored).
    const late = new TanbiClient({ baseUrl, transport, tokens });
    transport.sent.length = 0;
    await late.request("GET", "/v1/me/wallet");
    assert.equal(refreshes(transport.sent), 0);
  });

  it("a reused refresh token signs out cleanly: one refresh, every call rejects with SignedOutError, tokens cleared", async () => {
    const { baseUrl, dataDir } = await server();
    const transport = countingTransport();
    const tokens = memoryStore();
    const signedOut: SignedOutError[] = [];
    const client = new TanbiClient({ baseUrl, transport, tokens, onSignedOut: (e) => signedOut.push(e) });
    await client.signInDev(DEMO_PHONES[2]);
    const stale = (await tokens.get()) as Tokens;
    await client.refresh(); // the stored refresh token is now used up
    await tokens.set({ accessToken: expiredCopy(stale.accessToken, dataDir), refreshToken: stale.refreshToken });
    transport.sent.length = 0;

    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => client.wallet()));
    assert.equal(refreshes(transport.sent), 1);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, "rejected");
      const error = (outcome as PromiseRejectedResult).reason;
      assert.ok(error instanceof SignedOutError);
      assert.ok(error instanceof TanbiError);
      assert.equal(error.status, 401);
      assert.equal(error.code, "refresh_token_reused");
    }
    assert.equal(await tokens.get(), null);
    assert.equal(signedOut.length, 1);
    // Signed out: the next call fails without a request.
    transport.sent.length = 0;
    await assert.rejects(client.wallet(), (e: unknown) => e instanceof TanbiError && e.code === "not_signed_in");
    assert.equal(transport.sent.length, 0);
  });

  it("concurrent explicit refresh() calls share one request", async () => {
    const { baseUrl } = await server();
    const transport = countingTransport();
    const client = new TanbiClient({ baseUrl, transport });
    await client.signInDev(DEMO_PHONES[3]);
    transport.sent.length = 0;
    const pairs = await Promise.all([client.refresh(), client.refresh(), client.refresh()]);
    assert.equal(refreshes(transport.sent), 1);
    assert.equal(new Set(pairs.map((p) => p.refreshToken)).size, 1);
    await client.wallet();
  });

  it("a 401 that arrives after the refresh was refused gets the same SignedOutError, no second refresh or callback", async () => {
    const reused = JSON.stringify({ status: 401, code: "refresh_token_reused", detail: "reused" });
    const expired = JSON.stringify({ status: 401, code: "token_expired", detail: "expired" });
    let refreshCalls = 0;
    let releaseLate: () => void = () => {};
    const lateGate = new Promise<void>((r) => (releaseLate = r));
    let walletCalls = 0;
    const signedOut: SignedOutError[] = [];
    const client = new TanbiClient({
      baseUrl: "http://x",
      tokens: memoryStore({ accessToken: "old", refreshToken: "rt_old" }),
      onSignedOut: (e) => signedOut.push(e),
      transport: {
        async request(r) {
          if (r.url.endsWith("/v1/auth/refresh")) {
            refreshCalls += 1;
            return { status: 401, headers: {}, body: reused };
          }
          walletCalls += 1;
          if (walletCalls === 2) await lateGate; // this answer is slow: it comes after the refusal
          return { status: 401, headers: {}, body: expired };
        },
      },
    });
    const first = client.wallet().catch((e: unknown) => e);
    const second = client.wallet().catch((e: unknown) => e);
    const firstError = await first;
    releaseLate();
    const secondError = await second;
    assert.ok(firstError instanceof SignedOutError && secondError instanceof SignedOutError);
    assert.equal(secondError.code, "refresh_token_reused");
    assert.equal(refreshCalls, 1);
    assert.equal(signedOut.length, 1);
  });
});
