// QR codes drawn on a <canvas type="2d">: pay-codes and voucher codes, for a merchant's scanner.
import qrcode from "qrcode-generator";

/** The dark modules of `text`'s QR code (error correction M, smallest version that fits). */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const size = qr.getModuleCount();
  return Array.from({ length: size }, (_, row) => Array.from({ length: size }, (_, col) => qr.isDark(row, col)));
}

const QUIET_ZONE = 4; // modules of white around the code, as scanners expect

interface Canvas2D {
  width: number;
  height: number;
  getContext(kind: "2d"): { fillStyle: unknown; fillRect(x: number, y: number, w: number, h: number): void };
}

/** Draws `text` as a QR code on the page's canvas `selector`, filling its width (crisp at the device's pixel ratio). */
export function drawQr(page: WechatMiniprogram.Page.TrivialInstance, selector: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    wx.createSelectorQuery()
      .in(page)
      .select(selector)
      .fields({ node: true, size: true })
      .exec((results: Array<{ node?: Canvas2D; width: number } | null>) => {
        const hit = results[0];
        if (!hit?.node) return reject(new Error(`no canvas ${selector} on the page`));
        paint(hit.node, hit.width * wx.getWindowInfo().pixelRatio, qrModules(text));
        resolve();
      });
  });
}

function paint(canvas: Canvas2D, pixels: number, modules: boolean[][]): void {
  const count = modules.length + 2 * QUIET_ZONE;
  const cell = Math.max(1, Math.floor(pixels / count));
  canvas.width = canvas.height = cell * count;
  const context = canvas.getContext("2d");
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#000000";
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) context.fillRect((x + QUIET_ZONE) * cell, (y + QUIET_ZONE) * cell, cell, cell);
    }),
  );
}
