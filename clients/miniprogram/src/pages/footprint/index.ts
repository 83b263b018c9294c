// 足迹: the resident's actions, newest first, with their titles and what they earned; a rejected one says why.
import { dateTime, fill, grams, guarded, strings, tanbi, type Schemas } from "../../lib/index";

const PAGE_SIZE = 20;

interface ActionRow {
  id: number;
  title: string;
  summary: string;
  family: string;
  when: string;
  grams: string;
  coins: string;
  accepted: boolean;
  status: string;
  reasons: string[];
  open: boolean;
}

function row(action: Schemas["ActionOut"], openId: number): ActionRow {
  const t = strings();
  const accepted = action.status === "accepted";
  return {
    id: action.id,
    title: action.title,
    summary: action.summary ?? "",
    family: action.family_name ?? "",
    when: dateTime(action.occurred_at),
    grams: grams(action.grams),
    coins: accepted ? fill(t.coinsEarned, { coins: action.coins }) : "",
    accepted,
    status: accepted ? t.accepted : t.rejected,
    reasons: action.reasons_explained.map((r) => r.text),
    open: action.id === openId,
  };
}

Page({
  data: {
    t: strings(),
    loading: false,
    error: "",
    items: [] as ActionRow[],
    cursor: "",
    done: false,
    /** The action a notification pointed at (`?action=<id>`): shown opened. */
    openId: 0,
  },

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ openId: Number(query.action) || 0 });
  },

  onShow() {
    wx.setNavigationBarTitle({ title: strings().footprint });
    return this.reload();
  },

  onPullDownRefresh() {
    return this.reload().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    return this.loadMore();
  },

  reload() {
    return guarded(this, async () => {
      const page = await tanbi().actions({ limit: PAGE_SIZE });
      this.setData({
        t: strings(),
        items: page.items.map((a) => row(a, this.data.openId)),
        cursor: page.next_cursor ?? "",
        done: !page.next_cursor,
      });
    });
  },

  loadMore() {
    if (this.data.done || this.data.loading) return Promise.resolve(false);
    return guarded(this, async () => {
      const page = await tanbi().actions({ limit: PAGE_SIZE, cursor: this.data.cursor });
      this.setData({
        items: [...this.data.items, ...page.items.map((a) => row(a, this.data.openId))],
        cursor: page.next_cursor ?? "",
        done: !page.next_cursor,
      });
    });
  },

  toggle(event: WechatMiniprogram.TouchEvent) {
    const id = Number(event.currentTarget.dataset.id);
    this.setData({ items: this.data.items.map((item) => ({ ...item, open: item.id === id ? !item.open : item.open })) });
  },
});
