// Reads back the QR code a page painted on its fake canvas, as a merchant's scanner would.
import jsQR from "jsqr";
import type { PageInstance } from "./wx.js";

export function readQr(page: PageInstance, selector: string): string | null {
  const canvas = page.canvases.get(selector);
  if (!canvas) return null;
  return jsQR(canvas.pixels(), canvas.width, canvas.height)?.data ?? null;
}
