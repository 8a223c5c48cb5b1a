// Part of `npm run build`: writes genai-prices' Anthropic provider (each model's id, match rule
// and prices) to dist/cost/anthropic-prices.json with the library's version, so that pricing
// reads 20 KB of JSON instead of loading the library (~20 MB of memory and ~0.1 s of CPU per
// process). src/cost/price-table.ts reads it, and ignores it when the installed library's
// version differs: the library is then loaded as before.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findProvider } from "@pydantic/genai-prices";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(dirname(require.resolve("@pydantic/genai-prices")), "..", "package.json"), "utf8"));
const provider = findProvider({ providerId: "anthropic" });
if (provider === undefined) throw new Error("genai-prices has no anthropic provider");
const table = {
  library: "@pydantic/genai-prices",
  version: pkg.version,
  provider: {
    id: provider.id,
    name: provider.name,
    api_pattern: provider.api_pattern,
    // Looked up in other providers when no model matches: the table cannot answer then (price-table.ts).
    ...(provider.fallback_model_providers === undefined ? {} : { fallback_model_providers: provider.fallback_model_providers }),
    models: provider.models.map((m) => ({ id: m.id, name: m.name, match: m.match, prices: m.prices })),
  },
};
mkdirSync(join(root, "dist", "cost"), { recursive: true });
writeFileSync(join(root, "dist", "cost", "anthropic-prices.json"), JSON.stringify(table) + "\n");
