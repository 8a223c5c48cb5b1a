#!/usr/bin/env bash
# Builds Jaeger v2 (github.com/jaegertracing/jaeger/cmd/jaeger, Apache-2.0) from the Go module
# proxy into the git-ignored cache, the kit's trace store for tests and a host install:
#
#   .cache/jaeger/<version>/jaeger          run it with --config=jaeger/config.yaml
#
# The version is pinned below (Go module v1.75.0 is Jaeger 2.12.0). The binary is
# reused while the stamp next to it names the same version, so a second run costs milliseconds.
# The throwaway module that pins the tool lives beside the binary (.cache/jaeger/<version>/module);
# Go's module and build caches are the collector build's
# (${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-otel/go, override with CLAUDE_CODE_OTEL_GO_CACHE).
# Needs Go >= 1.24.6 (scripts/ci/jaeger.sh fetches a toolchain when the machine has none).
#
# Logs go to stderr; the binary's absolute path is the only line on stdout.
# Flags: --force rebuilds even when the stamp matches.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Go module version; the same release's images and downloads are numbered 2.x
# (examples/docker-compose.yml pins that image; test/deploy/compose.test.ts checks the pair).
version="1.75.0"
release="2.12.0"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "jaeger-build: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'jaeger-build: %s\n' "$*" >&2; }
cache_dir=".cache/jaeger/$version"
binary="$cache_dir/jaeger"
stamp="$cache_dir/version"
started="$(date +%s%N)"
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }
reusable() { [ "$force" -eq 0 ] && [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; }

if reusable; then
  log "reusing $binary in $(elapsed)"
  echo "$PWD/$binary"; exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go is required (https://go.dev/dl/); not found on PATH"; exit 1; }

go_root="${CLAUDE_CODE_OTEL_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-otel/go}"
export GOMODCACHE="$go_root/mod" GOCACHE="$go_root/build"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
mkdir -p "$GOMODCACHE" "$GOCACHE" "$cache_dir"

# Concurrent runs (CI and a developer, two test files) serialise here and re-check.
exec 9>"$cache_dir/.build.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if reusable; then
  log "reusing $binary (built by a concurrent run) in $(elapsed)"
  echo "$PWD/$binary"; exit 0
fi

module="$cache_dir/module"
tool="github.com/jaegertracing/jaeger/cmd/jaeger"
if ! grep -qsE "github.com/jaegertracing/jaeger v${version//./\\.}( |$)" "$module/go.mod"; then
  rm -rf "$module"
  mkdir -p "$module"
  # `go get` lists every module it adds (hundreds of lines): keep them in a log, show it on failure.
  if ! (cd "$module" && go mod init claude-code-otel.local/jaeger-tool && go get -tool "$tool@v$version") >"$cache_dir/go-get.log" 2>&1; then
    cat "$cache_dir/go-get.log" >&2; log "go get -tool $tool@v$version failed"; exit 1
  fi
fi

log "building jaeger v$version (Jaeger $release) with $(go version | cut -d' ' -f3) (GOMODCACHE=$GOMODCACHE)"
tmp="$PWD/$binary.tmp.$$"
(cd "$module" && go build -trimpath -ldflags='-s -w' -o "$tmp" "$tool")
# Rename so a reader never sees a half-written binary.
mv -f "$tmp" "$binary"
echo "$version" >"$stamp"
log "built $binary in $(elapsed)"
echo "$PWD/$binary"
