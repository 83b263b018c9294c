// 成就: level, lifetime grams and trees, the standing in the district, medals, and a year's carbon report
// (this year, or last year at a tap).
import { fill, grams, guarded, pick, strings, tanbi, type Schemas } from "../../lib/index";

type Achievements = Schemas["AchievementsOut"];
type YearReport = Schemas["YearReportOut"];

interface MedalRow {
  id: string;
  name: string;
  earned: boolean;
  note: string;
}

interface FamilyRow {
  family: string;
  name: string;
  grams: string;
}

/** The standing sentence: a rank when the service publishes one, else why there is none. */
function standing(district: Achievements["district"]): string {
  const t = strings();
  if (!district.code) return t.noDistrict;
  const name = pick(district.zh ?? district.code, district.en);
  // A district with fewer than k residents gets no percentile (k-anonymity), though one is set.
  if (district.percentile === null) return fill(t.districtUnranked, { district: name });
  return fill(t.districtRank, { district: name, percent: district.percentile });
}

function medalRows(medals: Achievements["medals"]): MedalRow[] {
  const t = strings();
  return medals.map((medal) => ({
    id: medal.id,
    name: pick(medal.zh, medal.en),
    earned: medal.earned_on !== null,
    // earned_on is already a local date in the city's time zone; parsing it as a Date could shift the day.
    note: medal.earned_on ? fill(t.earnedOn, { date: medal.earned_on }) : t.notEarned,
  }));
}

function bestMonth(report: YearReport): string {
  if (!report.best_month) return "";
  const t = strings();
  const month = t.monthNames.split("|")[report.best_month.month - 1] ?? String(report.best_month.month);
  return `${fill(t.bestMonth, { month })} · ${grams(report.best_month.grams)}`;
}

function reportData(report: YearReport) {
  return {
    year: report.year,
    reportTitle: fill(strings().yearReport, { year: report.year }),
    reportTotal: grams(report.total_grams),
    reportEmpty: report.total_grams === 0,
    families: report.by_family.map((f): FamilyRow => ({ family: f.family, name: pick(f.zh, f.en), grams: grams(f.grams) })),
    bestMonth: bestMonth(report),
  };
}

Page({
  data: {
    t: strings(),
    loading: false,
    error: "",
    ready: false,
    level: "",
    lifetime: "",
    trees: "",
    standing: "",
    medals: [] as MedalRow[],
    thisYear: new Date().getFullYear(),
    year: new Date().getFullYear(),
    reportTitle: "",
    reportTotal: "",
    reportEmpty: true,
    families: [] as FamilyRow[],
    bestMonth: "",
  },

  onShow() {
    wx.setNavigationBarTitle({ title: strings().achievements });
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  /** Everything, with the report of the year on show (this year on first load). */
  load() {
    return guarded(this, async () => {
      const api = tanbi();
      const [mine, report] = await Promise.all([api.achievements(), api.yearReport(this.data.year)]);
      const t = strings();
      this.setData({
        t,
        ready: true,
        level: pick(mine.level.zh, mine.level.en),
        lifetime: grams(mine.lifetime_grams),
        trees: fill(t.trees, { n: mine.trees.count }),
        standing: standing(mine.district),
        medals: medalRows(mine.medals),
        ...reportData(report),
      });
    });
  },

  /** The year tabs: data-year is this year or the one before. */
  chooseYear(event: WechatMiniprogram.TouchEvent) {
    const year = Number(event.currentTarget.dataset.year);
    if (!year || year === this.data.year) return Promise.resolve(true);
    return guarded(
      this,
      async () => {
        this.setData(reportData(await tanbi().yearReport(year)));
      },
      { action: true },
    );
  },
});
