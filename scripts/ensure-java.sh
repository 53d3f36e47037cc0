#!/usr/bin/env bash
# Spark 4 needs Java 17 or newer. Use the one found (JAVA_HOME first, then PATH); on Debian or
# Ubuntu install OpenJDK 17 when allowed to (root, or password-less sudo); otherwise say what to do.
set -euo pipefail

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

java_major() {
  "$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.\([0-9][0-9]*\)\)\{0,1\}.*/\1 \3/p' | head -n 1 |
    awk '{ print ($1 == 1 ? $2 : $1) }'
}

if command -v "$java_bin" >/dev/null 2>&1; then
  major="$(java_major)"
  if [ -n "$major" ] && [ "$major" -ge 17 ]; then
    echo "Java $major found ($(command -v "$java_bin"))."
    exit 0
  fi
  echo "Java ${major:-?} found, but Spark 4 needs Java 17 or newer." >&2
fi

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; elif sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else sudo_cmd="none"; fi
  if [ "$sudo_cmd" != "none" ]; then
    echo "Installing OpenJDK 17 (openjdk-17-jre-headless) with apt-get…"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    java_bin=java
    echo "Java $(java_major) installed."
    exit 0
  fi
fi

cat >&2 <<'MSG'
Spark needs Java 17 or newer and none was found. Install it, then run the command again:
  Debian/Ubuntu:  sudo apt-get install -y openjdk-17-jre-headless
  Fedora/RHEL:    sudo dnf install -y java-17-openjdk-headless
  macOS:          brew install openjdk@17
or point JAVA_HOME at an existing Java 17+ installation.
MSG
exit 1
