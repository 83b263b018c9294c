export { TanbiClient, wxLanguage } from "./client.js";
export type { Body, ClientOptions, Ok, Page, PageParams, Schemas } from "./client.js";
export { TanbiError, SignedOutError } from "./errors.js";
export type { Problem } from "./errors.js";
export { fetchTransport, wxTransport } from "./transport.js";
export type { Transport, TransportRequest, TransportResponse, WxLike, WxRequestOptions } from "./transport.js";
export { memoryStore, wxStorage } from "./tokens.js";
export type { TokenStore, Tokens, WxStorageLike } from "./tokens.js";
export type { components, paths, operations } from "./schema.js";
