/** Minimal aligned table with optional ANSI colour; widths ignore escape codes. */

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

export function visibleLength(s: string): number {
  return s.replace(ANSI, "").length;
}

export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], style: Style): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const cell = (text: string, i: number): string => {
    const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(text)));
    return columns[i]?.align === "right" ? pad + text : text + pad;
  };
  const lines = [
    columns.map((c, i) => style.bold(cell(c.header, i))).join("  "),
    style.dim(widths.map((w) => "─".repeat(w)).join("  ")),
    ...rows.map((r) => r.map((text, i) => cell(text, i)).join("  ")),
  ];
  return lines.map((l) => l.trimEnd()).join("\n") + "\n";
}
