#!/usr/bin/env bash
# CI step: make sure the collector distribution is built (cached), so the collector tests
# (test/deploy/collector*.test.ts) run instead of failing under CI=true.
#
# Needs Go >= 1.25 (the collector v0.157.0 modules declare `go 1.25.0`). Debian 12's
# golang-go is 1.19, so when no recent enough `go` is on PATH this fetches the official Go
# toolchain *module* (golang.org/toolchain, what GOTOOLCHAIN=auto downloads) from the Go
# module proxy into the same per-user cache as the build, once.
# The build itself: scripts/collector-build.sh (reuses the binary while the manifest is
# unchanged; cold build several minutes on 2 cores, warm reuse milliseconds).
set -euo pipefail
cd "$(dirname "$0")/../.."

go_root="${CLAUDE_CODE_OTEL_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-otel/go}"
toolchain_version="1.25.14"
log() { printf 'ci/collector: %s\n' "$*" >&2; }

go_ok() {
  # "go version go1.26.8 linux/amd64" → minor >= 25 (Go 1.x only).
  local v
  v="$("$1" version 2>/dev/null | sed -n 's/^go version go1\.\([0-9]*\).*/\1/p')"
  [ -n "$v" ] && [ "$v" -ge 25 ]
}

if ! command -v go >/dev/null 2>&1 || ! go_ok go; then
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) log "unsupported architecture $(uname -m); install Go >= 1.25 yourself"; exit 1 ;;
  esac
  toolchain="$go_root/toolchain/go$toolchain_version"
  if ! go_ok "$toolchain/bin/go"; then
    log "Go >= 1.25 not on PATH; fetching golang.org/toolchain go$toolchain_version from the Go module proxy"
    command -v unzip >/dev/null 2>&1 || { log "unzip is required (apt-get install unzip)"; exit 1; }
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    mod="v0.0.1-go$toolchain_version.linux-$arch"
    curl -fsSL --retry 3 -o "$tmp/toolchain.zip" "${GOPROXY_BASE:-https://proxy.golang.org}/golang.org/toolchain/@v/$mod.zip"
    unzip -q "$tmp/toolchain.zip" -d "$tmp"
    rm -rf "$toolchain"
    mkdir -p "$(dirname "$toolchain")"
    mv "$tmp/golang.org/toolchain@$mod" "$toolchain"
    chmod -R u+w "$toolchain"
    chmod +x "$toolchain"/bin/* "$toolchain"/pkg/tool/*/*
  fi
  export PATH="$toolchain/bin:$PATH"
  # The fetched toolchain is the one to use; never let it switch again.
  export GOTOOLCHAIN=local
fi

log "using $(go version)"
bash scripts/collector-build.sh >/dev/null
