/**
 * Which GenAI names we emit. By default the current ones (GenAI conventions v0.1.0); the names
 * of v1.41.0 that v0.1.0 renamed or removed come beside them for one release on request, through
 * the variable the conventions define for this, OTEL_SEMCONV_STABILITY_OPT_IN: a comma-separated
 * list of category values, of which ours are
 *   gen_ai_latest_experimental        the current names only (the conventions' own value; also our default)
 *   gen_ai_latest_experimental/dup    the current names and the v1.41.0 ones (`/dup` as in `http/dup`)
 * Other values (other instrumentations' categories) are ignored; `/dup` wins over the plain value.
 */
export const SEMCONV_OPT_IN_ENV = "OTEL_SEMCONV_STABILITY_OPT_IN";
export const GEN_AI_LATEST = "gen_ai_latest_experimental";
export const GEN_AI_LATEST_DUP = "gen_ai_latest_experimental/dup";

/** True when the list asks for the v1.41.0 names beside the current ones. */
export function legacyGenAiRequested(optIn: string | undefined): boolean {
  if (optIn === undefined) return false;
  return optIn.split(",").some((word) => word.trim().toLowerCase() === GEN_AI_LATEST_DUP);
}
