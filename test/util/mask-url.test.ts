import { describe, expect, it } from "vitest";
import { appendUrlPath, MASK, maskUrl, maskUrlPath, maskUrlsIn } from "../../src/util/mask-url.js";
import { resolveExportTarget, signalUrl } from "../../src/config/export-target.js";

const M = MASK;

describe("maskUrl: what a printed URL keeps", () => {
  it.each([
    ["http://localhost:4318", "http://localhost:4318"],
    ["http://localhost:4318/v1/traces", "http://localhost:4318/v1/traces"],
    ["http://user:pass@host/otel?api_key=abc123", `http://${M}:${M}@host/otel?api_key=${M}`],
    ["https://:S3cretRedisPass@cache:6379/0", `https://${M}:${M}@cache:6379/0`],
    ["https://tokenonly@host/x", `https://${M}@host/x`],
    ["https://u:p%2Fslash@host/x?a=1&b=2&flag#frag", `https://${M}:${M}@host/x?a=${M}&b=${M}&${M}`],
    // Unparsable: still no userinfo, no query value.
    ["http://us er:pa ss@ho st/x?k=v", `http://${M}@ho st/x?k=${M}`],
    // No scheme: `user:` parses as one, the rest as an opaque path; a bare `user@host` does not parse.
    ["u5er:pA55w0rd@127.0.0.1:9/v1/traces", `${M}@127.0.0.1:9/v1/traces`],
    ["tok3n@collector:4318/x?k=v", `${M}@collector:4318/x?k=${M}`],
  ])("%s → %s", (url, shown) => {
    expect(maskUrl(url)).toBe(shown);
  });

  it("maskUrlPath keeps only scheme and host (a Slack webhook's path is its secret)", () => {
    expect(maskUrlPath("https://hooks.slack.com/services/T0/B0/XXXX")).toBe(`https://hooks.slack.com/${M}`);
    expect(maskUrlPath("not a url")).toBe(M);
  });

  it("maskUrlsIn masks every URL with userinfo or a query inside a text, and leaves others alone", () => {
    expect(maskUrlsIn("traces to http://u:p@h:1/otel/v1/traces?api_key=zz: ECONNREFUSED; see http://docs/x")).toBe(
      `traces to http://${M}:${M}@h:1/otel/v1/traces?api_key=${M}: ECONNREFUSED; see http://docs/x`,
    );
    expect(maskUrlsIn("no url here")).toBe("no url here");
  });
});

describe("the signal path goes into the URL's path, never into its query", () => {
  it.each([
    ["http://h:4318", "http://h:4318/v1/traces"],
    ["http://h:4318/", "http://h:4318/v1/traces"],
    ["http://h/otel?api_key=abc", "http://h/otel/v1/traces?api_key=abc"],
    ["http://u:p@h/otel/?k=v&x=y", "http://u:p@h/otel/v1/traces?k=v&x=y"],
  ])("%s", (base, url) => {
    expect(signalUrl(base, "v1/traces")).toBe(url);
    expect(appendUrlPath(base, "v1/traces")).toBe(url);
  });

  it("an export target resolves full URLs for sending and shows masked ones", () => {
    const t = resolveExportTarget({ endpoint: "http://user:pass@h:4318/otel?api_key=abc" }, {});
    expect(t).toMatchObject({
      kind: "otlp",
      tracesUrl: "http://user:pass@h:4318/otel/v1/traces?api_key=abc",
      metricsUrl: "http://user:pass@h:4318/otel/v1/metrics?api_key=abc",
      tracesUrlResolved: "http://user:pass@h:4318/otel/v1/traces?api_key=abc",
      metricsUrlResolved: "http://user:pass@h:4318/otel/v1/metrics?api_key=abc",
      tracesUrlShown: `http://${M}:${M}@h:4318/otel/v1/traces?api_key=${M}`,
      metricsUrlShown: `http://${M}:${M}@h:4318/otel/v1/metrics?api_key=${M}`,
    });
    // OTEL_EXPORTER_OTLP_ENDPOINT with a query: the SDK would append the path to the query, so explicit URLs are given.
    const e = resolveExportTarget({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://h/otel?k=v" });
    expect(e).toMatchObject({ tracesUrl: "http://h/otel/v1/traces?k=v", metricsUrl: "http://h/otel/v1/metrics?k=v", tracesUrlShown: `http://h/otel/v1/traces?k=${M}` });
    // Without a query the SDK reads the variables itself, as before.
    expect(resolveExportTarget({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://h/otel" })).toMatchObject({ tracesUrl: undefined, tracesUrlResolved: "http://h/otel/v1/traces" });
  });
});
