/** `compactions <session>` for people: one row per compaction, then the files each one had in the context. */
import { oneLine } from "../util/terminal-safe.js";
import type { CompactionDetail } from "./compaction-details.js";
import { bytes, count, duration, localTime, plural, tokens, usd } from "./format.js";
import type { Style } from "./table.js";
import { renderTable } from "./table.js";

export interface CompactionsView {
  readonly sessionId: string;
  readonly project: string;
  readonly startedAt: number;
  /** The session's working directory: paths under it are shown relative to it. */
  readonly cwd: string | undefined;
  readonly compactions: readonly CompactionDetail[];
}

export function renderCompactions(view: CompactionsView, style: Style, timeZone: string, width: number): string {
  const c = view.compactions;
  let reReads = 0;
  let reReadUsd = 0;
  let reReadMs = 0;
  for (const d of c) {
    reReads += d.reReads;
    reReadUsd += d.reReadCostUsd;
    reReadMs += d.reReadDurationMs;
  }
  const heading =
    style.bold(`Session ${view.sessionId}`) +
    ` (${oneLine(view.project)}, ${localTime(view.startedAt, timeZone)}): ${plural(c.length, "compaction")}` +
    (reReads > 0 ? `; ${plural(reReads, "read")} of lost files again, ${usd(reReadUsd)}, ${duration(reReadMs)}` : "");
  if (c.length === 0) return `${heading}\n`;
  return `${heading}\n\n${compactionTable(c, style, timeZone, width)}${fileTable(view, style, width)}`;
}

function compactionTable(c: readonly CompactionDetail[], style: Style, timeZone: string, width: number): string {
  return renderTable(
    [
      { header: "#" },
      { header: "When" },
      { header: "Trigger" },
      { header: "Turn", align: "right", hideRank: 3 },
      { header: "Tokens", align: "right" },
      { header: "Dropped", align: "right", hideRank: 5 },
      { header: "Call", align: "right" },
      { header: "Rebuild", align: "right", hideRank: 4 },
      { header: "Outputs out", align: "right", hideRank: 2 },
      { header: "Files lost", align: "right" },
      { header: "Read again", align: "right" },
      { header: "Re-read cost", align: "right", hideRank: 1 },
      { header: "Note", shrinkTo: 10 },
    ],
    c.map((d, i) => [
      String(i + 1),
      localTime(d.at, timeZone),
      d.trigger,
      d.turn === null ? "-" : String(d.turn),
      d.preTokens === null ? "-" : `${tokens(d.preTokens)} → ${d.postTokens === null ? "?" : tokens(d.postTokens)}`,
      d.droppedTokens === null ? "-" : tokens(d.droppedTokens),
      d.costUsd === null ? "-" : style.yellow(usd(d.costUsd)),
      d.rebuildCostUsd === null ? "-" : style.yellow(usd(d.rebuildCostUsd)),
      `${count(d.toolOutputsBefore.count)} (${bytes(d.toolOutputsBefore.bytes)})`,
      String(d.filesReadBefore.filter((f) => f.after !== "restored").length),
      d.reReads === 0 ? "0" : style.red(String(d.reReads)),
      d.reReads === 0 ? "-" : style.yellow(`${usd(d.reReadCostUsd)}, ${duration(d.reReadDurationMs)}`),
      note(d, c),
    ]),
    style,
    width,
  );
}

/** Per compaction, the files in the context, what it did with each, and the reads that followed. */
function fileTable(view: CompactionsView, style: Style, width: number): string {
  const rows: string[][] = [];
  view.compactions.forEach((d, i) => {
    for (const f of d.filesReadBefore) {
      const again = d.filesReReadAfter.find((r) => r.path === f.path);
      rows.push([
        String(i + 1),
        oneLine(shortPath(f.path, view.cwd)),
        count(f.reads),
        bytes(f.bytes),
        f.after === "restored" ? style.green(f.after) : style.red(f.after),
        again === undefined ? "-" : style.red(`${again.reads}× ${usd(again.costUsd)}, ${duration(again.durationMs)}`),
      ]);
    }
  });
  if (rows.length === 0) return "";
  const table = renderTable(
    [{ header: "#" }, { header: "File", shrinkTo: 16 }, { header: "Reads", align: "right" }, { header: "Bytes", align: "right" }, { header: "After" }, { header: "Read again" }],
    rows,
    style,
    width,
  );
  return `\n${style.bold("Files in the context")}\n${table}`;
}

function note(d: CompactionDetail, all: readonly CompactionDetail[]): string {
  const notes: string[] = [];
  if (d.duplicate) {
    const of = all.findIndex((x) => x.uuid === d.duplicateOf);
    notes.push(`duplicate of #${of + 1}: the same conversation summarised again`);
  }
  if (d.restoredFilesReRead > 0) notes.push(`${plural(d.restoredFilesReRead, "restored file")} read again anyway`);
  if (d.keptLines > 0) notes.push(`${plural(d.keptLines, "line")} kept`);
  return notes.join("; ");
}

function shortPath(path: string, cwd: string | undefined): string {
  if (cwd === undefined || cwd === "") return path;
  const prefix = cwd.endsWith("/") ? cwd : `${cwd}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
