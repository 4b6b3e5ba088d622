#!/usr/bin/env bash
# Starts what the test suites talk to, when it is not already running: PostgreSQL (storage,
# scale-out and worker tests). Idempotent; safe to run on a machine where everything is up.
set -euo pipefail

pg_url="${PSA_LEDGER_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -d "$pg_url"; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "ci: starting PostgreSQL" >&2
    for version in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do pg_isready -q -d "$pg_url" && break; sleep 1; done
  fi
fi
