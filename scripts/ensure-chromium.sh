#!/usr/bin/env bash
# The UI test takes a screenshot with a headless Chromium. Use one found on PATH; on Debian or
# Ubuntu install Debian's `chromium` package when allowed to (root, or password-less sudo);
# otherwise say what to do (the screenshot test then skips, saying why).
set -euo pipefail

for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then
    echo "Chromium found ($(command -v "$candidate"))."
    exit 0
  fi
done

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; elif sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else sudo_cmd="none"; fi
  if [ "$sudo_cmd" != "none" ]; then
    echo "Installing Chromium (Debian package chromium) with apt-get…"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
    echo "Chromium installed ($(command -v chromium))."
    exit 0
  fi
fi

cat >&2 <<'MSG'
No Chromium found: the UI screenshot test will be skipped. To run it, install one:
  Debian/Ubuntu:  sudo apt-get install -y chromium
  macOS:          brew install --cask chromium
MSG
