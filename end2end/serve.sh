#!/usr/bin/env bash
# A throwaway Viva for the browser tests: a fresh data directory, one account per role (and a
# second student), one lab session. `serve.sh fake` (port 3100) runs the scripted fake engine,
# so the live status moves in seconds; `serve.sh real` (port 3101) runs viva-stt and viva-eval
# on the real models. E2E_VIVA_BIN is the built `viva`; scripts/test sets it and E2E_ENGINES,
# the folder holding viva-stt, viva-eval and viva-fake-engine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:-fake}"
if [ "$mode" = real ]; then port=3101; else port=3100; fi
data="$here/../target/e2e-data-$mode"
models="$here/../models"
rm -rf "$data"
mkdir -p "$data"
echo '{"load_ms": 300, "item_ms": 1500}' > "$data/engine-script.json"
if [ "$mode" = real ]; then
  engines="[scheduler.stt]
program = \"$E2E_ENGINES/viva-stt\"
model = \"$models/ggml-tiny.en.bin\"
threads = 2
[scheduler.eval]
program = \"$E2E_ENGINES/viva-eval\"
model = \"$models/SmolLM2-135M-Instruct.Q4_1.gguf\"
threads = 2"
  linger=0.0
  # Short enough for the browser test of a recording stopped at the limit; longer than every
  # spoken video the tests upload.
  max_duration="max_duration_secs = 12"
else
  engines="[scheduler.stt]
program = \"$E2E_ENGINES/viva-fake-engine\"
args = [\"stt\", \"$data/engine-script.json\"]
[scheduler.eval]
program = \"$E2E_ENGINES/viva-fake-engine\"
args = [\"eval\", \"$data/engine-script.json\"]"
  linger=0.0
  max_duration=""
fi
cat > "$data/viva.toml" <<TOML
data_dir = "$data"
listen = "127.0.0.1:$port"
site_root = "$here/../target/site"
[scheduler]
batch_size = 1
linger_secs = $linger
$engines
[uploads]
# The tests keep a few megabytes; the 1 GiB default would fail them whenever the shared CI disk
# runs low. The refusal itself is tested in server/tests/api/upload_limits.rs.
min_free_mb = 64
$max_duration
TOML
viva() { "$E2E_VIVA_BIN" --config "$data/viva.toml" "$@"; }
for role in admin instructor student; do
  echo "e2e-$role-password" | viva user add --role "$role" --display-name "E2E ${role^}" "e2e-$role"
done
echo "e2e-other-password" | viva user add --role student --display-name "E2E Other" e2e-other
echo "e2e-uploader-password" | viva user add --role student --display-name "E2E Uploader" e2e-uploader
echo "e2e-historian-password" | viva user add --role student --display-name "E2E Historian" e2e-historian
viva lab add --owner e2e-instructor --title "E2E lab" --release automatic
# Its own lab and student, so the review tests see a review list of their own.
echo "e2e-reviewee-password" | viva user add --role student --display-name "E2E Reviewee" e2e-reviewee
viva lab add --owner e2e-instructor --title "E2E review lab" --release review
export OMP_WAIT_POLICY=passive
exec "$E2E_VIVA_BIN" --config "$data/viva.toml" serve
