#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real: gpg (OpenPGP interop), openssl (CSR and
# chain checks), pebble (ACME server), bind9 (DNS-01 with RFC 2136 + TSIG), zsh (completion syntax),
# systemd (systemd-analyze verify of the shipped units), prometheus (promtool checks the metrics
# textfile), python3-aiosmtpd (a real SMTP server for email alerts) and chromium (renders the HTML
# report headless). Idempotent.
set -euo pipefail
pkgs=(gnupg openssl pebble bind9 bind9-dnsutils zsh systemd prometheus python3-aiosmtpd chromium)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# bind9's package starts a system named on port 53; the tests run their own on random ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet named 2>/dev/null; then
  ${SUDO:-} systemctl stop named || true
fi
# The prometheus package starts a server on :9090; the tests only use promtool.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  ${SUDO:-} systemctl stop prometheus || true
fi
echo "test dependencies present: ${pkgs[*]}"
