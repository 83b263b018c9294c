// 我的: the district (for the ranking on 成就 and the city's figures), the language, signing out, and deleting
// the account.
import {
  applyTabTexts,
  confirm,
  date,
  fill,
  guarded,
  langChoice,
  pick,
  setLangChoice,
  strings,
  tanbi,
  toast,
  type LangChoice,
  type Schemas,
} from "../../lib/index";

type District = Schemas["DistrictOut"];

const LANGS: LangChoice[] = ["auto", "zh", "en"];
const LANG_LABEL = { auto: "langAuto", zh: "langZh", en: "langEn" } as const;

function langRows() {
  const t = strings();
  const chosen = langChoice();
  return LANGS.map((choice) => ({ choice, label: t[LANG_LABEL[choice]], chosen: choice === chosen }));
}

/** The consent switch: on since when, or off. */
function poolingView(me: Schemas["MeOut"]) {
  const since = me.pooling_consent_since;
  return { pooling: Boolean(since), poolingSince: since ? fill(strings().poolingSince, { date: date(since) }) : "" };
}

/** What the view shows of the districts, in the language in use. */
function districtView(districts: District[], code: string | null) {
  const index = districts.findIndex((d) => d.code === code);
  const chosen = districts[index];
  return {
    districtNames: districts.map((d) => pick(d.zh, d.en)),
    districtIndex: index,
    districtName: chosen ? pick(chosen.zh, chosen.en) : strings().chooseDistrict,
  };
}

Page({
  data: {
    t: strings(),
    loading: false,
    error: "",
    ready: false,
    districts: [] as District[],
    district: "",
    districtNames: [] as string[],
    districtIndex: -1,
    districtName: "",
    langs: langRows(),
    /** Consent to pooling one's verified reductions for sale (PATCH /v1/me pooling_consent). */
    pooling: false,
    poolingSince: "",
  },

  onShow() {
    wx.setNavigationBarTitle({ title: strings().me });
    return this.load();
  },

  load() {
    return guarded(this, async () => {
      const api = tanbi();
      const [me, { districts }] = await Promise.all([api.me(), api.districts()]);
      const district = me.district ?? "";
      this.setData({ t: strings(), ready: true, districts, district, langs: langRows(), ...poolingView(me) });
      this.setData(districtView(districts, district));
    });
  },

  /** The district <picker>: detail.value is the index chosen. */
  onDistrict(event: WechatMiniprogram.PickerChange | { detail: { value: string | number } }) {
    const chosen = this.data.districts[Number(event.detail.value)];
    if (!chosen || chosen.code === this.data.district) return Promise.resolve(true);
    return guarded(
      this,
      async () => {
        const me = await tanbi().updateMe({ district: chosen.code });
        this.setData({ district: me.district ?? "" });
        this.setData(districtView(this.data.districts, me.district ?? null));
        toast(strings().saved);
      },
      { action: true },
    );
  },

  /** The consent <switch>: detail.value is the new state; the service keeps the date of the first yes. */
  onPooling(event: WechatMiniprogram.SwitchChange | { detail: { value: boolean } }) {
    const wanted = Boolean(event.detail.value);
    return guarded(
      this,
      async () => {
        const me = await tanbi().updateMe({ pooling_consent: wanted });
        this.setData(poolingView(me));
        toast(strings().saved);
      },
      { action: true },
    ).then((done) => {
      if (!done) this.setData({ pooling: !wanted }); // the switch goes back to what the service has
      return done;
    });
  },

  /**
   * A language (data-choice: auto, zh or en). Everything on show is redrawn; the client reads the
   * Accept-Language per request, so the service answers in the new language from the next request on.
   */
  chooseLang(event: WechatMiniprogram.TouchEvent) {
    const choice = String(event.currentTarget.dataset.choice) as LangChoice;
    if (!LANGS.includes(choice)) return;
    setLangChoice(choice);
    const t = strings();
    this.setData({ t, langs: langRows(), ...districtView(this.data.districts, this.data.district || null) });
    wx.setNavigationBarTitle({ title: t.me });
    applyTabTexts();
  },

  signOut() {
    return guarded(
      this,
      async () => {
        await tanbi().signOut();
        wx.reLaunch({ url: "/pages/home/index" });
      },
      { action: true },
    );
  },

  /** Deleting cannot be undone: asked first, in red. */
  async deleteAccount() {
    if (!(await confirm(strings().deleteConfirm, true))) return false;
    return guarded(
      this,
      async () => {
        await tanbi().deleteMe();
        toast(strings().deleted);
        wx.reLaunch({ url: "/pages/home/index" });
      },
      { action: true },
    );
  },
});
