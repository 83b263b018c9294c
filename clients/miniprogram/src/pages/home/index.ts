// 首页: coins, coins expiring soon, this month's grams, ≈ trees, level.
import { fill, grams, guarded, pick, strings, tanbi } from "../../lib/index";

Page({
  data: {
    t: strings(),
    loading: false,
    error: "",
    ready: false,
    coins: 0,
    expiring: 0,
    held: 0,
    monthGrams: "",
    trees: "",
    level: "",
    nextLevel: "",
  },

  onShow() {
    wx.setNavigationBarTitle({ title: strings().home });
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  load() {
    return guarded(this, async () => {
      const api = tanbi();
      const [wallet, mine] = await Promise.all([api.wallet(), api.achievements()]);
      const t = strings();
      this.setData({
        t,
        ready: true,
        coins: wallet.available,
        expiring: wallet.expiring_30d,
        held: wallet.held,
        monthGrams: grams(mine.this_month_grams),
        trees: fill(t.trees, { n: mine.trees.count }),
        level: pick(mine.level.zh, mine.level.en),
        nextLevel: mine.next_level
          ? fill(t.toNextLevel, {
              level: pick(mine.next_level.zh, mine.next_level.en),
              grams: grams(mine.grams_to_next_level ?? 0),
            })
          : t.topLevel,
      });
    });
  },

  open(event: WechatMiniprogram.TouchEvent) {
    const page = String(event.currentTarget.dataset.page ?? "");
    if (page) wx.navigateTo({ url: `/pages/${page}/index` });
  },
});
