// Against a service with WeChat configured (a fake of WeChat's jscode2session, as the Python tests use): the app
// signs in silently with wx.login, and subscribes to WeChat subscribe messages on 消息.
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { TanbiClient } from "@tanbi/client";
import { startServer, type Server } from "../../typescript/test/harness.js";
import { SERVER_ENV } from "./session.js";
import { installWx } from "./wx.js";

const TEMPLATE = "tmpl-credits-test";

/** WeChat's code exchange: a code `<user>.<n>` is user `<user>`'s; `expired.*` codes are refused (errcode 40029). */
function fakeWechat(): Promise<{ url: string; codes: string[]; close(): Promise<void> }> {
  const codes: string[] = [];
  const server: HttpServer = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://wechat");
    const code = url.searchParams.get("js_code") ?? "";
    codes.push(code);
    const body =
      url.pathname !== "/sns/jscode2session" || url.searchParams.get("appid") !== "wxtanbitest"
        ? { errcode: 40013, errmsg: "invalid appid" }
        : code.startsWith("expired.")
          ? { errcode: 40029, errmsg: "invalid code" }
          : { openid: `openid-${code.split(".")[0]}`, session_key: "not-kept" };
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify(body));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, codes, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe("with WeChat sign-in configured", () => {
  let wechat: Awaited<ReturnType<typeof fakeWechat>>;
  let tanbi: Server;

  before(async () => {
    wechat = await fakeWechat();
    tanbi = await startServer({
      env: {
        ...SERVER_ENV,
        TANBI_WECHAT__APP_ID: "wxtanbitest",
        TANBI_WECHAT__APP_SECRET: "test-secret",
        TANBI_WECHAT__BASE_URL: wechat.url,
        TANBI_SUBSCRIBE__TEMPLATES: JSON.stringify({ credits: { template_id: TEMPLATE } }),
      },
    });
  });

  after(async () => {
    await tanbi?.stop();
    await wechat?.close();
  });

  it("signs in silently with wx.login on the first page, and as the same resident on the next launch", async () => {
    const first = installWx(tanbi.baseUrl);
    first.wechatUser = `u${Date.now()}`;
    const home = await first.open("pages/home/index");
    assert.deepEqual(first.navigations, [], "no sign-in page");
    assert.equal(home.data.error, "");
    assert.equal(home.data.ready, true);
    assert.equal(home.data.coins, 0);
    assert.ok(wechat.codes.includes(`${first.wechatUser}.1`));
    const tokens = first.getStorageSync("tanbi.tokens") as { accessToken: string; refreshToken: string };
    const me = await new TanbiClient({ baseUrl: tanbi.baseUrl, tokens: { get: () => tokens, set: () => {} } }).me();

    const second = installWx(tanbi.baseUrl);
    second.wechatUser = first.wechatUser;
    await second.open("pages/home/index");
    const again = second.getStorageSync("tanbi.tokens") as { accessToken: string; refreshToken: string };
    assert.notEqual(again.refreshToken, tokens.refreshToken);
    const meAgain = await new TanbiClient({ baseUrl: tanbi.baseUrl, tokens: { get: () => again, set: () => {} } }).me();
    assert.equal(meAgain.id, me.id);
  });

  it("shows WeChat's refusal of a login code in Chinese and stores nothing", async () => {
    const wx = installWx(tanbi.baseUrl);
    wx.wechatUser = "expired";
    const home = await wx.open("pages/home/index");
    assert.equal(home.data.error, "微信登录凭证无效或已使用，请重新调用 wx.login");
    assert.equal(home.data.ready, false);
    assert.equal(wx.getStorageSync("tanbi.tokens"), "");
    assert.deepEqual(wx.navigations, []);
  });

  it("subscribes on 消息: an accepted template is recorded with a fresh wx.login code; a declined one is not", async () => {
    const wx = installWx(tanbi.baseUrl);
    wx.wechatUser = `s${Date.now()}`;
    const inbox = await wx.open("pages/inbox/index");
    assert.equal(inbox.data.error, "");
    assert.deepEqual(
      inbox.data.templates.map((t: { template: string; remaining: number }) => [t.template, t.remaining]),
      [[TEMPLATE, 0]],
    );

    wx.subscribeAnswer = "reject";
    const posted = () => wx.requests.filter((r) => r.url.endsWith("/v1/me/notifications/subscriptions") && r.method === "POST");
    await inbox.subscribe();
    assert.equal(posted().length, 0);

    wx.subscribeAnswer = "accept";
    const codesBefore = wechat.codes.length;
    await inbox.subscribe();
    assert.equal(inbox.data.error, "");
    assert.equal(posted().length, 1);
    assert.equal(wechat.codes.length, codesBefore + 1, "the opt-in carried a fresh code WeChat was asked about");
    assert.equal(wx.toasts.at(-1), "已订阅，将通过微信服务通知提醒你");
    assert.equal(inbox.data.templates[0].remaining, 1);
    const tokens = wx.getStorageSync("tanbi.tokens") as { accessToken: string; refreshToken: string };
    const api = new TanbiClient({ baseUrl: tanbi.baseUrl, tokens: { get: () => tokens, set: () => {} } });
    assert.deepEqual((await api.notificationSubscriptions()).templates, [{ template: TEMPLATE, kind: "credits", remaining: 1 }]);
  });
});
