/**
 * Fake credentials in the shapes real ones have, each in the context it shows up in (a command,
 * its stderr, a config file, a JSON document, an HTTP header), one per kind that the secret
 * scanners cover: gitleaks' rules, secretlint's recommended preset, detect-secrets' plugins, and
 * the kinds issue 16 found missing. Every `secrets` entry must vanish after redaction.
 *
 * The values are generated (a fixed-seed generator, the right alphabet and length for the kind)
 * so that no literal credential sits in the repository for a push-protection scanner to flag.
 */

export interface SecretCase {
  readonly name: string;
  /** Who covers the kind: gitleaks, secretlint, detect-secrets, issue (16's findings), common. */
  readonly covers: readonly string[];
  readonly text: string;
  readonly secrets: readonly string[];
}

let seed = 0x2f6b1d3;
function rand(): number {
  // xorshift32: deterministic, good enough for fake tokens.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX = "0123456789abcdef";
const B64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}-_`;

function fake(alphabet: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

function b64(n: number): string {
  return Buffer.from(fake(ALNUM, n)).toString("base64");
}

function pemBody(lines: number): string {
  return Array.from({ length: lines }, () => fake(B64, 64)).join("\n");
}

const c = (name: string, covers: string[], text: (s: string[]) => string, ...secrets: string[]): SecretCase => ({ name, covers, text: text(secrets), secrets });

export const SECRET_CASES: readonly SecretCase[] = [
  // AI providers.
  c("Anthropic API key", ["gitleaks", "secretlint"], ([s]) => `export ANTHROPIC_API_KEY=${s}`, `sk-ant-api03-${fake(URLSAFE, 93)}AA`),
  c("Anthropic admin key", ["gitleaks"], ([s]) => `curl https://api.anthropic.com/v1/organizations/users -H "x-api-key: ${s}"`, `sk-ant-admin01-${fake(URLSAFE, 93)}AA`),
  c("OpenAI project key", ["gitleaks", "secretlint", "detect-secrets"], ([s]) => `client = OpenAI(api_key='${s}')`, `sk-proj-${fake(URLSAFE, 74)}T3BlbkFJ${fake(URLSAFE, 74)}`),
  c("OpenAI legacy key", ["gitleaks", "detect-secrets"], ([s]) => `openai.api_key = "${s}"`, `sk-${fake(ALNUM, 20)}T3BlbkFJ${fake(ALNUM, 20)}`),
  c("Groq key", ["secretlint"], ([s]) => `GROQ_API_KEY=${s} python bench.py`, `gsk_${fake(ALNUM, 52)}`),
  c("Hugging Face token", ["gitleaks", "secretlint"], ([s]) => `huggingface-cli login --token ${s}`, `hf_${fake(ALNUM, 34)}`),
  c("Perplexity key", ["gitleaks"], ([s]) => `Error: 401 from api.perplexity.ai with key ${s}`, `pplx-${fake(ALNUM, 48)}`),
  c("Replicate token", ["common"], ([s]) => `REPLICATE_API_TOKEN: ${s}`, `r8_${fake(ALNUM, 37)}`),
  c("Langfuse secret key", ["common"], ([s]) => `LANGFUSE_SECRET_KEY: ${s}`, `sk-lf-${fake(HEX, 8)}-${fake(HEX, 4)}-${fake(HEX, 4)}-${fake(HEX, 4)}-${fake(HEX, 12)}`),
  // Code hosting and registries.
  c(
    "GitHub classic PAT in a clone URL",
    ["gitleaks", "secretlint", "detect-secrets"],
    ([s]) => `fatal: could not read from https://${s}@github.com/acme/app.git`,
    `ghp_${fake(ALNUM, 36)}`,
  ),
  c(
    "GitHub OAuth/app tokens",
    ["gitleaks", "secretlint"],
    ([a, b, d]) => `gho=${a} ghs=${b} ghr ${d}`,
    `gho_${fake(ALNUM, 36)}`,
    `ghs_${fake(ALNUM, 36)}`,
    `ghr_${fake(ALNUM, 36)}`,
  ),
  c("GitHub fine-grained PAT", ["gitleaks", "secretlint"], ([s]) => `gh auth login --with-token <<< ${s}`, `github_pat_11${fake(UPPER_ALNUM, 20)}_${fake(ALNUM, 59)}`),
  c("GitLab PAT", ["gitleaks", "secretlint", "detect-secrets"], ([s]) => `git push https://oauth2:${s}@gitlab.com/acme/app.git`, `glpat-${fake(URLSAFE, 20)}`),
  c("GitLab deploy and runner tokens", ["gitleaks"], ([a, b]) => `deploy token ${a}; runner ${b}`, `gldt-${fake(URLSAFE, 20)}`, `glrt-${fake(URLSAFE, 20)}`),
  c("npm token in .npmrc", ["gitleaks", "secretlint", "detect-secrets"], ([s]) => `//registry.npmjs.org/:_authToken=${s}`, `npm_${fake(ALNUM, 36)}`),
  c("PyPI upload token", ["gitleaks", "detect-secrets"], ([s]) => `twine upload -u __token__ -p ${s} dist/*`, `pypi-AgEIcHlwaS5vcmc${fake(URLSAFE, 70)}`),
  c("RubyGems key", ["gitleaks"], ([s]) => `GEM_HOST_API_KEY=${s}`, `rubygems_${fake(HEX, 48)}`),
  c("Docker Hub PAT", ["gitleaks", "secretlint"], ([s]) => `echo ${s} | docker login -u acme --password-stdin`, `dckr_pat_${fake(URLSAFE, 27)}`),
  c("Docker config auth", ["secretlint"], ([s]) => `{"auths":{"https://index.docker.io/v1/":{"auth":"${s}"}}}`, b64(24)),
  // Clouds.
  c("AWS access key id", ["gitleaks", "secretlint", "detect-secrets"], ([s]) => `aws_access_key_id = ${s}`, `AKIA${fake(UPPER_ALNUM, 16)}`),
  c("AWS secret key (credentials file)", ["gitleaks", "secretlint", "detect-secrets"], ([s]) => `[default]\naws_secret_access_key = ${s}`, fake(B64, 40)),
  c(
    "AWS STS JSON (issue: SecretAccessKey, SessionToken)",
    ["issue", "gitleaks"],
    ([a, b, d]) => `{"Credentials": {"AccessKeyId": "${a}", "SecretAccessKey": "${b}", "SessionToken": "${d}", "Expiration": "2026-12-07T16:00:00Z"}}`,
    `ASIA${fake(UPPER_ALNUM, 16)}`,
    fake(B64, 40),
    `IQoJb3JpZ2luX2Vj${fake(B64, 300)}`,
  ),
  c("Google API key", ["gitleaks", "secretlint"], ([s]) => `https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${s}`, `AIza${fake(URLSAFE, 35)}`),
  c("Google OAuth client secret (issue: GOCSPX-)", ["issue", "gitleaks"], ([s]) => `"client_secret": "${s}"`, `GOCSPX-${fake(URLSAFE, 28)}`),
  c("Google OAuth access token (issue: ya29.)", ["issue", "gitleaks"], ([s]) => `gcloud: using access token ${s}`, `ya29.${fake(URLSAFE, 120)}`),
  c(
    "GCP service account JSON",
    ["gitleaks", "secretlint", "detect-secrets"],
    ([id, body]) => `{"type": "service_account", "private_key_id": "${id}", "private_key": "-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----\\n"}`,
    fake(HEX, 40),
    fake(B64, 64),
  ),
  c(
    "Azure storage connection string",
    ["gitleaks", "detect-secrets"],
    ([s]) => `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${s};EndpointSuffix=core.windows.net`,
    `${fake(B64, 86)}==`,
  ),
  c("Azure AD client secret", ["gitleaks"], ([s]) => `AZURE_CLIENT_SECRET=${s}`, `${fake(ALNUM, 3)}8Q~${fake(URLSAFE, 34)}`),
  c("Azure SAS signature", ["gitleaks"], ([s]) => `403 on https://acme.blob.core.windows.net/c/x?sv=2022-11-02&se=2026-12-08&sp=r&sig=${s}`, `${fake(ALNUM, 43)}%3D`),
  c("DigitalOcean token (issue: dop_v1_)", ["issue", "gitleaks"], ([s]) => `doctl auth init -t ${s}`, `dop_v1_${fake(HEX, 64)}`),
  c("Alibaba access key id", ["gitleaks"], ([s]) => `ALIBABA_CLOUD_ACCESS_KEY_ID=${s}`, `LTAI${fake(ALNUM, 20)}`),
  c("HashiCorp Vault token", ["gitleaks", "secretlint"], ([s]) => `VAULT_TOKEN=${s} vault kv get secret/app`, `hvs.${fake(URLSAFE, 90)}`),
  c("Terraform Cloud token", ["gitleaks"], ([s]) => `credentials "app.terraform.io" { token = "${s}" }`, `${fake(LOWER_ALNUM, 14)}.atlasv1.${fake(LOWER_ALNUM, 67)}`),
  c("Databricks token", ["gitleaks", "secretlint"], ([s]) => `databricks configure --token ${s}`, `dapi${fake(HEX, 32)}`),
  c("Cloudflare API token", ["gitleaks"], ([s]) => `CLOUDFLARE_API_TOKEN="${s}"`, fake(URLSAFE, 40)),
  c("Heroku API key", ["gitleaks"], ([s]) => `HEROKU_API_KEY=${s}`, `${fake(HEX, 8)}-${fake(HEX, 4)}-${fake(HEX, 4)}-${fake(HEX, 4)}-${fake(HEX, 12)}`),
  // Messaging, payments, SaaS.
  c(
    "Slack bot token",
    ["gitleaks", "secretlint", "detect-secrets"],
    ([s]) => `SLACK_BOT_TOKEN=${s}`,
    `xoxb-${fake("0123456789", 12)}-${fake("0123456789", 13)}-${fake(ALNUM, 24)}`,
  ),
  c(
    "Slack app token (issue: xapp-)",
    ["issue", "gitleaks", "secretlint"],
    ([s]) => `socket mode: ${s}`,
    `xapp-1-A${fake(UPPER_ALNUM, 10)}-${fake("0123456789", 13)}-${fake(HEX, 64)}`,
  ),
  c(
    "Slack webhook",
    ["gitleaks", "secretlint"],
    ([s]) => `curl -X POST https://hooks.slack.com/services/${s} -d '{"text":"hi"}'`,
    `T${fake(UPPER_ALNUM, 8)}/B${fake(UPPER_ALNUM, 10)}/${fake(ALNUM, 24)}`,
  ),
  c("Discord webhook", ["gitleaks", "detect-secrets"], ([s]) => `POST https://discord.com/api/webhooks/1234567890123456789/${s} failed`, fake(URLSAFE, 68)),
  c("Telegram bot token", ["gitleaks", "detect-secrets"], ([s]) => `TELEGRAM_BOT_TOKEN=${s}`, `${fake("0123456789", 10)}:AA${fake(URLSAFE, 33)}`),
  c("Stripe live secret key", ["gitleaks", "detect-secrets"], ([s]) => `stripe.api_key = '${s}'`, `sk_live_${fake(ALNUM, 99)}`),
  c("Stripe restricted key and webhook secret", ["gitleaks", "detect-secrets"], ([a, b]) => `rk ${a} whsec ${b}`, `rk_live_${fake(ALNUM, 99)}`, `whsec_${fake(ALNUM, 32)}`),
  c(
    "SendGrid key (issue: SG.)",
    ["issue", "gitleaks", "secretlint", "detect-secrets"],
    ([s]) => `sendgrid: 403 Forbidden for key ${s}`,
    `SG.${fake(URLSAFE, 22)}.${fake(URLSAFE, 43)}`,
  ),
  c("Twilio API key", ["gitleaks", "detect-secrets"], ([s]) => `TWILIO_API_KEY=${s}`, `SK${fake(HEX, 32)}`),
  c("Mailgun key", ["gitleaks", "detect-secrets"], ([s]) => `mailgun: api:${s}`, `key-${fake(HEX, 32)}`),
  c("Mailchimp key", ["gitleaks", "detect-secrets"], ([s]) => `MAILCHIMP_KEY=${s}`, `${fake(HEX, 32)}-us21`),
  c("Shopify access token", ["gitleaks", "secretlint"], ([s]) => `X-Shopify-Access-Token: ${s}`, `shpat_${fake(HEX, 32)}`),
  c("Square access token", ["gitleaks", "detect-secrets"], ([s]) => `square: ${s}`, `EAAA${fake(URLSAFE, 60)}`),
  c("Linear API key", ["gitleaks", "secretlint"], ([s]) => `linear: Authorization ${s}`, `lin_api_${fake(ALNUM, 40)}`),
  c("Notion integration token", ["gitleaks", "secretlint"], ([s]) => `NOTION_TOKEN=${s}`, `ntn_${fake(ALNUM, 46)}`),
  c("Figma token", ["secretlint"], ([s]) => `curl -H 'X-Figma-Token: ${s}' https://api.figma.com/v1/me`, `figd_${fake(URLSAFE, 40)}`),
  c("Grafana service account token", ["gitleaks", "secretlint"], ([s]) => `GRAFANA_TOKEN=${s}`, `glsa_${fake(ALNUM, 32)}_${fake(HEX, 8)}`),
  c("Sentry auth token", ["gitleaks"], ([s]) => `sentry-cli --auth-token ${s} releases new`, `sntryu_${fake(HEX, 64)}`),
  c("Postman API key", ["gitleaks"], ([s]) => `POSTMAN_API_KEY=${s}`, `PMAK-${fake(HEX, 24)}-${fake(HEX, 34)}`),
  c("Doppler token", ["gitleaks"], ([s]) => `DOPPLER_TOKEN=${s} doppler run -- npm start`, `dp.st.prd.${fake(ALNUM, 43)}`),
  c("Atlassian API token", ["gitleaks"], ([s]) => `jira: 401 with ${s}`, `ATATT3xFfGF0${fake(URLSAFE, 180)}`),
  c("New Relic user key", ["gitleaks"], ([s]) => `NEW_RELIC_API_KEY=${s}`, `NRAK-${fake(UPPER_ALNUM, 27)}`),
  c("Age secret key", ["gitleaks"], ([s]) => `# created: 2026-12-07\n${s}`, `AGE-SECRET-KEY-1${fake("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)}`),
  // Keys and tokens in standard forms.
  c("JWT", ["gitleaks", "detect-secrets"], ([s]) => `cookie: session=${s}`, `eyJhbGciOiJIUzI1NiJ9.eyJ${fake(URLSAFE, 60)}.${fake(URLSAFE, 43)}`),
  c("Bearer header", ["gitleaks", "secretlint"], ([s]) => `curl -H 'Authorization: Bearer ${s}' https://api.example.com`, fake(URLSAFE, 40)),
  c("Basic header", ["secretlint", "detect-secrets"], ([s]) => `Authorization: Basic ${s}`, b64(30)),
  c("GitHub API token scheme", ["common"], ([s]) => `curl -H "Authorization: token ${s}" https://api.github.com/user`, fake(HEX, 40)),
  c("API key header", ["gitleaks"], ([s]) => `X-API-Key: ${s}`, fake(ALNUM, 32)),
  c("RSA private key", ["gitleaks", "secretlint", "detect-secrets"], ([s]) => `-----BEGIN RSA PRIVATE KEY-----\n${s}\n-----END RSA PRIVATE KEY-----`, pemBody(4)),
  c(
    "OpenSSH private key",
    ["gitleaks", "secretlint", "detect-secrets"],
    ([s]) => `cat ~/.ssh/id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\n${s}\n-----END OPENSSH PRIVATE KEY-----`,
    pemBody(3),
  ),
  c("EC private key, cut off", ["gitleaks"], ([s]) => `-----BEGIN EC PRIVATE KEY-----\n${s}`, pemBody(2)),
  c(
    "PGP private key block (issue)",
    ["issue", "gitleaks", "secretlint"],
    ([s]) => `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${s}\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----`,
    pemBody(5),
  ),
  c(
    "PuTTY private key (issue)",
    ["issue", "gitleaks"],
    ([a, b]) => `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me@laptop\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIG\nPrivate-Lines: 1\n${a}\nPrivate-MAC: ${b}`,
    fake(B64, 44),
    fake(HEX, 64),
  ),
  // Credentials in URLs and connection strings.
  c("password in a database URL", ["gitleaks", "secretlint", "detect-secrets"], ([s]) => `DATABASE_URL=postgres://admin:${s}@db.internal:5432/app`, fake(ALNUM, 16)),
  c("Redis URL with an empty user (issue)", ["issue", "secretlint"], ([s]) => `Error: connect to redis://:${s}@cache.internal:6379/0 refused`, `S3cretRedis${fake(ALNUM, 8)}`),
  c("URL password with a slash (issue)", ["issue"], ([s]) => `amqp://guest:${s}@rabbit:5672/vhost`, `pa/${fake(ALNUM, 10)}`),
  c("MongoDB SRV URL", ["secretlint", "gitleaks"], ([s]) => `mongosh "mongodb+srv://app:${s}@cluster0.abcde.mongodb.net/prod"`, fake(ALNUM, 18)),
  c("ADO.NET connection string", ["gitleaks"], ([s]) => `Server=tcp:db.example.net,1433;User ID=app;Password=${s};Encrypt=true;`, `${fake(ALNUM, 12)}!`),
  c("JDBC URL parameters", ["gitleaks"], ([s]) => `jdbc:mysql://db:3306/app?user=app&password=${s}&useSSL=true`, fake(ALNUM, 14)),
  c("query string token", ["gitleaks"], ([s]) => `GET /export?format=csv&access_token=${s} HTTP/1.1`, fake(URLSAFE, 32)),
  // Assignments and documents.
  c(".env assignments", ["gitleaks", "detect-secrets"], ([a, b]) => `DB_PASSWORD=${a}\nAPP_SECRET=${b}\nDEBUG=true`, fake(ALNUM, 14), fake(HEX, 32)),
  c("quoted env value with spaces (issue: PGPASSWORD)", ["issue"], ([s]) => `PGPASSWORD='${s}' psql -h db -U app`, `correct horse ${fake(LOWER_ALNUM, 6)}`),
  c("JSON password (issue)", ["issue", "detect-secrets"], ([s]) => `{"user": "app", "password": "${s}"}`, `Tr0ub4dor&${fake(ALNUM, 4)}`),
  c("JSON api_key and private_key (issue)", ["issue", "detect-secrets"], ([a, b]) => `{"api_key": "${a}", "private_key": "${b}"}`, fake(ALNUM, 32), fake(HEX, 64)),
  c("YAML secrets", ["gitleaks", "detect-secrets"], ([a, b]) => `database:\n  password: ${a}\n  auth_token: "${b}"`, fake(ALNUM, 16), fake(ALNUM, 24)),
  c("Kubernetes secret data", ["detect-secrets"], ([s]) => `kind: Secret\ndata:\n  client-secret: ${s}`, b64(24)),
  c("kubeconfig client key", ["gitleaks"], ([s]) => `users:\n- name: admin\n  user:\n    client-key-data: ${s}`, b64(120)),
  c("XML password", ["detect-secrets"], ([s]) => `<add key="Db" value="x" /><password>${s}</password>`, fake(ALNUM, 14)),
  c("HCL password", ["gitleaks"], ([s]) => `resource "aws_db_instance" "db" {\n  password = "${s}"\n}`, fake(ALNUM, 20)),
  c(".netrc", ["common"], ([s]) => `machine api.example.com login ci password ${s}`, fake(ALNUM, 20)),
  c("OTLP headers variable", ["common"], ([s]) => `OTEL_EXPORTER_OTLP_HEADERS=Authorization=Basic%20${s}`, b64(30)),
  // Command lines (issue: CLI password flags).
  c("--password flag (issue)", ["issue"], ([s]) => `mycli connect --user admin --password ${s} --host db`, `hunter2${fake(ALNUM, 6)}`),
  c("--password= and --token=", ["issue"], ([a, b]) => `deploy --password=${a} --token=${b}`, fake(ALNUM, 12), fake(ALNUM, 24)),
  c("mysql -p (issue)", ["issue"], ([s]) => `mysql -u root -p${s} -h 127.0.0.1 shop`, fake(ALNUM, 12)),
  c("curl -u user:pass (issue)", ["issue"], ([s]) => `curl -u deploy:${s} https://ci.example.com/api/json`, fake(ALNUM, 14)),
  c("sshpass", ["common"], ([s]) => `sshpass -p '${s}' ssh deploy@host`, fake(ALNUM, 12)),
  c("docker login -p", ["common"], ([s]) => `docker login -u acme -p ${s} registry.example.com`, fake(ALNUM, 20)),
  // Command lines whose password flag has no "password" in it.
  c("redis-cli -a", ["common"], ([s]) => `redis-cli -h cache.internal -a ${s} --no-auth-warning ping`, fake(ALNUM, 16)),
  c("ldapsearch -w", ["common"], ([s]) => `ldapsearch -x -H ldap://dc1 -D cn=admin,dc=acme -w ${s} -b dc=acme`, fake(ALNUM, 14)),
  c("openssl enc -k", ["common"], ([s]) => `openssl enc -aes-256-cbc -k ${s} -in backup.tar -out backup.enc`, fake(ALNUM, 18)),
  c(
    "keytool store and key passwords",
    ["common"],
    ([a, b]) => `keytool -importkeystore -srcstorepass ${a} -deststorepass ${b} -srckeystore a.p12`,
    fake(ALNUM, 12),
    fake(ALNUM, 12),
  ),
  c("sqlcmd -P", ["common"], ([s]) => `sqlcmd -S db,1433 -U sa -P '${s}' -Q "select 1"`, `${fake(ALNUM, 8)} ${fake(ALNUM, 6)}`),
  c("zip -P and 7z -p", ["common"], ([a, b]) => `zip -r -P ${a} out.zip dist && 7z a -p${b} -mhe=on out.7z dist`, fake(ALNUM, 12), fake(ALNUM, 12)),
  c("mongosh -p", ["common"], ([s]) => `mongosh --host db -u admin -p ${s} --authenticationDatabase admin`, fake(ALNUM, 16)),
  c("az login -p", ["common"], ([s]) => `az login --service-principal -u 0d5c-app -p ${s} --tenant acme.onmicrosoft.com`, fake(URLSAFE, 34)),
  c("smbclient user%password", ["common"], ([s]) => `smbclient //files/share -U 'ACME\\deploy%${s}' -c ls`, fake(ALNUM, 14)),
  c("htpasswd -b", ["common"], ([s]) => `htpasswd -bc /etc/nginx/.htpasswd admin ${s}`, fake(ALNUM, 14)),
];

/** Text that must come out unchanged: ids, hashes, paths and numbers are everywhere in tool output. */
export const ORDINARY: readonly string[] = [
  "ls -la /home/user && git status",
  "Exit code 2\nls: cannot access '/nonexistent': No such file or directory",
  "commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 (HEAD -> main)",
  "session 5c0375b4-57a5-4f26-b12d-d022ee4e51b7 ended; toolu_01KDiLyJT1VsszVhG4d3p6jV done",
  '{"input_tokens": 1204, "output_tokens": 318, "cache_read_input_tokens": 20662}',
  "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b4b0b822cd15d6c15b0f00a08",
  "npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/@acme%2fmissing",
  "TypeError: Cannot read properties of undefined (reading 'token')\n    at main (/app/src/index.ts:12:7)",
  "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>",
  "keyboard layout: us; monkey: banana",
  "Use --password-stdin to read the password from a pipe",
  "openssl req -newkey rsa:2048 -nodes -keyout key.pem -out req.csr",
  "7z a -mx9 out.7z dist && mongosh --port 27017 && ldapsearch -x -W -D cn=admin",
  "htpasswd -B /etc/nginx/.htpasswd admin; disk 93% full -U",
];
