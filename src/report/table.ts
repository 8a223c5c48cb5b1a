/** Aligned tables with optional ANSI colour, fitted to a width; widths ignore escape codes. */

export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly green: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function makeStyle(color: boolean): Style {
  if (!color) {
    const id = (s: string): string => s;
    return { bold: id, dim: id, red: id, yellow: id, green: id, cyan: id };
  }
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), cyan: wrap(36, 39) };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const ANSI_AT_START = /^\u001b\[[0-9;]*m/;

/** Characters on screen: code points without escape codes (a surrogate pair is one character). */
export function visibleLength(s: string): number {
  let n = 0;
  for (const _ of s.replace(ANSI, "")) n++;
  return n;
}

/**
 * `s` cut to `width` characters on screen, the last one an ellipsis; escape codes are kept, so a
 * coloured cell still resets its colour.
 */
export function cut(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  let out = "";
  let shown = 0;
  let rest = s;
  while (rest.length > 0) {
    const escape = ANSI_AT_START.exec(rest);
    if (escape !== null) {
      out += escape[0];
      rest = rest.slice(escape[0].length);
      continue;
    }
    const char = String.fromCodePoint(rest.codePointAt(0) as number);
    rest = rest.slice(char.length);
    if (shown < width - 1) out += char;
    else if (shown === width - 1) out += "…";
    shown++;
  }
  return out;
}

export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
  /** Free text, cut with an ellipsis (down to this many characters) when the table is too wide. */
  readonly shrinkTo?: number;
  /** Left out when cutting free text is not enough: rank 1 goes first, then 2, ...; unranked columns stay. */
  readonly hideRank?: number;
}

const GAP = 2;

/**
 * Fits a table into `width` characters: first the widest free-text column is cut (then the two
 * widest, and so on, none below its `shrinkTo`), then ranked columns are left out, fewest first,
 * and a dim line names them. A table that cannot fit even so is printed as narrow as it gets.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], style: Style, width = Number.POSITIVE_INFINITY): string {
  const natural = columns.map((c, i) => Math.max(visibleLength(c.header), ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const ranked = columns
    .map((c, i) => ({ rank: c.hideRank, i }))
    .filter((c): c is { rank: number; i: number } => c.rank !== undefined)
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  let hidden = new Set<number>();
  let widths = fit(columns, natural, hidden, width);
  for (let k = 1; widths === undefined && k <= ranked.length; k++) {
    hidden = new Set(ranked.slice(0, k).map((c) => c.i));
    widths = fit(columns, natural, hidden, width);
  }
  widths ??= fit(columns, natural, hidden, Number.NEGATIVE_INFINITY) ?? natural;
  const shown = columns.map((_, i) => i).filter((i) => !hidden.has(i));
  const final = widths;
  const cell = (text: string, i: number): string => {
    const w = final[i] ?? 0;
    const fitted = cut(text, w);
    const pad = " ".repeat(Math.max(0, w - visibleLength(fitted)));
    return columns[i]?.align === "right" ? pad + fitted : fitted + pad;
  };
  const lines = [
    shown.map((i) => style.bold(cell(columns[i]?.header ?? "", i))).join(" ".repeat(GAP)),
    style.dim(shown.map((i) => "─".repeat(final[i] ?? 0)).join(" ".repeat(GAP))),
    ...rows.map((r) => shown.map((i) => cell(r[i] ?? "", i)).join(" ".repeat(GAP))),
  ];
  if (hidden.size > 0) {
    const names = [...hidden].sort((a, b) => a - b).map((i) => columns[i]?.header ?? "");
    for (const line of wrapWords(`(${names.join(", ")} left out to fit ${width} columns; --json has every field)`, width)) lines.push(style.dim(line));
  }
  return lines.map((l) => l.trimEnd()).join("\n") + "\n";
}

/**
 * Column widths for the visible columns within `width`, cutting the widest shrinkable column one
 * character at a time; undefined when even every shrinkable column at its floor is too wide.
 * `width` -Infinity: every shrinkable column at its floor.
 */
function fit(columns: readonly Column[], natural: readonly number[], hidden: ReadonlySet<number>, width: number): number[] | undefined {
  const widths = [...natural];
  const visible = columns.map((_, i) => i).filter((i) => !hidden.has(i));
  const floor = (i: number): number => Math.min(natural[i] ?? 0, Math.max(visibleLength(columns[i]?.header ?? ""), columns[i]?.shrinkTo ?? Number.POSITIVE_INFINITY));
  let total = visible.reduce((sum, i) => sum + (widths[i] ?? 0), 0) + GAP * Math.max(0, visible.length - 1);
  while (total > width) {
    let widest: number | undefined;
    for (const i of visible) if ((widths[i] ?? 0) > floor(i) && (widest === undefined || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    if (widest === undefined) return width === Number.NEGATIVE_INFINITY ? widths : undefined;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
  return widths;
}

/** Plain text broken at spaces into lines of at most `width` characters (a longer word stays whole). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
