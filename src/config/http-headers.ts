/**
 * OTLP headers as the config file holds them: names are HTTP tokens, values one line of visible
 * characters. Node refuses anything else when it sends (ERR_INVALID_CHAR), which would make every
 * export fail much later, so install refuses it up front. A value is a secret: no message quotes it.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node's http accepts in a header value: tab, space to `~`, and bytes 0x80–0xff. */
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** Why `name: value` cannot be sent, without quoting the value; undefined when it can. */
export function headerProblem(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `header name ${JSON.stringify(name.slice(0, 60))} is not a valid HTTP header name`;
  const bad = BAD_VALUE_CHAR.exec(value);
  if (bad === null) return undefined;
  const at = `character ${bad.index + 1} of ${value.length}`;
  if (bad[0] === "\n" || bad[0] === "\r") {
    return `the value of header ${name} holds a line break (${at}); GNU base64 wraps its output at 76 columns: use "base64 -w0", or --header-basic user:secret`;
  }
  return `the value of header ${name} holds a control or non-Latin-1 character (${at}, U+${bad[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")})`;
}

/** `Basic <base64(user:secret)>`, one line, as `--header-basic` stores it. */
export function basicAuthorization(userColonSecret: string): string {
  return `Basic ${Buffer.from(userColonSecret, "utf8").toString("base64")}`;
}
