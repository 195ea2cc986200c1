#!/usr/bin/env bash
# Runs every test of Passerelle on a fresh machine: installs what the tests need (Chromium and
# its driver, PostgreSQL if there is none), finds or starts a PostgreSQL server, then runs the
# checks and the whole suite — each black-box test runs once on SQLite and once on PostgreSQL.
#
#   bash tests/run-all.sh            # everything
#   bash tests/run-all.sh sign_in    # extra arguments go to cargo nextest (a filter, say)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The mail tests run a real SMTP server (aiosmtpd): from PyPI, or Debian's package where the
# system Python refuses pip (PEP 668) or has no pip.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  log "installing aiosmtpd"
  python3 -m pip install --quiet aiosmtpd 2>/dev/null ||
    { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-aiosmtpd >/dev/null; }
fi

# The subscription tests are a partner's client: Python `gql` over graphql-transport-ws.
if ! python3 -c 'import gql, websockets' 2>/dev/null; then
  log "installing gql[websockets]"
  python3 -m pip install --quiet "gql[websockets]>=4,<5" 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages "gql[websockets]>=4,<5"
fi

# The accessibility test injects axe-core, from npm at the version of tests/a11y/package-lock.json
# (never from a CDN), into the pages.
command -v npm >/dev/null || {
  log "installing npm"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}
log "npm ci (axe-core for the accessibility test)"
npm ci --prefix tests/a11y --no-audit --no-fund --silent

# --- PostgreSQL ------------------------------------------------------------------------------
# Use the server on 127.0.0.1:5432 when it answers; otherwise start a throwaway cluster owned by
# the `postgres` user (initdb refuses to run as root) on another port, stopped when we exit.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
export PATH="$PATH:${pg_bin:-/nonexistent}"
if [ -z "${PASSERELLE_TEST_POSTGRES_URL:-}" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 && psql -q -h 127.0.0.1 -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
    export PASSERELLE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres"
  else
    log "starting a throwaway PostgreSQL on port 55432"
    pgdir=$(mktemp -d /tmp/passerelle-pg.XXXXXX)
    run_as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
    [ "$(id -u)" -ne 0 ] || { id postgres >/dev/null 2>&1 || useradd --system postgres; chown postgres "$pgdir"; }
    run_as_pg "initdb -D '$pgdir/data' -U postgres --auth=trust -E UTF8 >/dev/null"
    run_as_pg "pg_ctl -D '$pgdir/data' -o '-p 55432 -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off' -l '$pgdir/log' -w start >/dev/null"
    trap "run_as_pg \"pg_ctl -D '$pgdir/data' -m fast stop\" >/dev/null 2>&1 || true" EXIT
    export PASSERELLE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:55432/postgres"
  fi
fi
# Each test makes its own database; drop those of earlier runs.
pg_port=$(sed -E 's#.*:([0-9]+)/.*#\1#' <<<"$PASSERELLE_TEST_POSTGRES_URL")
psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -Atc \
  "select datname from pg_database where datname like 'passerelle_test_%'" 2>/dev/null |
  while read -r db; do psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "drop database if exists \"$db\"" >/dev/null || true; done

# --- Checks and tests ------------------------------------------------------------------------
export CARGO_TERM_COLOR=never
log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
log "building the binary (the CLI tests run it)"
cargo build --quiet -p passerelle
log "tests (SQLite and PostgreSQL at $PASSERELLE_TEST_POSTGRES_URL)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
