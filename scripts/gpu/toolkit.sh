# Sourced by scripts/gpu-build: makes a private CUDA 13.0 toolkit from NVIDIA's PyPI wheels
# (pinned versions and hashes, `pip download --no-deps`, unzipped into a cache folder; nothing is
# installed system-wide), enough to compile ggml's CUDA kernels and link the engines on a
# machine without a GPU or a driver. Quick when the folder is already complete.
#   cuda_toolkit DIR        sets CUDA_HOME=DIR
#
# The 13.0 series matches the drivers labs run now (580 and later); a newer toolkit would need a
# newer driver on every lab machine. What the wheels lack, this adds:
#   lib64 -> lib                CMake's FindCUDAToolkit and the -sys crates look in lib64
#   targets/x86_64-linux        nvcc.profile's include and library paths
#   lib64/stubs/libcuda.so      a link-time stand-in for the driver (soname libcuda.so.1); the
#                               real one comes with the lab's NVIDIA driver
#   lib/lib{cudart,cublas,cublasLt}.so   unversioned links, for the linker and CMake
#   viva-link/                  what makes our link choice (gpu-build says which) link: empty
#                               archives for the static cuBLAS and culibos the crates ask for

CUDA_WHEELS=(
  # name==version  sha256 of the wheel
  "nvidia-cuda-nvcc==13.0.88 56fe502eb77625a12f25172caa3cdddb4e4c8ba2c8c17dba44b164761b380f03"
  "nvidia-nvvm==13.0.88 c5f41ffeb6466944a026dfa5317d7d85355c119bbec279205d22f1869d1054e0"
  "nvidia-cuda-crt==13.0.88 2c8043c7c9e02492716426e9919fc78d2c5b3b2a7a768a88e952676b08aa55a4"
  "nvidia-cuda-runtime==13.0.96 7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548"
  "nvidia-cuda-cccl==13.0.85 e0da7ad981f3a8aff08241b5bfc1af868742a63e2762f53a5171c492ef242649"
  "nvidia-cublas==13.0.2.14 0cf238ffdbe46c00cb9aa98e7bca745c223a5ca5a53e686ac8b3e5a08fe80d6c"
)

cuda_toolkit() {
  local dir=$1 wheels="$HOME/.cache/viva/cuda-wheels"
  export CUDA_HOME="$dir"
  [ -f "$dir/.complete" ] && return 0
  command -v unzip >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq unzip >/dev/null; }
  mkdir -p "$wheels"
  rm -rf "$dir" "$dir.part" && mkdir -p "$dir.part"
  local entry spec sha wheel
  for entry in "${CUDA_WHEELS[@]}"; do
    read -r spec sha <<<"$entry"
    wheel=$(cuda_wheel_file "$wheels" "$spec")
    if [ -z "$wheel" ] || ! echo "$sha  $wheel" | sha256sum --check --status; then
      say "Downloading $spec from PyPI"
      python3 -m pip download --no-deps --quiet --disable-pip-version-check --only-binary=:all: \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux2010_x86_64 -d "$wheels" "$spec"
      wheel=$(cuda_wheel_file "$wheels" "$spec")
      echo "$sha  $wheel" | sha256sum --check --quiet
    fi
    # unzip keeps the executable bits of nvcc, ptxas, cicc (Python's zipfile would not).
    unzip -q -o "$wheel" 'nvidia/cu13/*' -d "$dir.part"
  done
  mv "$dir.part/nvidia/cu13" "$dir" && rm -rf "$dir.part"

  ln -s lib "$dir/lib64"
  mkdir -p "$dir/targets/x86_64-linux" "$dir/lib/stubs" "$dir/viva-link"
  ln -s ../../include "$dir/targets/x86_64-linux/include"
  ln -s ../../lib "$dir/targets/x86_64-linux/lib"
  ln -s ../../lib "$dir/targets/x86_64-linux/lib64"
  local lib
  for lib in cudart cublas cublasLt; do ln -s "lib$lib.so.13" "$dir/lib/lib$lib.so"; done
  cuda_driver_stub "$dir"
  for lib in cublas_static cublasLt_static culibos; do ar rc "$dir/viva-link/lib$lib.a"; done
  "$dir/bin/nvcc" --version | tail -n 2 >&2
  touch "$dir/.complete"
}

# The wheel file that pip saved for SPEC (name==version), or nothing.
cuda_wheel_file() {
  local name=${2%%==*} version=${2##*==}
  ls "$1/${name//-/_}-$version-"*.whl 2>/dev/null | head -n 1
}

# A libcuda.so with every driver API entry point that cuda.h declares (and the versioned names
# its #defines map them to), as empty functions: enough to link, never to run.
cuda_driver_stub() {
  local dir=$1 src
  src=$(mktemp --suffix=.c)
  python3 - "$dir/include/cuda.h" >"$src" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
names = set(re.findall(r"\b(cu[A-Z]\w*)\s*\(", text))
names |= {n for pair in re.findall(r"#define\s+(cu[A-Z]\w*)\s+(cu[A-Z]\w*)\b", text) for n in pair}
for name in sorted(names):
    print(f"void {name}(void) {{}}")
PY
  gcc -shared -fPIC -o "$dir/lib/stubs/libcuda.so" -Wl,-soname,libcuda.so.1 "$src"
  rm -f "$src"
}
