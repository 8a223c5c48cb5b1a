/**
 * A replay learns Claude Code's rates from the ledgers it prices and keeps them for the hooks,
 * whether it reads on its own thread (a small history) or on worker threads (a large one): the
 * same models either way (each worker saves what it saw: a model met by two workers keeps one
 * worker's observations, a later refit at most). A dry run keeps nothing. Workers run dist/ (build first).
 */
import { readFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveDestination } from "../../src/delivery/destination.js";
import { replay } from "../../src/pipeline/replay.js";
import { learnedRatesPath } from "../../src/state/learned-rates-store.js";
import { MODELS_2_1_330, copyIdleFixtures } from "../support/recorded-fixtures.js";

const copy = copyIdleFixtures("cco-replay-learns-", MODELS_2_1_330);
afterAll(() => rmSync(copy.root, { recursive: true, force: true }));

async function learnedBy(name: string, options: { jobs: number; dryRun?: boolean }): Promise<string | undefined> {
  const stateDir = join(copy.root, name, "state");
  const destination = resolveDestination({ outputDir: join(copy.root, name, "out") }, {});
  const result = await replay({ projectsDir: copy.projects, stateDir, destination, env: {}, ...options });
  expect(result.failure).toBeUndefined();
  expect(result.exported).toBe(6);
  const path = learnedRatesPath(stateDir);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

describe("replay keeps the rates it learned", () => {
  it("on its own thread as on worker threads: the same models, every observation a worker kept", async () => {
    const alone = await learnedBy("alone", { jobs: 1 });
    const workers = await learnedBy("workers", { jobs: 2 });
    expect(alone).toBeDefined();
    type Learned = { models: Record<string, { observations: unknown[] }> };
    const mine = JSON.parse(alone ?? "{}") as Learned;
    const theirs = JSON.parse(workers ?? "{}") as Learned;
    expect(Object.keys(mine.models).length).toBeGreaterThan(0);
    expect(Object.keys(mine.models).sort()).toEqual(Object.keys(theirs.models).sort());
    for (const [key, model] of Object.entries(theirs.models)) expect(mine.models[key]?.observations).toEqual(expect.arrayContaining(model.observations));
  });

  it("a dry run keeps nothing", async () => {
    expect(await learnedBy("dry", { jobs: 1, dryRun: true })).toBeUndefined();
  });
});
