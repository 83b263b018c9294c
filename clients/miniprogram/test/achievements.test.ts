import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEMO_PHONES, newPhone, server, serviceAs, signedIn } from "./session.js";
import { builtLib } from "./wx.js";

const PHONE = DEMO_PHONES[1];

describe("成就", () => {
  it("shows the level, lifetime grams, trees, the district's rank, the medals and this year's report", async () => {
    const wx = await signedIn(PHONE);
    const page = await wx.open("pages/achievements/index");
    assert.equal(page.data.error, "");
    const year = new Date().getFullYear();
    const client = await serviceAs(PHONE);
    const [mine, report] = await Promise.all([client.achievements(), client.yearReport(year)]);
    assert.equal(wx.titles.at(-1), "成就");
    assert.equal(page.data.level, mine.level.zh);
    assert.equal(page.data.trees, `≈ ${mine.trees.count} 棵树一年的吸收量`);
    assert.match(page.data.lifetime, /^[\d.]+ (克|千克|吨)$/);
    // The demo puts two residents in this district and enough neighbours for a rank.
    assert.ok(mine.district.percentile !== null);
    assert.equal(page.data.standing, `超过了 ${mine.district.zh} ${mine.district.percentile}% 的居民`);

    assert.deepEqual(
      page.data.medals.map((m: { id: string; name: string; earned: boolean; note: string }) => [m.id, m.name, m.earned, m.note]),
      mine.medals.map((m) => [m.id, m.zh, m.earned_on !== null, m.earned_on ? `${m.earned_on} 获得` : "未获得"]),
    );
    assert.ok(mine.medals.some((m) => m.earned_on) && mine.medals.some((m) => !m.earned_on), "earned and unearned medals");

    assert.equal(page.data.year, year);
    assert.equal(page.data.reportTitle, `${year} 年度碳账单`);
    assert.ok(report.total_grams > 0);
    assert.equal(page.data.reportEmpty, false);
    assert.deepEqual(
      page.data.families.map((f: { family: string; name: string }) => [f.family, f.name]),
      report.by_family.map((f) => [f.family, f.zh]),
    );
    assert.ok(report.best_month);
    assert.match(page.data.bestMonth, new RegExp(`^减排最多的月份：${report.best_month.month} 月 · `));
  });

  it("switches to last year's report and back", async () => {
    const wx = await signedIn(PHONE);
    const page = await wx.open("pages/achievements/index");
    const year = page.data.thisYear as number;
    const lastYear = await (await serviceAs(PHONE)).yearReport(year - 1);
    assert.equal(await page.chooseYear(wx.tap({ year: year - 1 })), true);
    assert.equal(page.data.error, "");
    assert.equal(page.data.year, year - 1);
    assert.equal(page.data.reportTitle, `${year - 1} 年度碳账单`);
    assert.equal(page.data.reportEmpty, lastYear.total_grams === 0);
    assert.equal(page.data.families.length, lastYear.by_family.length);
    if (lastYear.best_month) assert.match(page.data.bestMonth, new RegExp(`：${lastYear.best_month.month} 月 · `));
    else assert.equal(page.data.bestMonth, "");
    await page.chooseYear(wx.tap({ year }));
    assert.equal(page.data.year, year);
    assert.equal(page.data.reportEmpty, false);
    // A pull-down refresh keeps the year on show.
    await page.chooseYear(wx.tap({ year: year - 1 }));
    await page.onPullDownRefresh();
    assert.equal(page.data.year, year - 1);
  });

  it("for a new resident without a district: asks for one, every medal not yet earned, an empty report", async () => {
    const wx = await signedIn(newPhone());
    const page = await wx.open("pages/achievements/index");
    assert.equal(page.data.error, "");
    assert.equal(page.data.standing, "在「我的」中选择所在街道/乡镇，查看排名");
    assert.ok(page.data.medals.length > 0);
    assert.ok(page.data.medals.every((m: { earned: boolean; note: string }) => !m.earned && m.note === "未获得"));
    assert.equal(page.data.reportEmpty, true);
    assert.equal(page.data.lifetime, "0 克");
  });

  it("in English where WeChat is in English", async () => {
    const wx = await signedIn(PHONE, "en");
    const page = await wx.open("pages/achievements/index");
    const client = await serviceAs(PHONE, "en");
    const [mine, report] = await Promise.all([client.achievements(), client.yearReport(page.data.thisYear)]);
    assert.equal(page.data.level, mine.level.en);
    assert.equal(page.data.standing, `Ahead of ${mine.district.percentile}% of residents in ${mine.district.en}`);
    assert.equal(page.data.medals[0].name, mine.medals[0]!.en);
    assert.ok(page.data.medals.some((m: { note: string }) => m.note === "Not yet"));
    assert.deepEqual(
      page.data.families.map((f: { name: string }) => f.name),
      report.by_family.map((f) => f.en),
    );
    assert.match(page.data.bestMonth, /^Best month: [A-Z][a-z]+ · [\d.]+ (g|kg|t)$/);
    assert.equal(page.data.reportTitle, `${page.data.thisYear} carbon report`);
  });

  it("says the network is down when the service cannot be reached, and loads on retry", async () => {
    const wx = await signedIn(PHONE);
    const { baseUrl } = await server();
    wx.setStorageSync("tanbi.baseUrl", "http://127.0.0.1:9");
    builtLib().resetClient();
    const page = await wx.open("pages/achievements/index");
    assert.equal(page.data.error, "网络不通，请检查网络后重试");
    assert.equal(page.data.ready, false);
    wx.setStorageSync("tanbi.baseUrl", baseUrl);
    builtLib().resetClient();
    await page.load();
    assert.equal(page.data.error, "");
    assert.equal(page.data.ready, true);
  });
});
