/**
 * URLs as we print and log them. An OTLP endpoint may carry credentials in its userinfo
 * (`https://user:pass@host`) or its query (`?api_key=…`); a printed URL keeps what helps to
 * recognise it (scheme, host, port, path, parameter names) and masks the rest.
 */

export const MASK = "********";

/** Userinfo and query values masked, fragment dropped: `https://****:****@host/otel?api_key=****`. */
export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return maskUnparsed(url);
  }
  // `user:pass@host:4318` parses as scheme `user:` with the rest as an opaque path: mask it as text.
  if (u.host === "") return maskUnparsed(url);
  const userinfo = u.username !== "" || u.password !== "" ? `${MASK}${u.password !== "" ? `:${MASK}` : ""}@` : "";
  const query = u.search === "" ? "" : `?${maskQuery(u.search.slice(1))}`;
  return `${u.protocol}//${userinfo}${u.host}${u.pathname === "/" ? "" : u.pathname}${query}`;
}

/** Only scheme and host: for URLs whose path is itself the secret (a Slack incoming webhook). */
export function maskUrlPath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${MASK}`;
  } catch {
    return MASK;
  }
}

/** Every `name=value` of a query keeps its name; a bare `value` is masked whole. */
function maskQuery(query: string): string {
  return query
    .split("&")
    .map((part) => {
      if (part === "") return part;
      const eq = part.indexOf("=");
      return eq < 0 ? MASK : `${part.slice(0, eq)}=${MASK}`;
    })
    .join("&");
}

/** Something URL-like that does not parse (or has no host): mask whatever sits before the last `@` of its authority, and every query value. */
function maskUnparsed(text: string): string {
  const noFragment = text.replace(/#.*$/s, "");
  const q = noFragment.indexOf("?");
  const base = q < 0 ? noFragment : noFragment.slice(0, q);
  // Without `//`, `user:pass@host` reads as a scheme `user:`: everything before the `@` goes.
  const masked = base.includes("://") ? base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${MASK}@`) : base.replace(/^[^/?#]*@/, `${MASK}@`);
  return q < 0 ? masked : `${masked}?${maskQuery(noFragment.slice(q + 1))}`;
}

/** Appends a path segment to a URL's path, before its query: `http://h/otel?k=v` + `v1/traces` → `http://h/otel/v1/traces?k=v`. */
export function appendUrlPath(base: string, path: string): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    return `${base.replace(/\/+$/, "")}/${path}`;
  }
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
  u.hash = "";
  return u.toString();
}

/** Every URL inside a free text (a log line, an error message) passed through `maskUrl`. */
export function maskUrlsIn(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*[^\s"'<>.,;:!?)\]]/gi, (url) => (url.includes("@") || url.includes("?") ? maskUrl(url) : url));
}
