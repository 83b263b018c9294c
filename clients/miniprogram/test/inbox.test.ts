import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TanbiClient } from "@tanbi/client";
import { DEMO_PHONES, serviceAs, signedIn } from "./session.js";
import { builtLib } from "./wx.js";

interface Row {
  id: string;
  title: string;
  body: string;
  read: boolean;
  actionId: number;
}


async function everyNotice(client: TanbiClient) {
  const all = [];
  for await (const notice of client.allNotifications({ limit: 50 })) all.push(notice);
  return all;
}


describe("消息", () => {
  it("shows the inbox newest first, paged as the resident scrolls, with the unread count", async () => {
    const phone = DEMO_PHONES[1];
    const wx = await signedIn(phone);
    const inbox = await wx.open("pages/inbox/index");
    assert.equal(inbox.data.error, "");
    assert.equal(wx.titles.at(-1), "消息");
    const client = await serviceAs(phone);
    const [first, all] = await Promise.all([client.notifications({ limit: 10 }), everyNotice(client)]);
    assert.ok(all.length > 10, "the demo inbox is longer than a page");
    assert.equal(inbox.data.unread, first.unread);
    assert.equal(inbox.data.unreadText, `${first.unread} 条未读`);
    assert.deepEqual(
      inbox.data.items.map((r: Row) => [r.id, r.title, r.body, r.read, r.actionId]),
      first.items.map((n) => [n.id, n.title_zh, n.body_zh, n.read, n.action_id ?? 0]),
    );
    while (inbox.data.nextCursor) await inbox.onReachBottom();
    assert.deepEqual(
      inbox.data.items.map((r: Row) => r.id),
      all.map((n) => n.id),
    );
    await inbox.onReachBottom(); // on the last page: nothing more is asked for
    assert.equal(inbox.data.items.length, all.length);
  });

  it("opens a rejected action on 足迹; a notice without an action opens nothing", async () => {
    const wx = await signedIn(DEMO_PHONES[1]);
    const inbox = await wx.open("pages/inbox/index");
    const rejection = inbox.data.items.find((r: Row) => r.actionId > 0) as Row | undefined;
    const other = inbox.data.items.find((r: Row) => r.actionId === 0) as Row | undefined;
    assert.ok(rejection && other);
    inbox.open(wx.tap({ action: other.actionId }));
    assert.deepEqual(wx.navigations, []);
    inbox.open(wx.tap({ action: rejection.actionId }));
    assert.deepEqual(wx.navigations, [`/pages/footprint/index?action=${rejection.actionId}`]);
  });

  it("without WeChat templates on the service, says subscribing is unavailable and asks nothing", async () => {
    const wx = await signedIn(DEMO_PHONES[1]);
    const inbox = await wx.open("pages/inbox/index");
    const { templates } = await (await serviceAs(DEMO_PHONES[1])).notificationSubscriptions();
    assert.deepEqual(templates, []);
    assert.deepEqual(inbox.data.templates, []);
    assert.equal(inbox.data.t.subscribeUnavailable, "此服务未开通微信订阅消息");
    const before = wx.requests.length;
    assert.equal(await inbox.subscribe(), false);
    assert.equal(wx.requests.length, before);
    assert.deepEqual(wx.toasts, []);
  });

  it("subscribing posts an accepted template to the service and shows its refusal of one it does not have", async () => {
    // The demo has no templates: one is put on the page as a WeChat-configured service would list it, so the
    // opt-in reaches the service, which refuses a template it does not have.
    const wx = await signedIn(DEMO_PHONES[1]);
    const inbox = await wx.open("pages/inbox/index");
    inbox.setData({ templates: [{ template: "tmpl-credits", kind: "credits", remaining: 0 }] });
    const before = wx.requests.length;
    assert.equal(await inbox.subscribe(), false);
    const posted = wx.requests.slice(before).filter((r) => r.method === "POST");
    assert.deepEqual(
      posted.map((r) => new URL(r.url).pathname),
      ["/v1/me/notifications/subscriptions"],
    );
    assert.match(inbox.data.error, /[\u4e00-\u9fff]/, "the service's refusal, in Chinese");
    assert.deepEqual(wx.toasts, [inbox.data.error]);
  });

  it("marks everything read: the count drops to 0 and the service agrees", async () => {
    const phone = DEMO_PHONES[2];
    const wx = await signedIn(phone);
    const inbox = await wx.open("pages/inbox/index");
    const client = await serviceAs(phone);
    assert.ok((await client.notifications({ limit: 1 })).unread > 0, "the demo inbox starts unread");
    assert.equal(await inbox.markAllRead(), true);
    assert.equal(inbox.data.error, "");
    assert.equal(inbox.data.unread, 0);
    assert.equal(inbox.data.unreadText, "0 条未读");
    assert.ok(inbox.data.items.every((r: Row) => r.read));
    const after = await everyNotice(client);
    assert.equal((await client.notifications({ limit: 1 })).unread, 0);
    assert.ok(after.every((n) => n.read));
    assert.ok(wx.requests.some((r) => r.method === "POST" && r.url.endsWith("/v1/me/notifications/read")));
  });

  it("in English where WeChat is in English", async () => {
    const phone = DEMO_PHONES[1];
    const wx = await signedIn(phone, "en");
    const inbox = await wx.open("pages/inbox/index");
    const first = await (await serviceAs(phone)).notifications({ limit: 10 });
    assert.equal(wx.titles.at(-1), "Messages");
    assert.equal(inbox.data.unreadText, `${first.unread} unread`);
    assert.deepEqual(
      inbox.data.items.map((r: Row) => [r.title, r.body]),
      first.items.map((n) => [n.title_en, n.body_en]),
    );
    assert.equal(inbox.data.t.subscribeUnavailable, "WeChat messages are not set up on this service");
  });

  it("says the network is down when the service cannot be reached", async () => {
    const wx = await signedIn(DEMO_PHONES[1]);
    wx.setStorageSync("tanbi.baseUrl", "http://127.0.0.1:9");
    builtLib().resetClient();
    const inbox = await wx.open("pages/inbox/index");
    assert.equal(inbox.data.error, "网络不通，请检查网络后重试");
    assert.equal(inbox.data.ready, false);
  });
});
