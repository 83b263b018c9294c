// Numbers and times as residents read them.
import { lang } from "./i18n";

/** Grams of CO2e: 850 克, 12.3 千克, 1.25 吨 (g, kg, t in English). */
export function grams(value: number): string {
  const en = lang() === "en";
  if (Math.abs(value) < 1000) return `${value} ${en ? "g" : "克"}`;
  if (Math.abs(value) < 1_000_000) return `${trim(value / 1000, 1)} ${en ? "kg" : "千克"}`;
  return `${trim(value / 1_000_000, 2)} ${en ? "t" : "吨"}`;
}

function trim(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.?0+$/, "");
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** A local date, 2026-11-30. */
export function date(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A local date and time, 2026-11-30 08:05. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  return `${date(iso)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A distance in metres: 350 米, 2.4 公里 (m, km). */
export function distance(metres: number): string {
  const en = lang() === "en";
  if (metres < 1000) return `${Math.round(metres)} ${en ? "m" : "米"}`;
  return `${trim(metres / 1000, 1)} ${en ? "km" : "公里"}`;
}
