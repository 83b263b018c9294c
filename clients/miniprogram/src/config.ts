// The one place the mini-program learns where Tanbi runs. WeChat only lets a mini-program call the domains
// whitelisted in 公众平台 > 开发管理 > 服务器域名 (request 合法域名), over HTTPS; DevTools can skip that check for
// `develop` (详情 > 本地设置 > 不校验合法域名), which is how a `tanbi serve --demo` on this machine is reached.

/** The service's origin for each version of the mini-program (`wx.getAccountInfoSync().miniProgram.envVersion`). */
export const API_BASE_URL = {
  develop: "http://127.0.0.1:8000",
  trial: "https://tanbi-staging.example.cn",
  release: "https://tanbi.example.cn",
} as const;

/**
 * In `develop` and `trial` only, a base URL stored under this key (DevTools > Storage) wins over the table above,
 * so one build can be pointed at another `tanbi serve` without editing this file.
 */
export const BASE_URL_OVERRIDE_KEY = "tanbi.baseUrl";
