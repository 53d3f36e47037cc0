#!/usr/bin/env bash
# The deployment test runs a real PostgreSQL server (as an unprivileged user, on 127.0.0.1).
# Use the server binaries found (initdb on PATH, then Debian/Ubuntu's and RHEL's directories);
# on Debian or Ubuntu install the `postgresql` package when allowed to (root, or password-less
# sudo), without the cluster and service it would otherwise create; otherwise say what to do
# (the test then skips, saying why).
set -euo pipefail

find_bindir() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin /usr/pgsql-*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return
    fi
  done
}

bindir="$(find_bindir)"
if [ -n "$bindir" ]; then
  echo "PostgreSQL server found ($bindir, $("$bindir/postgres" --version))."
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=""; elif sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else sudo_cmd="none"; fi
  if [ "$sudo_cmd" != "none" ]; then
    echo "Installing PostgreSQL (Debian package postgresql) with apt-get…"
    # The test makes its own throw-away cluster: no `main` cluster, no server left running.
    $sudo_cmd mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" |
      $sudo_cmd tee /etc/postgresql-common/createcluster.d/sparkify-dagster-tests.conf >/dev/null
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bindir="$(find_bindir)"
    echo "PostgreSQL server installed ($bindir)."
    exit 0
  fi
fi

cat >&2 <<'MSG'
No PostgreSQL server found: the deployment test (sparkify_dagster_tests/deploy) will be skipped.
To run it, install one (the test starts its own server; none needs to be running):
  Debian/Ubuntu:  sudo apt-get install -y postgresql
  Fedora/RHEL:    sudo dnf install -y postgresql-server
  macOS:          brew install postgresql@15
MSG
