#!/usr/bin/env bash
# A throwaway Viva for the browser tests: a fresh data directory and one account per role.
# E2E_VIVA_BIN is the built `viva` binary (scripts/test sets it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/../target/e2e-data"
rm -rf "$data"
export VIVA_DATA_DIR="$data"
export VIVA_LISTEN="127.0.0.1:${E2E_PORT:-3100}"
export VIVA_SITE_ROOT="$here/../target/site"
for role in admin instructor student; do
  echo "e2e-$role-password" | "$E2E_VIVA_BIN" user add --role "$role" --display-name "E2E ${role^}" "e2e-$role"
done
exec "$E2E_VIVA_BIN" serve
