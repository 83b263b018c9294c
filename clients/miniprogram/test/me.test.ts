import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Tokens } from "@tanbi/client";
import { DEMO_PHONES, newPhone, server, serviceAs, signedIn } from "./session.js";
import { builtLib } from "./wx.js";




describe("我的", () => {
  it("shows the resident's district among the city's, and the language in use", async () => {
    const phone = DEMO_PHONES[2];
    const wx = await signedIn(phone);
    const page = await wx.open("pages/me/index");
    assert.equal(page.data.error, "");
    assert.equal(wx.titles.at(-1), "我的");
    const client = await serviceAs(phone);
    const [me, { districts }] = await Promise.all([client.me(), client.districts()]);
    assert.ok(me.district);
    assert.deepEqual(page.data.districtNames, districts.map((d) => d.zh));
    assert.equal(page.data.districtIndex, districts.findIndex((d) => d.code === me.district));
    assert.equal(page.data.districtName, districts.find((d) => d.code === me.district)?.zh);
    assert.deepEqual(
      page.data.langs.map((l: { label: string; chosen: boolean }) => [l.label, l.chosen]),
      [["跟随微信", true], ["中文", false], ["English", false]],
    );
  });

  it("gives and withdraws consent to pooling on its switch, as the service records it", async () => {
    const phone = newPhone();
    const wx = await signedIn(phone);
    const page = await wx.open("pages/me/index");
    assert.equal(page.data.pooling, false);
    assert.equal(await page.onPooling({ detail: { value: true } }), true);
    const me = await (await serviceAs(phone)).me();
    assert.ok(me.pooling_consent_since);
    assert.equal(page.data.pooling, true);
    assert.match(page.data.poolingSince, /^\d{4}-\d{2}-\d{2} 起已同意$/);
    assert.equal(await page.onPooling({ detail: { value: false } }), true);
    assert.equal((await (await serviceAs(phone)).me()).pooling_consent_since, null);
    assert.equal(page.data.pooling, false);
  });

  it("saves the district chosen on the picker", async () => {
    const phone = newPhone();
    const wx = await signedIn(phone);
    const page = await wx.open("pages/me/index");
    assert.equal(page.data.districtIndex, -1);
    assert.equal(page.data.districtName, "请选择");
    const index = page.data.districts.length - 1;
    const code = page.data.districts[index].code as string;
    assert.equal(await page.onDistrict({ detail: { value: String(index) } }), true);
    assert.equal(page.data.error, "");
    assert.deepEqual(wx.toasts, ["已保存"]);
    assert.equal(page.data.districtIndex, index);
    assert.equal(page.data.districtName, page.data.districtNames[index]);
    assert.equal((await (await serviceAs(phone)).me()).district, code);
  });

  it("switches the language: texts, tab bar and the service's answers follow; back to WeChat's", async () => {
    const wx = await signedIn(DEMO_PHONES[2]);
    const page = await wx.open("pages/me/index");
    page.chooseLang(wx.tap({ choice: "en" }));
    assert.equal(wx.getStorageSync("tanbi.lang"), "en");
    assert.equal(page.data.t.signOut, "Sign out");
    assert.equal(wx.titles.at(-1), "Me");
    assert.deepEqual([...wx.tabTexts.values()], ["Home", "Footprint", "Rewards", "Messages", "Me"]);
    const { districts } = await (await serviceAs(DEMO_PHONES[2])).districts();
    assert.deepEqual(page.data.districtNames, districts.map((d) => d.en));
    assert.equal(page.data.langs[2].chosen, true);
    // The next request asks for English: a problem's detail comes back in English.
    await assert.rejects(builtLib().tanbi().updateMe({ district: "atlantis" }), (error: Error & { detail: string }) => {
      assert.match(error.detail, /^[\x20-\x7e]+$/);
      return true;
    });
    page.chooseLang(wx.tap({ choice: "auto" }));
    assert.equal(wx.getStorageSync("tanbi.lang"), "");
    assert.equal(page.data.t.signOut, "退出登录");
    assert.equal(wx.tabTexts.get(4), "我的");
  });

  it("signs out: the tokens are gone, the service refuses the refresh token, and the app starts over", async () => {
    const wx = await signedIn(DEMO_PHONES[2]);
    const page = await wx.open("pages/me/index");
    const tokens = wx.getStorageSync("tanbi.tokens") as Tokens;
    assert.equal(await page.signOut(), true);
    assert.equal(wx.getStorageSync("tanbi.tokens"), "");
    assert.deepEqual(wx.navigations, ["/pages/home/index"]);
    const { baseUrl } = await server();
    const refused = await fetch(`${baseUrl}/v1/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refreshToken }),
    });
    assert.equal(refused.status, 401);
  });

  it("keeps the account when the resident answers no to deleting it", async () => {
    const phone = newPhone();
    const wx = await signedIn(phone);
    const page = await wx.open("pages/me/index");
    wx.modalAnswers.push(false);
    assert.equal(await page.deleteAccount(), false);
    assert.deepEqual(wx.modals, ["注销后，你的碳币、券和绑定将全部清除，且无法恢复。确定注销吗？"]);
    assert.deepEqual(wx.navigations, []);
    assert.deepEqual(wx.toasts, []);
    assert.ok(wx.getStorageSync("tanbi.tokens"));
    assert.ok(!wx.requests.some((r) => r.method === "DELETE"));
    assert.ok((await builtLib().tanbi().me()).id > 0);
  });

  it("deletes the account on yes: tokens gone, the service refuses the old access token as account_deleted", async () => {
    const phone = newPhone();
    const wx = await signedIn(phone);
    const page = await wx.open("pages/me/index");
    const tokens = wx.getStorageSync("tanbi.tokens") as Tokens;
    wx.modalAnswers.push(true);
    assert.equal(await page.deleteAccount(), true);
    assert.equal(page.data.error, "");
    assert.deepEqual(wx.toasts, ["账户已注销"]);
    assert.deepEqual(wx.navigations, ["/pages/home/index"]);
    assert.equal(wx.getStorageSync("tanbi.tokens"), "");
    const { baseUrl } = await server();
    const refused = await fetch(`${baseUrl}/v1/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, "account_deleted");
  });

  it("says the network is down when the service cannot be reached", async () => {
    const wx = await signedIn(DEMO_PHONES[2]);
    wx.setStorageSync("tanbi.baseUrl", "http://127.0.0.1:9");
    builtLib().resetClient();
    const page = await wx.open("pages/me/index");
    assert.equal(page.data.error, "网络不通，请检查网络后重试");
    assert.equal(page.data.ready, false);
  });
});
