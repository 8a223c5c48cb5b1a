/** Calendar days in a time zone, shared by the report and the session filters. */
const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const dayCache = new Map<string, string>();
/** Every UTC offset in use is a multiple of 15 minutes: one lookup per quarter hour. */
const QUARTER_HOUR_MS = 15 * 60 * 1000;

/** The calendar day of a time in a time zone, as YYYY-MM-DD. Hot: called per request and tool call. */
export function dayOf(ms: number, timeZone: string): string {
  const key = `${timeZone}|${Math.floor(ms / QUARTER_HOUR_MS)}`;
  let day = dayCache.get(key);
  if (day === undefined) {
    let format = dayFormatters.get(timeZone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
      dayFormatters.set(timeZone, format);
    }
    day = format.format(ms);
    if (dayCache.size > 100_000) dayCache.clear();
    dayCache.set(key, day);
  }
  return day;
}
