// 消息: the inbox (credits, rejections, coins and vouchers about to lapse), newest first and paged; marking
// all read; opting in to WeChat subscribe messages for the templates the service has.
import { dateTime, fill, guarded, loginCode, pick, strings, tanbi, toast, type Schemas } from "../../lib/index";

type Notice = Schemas["NotificationOut"];
type Template = Schemas["SubscriptionOut"];

/** Notices per page: small enough that a long inbox is paged as the resident scrolls. */
const PAGE_SIZE = 10;
/** WeChat takes at most three template ids per wx.requestSubscribeMessage call. */
const MAX_TEMPLATES_PER_ASK = 3;

interface NoticeRow {
  id: string;
  title: string;
  body: string;
  when: string;
  read: boolean;
  actionId: number;
}

interface TemplateRow {
  template: string;
  name: string;
  remaining: string;
}

function noticeRow(notice: Notice): NoticeRow {
  return {
    id: notice.id,
    title: pick(notice.title_zh, notice.title_en),
    body: pick(notice.body_zh, notice.body_en),
    when: dateTime(notice.at),
    read: notice.read,
    actionId: notice.action_id ?? 0,
  };
}

function templateRows(templates: Template[]): TemplateRow[] {
  const t = strings();
  return templates.map((item) => ({
    template: item.template,
    name: t[`subscribeKind_${item.kind}`],
    remaining: fill(t.remaining, { n: item.remaining }),
  }));
}

/**
 * Asks the resident about the templates. Called first thing in the tap handler: WeChat refuses the dialog
 * once the tap's turn has passed (after a network round trip), so it must not wait behind the sign-in.
 */
function askToSubscribe(tmplIds: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: (result) => resolve(result as unknown as Record<string, string>),
      fail: (error) => reject(new Error(error.errMsg)),
    });
  });
}

/** The templates to ask about: those with the fewest sends left, as WeChat allows only a few per ask. */
function toAsk(templates: Template[]): string[] {
  return [...templates]
    .sort((a, b) => a.remaining - b.remaining)
    .slice(0, MAX_TEMPLATES_PER_ASK)
    .map((item) => item.template);
}

Page({
  data: {
    t: strings(),
    loading: false,
    error: "",
    ready: false,
    items: [] as NoticeRow[],
    nextCursor: "",
    unread: 0,
    unreadText: "",
    templates: [] as Template[],
    templateRows: [] as TemplateRow[],
  },

  onShow() {
    wx.setNavigationBarTitle({ title: strings().inbox });
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    return this.loadMore();
  },

  /** The first page of the inbox and the templates, afresh. */
  load() {
    return guarded(this, async () => {
      const api = tanbi();
      const [page, subscriptions] = await Promise.all([
        api.notifications({ limit: PAGE_SIZE }),
        api.notificationSubscriptions(),
      ]);
      this.setData({ t: strings(), ready: true, items: page.items.map(noticeRow) });
      this.showPage(page);
      this.showTemplates(subscriptions.templates);
    });
  },

  /** The next page, appended; nothing while a load runs or on the last page. */
  loadMore() {
    const cursor = this.data.nextCursor;
    if (!cursor || this.data.loading) return Promise.resolve(true);
    return guarded(this, async () => {
      const page = await tanbi().notifications({ limit: PAGE_SIZE, cursor });
      this.setData({ items: [...this.data.items, ...page.items.map(noticeRow)] });
      this.showPage(page);
    });
  },

  showPage(page: Schemas["NotificationPage"]) {
    this.setData({
      nextCursor: page.next_cursor ?? "",
      unread: page.unread,
      unreadText: fill(strings().unread, { n: page.unread }),
    });
  },

  showTemplates(templates: Template[]) {
    this.setData({ templates, templateRows: templateRows(templates) });
  },

  /** Marks the newest notice and every older one read (`up_to`), then shows the inbox again. */
  markAllRead() {
    const newest = this.data.items[0];
    if (!newest) return Promise.resolve(true);
    return guarded(
      this,
      async () => {
        await tanbi().markNotificationsRead({ up_to: newest.id });
        await this.load();
      },
      { action: true },
    );
  },

  /** A rejection opens its action on 足迹, where the reasons are explained. */
  open(event: WechatMiniprogram.TouchEvent) {
    const action = Number(event.currentTarget.dataset.action ?? 0);
    if (action) wx.navigateTo({ url: `/pages/footprint/index?action=${action}` });
  },

  /** Opts in to the accepted templates, one fresh wx.login code each, then shows the sends now allowed. */
  subscribe() {
    const tmplIds = toAsk(this.data.templates);
    if (!tmplIds.length) return Promise.resolve(false);
    const asked = askToSubscribe(tmplIds);
    asked.catch(() => undefined); // awaited below; this only keeps an early return from leaving it unhandled
    return guarded(
      this,
      async () => {
        const api = tanbi();
        const answers = await asked;
        const accepted = tmplIds.filter((id) => answers[id] === "accept");
        for (const template of accepted) await api.subscribeNotifications({ template, code: await loginCode() });
        if (accepted.length) toast(strings().subscribed);
        this.showTemplates((await api.notificationSubscriptions()).templates);
      },
      { action: true },
    );
  },
});
