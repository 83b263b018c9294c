import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SignedOutError, TanbiClient, TanbiError, memoryStore } from "../src/index.js";
import { DEMO_PHONES, server } from "./harness.js";

describe("errors the SDK maps", () => {
  it("401 invalid_token with a refused refresh token: SignedOutError, tokens cleared", async () => {
    const { baseUrl } = await server();
    const tokens = memoryStore({ accessToken: "not-a-jwt", refreshToken: "rt_not-a-real-refresh-token" });
    const client = new TanbiClient({ baseUrl, tokens });
    const error = await client.wallet().catch((e: unknown) => e);
    assert.ok(error instanceof SignedOutError);
    assert.equal(error.status, 401);
    assert.ok(error.code.length > 0);
    assert.equal(await tokens.get(), null);
  });

  it("401 from the service for a bad token, unauthenticated call: TanbiError invalid_token", async () => {
    const { baseUrl } = await server();
    const client = new TanbiClient({ baseUrl });
    const error = await client
      .request("GET", "/v1/me/wallet", { auth: false })
      .catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 401);
    assert.ok(error.code.length > 0);
    assert.equal(error.problem?.status, 401);
  });

  it("404 with the route's code and a detail", async () => {
    const { baseUrl } = await server();
    const client = new TanbiClient({ baseUrl });
    await client.signInDev(DEMO_PHONES[4]);
    const error = await client.action(2 ** 31 - 1).catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 404);
    assert.equal(error.code, "action_not_found");
    assert.ok(error.detail.length > 0);
    assert.equal(error.name, "TanbiError");
  });

  it("422 validation_error on a malformed dev sign-in", async () => {
    const { baseUrl } = await server();
    const client = new TanbiClient({ baseUrl });
    const error = await client.signInDev("").catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, "validation_error");
    assert.equal(await client.tokens.get(), null);
  });

  it("no answer at all: status 0, network_error", async () => {
    const client = new TanbiClient({ baseUrl: "http://127.0.0.1:9", tokens: memoryStore({ accessToken: "a", refreshToken: "r" }) });
    const error = await client.wallet().catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 0);
    assert.equal(error.code, "network_error");
  });

  it("an answer that is not problem+json (a proxy's 502 page): http_502 with the body as detail", async () => {
    const client = new TanbiClient({
      baseUrl: "http://x",
      transport: { request: async () => ({ status: 502, headers: {}, body: "<html>Bad Gateway</html>" }) },
      tokens: memoryStore({ accessToken: "a", refreshToken: "r" }),
    });
    const error = await client.wallet().catch((e: unknown) => e);
    assert.ok(error instanceof TanbiError);
    assert.equal(error.status, 502);
    assert.equal(error.code, "http_502");
    assert.equal(error.detail, "<html>Bad Gateway</html>");
  });
});
