/**
 * What a secret looks like, by family, after the rule sets of secret scanners (gitleaks'
 * default rules, secretlint's recommended preset, detect-secrets' plugins): provider tokens
 * with a recognisable prefix, private key blocks, credentials in URLs, assignments to
 * secret-looking names (env, JSON, YAML, XML, HCL, headers), and credentials on command lines.
 * Context-free entropy rules are left out on purpose: hashes, ids and base64 data are everywhere
 * in tool output, and a rule that cannot tell them from keys would redact them all.
 *
 * Each rule is one regular expression and a replacement; `$<keep>` groups keep the non-secret
 * context (a variable name, a URL's scheme and host, a flag) so a redacted text still reads.
 */

export const REDACTED = "[REDACTED]";

export interface Rule {
  readonly name: string;
  readonly pattern: RegExp;
  /** Replacement; `$1`… keep non-secret context. */
  readonly replace: string | ((match: string, ...groups: string[]) => string);
  /**
   * Substrings one of which any match contains: when the text holds none, the rule is skipped
   * without running its expression (most texts hold no secret at all).
   */
  readonly hints?: readonly string[];
}

/**
 * Tokens whose prefix names the provider. One alternation, one pass: most texts hold none, and a
 * single scan is cheaper than sixty. Bodies are bounded below (so a prefix alone is not a token)
 * and end at the token's alphabet.
 */
const PREFIXED = [
  // AI providers (sk- covers OpenAI, Anthropic, DeepSeek, OpenRouter, Langfuse...).
  String.raw`sk-[A-Za-z0-9][A-Za-z0-9_-]{19,}`,
  String.raw`(?:pk|sk)-lf-[A-Za-z0-9-]{8,}`,
  String.raw`gsk_[A-Za-z0-9]{40,}`,
  String.raw`hf_[A-Za-z0-9]{30,}`,
  String.raw`api_org_[A-Za-z0-9]{30,}`,
  String.raw`pplx-[A-Za-z0-9]{40,}`,
  String.raw`r8_[A-Za-z0-9]{30,}`,
  String.raw`xai-[A-Za-z0-9]{60,}`,
  // Code hosting, registries, CI.
  String.raw`gh[pousr]_[A-Za-z0-9]{30,}`,
  String.raw`github_pat_[A-Za-z0-9_]{30,}`,
  String.raw`gl(?:pat|dt|rt|soat|cbt|oas|ft|imt|agent)-[A-Za-z0-9_-]{20,}`,
  String.raw`glptt-[0-9a-f]{40}`,
  String.raw`GR1348941[A-Za-z0-9_-]{20,}`,
  String.raw`npm_[A-Za-z0-9]{36}`,
  String.raw`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`,
  String.raw`rubygems_[0-9a-f]{48}`,
  String.raw`oy2[a-z0-9]{43}`,
  String.raw`dckr_pat_[A-Za-z0-9_-]{20,}`,
  String.raw`CLOJARS_[a-z0-9]{60}`,
  // Clouds and infrastructure.
  String.raw`(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}`,
  String.raw`AIza[A-Za-z0-9_-]{35}`,
  String.raw`ya29\.[A-Za-z0-9_-]{20,}`,
  String.raw`GOCSPX-[A-Za-z0-9_-]{20,}`,
  String.raw`1//0[A-Za-z0-9_-]{40,}`,
  String.raw`do[opr]_v1_[0-9a-f]{64}`,
  String.raw`LTAI[A-Za-z0-9]{12,20}`,
  String.raw`AKID[A-Za-z0-9]{32}`,
  String.raw`hv[sb]\.[A-Za-z0-9_-]{24,}`,
  String.raw`dapi[0-9a-f]{32}(?:-\d)?`,
  String.raw`v1\.0-[0-9a-f]{24}-[0-9a-f]{146}`,
  String.raw`HRKU-[A-Za-z0-9_-]{40,}`,
  String.raw`AKCp[A-Za-z0-9]{69}`,
  String.raw`dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}`,
  String.raw`pul-[0-9a-f]{40}`,
  String.raw`dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9_.-]{40,}`,
  String.raw`fo1_[A-Za-z0-9_-]{43}`,
  String.raw`FlyV1 fm[12][ar]?_[A-Za-z0-9+/=,_-]{40,}`,
  String.raw`nfp_[A-Za-z0-9]{36}`,
  String.raw`sbp_[0-9a-f]{40}`,
  String.raw`sb_secret_[A-Za-z0-9_-]{20,}`,
  String.raw`pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,}`,
  String.raw`AGE-SECRET-KEY-1[0-9A-Z]{58}`,
  // Messaging, payments, SaaS.
  String.raw`xox[abposre]-[A-Za-z0-9-]{10,}`,
  String.raw`xoxe\.xox[bp]-\d-[A-Za-z0-9-]{20,}`,
  String.raw`xapp-\d-[A-Za-z0-9-]{10,}`,
  String.raw`(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}`,
  String.raw`whsec_[A-Za-z0-9+/=]{24,}`,
  String.raw`SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,64}`,
  String.raw`SK[0-9a-fA-F]{32}`,
  String.raw`key-[0-9a-z]{32}`,
  String.raw`xkeysib-[0-9a-f]{64}-[A-Za-z0-9]{16}`,
  String.raw`shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}`,
  String.raw`EAAA[A-Za-z0-9_-]{40,}`,
  String.raw`sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}`,
  String.raw`access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}`,
  String.raw`lin_api_[A-Za-z0-9]{40}`,
  String.raw`(?:secret|ntn)_[A-Za-z0-9]{40,}`,
  String.raw`figd_[A-Za-z0-9_-]{40,}`,
  String.raw`ops_eyJ[A-Za-z0-9+/=_-]{100,}`,
  String.raw`glc_[A-Za-z0-9+/]{32,}={0,2}`,
  String.raw`glsa_[A-Za-z0-9]{32}_[0-9A-Fa-f]{8}`,
  String.raw`sntry[su]_[A-Za-z0-9+/=_-]{40,}`,
  String.raw`PMAK-[0-9a-f]{24}-[0-9a-f]{34}`,
  String.raw`ATATT3[A-Za-z0-9_=-]{100,}`,
  String.raw`NRAK-[A-Z0-9]{27}`,
  String.raw`NRJS-[0-9a-f]{19}`,
  String.raw`shippo_(?:live|test)_[0-9a-f]{40}`,
  String.raw`EZ[AT]K[A-Za-z0-9]{54}`,
  String.raw`CFPAT-[A-Za-z0-9_-]{43}`,
  String.raw`duffel_(?:test|live)_[A-Za-z0-9_=-]{43}`,
  String.raw`FLW(?:SECK|PUBK)_TEST-[0-9a-h]{32}-X`,
  String.raw`pnu_[A-Za-z0-9]{36}`,
  String.raw`rdme_[a-z0-9]{70}`,
  String.raw`tfp_[A-Za-z0-9_.-]{59}`,
  // JSON Web Tokens (and Mapbox's sk.eyJ…).
  String.raw`(?:sk\.)?eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
];

/**
 * Tokens whose recognisable part comes after a run of any letters or digits: in the alternation
 * above they would make every position of every text a candidate (more than half its cost), so
 * each is a rule of its own, run only when the text holds its marker.
 */
const MARKED: readonly { readonly name: string; readonly body: string; readonly hint: string }[] = [
  { name: "Azure client secret", body: String.raw`[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}`, hint: "Q~" },
  { name: "Terraform Cloud token", body: String.raw`[a-z0-9]{14}\.atlasv1\.[a-z0-9_=-]{60,}`, hint: ".atlasv1." },
  { name: "Mailchimp key", body: String.raw`[0-9a-f]{32}-us\d{1,2}`, hint: "-us" },
  { name: "Telegram bot token", body: String.raw`\d{8,10}:AA[A-Za-z0-9_-]{33}`, hint: ":AA" },
];

/** Not inside a longer word; after an escape such as the `\n` of JSON-escaped text is fine. */
function token(body: string): RegExp {
  return new RegExp(String.raw`(?<!(?<!\\)[A-Za-z0-9_])(?:${body})(?![A-Za-z0-9])`, "g");
}

/** Names whose value is a secret, as a fragment of a longer name (DB_PASSWORD, SecretAccessKey, x-api-key). */
const SECRET_NAME = String.raw`(?:passw(?:or)?d|passwd|pwd|pass|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|client[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|credentials?|auth|authorization|session[_.-]?id|cookie|sig|signature|dsn)`;
/**
 * A `key` that is a word of the name: api_key, x-api-key, KEY, apiKey, AccountKey, but not keyboard
 * or monkey. Case-sensitive (camel case is how it is told apart), so in a rule of its own. The
 * letter before is looked behind after `key` is matched, not before: a leading lookbehind keeps
 * V8 from skipping ahead to a K, and the rule cost 35 times as much on text without one.
 */
const KEY_WORD = String.raw`(?:[Kk]ey(?<![A-Za-z][Kk]ey)|Key(?<=[a-z]Key)|KEY(?<![a-z]KEY))(?![a-z])`;

/** A value: quoted (spaces allowed) or bare up to a separator. Placeholders and tiny numbers are left alone. */
const VALUE = String.raw`(?:\\"[^"\\\n]{3,}\\"|"(?!\s*")[^"\n]{3,}"|'(?!\s*')[^'\n]{3,}'|(?!\[REDACTED\])(?!(?:true|false|null|none|nil|undefined|\*{3,}|\$\{|\$[A-Z_]|<[^>]*>)(?:[\s,;&)}\]]|$))(?!\d{1,6}(?:[\s,;&)}\]"']|$))[^\s"'<>,;&)}\]]{3,})`;

/** `prefix` + the value redacted, its quotes kept (`"password": "[REDACTED]"`): groups 1 and 2 of a rule. */
function keepQuotes(_match: string, prefix: string, value: string): string {
  const q = value.startsWith('\\"') || value.startsWith("\\'") ? value.slice(0, 2) : value[0] === '"' || value[0] === "'" ? value[0] : "";
  return `${prefix}${q}${REDACTED}${q}`;
}

export const RULES: readonly Rule[] = [
  // Private key blocks, whole (PEM, PGP; a block cut off at the end of the text too).
  {
    name: "private key block",
    pattern: /-----BEGIN[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replace: REDACTED,
    hints: ["PRIVATE KEY"],
  },
  { name: "PuTTY private key", pattern: /(Private-Lines: \d+)[\s\S]*?(?:Private-MAC: [0-9a-fA-F]+|$)/g, replace: `$1 ${REDACTED}`, hints: ["Private-Lines"] },
  { name: "provider token", pattern: token(PREFIXED.join("|")), replace: REDACTED },
  ...MARKED.map((t): Rule => ({ name: t.name, pattern: token(t.body), replace: REDACTED, hints: [t.hint] })),
  { name: "Slack webhook", pattern: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g, replace: `$1${REDACTED}`, hints: ["hooks.slack.com"] },
  { name: "Discord webhook", pattern: /(\/api\/webhooks\/\d+\/)[A-Za-z0-9_-]+/g, replace: `$1${REDACTED}`, hints: ["/api/webhooks/"] },
  // Authorization schemes: the scheme stays, the credential goes.
  { name: "authorization scheme", pattern: /\b(Bearer|Basic|Token|token|Digest|Negotiate|NTLM|Bot|SSWS|GenieKey|Splunk)( +)[A-Za-z0-9._~+/=%-]{8,}/g, replace: `$1$2${REDACTED}` },
  { name: "cookie header", pattern: /\b((?:Set-)?Cookie:[ \t]*)[^\n]+/gi, replace: `$1${REDACTED}`, hints: ["ookie", "OOKIE"] },
  // scheme://user:password@host (the user may be empty, the password may hold a slash). Anchored on "://".
  { name: "URL password", pattern: /(:\/\/[^\s:/@"'<>]*):[^\s@"'<>]+@(?=[^\s@/"'<>])/g, replace: `$1:${REDACTED}@`, hints: ["://"] },
  // scheme://<token>@host: a long user name alone is a token (git's https://<token>@github.com).
  { name: "URL token", pattern: /:\/\/[A-Za-z0-9_.~+%-]{20,}@/g, replace: `://${REDACTED}@`, hints: ["://"] },
  // .netrc: machine h login u password p
  { name: "netrc", pattern: /(machine\s+\S+\s+(?:login\s+\S+\s+)?password\s+)[^\s\\]+/g, replace: `$1${REDACTED}`, hints: ["machine"] },
  // Command lines: --password x, --token=x, -p'x' after mysql, curl -u user:pass, sshpass -p x, docker login -p x.
  {
    name: "secret flag",
    // Matched from the word on (the dashes before it are looked behind): the expression starts at p, t, s, a, k, c, not at every dash.
    pattern: new RegExp(
      String.raw`(?<=(?:^|\s)--?(?:[a-z]+-)*)((?:password|passwd|pass|pwd|token|secret|api-?key|access-key|secret-key|private-key|client-secret|auth)(?:=|\s+))(?!-)("[^"\n]*"|'[^'\n]*'|[^\s"']+)`,
      "gi",
    ),
    replace: keepQuotes,
    hints: ["-"],
  },
  {
    name: "mysql -p",
    pattern: /(\b(?:mysql|mysqldump|mysqladmin|mariadb|mycli)\b[^\n|;&]*?\s-p)(?:"[^"\n]*"|'[^'\n]*'|[^\s"'-][^\s]*)/g,
    replace: `$1${REDACTED}`,
    hints: ["mysql", "mariadb", "mycli"],
  },
  { name: "user:password option", pattern: /(\s(?:-u|--user|--proxy-user)\s+["']?[^\s:"']*:)[^\s"']+/g, replace: `$1${REDACTED}`, hints: [" -u", "-user"] },
  {
    name: "-p password option",
    pattern: /(\b(?:sshpass|docker login|podman login|helm registry login|htpasswd)\b[^\n|;&]*?\s-p[ \t]*)(?:"[^"\n]*"|'[^'\n]*'|[^\s"'-]\S*)/g,
    replace: `$1${REDACTED}`,
    hints: ["sshpass", " login", "htpasswd"],
  },
  // Tools whose password flag has no "password" in it: redis-cli -a, ldapsearch -w, openssl enc -k,
  // sqlcmd -P, zip -P, mongosh -p, az/oc/cf login -p (a separate word), 7z -pX (glued).
  {
    name: "tool password flag",
    pattern: new RegExp(
      String.raw`(\b(?:(?:redis-cli\b[^\n|;&]*?\s-a|ldap(?:search|add|modify|delete|whoami|passwd|compare|modrdn)\b[^\n|;&]*?\s-w|openssl\b[^\n|;&]*?\s-k|(?:sqlcmd|bcp|zip|unzip)\b[^\n|;&]*?\s-P|(?:mongo|mongosh|az login|oc login|cf login)\b[^\n|;&]*?\s-p)[ \t]+|7za?\b[^\n|;&]*?\s-p(?=[^\s-])))(?:"[^"\n]*"|'[^'\n]*'|[^\s"'-]\S*)`,
      "g",
    ),
    replace: `$1${REDACTED}`,
    hints: ["redis-cli", "ldap", "openssl", "sqlcmd", "bcp", "zip", "mongo", " login", "7z"],
  },
  { name: "keytool password", pattern: /(\s-(?:src|dest)?(?:store|key)pass[ \t]+)(?:"[^"\n]*"|'[^'\n]*'|\S+)/g, replace: `$1${REDACTED}`, hints: ["pass "] },
  // smbclient -U user%password, rpcclient -U 'dom\user%password'
  { name: "user%password option", pattern: /(\s(?:-U|--user)[ \t=]*["']?[^\s%"']+%)[^\s"']+/g, replace: `$1${REDACTED}`, hints: ["%"] },
  // htpasswd -b[flags] file user password (the password is the last word).
  {
    name: "htpasswd -b",
    pattern: /(\bhtpasswd[ \t]+-[A-Za-z]*b[A-Za-z]*(?:[ \t]+-\S+)*(?:[ \t]+\S+){2}[ \t]+)(?:"[^"\n]*"|'[^'\n]*'|[^\s"']+)/g,
    replace: `$1${REDACTED}`,
    hints: ["htpasswd"],
  },
  // XML elements with a secret name: <password>x</password>
  { name: "XML element", pattern: new RegExp(String.raw`(<([A-Za-z_:-]*${SECRET_NAME}[A-Za-z_:-]*)>)[^<]{3,}(</\2>)`, "gi"), replace: `$1${REDACTED}$3`, hints: ["</"] },
  // name = value / name: value / "name": "value" for secret-looking names (env, JSON, YAML, INI, HCL, headers, queries).
  { name: "secret assignment", pattern: assignment(SECRET_NAME, "gi"), replace: keepQuotes, hints: ["=", ":"] },
  { name: "key assignment", pattern: assignment(KEY_WORD, "g"), replace: keepQuotes, hints: ["=", ":"] },
];

/**
 * Matched from the secret word of the name on (DB_PASSWORD is matched from PASSWORD): the name's
 * first part stays as it is, and the expression starts where a word of the list starts instead of
 * at every character.
 */
function assignment(name: string, flags: string): RegExp {
  const scheme = String.raw`(?!(?:Bearer|Basic|Token|token|Digest)\s+\[REDACTED\])`;
  return new RegExp(String.raw`(${name}[A-Za-z0-9_.-]*\\?["']?[ \t]*(?::=|=>|[=:])[ \t]*)${scheme}(${VALUE})`, flags);
}
