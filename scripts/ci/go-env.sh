# Sourced by the CI steps that build Go programs (scripts/ci/collector.sh, scripts/ci/jaeger.sh):
# puts a Go >= 1.25 on PATH. The collector v0.157.0 modules declare `go 1.25.0` and Jaeger v1.75.0
# `go 1.24.6`; Debian 12's golang-go is 1.19, so when no recent enough `go` is on PATH this fetches
# the official Go toolchain *module* (golang.org/toolchain, what GOTOOLCHAIN=auto downloads) from
# the Go module proxy into the per-user build cache, once.
go_root="${CLAUDE_CODE_OTEL_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-code-otel/go}"
toolchain_version="1.25.14"

go_ok() {
  # "go version go1.26.8 linux/amd64" → minor >= 25 (Go 1.x only).
  local v
  v="$("$1" version 2>/dev/null | sed -n 's/^go version go1\.\([0-9]*\).*/\1/p')"
  [ -n "$v" ] && [ "$v" -ge 25 ]
}

ensure_go() {
  local log_prefix="$1"
  if command -v go >/dev/null 2>&1 && go_ok go; then
    printf '%s: using %s\n' "$log_prefix" "$(go version)" >&2
    return 0
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) printf '%s: unsupported architecture %s; install Go >= 1.25 yourself\n' "$log_prefix" "$(uname -m)" >&2; return 1 ;;
  esac
  local toolchain="$go_root/toolchain/go$toolchain_version"
  if ! go_ok "$toolchain/bin/go"; then
    printf '%s: Go >= 1.25 not on PATH; fetching golang.org/toolchain go%s from the Go module proxy\n' "$log_prefix" "$toolchain_version" >&2
    command -v unzip >/dev/null 2>&1 || { printf '%s: unzip is required (apt-get install unzip)\n' "$log_prefix" >&2; return 1; }
    local tmp mod
    tmp="$(mktemp -d)"
    mod="v0.0.1-go$toolchain_version.linux-$arch"
    if ! curl -fsSL --retry 3 -o "$tmp/toolchain.zip" "${GOPROXY_BASE:-https://proxy.golang.org}/golang.org/toolchain/@v/$mod.zip"; then
      rm -rf "$tmp"; return 1
    fi
    unzip -q "$tmp/toolchain.zip" -d "$tmp"
    rm -rf "$toolchain"
    mkdir -p "$(dirname "$toolchain")"
    mv "$tmp/golang.org/toolchain@$mod" "$toolchain"
    rm -rf "$tmp"
    chmod -R u+w "$toolchain"
    chmod +x "$toolchain"/bin/* "$toolchain"/pkg/tool/*/*
  fi
  export PATH="$toolchain/bin:$PATH"
  # The fetched toolchain is the one to use; never let it switch again.
  export GOTOOLCHAIN=local
  printf '%s: using %s\n' "$log_prefix" "$(go version)" >&2
}
