// Residents read Chinese first; English where WeChat's language is English, or when they choose it on 我的.

export type Lang = "zh" | "en";
export type LangChoice = Lang | "auto";

const CHOICE_KEY = "tanbi.lang";

const zh = {
  // tabs and titles
  home: "首页",
  footprint: "足迹",
  bind: "绑定",
  redeem: "兑换",
  paycode: "付款码",
  achievements: "成就",
  inbox: "消息",
  me: "我的",
  signin: "登录",
  // common
  loading: "加载中…",
  retry: "重试",
  loadMore: "加载更多",
  noMore: "没有更多了",
  empty: "暂无记录",
  networkError: "网络不通，请检查网络后重试",
  confirm: "确定",
  cancel: "取消",
  coinsUnit: "碳币",
  // 首页
  coins: "可用碳币",
  expiringSoon: "30 天内到期",
  held: "兑换中冻结",
  thisMonth: "本月减排",
  trees: "≈ {n} 棵树一年的吸收量",
  level: "等级",
  toNextLevel: "距「{level}」还差 {grams}",
  topLevel: "已是最高等级",
  // 足迹
  accepted: "已入账",
  rejected: "未入账",
  whyRejected: "原因：",
  coinsEarned: "+{coins} 碳币",
  // 绑定
  scanToBind: "扫码绑定",
  scanHint: "在合作方（公交、地铁、单车、电网等）App 中打开「碳普惠绑定码」，扫描即可绑定",
  boundTo: "已绑定 {partner}",
  boundSince: "{date} 绑定",
  unbind: "解绑",
  unbindConfirm: "解绑后，{partner} 的低碳行为将不再计入你的碳账户。确定解绑吗？",
  unbound: "已解绑",
  notALinkToken: "这不是碳普惠绑定码",
  // 兑换
  offers: "优惠",
  myVouchers: "我的券",
  price: "{price} 碳币",
  stockLeft: "剩余 {n}",
  soldOut: "已兑完",
  distance: "{d}",
  claim: "兑换",
  claimConfirm: "用 {price} 碳币兑换「{title}」？",
  claimed: "兑换成功",
  voucherCode: "券码",
  validUntil: "有效期至 {date}",
  cancelVoucher: "退券",
  voucherCancelled: "已退券，碳币已退回",
  voucherStatus_held: "待使用",
  voucherStatus_consumed: "已使用",
  voucherStatus_cancelled: "已退券",
  voucherStatus_lapsed: "已过期",
  // 付款码
  paycodeHint: "向商户出示付款码，用碳币抵扣",
  paycodeRefreshes: "付款码每分钟自动更新",
  // 成就
  lifetime: "累计减排",
  medals: "勋章",
  notEarned: "未获得",
  earnedOn: "{date} 获得",
  yearReport: "{year} 年度碳账单",
  bestMonth: "减排最多的月份：{month} 月",
  districtRank: "超过了 {district} {percent}% 的居民",
  noDistrict: "在「我的」中选择所在街道/乡镇，查看排名",
  // 消息
  markAllRead: "全部已读",
  unread: "{n} 条未读",
  subscribe: "订阅到账提醒",
  subscribed: "已订阅，将通过微信服务通知提醒你",
  subscribeUnavailable: "此服务未开通微信订阅消息",
  remaining: "还可接收 {n} 条",
  // 我的
  district: "所在街道/乡镇",
  chooseDistrict: "请选择",
  language: "语言",
  langAuto: "跟随微信",
  langZh: "中文",
  langEn: "English",
  signOut: "退出登录",
  deleteAccount: "注销账户",
  deleteConfirm: "注销后，你的碳币、券和绑定将全部清除，且无法恢复。确定注销吗？",
  deleted: "账户已注销",
  saved: "已保存",
  // 登录
  devSignInHint: "此服务处于测试模式，未配置微信登录：输入手机号登录",
  phone: "手机号",
  signIn: "登录",
  signedIn: "已登录",
  // 成就, 消息 (added with those pages)
  districtUnranked: "{district} 的居民还不够多，暂不排名",
  monthNames: "1|2|3|4|5|6|7|8|9|10|11|12",
  subscribeKind_credits: "碳币到账",
  subscribeKind_rejection: "未入账",
  subscribeKind_expiring: "碳币即将到期",
  subscribeKind_voucher_lapsing: "券即将过期",
  pooling: "减排量用于交易",
  poolingHint: "同意后，你此后经核证的减排量可汇集出售给企业（所得用于碳普惠奖励）；可随时撤回",
  poolingSince: "{date} 起已同意",
} as const;

export type Strings = { readonly [K in keyof typeof zh]: string };

const en: Strings = {
  home: "Home",
  footprint: "Footprint",
  bind: "Link accounts",
  redeem: "Rewards",
  paycode: "Pay code",
  achievements: "Achievements",
  inbox: "Messages",
  me: "Me",
  signin: "Sign in",
  loading: "Loading…",
  retry: "Retry",
  loadMore: "Load more",
  noMore: "No more",
  empty: "Nothing yet",
  networkError: "No connection; check the network and retry",
  confirm: "OK",
  cancel: "Cancel",
  coinsUnit: "coins",
  coins: "Coins available",
  expiringSoon: "Expiring in 30 days",
  held: "Held for vouchers",
  thisMonth: "Avoided this month",
  trees: "≈ what {n} trees absorb in a year",
  level: "Level",
  toNextLevel: "{grams} to {level}",
  topLevel: "Top level reached",
  accepted: "Credited",
  rejected: "Not credited",
  whyRejected: "Why: ",
  coinsEarned: "+{coins} coins",
  scanToBind: "Scan to link",
  scanHint: "Open the carbon-inclusive link code in a partner's app (bus, metro, bikes, grid...) and scan it",
  boundTo: "Linked to {partner}",
  boundSince: "linked {date}",
  unbind: "Unlink",
  unbindConfirm: "After unlinking, {partner} no longer counts toward your carbon account. Unlink?",
  unbound: "Unlinked",
  notALinkToken: "This is not a link code",
  offers: "Offers",
  myVouchers: "My vouchers",
  price: "{price} coins",
  stockLeft: "{n} left",
  soldOut: "Sold out",
  distance: "{d}",
  claim: "Claim",
  claimConfirm: "Spend {price} coins on “{title}”?",
  claimed: "Claimed",
  voucherCode: "Code",
  validUntil: "valid until {date}",
  cancelVoucher: "Return",
  voucherCancelled: "Returned; coins refunded",
  voucherStatus_held: "To use",
  voucherStatus_consumed: "Used",
  voucherStatus_cancelled: "Returned",
  voucherStatus_lapsed: "Expired",
  paycodeHint: "Show the merchant this code to pay with coins",
  paycodeRefreshes: "The code renews itself every minute",
  lifetime: "Avoided in all",
  medals: "Medals",
  notEarned: "Not yet",
  earnedOn: "earned {date}",
  yearReport: "{year} carbon report",
  bestMonth: "Best month: {month}",
  districtRank: "Ahead of {percent}% of residents in {district}",
  noDistrict: "Choose your district on Me to see your standing",
  markAllRead: "Mark all read",
  unread: "{n} unread",
  subscribe: "Remind me of credits",
  subscribed: "Subscribed: WeChat will notify you",
  subscribeUnavailable: "WeChat messages are not set up on this service",
  remaining: "{n} more allowed",
  district: "District",
  chooseDistrict: "Choose",
  language: "Language",
  langAuto: "Follow WeChat",
  langZh: "中文",
  langEn: "English",
  signOut: "Sign out",
  deleteAccount: "Delete account",
  deleteConfirm: "Deleting removes your coins, vouchers and links for good. Delete?",
  deleted: "Account deleted",
  saved: "Saved",
  devSignInHint: "This service is in test mode without WeChat sign-in: sign in with a phone number",
  phone: "Phone",
  signIn: "Sign in",
  signedIn: "Signed in",
  districtUnranked: "Too few residents in {district} to rank yet",
  monthNames: "January|February|March|April|May|June|July|August|September|October|November|December",
  subscribeKind_credits: "Coins credited",
  subscribeKind_rejection: "Not credited",
  subscribeKind_expiring: "Coins expiring",
  subscribeKind_voucher_lapsing: "Voucher lapsing",
  pooling: "Reductions for trading",
  poolingHint: "If you agree, your verified reductions from now on may be pooled and sold to companies (the money funds the rewards); withdraw any time",
  poolingSince: "agreed since {date}",
};

export function langChoice(): LangChoice {
  const stored = wx.getStorageSync(CHOICE_KEY);
  return stored === "zh" || stored === "en" ? stored : "auto";
}

export function setLangChoice(choice: LangChoice): void {
  if (choice === "auto") wx.removeStorageSync(CHOICE_KEY);
  else wx.setStorageSync(CHOICE_KEY, choice);
}

/** The language in use: the resident's choice, else WeChat's (`en...` is English, anything else Chinese). */
export function lang(): Lang {
  const choice = langChoice();
  if (choice !== "auto") return choice;
  return (wx.getSystemInfoSync().language || "zh_CN").toLowerCase().startsWith("en") ? "en" : "zh";
}

/** The Accept-Language sent with every request, so the service's texts (titles, reasons, errors) match. */
export function acceptLanguage(): string {
  return lang() === "en" ? "en" : "zh-CN";
}

export function strings(): Strings {
  return lang() === "en" ? en : zh;
}

/** A string with `{name}` placeholders filled. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** Of a pair the service sends (`zh`/`en`, `title_zh`/`title_en`), the one to show. */
export function pick(zhText: string, enText: string | null | undefined): string {
  return lang() === "en" && enText ? enText : zhText;
}
