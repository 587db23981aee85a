#!/usr/bin/env bash
# Installs rsyslog from the distribution's packages (Debian/Ubuntu) for the
# syslog input's interoperability test (plugins/inputs/syslog). Idempotent:
# a no-op when rsyslogd is already installed; apt keeps its own cache.
# The package's service is never started here: the test runs its own
# rsyslogd with a private configuration (no /dev/log, no kernel log).
#
#   scripts/rsyslog.sh          # then: go test ./plugins/inputs/syslog -run Rsyslog
set -euo pipefail

if command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ]; then
  echo "rsyslog.sh: $(command -v rsyslogd || echo /usr/sbin/rsyslogd) is installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "rsyslog.sh: apt-get not found; install rsyslog with your package manager" >&2
  exit 1
fi
sudo=
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101 keeps the package's post-install script from starting the
# system service (containers have no init to run it anyway).
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  made_policy=1
fi
cleanup() { if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends rsyslog >/dev/null
echo "rsyslog.sh: installed $(/usr/sbin/rsyslogd -v | head -1)"
