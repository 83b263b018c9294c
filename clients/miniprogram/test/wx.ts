// An equivalent of miniprogram-simulate for page logic: a global `wx` whose networking is real HTTP (to the live
// `tanbi serve` the run started) and whose device parts (login, camera, location, modals, canvas, navigation)
// are scripted by the test; `Page`, `App`, `getApp` and `getCurrentPages` as the WeChat runtime provides them.
// Pages are the built ones (dist/), so what runs here is what WeChat DevTools would load.
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fakeStorage, forwardRequest } from "../../typescript/test/fake-wx.js";

const dist = resolve(dirname(fileURLToPath(import.meta.url)), "../dist");
const requireBuilt = createRequire(join(dist, "app.js"));

type Callbacks<T> = { success?: (result: T) => void; fail?: (error: { errMsg: string }) => void; complete?: () => void };
type AnyOptions = Record<string, unknown> & Callbacks<unknown>;

/** A canvas whose 2d context records what is painted, so a test can rasterise it and read the QR code back. */
export class FakeCanvas {
  width = 300;
  height = 300;
  rects: Array<{ x: number; y: number; w: number; h: number; fill: string }> = [];
  getContext() {
    const canvas = this;
    return {
      fillStyle: "#000000" as unknown,
      fillRect(x: number, y: number, w: number, h: number) {
        canvas.rects.push({ x, y, w, h, fill: String(this.fillStyle) });
      },
    };
  }
  /** RGBA pixels of what was painted (white where nothing was), as jsQR reads them. */
  pixels(): Uint8ClampedArray {
    const data = new Uint8ClampedArray(this.width * this.height * 4).fill(255);
    for (const r of this.rects) {
      const shade = r.fill === "#000000" ? 0 : 255;
      for (let y = r.y; y < Math.min(r.y + r.h, this.height); y++) {
        for (let x = r.x; x < Math.min(r.x + r.w, this.width); x++) {
          const i = (y * this.width + x) * 4;
          data[i] = data[i + 1] = data[i + 2] = shade;
        }
      }
    }
    return data;
  }
}

export interface PageInstance {
  route: string;
  options: Record<string, string>;
  data: Record<string, any>;
  setData(patch: Record<string, unknown>, callback?: () => void): void;
  canvases: Map<string, FakeCanvas>;
  [method: string]: any;
}

function succeed<T>(options: Callbacks<T>, result: T) {
  queueMicrotask(() => {
    options.success?.(result);
    options.complete?.();
  });
}

function failWith(options: Pick<Callbacks<never>, "fail" | "complete">, errMsg: string) {
  queueMicrotask(() => {
    options.fail?.({ errMsg });
    options.complete?.();
  });
}

/** Installs the fake runtime for one test (a fresh `wx`, storage, page stack and shared library). */
export function installWx(baseUrl: string, { language = "zh_CN" } = {}) {
  const storage = fakeStorage();
  const stack: PageInstance[] = [];
  let registered: Record<string, any> | null = null;
  let loginCount = 0;
  const fake = {
    ...storage,
    language,
    /** Who `wx.login` signs in as: the fake WeChat maps the code's prefix to an openid. */
    wechatUser: "resident",
    requests: [] as Array<{ url: string; method?: string }>,
    toasts: [] as string[],
    modals: [] as string[],
    /** Answers to the next wx.showModal calls (default: confirm). */
    modalAnswers: [] as boolean[],
    /** What the next wx.scanCode calls read: a text, or null for a cancelled scan. */
    scans: [] as Array<string | null>,
    location: null as { latitude: number; longitude: number } | null,
    /** wx.requestSubscribeMessage's answer per template id (default: accept). */
    subscribeAnswer: "accept" as "accept" | "reject",
    navigations: [] as string[],
    titles: [] as string[],
    tabTexts: new Map<number, string>(),
    keepScreenOn: false,

    request(options: AnyOptions) {
      fake.requests.push({ url: String(options.url), method: options.method as string | undefined });
      return forwardRequest(options as never);
    },
    getSystemInfoSync: () => ({ language: fake.language, platform: "devtools" }),
    getAccountInfoSync: () => ({ miniProgram: { appId: "wxtanbitest", envVersion: "develop", version: "" } }),
    getWindowInfo: () => ({ pixelRatio: 2, windowWidth: 375, windowHeight: 667 }),
    login(options: Callbacks<{ code: string; errMsg: string }>) {
      loginCount += 1;
      succeed(options, { code: `${fake.wechatUser}.${loginCount}`, errMsg: "login:ok" });
    },
    scanCode(options: Callbacks<{ result: string; scanType: string; errMsg: string }>) {
      const next = fake.scans.shift();
      if (next === undefined || next === null) failWith(options, "scanCode:fail cancel");
      else succeed(options, { result: next, scanType: "QR_CODE", errMsg: "scanCode:ok" });
    },
    getLocation(options: Callbacks<{ latitude: number; longitude: number }>) {
      if (fake.location) succeed(options, fake.location);
      else failWith(options, "getLocation:fail auth deny");
    },
    showToast(options: { title: string }) {
      fake.toasts.push(options.title);
    },
    showModal(options: { content: string } & Callbacks<{ confirm: boolean; cancel: boolean }>) {
      fake.modals.push(options.content);
      const confirm = fake.modalAnswers.shift() ?? true;
      succeed(options, { confirm, cancel: !confirm });
    },
    showLoading() {},
    hideLoading() {},
    stopPullDownRefresh() {},
    setNavigationBarTitle(options: { title: string }) {
      fake.titles.push(options.title);
    },
    setTabBarItem(options: { index: number; text: string }) {
      fake.tabTexts.set(options.index, options.text);
    },
    setKeepScreenOn(options: { keepScreenOn: boolean }) {
      fake.keepScreenOn = options.keepScreenOn;
    },
    requestSubscribeMessage(options: { tmplIds: string[] } & Callbacks<Record<string, string>>) {
      const result: Record<string, string> = { errMsg: "requestSubscribeMessage:ok" };
      for (const id of options.tmplIds) result[id] = fake.subscribeAnswer;
      succeed(options, result);
    },
    navigateTo: (options: { url: string }) => void fake.navigations.push(options.url),
    redirectTo: (options: { url: string }) => void fake.navigations.push(options.url),
    reLaunch: (options: { url: string }) => void fake.navigations.push(options.url),
    switchTab: (options: { url: string }) => void fake.navigations.push(options.url),
    navigateBack: () => void fake.navigations.push("back"),
    createSelectorQuery() {
      let page: PageInstance | undefined;
      let selector = "";
      const query = {
        in(target: PageInstance) {
          page = target;
          return query;
        },
        select(sel: string) {
          selector = sel;
          return query;
        },
        fields() {
          return query;
        },
        exec(callback: (results: unknown[]) => void) {
          const owner = page ?? stack[stack.length - 1];
          if (!owner) throw new Error("createSelectorQuery with no page");
          let canvas = owner.canvases.get(selector);
          if (!canvas) owner.canvases.set(selector, (canvas = new FakeCanvas()));
          queueMicrotask(() => callback([{ node: canvas, width: 150, height: 150 }]));
        },
      };
      return query;
    },

    /** Loads a built page (a fresh copy of its module) and runs onLoad and onShow, awaiting what they return. */
    async open(route: string, query: Record<string, string> = {}): Promise<PageInstance> {
      const file = join(dist, route);
      delete requireBuilt.cache[requireBuilt.resolve(file)];
      registered = null;
      requireBuilt(file);
      if (!registered) throw new Error(`${route} did not call Page()`);
      const definition: Record<string, any> = registered;
      const page: PageInstance = {
        ...definition,
        route,
        options: query,
        canvases: new Map(),
        data: structuredClone(definition.data ?? {}),
        setData(patch, callback) {
          for (const [key, value] of Object.entries(patch)) {
            if (value === undefined) throw new Error(`setData(${key}: undefined): WeChat drops it with a warning`);
            if (/[.[]/.test(key)) throw new Error(`setData path ${key}: this shim sets whole keys only`);
            page.data[key] = JSON.parse(JSON.stringify(value)); // what crosses to the view is JSON
          }
          callback?.();
        },
      };
      stack.push(page);
      await page.onLoad?.(query);
      await page.onShow?.();
      return page;
    },
    async hide(page: PageInstance) {
      await page.onHide?.();
    },
    async close(page: PageInstance) {
      await page.onUnload?.();
      stack.splice(stack.indexOf(page), 1);
    },
    /** A tap on an element with data-* attributes, as WeChat hands it to the handler. */
    tap(dataset: Record<string, unknown> = {}) {
      return { currentTarget: { dataset }, target: { dataset }, detail: {} };
    },
    input(value: unknown) {
      return { currentTarget: { dataset: {} }, detail: { value } };
    },
  };
  storage.setStorageSync("tanbi.baseUrl", baseUrl);
  const g = globalThis as Record<string, unknown>;
  g.wx = fake;
  g.Page = (definition: Record<string, any>) => {
    registered = definition;
  };
  g.App = (definition: Record<string, any>) => {
    g.__app = definition;
  };
  g.getApp = () => g.__app;
  g.getCurrentPages = () => [...stack];
  // Each test gets a fresh shared library (its client, its sign-in), as a new launch of the mini-program would.
  for (const key of Object.keys(requireBuilt.cache)) delete requireBuilt.cache[key];
  return fake;
}

export type FakeWx = ReturnType<typeof installWx>;

/** The shared library as the pages see it (dist/lib/index.js), for a test to sign in or read the client. */
export function builtLib(): any {
  return requireBuilt(join(dist, "lib/index.js"));
}
