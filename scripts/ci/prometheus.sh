#!/usr/bin/env bash
# Installs promtool/prometheus (Debian `prometheus`) and amtool/alertmanager
# (Debian `prometheus-alertmanager`) when missing. Idempotent and quiet.
#
# The Debian maintainer scripts try to start both daemons (invoke-rc.d → init
# script, or systemd where it runs), which would occupy :9090/:9093 and race with
# the tests' own instances. A temporary policy-rc.d answering 101 ("action
# forbidden") stops invoke-rc.d from starting anything; afterwards any daemon the
# package still managed to start is stopped, by pid file only.
set -euo pipefail

need=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  created_policy=1
fi
cleanup() {
  if [ "$created_policy" -eq 1 ]; then $SUDO rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

# Belt and braces: if a daemon was started anyway (e.g. systemd ignores policy-rc.d
# on some setups), stop it so the ports stay free.
if [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus.service prometheus-alertmanager.service >/dev/null 2>&1 || true
fi
for pidfile in /run/prometheus/prometheus.pid /run/prometheus/prometheus-alertmanager.pid; do
  if [ -f "$pidfile" ]; then
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ]; then $SUDO kill "$pid" >/dev/null 2>&1 || true; fi
  fi
done

command -v promtool >/dev/null && command -v amtool >/dev/null
