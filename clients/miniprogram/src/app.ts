import { applyTabTexts, ensureSignedIn } from "./lib/index";

App({
  onLaunch() {
    // Sign in early (wx.login is silent); pages wait on the same sign-in if they show first.
    ensureSignedIn().catch(() => undefined);
  },
  onShow() {
    applyTabTexts();
  },
});
