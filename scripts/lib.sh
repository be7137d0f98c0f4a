# Shared by the scripts in this folder: where things are, and how to run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Kept outside the clone so a fresh clone (CI) reuses earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/viva/target}"
export PATH="$HOME/.cargo/bin:$PATH"
SITE="$ROOT/target/site"
WASM_BINDGEN_VERSION="0.2.130"

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
