export function usd(n: number): string {
  if (n === 0) return "$0.00";
  if (Math.abs(n) < 0.01) return `$${n.toFixed(4)}`;
  return `$${n.toFixed(2)}`;
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** `1 file`, `2 files`, `1,024 sessions`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** A size for people, in powers of 1000: 512 B, 38 KB, 1.9 MB, 401 MB, 2.3 GB. */
export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 9.95 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Token counts compactly: 1234 → 1.2k, 3456789 → 3.5M. */
export function tokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** One formatter per time zone: building one costs ~110 µs, and a report formats a time per session. */
const minuteFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A time as `YYYY-MM-DD HH:MM` in a time zone (an ISO string or milliseconds since the epoch).
 * `hourCycle: "h23"`, not `hour12: false`: the latter picks h24 in some locales, so 00:22 was `24:22`.
 */
export function localTime(when: string | number, timeZone: string): string {
  let format = minuteFormatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    minuteFormatters.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(when));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

/** Short model names for tables: claude-sonnet-4-5-20250929 → sonnet-4-5. */
export function shortModel(model: string): string {
  return model.replace(/^claude-/, "").replace(/-\d{8}$/, "");
}
