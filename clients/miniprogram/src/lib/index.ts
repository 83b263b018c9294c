// What pages use, bundled once (dist/lib/index.js) so every page shares one client, one refresh and one sign-in.
export { baseUrl, ensureSignedIn, loginCode, resetClient, tanbi } from "./api";
export { date, dateTime, distance, grams } from "./format";
export { metresBetween, whereAmI, type Point } from "./geo";
export { acceptLanguage, fill, lang, langChoice, pick, setLangChoice, strings, type Lang, type LangChoice, type Strings } from "./i18n";
export { errorText, hasCode, isProblem, isSignedOut } from "./problems";
export { drawQr, qrModules } from "./qr";
export { guarded, confirm, toast, applyTabTexts } from "./ui";
export type { Schemas } from "@tanbi/client";
