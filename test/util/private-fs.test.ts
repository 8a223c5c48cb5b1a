/**
 * Private files: appends never go through a planted symlink or hard link, into a FIFO or into
 * someone else's file; reads take only regular files under a size cap, and a FIFO or a link to
 * /dev/zero is refused at once. Real files, FIFOs (mkfifo) and, run as root, real other owners.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendPrivate, privateDirProblem, readRegularFile } from "../../src/util/private-fs.js";
import { looseDirs, tightenPrivateDirs } from "../../src/util/private-tree.js";

const isRoot = process.geteuid?.() === 0;
/** `nobody`: a real other user when the tests run as root (as in CI). */
const OTHER_UID = 65534;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cco-privfs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

describe("appendPrivate", () => {
  it("creates 0600 and appends", () => {
    const p = join(dir, "hook.log");
    appendPrivate(p, "a\n");
    appendPrivate(p, Buffer.from("b\n"));
    expect(readFileSync(p, "utf8")).toBe("a\nb\n");
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  it("never through a planted symlink: the victim is untouched", () => {
    const victim = join(dir, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(dir, "hook.log"));
    expect(codeOf(() => appendPrivate(join(dir, "hook.log"), "x\n"))).toBe("ELOOP");
    // A dangling link (to a file the attacker wants created) is refused too.
    symlinkSync(join(dir, "created-by-us"), join(dir, "traces.jsonl"));
    expect(codeOf(() => appendPrivate(join(dir, "traces.jsonl"), "x\n"))).toBe("ELOOP");
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(() => statSync(join(dir, "created-by-us"))).toThrow();
  });

  it("never through a planted hard link", () => {
    const victim = join(dir, "victim");
    writeFileSync(victim, "precious\n", { mode: 0o600 });
    linkSync(victim, join(dir, "metrics.jsonl"));
    expect(codeOf(() => appendPrivate(join(dir, "metrics.jsonl"), "x\n"))).toBe("EUNSAFE");
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  });

  it("a FIFO is refused at once, without waiting for a reader", () => {
    const p = join(dir, ".changes");
    mkfifo(p);
    const started = performance.now();
    expect(codeOf(() => appendPrivate(p, "\n"))).toMatch(/^(ENXIO|ENOTREG)$/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.runIf(isRoot)("a file someone else owns is refused", () => {
    const p = join(dir, "hook.log");
    writeFileSync(p, "theirs\n");
    chownSync(p, OTHER_UID, OTHER_UID);
    expect(codeOf(() => appendPrivate(p, "x\n"))).toBe("EUNSAFE");
    expect(readFileSync(p, "utf8")).toBe("theirs\n");
  });
});

describe("readRegularFile", () => {
  it("reads a regular file, following a symlink to one (dotfile managers)", () => {
    writeFileSync(join(dir, "real.json"), '{"a":1}');
    symlinkSync(join(dir, "real.json"), join(dir, "config.json"));
    expect(readRegularFile(join(dir, "config.json"), 100).text).toBe('{"a":1}');
  });

  it("a FIFO and a link to /dev/zero are refused at once", () => {
    mkfifo(join(dir, "fifo.json"));
    symlinkSync("/dev/zero", join(dir, "zero.json"));
    const started = performance.now();
    expect(codeOf(() => readRegularFile(join(dir, "fifo.json"), 1 << 20))).toBe("ENOTREG");
    expect(codeOf(() => readRegularFile(join(dir, "zero.json"), 1 << 20))).toBe("ENOTREG");
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("a file over the cap is refused; one at the cap is read", () => {
    writeFileSync(join(dir, "big"), "x".repeat(101));
    writeFileSync(join(dir, "ok"), "x".repeat(100));
    expect(codeOf(() => readRegularFile(join(dir, "big"), 100))).toBe("EFBIG");
    expect(readRegularFile(join(dir, "ok"), 100).text).toHaveLength(100);
    expect(codeOf(() => readRegularFile(join(dir, "missing"), 100))).toBe("ENOENT");
  });

  it("trusted: a file writable by group or others is refused", () => {
    const p = join(dir, "config.json");
    writeFileSync(p, "{}");
    chmodSync(p, 0o666);
    expect(codeOf(() => readRegularFile(p, 100, { trusted: true }))).toBe("EUNSAFE");
    chmodSync(p, 0o644);
    expect(readRegularFile(p, 100, { trusted: true }).text).toBe("{}");
  });

  it.runIf(isRoot)("trusted: a file another user owns is refused", () => {
    const p = join(dir, "config.json");
    writeFileSync(p, "{}", { mode: 0o600 });
    chownSync(p, OTHER_UID, OTHER_UID);
    expect(codeOf(() => readRegularFile(p, 100, { trusted: true }))).toBe("EUNSAFE");
  });
});

describe("private folders", () => {
  it("privateDirProblem: missing is fine (we create it 0700); a file, a world-writable folder are not", () => {
    expect(privateDirProblem(join(dir, "missing"))).toBeUndefined();
    writeFileSync(join(dir, "file"), "");
    expect(privateDirProblem(join(dir, "file"))).toBe(`${join(dir, "file")} is not a folder`);
    mkdirSync(join(dir, "open"), { mode: 0o700 });
    chmodSync(join(dir, "open"), 0o1777);
    expect(privateDirProblem(join(dir, "open"))).toBe(`${join(dir, "open")} is 0777: writable by others`);
    chmodSync(join(dir, "open"), 0o770);
    expect(privateDirProblem(join(dir, "open"))).toBe(`${join(dir, "open")} is 0770: writable by its group`);
    chmodSync(join(dir, "open"), 0o755);
    expect(privateDirProblem(join(dir, "open"))).toBeUndefined();
  });

  it.runIf(isRoot)("privateDirProblem: a folder another user owns (a planted CLAUDE_CODE_OTEL_HOME)", () => {
    mkdirSync(join(dir, "theirs"), { mode: 0o700 });
    chownSync(join(dir, "theirs"), OTHER_UID, OTHER_UID);
    expect(privateDirProblem(join(dir, "theirs"))).toBe(`${join(dir, "theirs")} belongs to uid ${OTHER_UID}, not to you (uid 0)`);
  });

  it("tightenPrivateDirs: every folder below to 0700, links not followed, files untouched", () => {
    const home = join(dir, "otel");
    for (const d of ["", "spool", "outbox", "state", "state/sessions"]) mkdirSync(join(home, d), { recursive: true });
    chmodSync(home, 0o755);
    chmodSync(join(home, "spool"), 0o777);
    chmodSync(join(home, "state", "sessions"), 0o750);
    chmodSync(join(home, "outbox"), 0o700);
    chmodSync(join(home, "state"), 0o700);
    writeFileSync(join(home, "traces.jsonl"), "", { mode: 0o644 });
    mkdirSync(join(dir, "elsewhere"), { mode: 0o755 });
    chmodSync(join(dir, "elsewhere"), 0o755);
    symlinkSync(join(dir, "elsewhere"), join(home, "link"));
    expect(
      looseDirs(home)
        .map((d) => [d.path, d.mode])
        .sort(),
    ).toEqual([
      [home, 0o755],
      [join(home, "spool"), 0o777],
      [join(home, "state", "sessions"), 0o750],
    ]);
    expect(tightenPrivateDirs(home).sort()).toEqual([`${home} (0755 → 0700)`, `${join(home, "spool")} (0777 → 0700)`, `${join(home, "state", "sessions")} (0750 → 0700)`].sort());
    expect(looseDirs(home)).toEqual([]);
    expect(statSync(join(dir, "elsewhere")).mode & 0o777).toBe(0o755);
    expect(statSync(join(home, "traces.jsonl")).mode & 0o777).toBe(0o644);
  });
});
