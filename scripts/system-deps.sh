#!/usr/bin/env bash
# Debian packages the test suite and benchmarks use; installed when missing and we are root.
set -euo pipefail
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || want+=(fonts-noto-cjk)  # Japanese in screenshots
if [[ "${1:-}" == "bench" ]]; then
  command -v wrk >/dev/null 2>&1 || want+=(wrk)
fi
((${#want[@]})) || exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
else
  echo "Missing Debian packages: ${want[*]} — install them with: sudo apt-get install ${want[*]}" >&2
  echo "(browser tests are skipped without chromium)" >&2
fi
