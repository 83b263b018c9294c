// 兑换: offers with their merchant and how far it is; claiming one holds its coins as a voucher; my vouchers,
// each with its code as a QR for the merchant to scan.
import {
  confirm,
  date,
  distance,
  drawQr,
  fill,
  guarded,
  metresBetween,
  pick,
  strings,
  tanbi,
  toast,
  whereAmI,
  type Point,
  type Schemas,
} from "../../lib/index";

const PAGE_SIZE = 50;

interface OfferRow {
  id: number;
  title: string;
  merchant: string;
  price: number;
  priceText: string;
  stock: string;
  soldOut: boolean;
  distance: string;
  metres: number;
}

interface VoucherRow {
  id: number;
  title: string;
  merchant: string;
  code: string;
  held: boolean;
  status: string;
  until: string;
}

function offerRow(offer: Schemas["OfferOut"], here: Point | null): OfferRow {
  const t = strings();
  const where = offer.merchant.location;
  const metres = here && where ? metresBetween(here, where) : Number.POSITIVE_INFINITY;
  return {
    id: offer.id,
    title: pick(offer.title_zh, offer.title_en),
    merchant: offer.merchant.name,
    price: offer.price,
    priceText: fill(t.price, { price: offer.price }),
    stock: fill(t.stockLeft, { n: offer.stock_left }),
    soldOut: offer.stock_left <= 0,
    distance: Number.isFinite(metres) ? distance(metres) : "",
    metres: Number.isFinite(metres) ? metres : -1,
  };
}

/** Nearest first when the resident shared their location; merchants without one after those with. */
function byDistance(rows: OfferRow[]): OfferRow[] {
  const far = (r: OfferRow) => (r.metres < 0 ? Number.POSITIVE_INFINITY : r.metres);
  return [...rows].sort((a, b) => far(a) - far(b));
}

function voucherRow(voucher: Schemas["VoucherOut"]): VoucherRow {
  const t = strings();
  return {
    id: voucher.id,
    title: pick(voucher.offer_title_zh, voucher.offer_title_en),
    merchant: voucher.merchant_name,
    code: voucher.code,
    held: voucher.status === "held",
    status: t[`voucherStatus_${voucher.status}`],
    until: fill(t.validUntil, { date: date(voucher.expires_at) }),
  };
}

Page({
  data: {
    t: strings(),
    loading: false,
    error: "",
    tab: "offers" as "offers" | "vouchers",
    offers: [] as OfferRow[],
    vouchers: [] as VoucherRow[],
    /** The voucher whose code shows as a QR (0: none). */
    shown: 0,
  },

  onShow() {
    wx.setNavigationBarTitle({ title: strings().redeem });
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  load() {
    return guarded(this, async () => {
      const api = tanbi();
      const [here, offers, vouchers] = await Promise.all([
        whereAmI(),
        api.offers({ limit: PAGE_SIZE }),
        api.vouchers({ limit: PAGE_SIZE }),
      ]);
      this.setData({
        t: strings(),
        offers: byDistance(offers.items.map((o) => offerRow(o, here))),
        vouchers: vouchers.items.map(voucherRow),
      });
    });
  },

  switchTab(event: WechatMiniprogram.TouchEvent) {
    this.setData({ tab: event.currentTarget.dataset.tab === "vouchers" ? "vouchers" : "offers", shown: 0 });
  },

  /** Claims a voucher for an offer after the resident agrees to its price; its QR shows at once. */
  async claim(event: WechatMiniprogram.TouchEvent) {
    const offer = this.data.offers.find((o) => o.id === Number(event.currentTarget.dataset.id));
    if (!offer || !(await confirm(fill(strings().claimConfirm, { price: offer.price, title: offer.title })))) return false;
    return guarded(
      this,
      async () => {
        const voucher = await tanbi().claimVoucher(offer.id);
        toast(strings().claimed);
        const vouchers = await tanbi().vouchers({ limit: PAGE_SIZE });
        this.setData({ tab: "vouchers", vouchers: vouchers.items.map(voucherRow), shown: voucher.id });
        await drawQr(this, "#voucher", voucher.code);
      },
      { action: true },
    );
  },

  async showVoucher(event: WechatMiniprogram.TouchEvent) {
    const voucher = this.data.vouchers.find((v) => v.id === Number(event.currentTarget.dataset.id));
    if (!voucher?.held) return;
    this.setData({ shown: voucher.id });
    await drawQr(this, "#voucher", voucher.code);
  },

  /** Returns a voucher not yet used: its coins come back. */
  async cancelVoucher(event: WechatMiniprogram.TouchEvent) {
    const id = Number(event.currentTarget.dataset.id);
    if (!(await confirm(strings().cancelVoucher + "?"))) return false;
    return guarded(
      this,
      async () => {
        const cancelled = await tanbi().cancelVoucher(id);
        toast(strings().voucherCancelled);
        this.setData({ vouchers: this.data.vouchers.map((v) => (v.id === id ? voucherRow(cancelled) : v)), shown: 0 });
      },
      { action: true },
    );
  },
});
