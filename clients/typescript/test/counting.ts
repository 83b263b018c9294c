import { fetchTransport, type Transport, type TransportRequest } from "../src/index.js";

/** A fetch transport that records every request, so tests can count refreshes. */
export function countingTransport(inner: Transport = fetchTransport()): Transport & { sent: TransportRequest[] } {
  const sent: TransportRequest[] = [];
  return {
    sent,
    request(request) {
      sent.push(request);
      return inner.request(request);
    },
  };
}

export const refreshes = (sent: TransportRequest[]) => sent.filter((r) => r.url.endsWith("/v1/auth/refresh")).length;
