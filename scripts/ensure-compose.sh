#!/usr/bin/env bash
# The compose-file test runs `docker compose config` (or Debian's `docker-compose config`): both
# parse, interpolate and schema-check docker-compose.yml without a Docker engine. Use the one
# found; on Debian or Ubuntu install Debian's docker-compose package when allowed to (root, or
# password-less sudo); otherwise say what to do (that test then skips, saying why).
set -euo pipefail

if docker compose version >/dev/null 2>&1; then
  echo "Docker Compose found ($(docker compose version))."
  exit 0
fi
if command -v docker-compose >/dev/null 2>&1; then
  echo "docker-compose found ($(docker-compose version --short))."
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; elif sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else sudo_cmd="none"; fi
  if [ "$sudo_cmd" != "none" ]; then
    echo "Installing docker-compose (Debian package docker-compose) with apt-get…"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
    echo "docker-compose installed ($(docker-compose version --short))."
    exit 0
  fi
fi

cat >&2 <<'MSG'
No Docker Compose found: the `compose config` test will be skipped. To run it, install one:
  Debian/Ubuntu:  sudo apt-get install -y docker-compose   (or Docker's docker-compose-plugin)
  macOS:          Docker Desktop, or brew install docker-compose
MSG
