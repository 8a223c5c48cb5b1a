#!/usr/bin/env bash
# Everything a fresh machine needs for the full test run, then the full run.
# Real-component tests (collector, Jaeger, Prometheus, real Claude Code CLI) are skipped by a plain
# `npm test` on a laptop that lacks them; under CI=true they are required, so this script
# installs them first. Every step is idempotent and cached.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s (%ss elapsed)\n' "$1" "$SECONDS" >&2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "Prometheus, promtool, Alertmanager, amtool (Debian packages)"
bash scripts/ci/prometheus.sh

step "OpenTelemetry Collector (official builder, cached)"
bash scripts/ci/collector.sh

step "Jaeger, the kit's trace store (Go module proxy, cached)"
bash scripts/ci/jaeger.sh

step "npm test"
# CI (the runner sets CI=true) has the extra corpus ../shared/fixtures beside the clone and must
# use it. A developer's test:all on a plain clone requires every real component too, but the
# extra corpus stays optional: its tests skip with a message when it is not there.
if [ -z "${CI:-}" ]; then export CLAUDE_CODE_OTEL_SHARED_FIXTURES_OPTIONAL=1; fi
CI="${CI:-true}" npm test
step "done"
