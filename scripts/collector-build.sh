#!/usr/bin/env bash
# Builds the collector distribution described by collector/builder-config.yaml with the
# official OpenTelemetry Collector Builder (ocb) into the git-ignored cache:
#
#   .cache/otelcol/<version>/otelcol-claude-code
#
# The binary is reused while the manifest's SHA-256 (comments ignored) matches the stamp
# written next to it, so a second run costs milliseconds. Go's module and build caches live under one stable
# per-user path (default ${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-otel/go, override
# with CLAUDE_CODE_OTEL_GO_CACHE) so CI runs on the same machine share them even when the
# working tree is fresh. Network use: the Go module proxy only.
#
# Logs go to stderr; the binary's absolute path is the only line on stdout.
# Flags: --force rebuilds even when the stamp matches.
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "collector-build: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

manifest=collector/builder-config.yaml
log() { printf 'collector-build: %s\n' "$*" >&2; }

# The dist version doubles as the builder version: ocb vX builds components of vX.
version="$(sed -n 's/^  version: *\([0-9][0-9.]*\).*/\1/p' "$manifest" | head -n1)"
name="$(sed -n 's/^  name: *\([A-Za-z0-9._-]*\).*/\1/p' "$manifest" | head -n1)"
output_path="$(sed -n 's/^  output_path: *\([^ #]*\).*/\1/p' "$manifest" | head -n1)"
if [ -z "$version" ] || [ -z "$name" ] || [ -z "$output_path" ]; then
  log "cannot read dist.version/name/output_path from $manifest"; exit 1
fi

cache_dir=".cache/otelcol/$version"
binary="$cache_dir/$name"
stamp="$cache_dir/manifest.sha256"
# Comments and blank lines do not change the binary, so they do not change the key.
hash="$(sed -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]#.*//' -e '/^[[:space:]]*$/d' "$manifest" | sha256sum | cut -d' ' -f1)"
started="$(date +%s%N)"
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }

reusable() { [ "$force" -eq 0 ] && [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; }

if reusable; then
  log "reusing $binary (manifest unchanged) in $(elapsed)"
  echo "$PWD/$binary"; exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go is required (https://go.dev/dl/); not found on PATH"; exit 1; }

go_root="${CLAUDE_CODE_OTEL_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-otel/go}"
export GOMODCACHE="$go_root/mod" GOCACHE="$go_root/build" GOBIN="$go_root/bin"
# -modcacherw keeps the module cache deletable with plain rm -rf.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
mkdir -p "$GOMODCACHE" "$GOCACHE" "$GOBIN" "$cache_dir"

# Two CI jobs (or a test and a developer) building at once would trample the output
# directory; serialise on a lock and re-check once we hold it.
exec 9>"$cache_dir/.build.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if reusable; then
  log "reusing $binary (built by a concurrent run) in $(elapsed)"
  echo "$PWD/$binary"; exit 0
fi

ocb="$GOBIN/builder"
if ! "$ocb" version 2>/dev/null | grep -q "v$version\$"; then
  log "installing go.opentelemetry.io/collector/cmd/builder@v$version"
  go install "go.opentelemetry.io/collector/cmd/builder@v$version"
fi

log "building $name $version with $(go version | cut -d' ' -f3) (GOMODCACHE=$GOMODCACHE)"
rm -rf "$output_path"
mkdir -p "$(dirname "$output_path")"
"$ocb" --config "$manifest" >&2

# Copy then rename so a reader never sees a half-written binary.
cp "$output_path/$name" "$binary.tmp.$$"
mv -f "$binary.tmp.$$" "$binary"
echo "$hash" >"$stamp"
"$binary" --version >&2
log "built $binary in $(elapsed)"
echo "$PWD/$binary"
