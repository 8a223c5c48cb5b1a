/**
 * A model without a price, or one Claude Code itself did not know, is named once per run, not
 * once per session: sessions' warnings about the same model fold into one line.
 */
const PER_MODEL = [
  {
    prefix: "no price for model",
    pattern: /^(.+?): no price for model "(.+)": session cost is incomplete$/,
    say: (model: string, n: number) =>
      `no price for model "${model}" (${sessions(n)}): their cost is incomplete until Claude Code's ledger prices it; add it to "prices" in the config file`,
  },
  {
    prefix: "Claude Code did not know model",
    pattern: /^(.+?): Claude Code did not know model "(.+)" and charged its default model's rates$/,
    say: (model: string, n: number) => `Claude Code did not know model "${model}" (${sessions(n)}) and charged its default model's rates`,
  },
];

function sessions(n: number): string {
  return n === 1 ? "1 session" : `${n} sessions`;
}

/** Per-session warnings (`<session>: <text>`), with those naming a model folded into one per model, first seen first. */
export function foldModelWarnings(warnings: readonly string[]): string[] {
  const out: (string | { kind: number; model: string; sessions: Set<string> })[] = [];
  const groups = new Map<string, { kind: number; model: string; sessions: Set<string> }>();
  for (const w of warnings) {
    const kind = PER_MODEL.findIndex((p) => p.pattern.test(w));
    const m = kind === -1 ? null : PER_MODEL[kind]?.pattern.exec(w);
    if (m === null || m === undefined) {
      out.push(w);
      continue;
    }
    const key = `${kind}\0${m[2]}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { kind, model: m[2] as string, sessions: new Set() };
      groups.set(key, g);
      out.push(g);
    }
    g.sessions.add(m[1] as string);
  }
  return out.map((o) => (typeof o === "string" ? o : (PER_MODEL[o.kind]?.say(o.model, o.sessions.size) ?? "")));
}

/** Warnings not printed before in this run: a model's warning once, whatever else each time. */
export class WarnOnce {
  private readonly said = new Set<string>();

  fresh(warnings: readonly string[]): string[] {
    return foldModelWarnings(warnings).filter((w) => {
      if (this.said.has(w)) return false;
      if (PER_MODEL.some((p) => w.startsWith(p.prefix))) this.said.add(w);
      return true;
    });
  }
}
