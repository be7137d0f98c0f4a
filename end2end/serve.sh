#!/usr/bin/env bash
# A throwaway Viva for the browser tests: a fresh data directory, one account per role (and a
# second student), one lab session, and the scripted fake engine on the GPU queue so the live
# status moves in seconds. E2E_VIVA_BIN is the built `viva`, E2E_FAKE_ENGINE the fake engine
# (scripts/test sets both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/../target/e2e-data"
rm -rf "$data"
mkdir -p "$data"
echo '{"load_ms": 300, "item_ms": 1500}' > "$data/engine-script.json"
cat > "$data/viva.toml" <<TOML
data_dir = "$data"
listen = "127.0.0.1:${E2E_PORT:-3100}"
site_root = "$here/../target/site"
[scheduler]
batch_size = 1
linger_secs = 0.0
[scheduler.stt]
program = "$E2E_FAKE_ENGINE"
args = ["stt", "$data/engine-script.json"]
[scheduler.eval]
program = "$E2E_FAKE_ENGINE"
args = ["eval", "$data/engine-script.json"]
TOML
viva() { "$E2E_VIVA_BIN" --config "$data/viva.toml" "$@"; }
for role in admin instructor student; do
  echo "e2e-$role-password" | viva user add --role "$role" --display-name "E2E ${role^}" "e2e-$role"
done
echo "e2e-other-password" | viva user add --role student --display-name "E2E Other" e2e-other
viva lab add --owner e2e-instructor --title "E2E lab"
exec "$E2E_VIVA_BIN" --config "$data/viva.toml" serve
