#!/usr/bin/env bash
# CI step: make sure Jaeger (the kit's trace store) is built (cached), so the trace-store tests
# (test/deploy/jaeger*.test.ts, test/e2e/jaeger-traces.test.ts) run instead of failing under
# CI=true. Go: scripts/ci/go-env.sh. The build: scripts/jaeger-build.sh (cold several minutes on
# 2 cores, reuse milliseconds).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=go-env.sh
. scripts/ci/go-env.sh
ensure_go ci/jaeger
bash scripts/jaeger-build.sh >/dev/null
