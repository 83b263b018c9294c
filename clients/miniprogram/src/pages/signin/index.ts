// 登录 (sandbox only): the service has no WeChat sign-in (a `tanbi serve --demo`, a test city), so the resident
// signs in with a phone number through the dev route. With WeChat configured, wx.login signs in silently.
import { errorText, strings, tanbi, toast } from "../../lib/index";

Page({
  data: { t: strings(), phone: "", error: "", loading: false },

  onShow() {
    this.setData({ t: strings() });
    wx.setNavigationBarTitle({ title: strings().signin });
  },

  onPhone(event: WechatMiniprogram.Input | { detail: { value: string } }) {
    this.setData({ phone: String(event.detail.value).trim() });
  },

  async submit() {
    this.setData({ loading: true, error: "" });
    try {
      await tanbi().signInDev(this.data.phone);
      toast(strings().signedIn);
      if (getCurrentPages().length > 1) wx.navigateBack({ delta: 1 });
      else wx.switchTab({ url: "/pages/home/index" });
    } catch (error) {
      this.setData({ error: errorText(error) });
    } finally {
      this.setData({ loading: false });
    }
  },
});
