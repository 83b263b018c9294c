// What the page tests share: the run's server, and signing in through the pages as a resident would.
import assert from "node:assert/strict";
import { TanbiClient } from "@tanbi/client";
import { server as runServer, type Server } from "../../typescript/test/harness.js";
import { installWx, type FakeWx } from "./wx.js";

/** The service the pages talk to: the demo, with pay-codes that expire after 5 s instead of 60 */
export const SERVER_ENV = {
  TANBI_REDEEM__PAYCODE_TTL_SECONDS: "5",
  // Every test signs in afresh, all from one address: far more than a resident's phone would.
  TANBI_RATE_LIMITS__SIGN_IN: "100000",
};

export { DEMO_PHONES, createLinkToken, demoPartners } from "../../typescript/test/harness.js";

export async function server(): Promise<Server> {
  if (!process.env.TANBI_TEST_BASE_URL) throw new Error("run the page tests with `npm test` (test/run.ts starts the server)");
  return runServer();
}

/**
 * A fresh mini-program signed in as the demo resident with `phone`: wx.login finds no WeChat sign-in on the
 * demo service, so the app opens 登录, where the phone is entered (the sandbox fallback). It comes back with
 * no page open and the records of toasts, titles and navigations empty.
 */
export async function signedIn(phone: string, language = "zh_CN"): Promise<FakeWx> {
  const { baseUrl } = await server();
  const wx = installWx(baseUrl, { language });
  const signin = await wx.open("pages/signin/index");
  signin.onPhone(wx.input(phone));
  await signin.submit();
  assert.equal(signin.data.error, "", `dev sign-in as ${phone}`);
  assert.ok(wx.getStorageSync("tanbi.tokens"), "tokens stored in wx storage");
  assert.deepEqual(wx.navigations, ["/pages/home/index"], "signed in, the app goes home");
  // The test starts from here: no page open, nothing shown or navigated yet.
  await wx.close(signin);
  wx.navigations.length = 0;
  wx.toasts.length = 0;
  wx.titles.length = 0;
  return wx;
}

/** A phone no demo resident has: the dev sign-in creates its resident, whose account a test may change or delete. */
export function newPhone(): string {
  return `1390000${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
}

/** The service's own answers for a resident, to hold a page to: a client signed in as ``phone``. */
export async function serviceAs(phone: string, language?: string): Promise<TanbiClient> {
  const client = new TanbiClient({ baseUrl: (await server()).baseUrl, language });
  await client.signInDev(phone);
  return client;
}
