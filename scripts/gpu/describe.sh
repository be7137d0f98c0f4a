#!/usr/bin/env bash
# Prints, for each ELF binary given, its size and what it needs at run time: the shared
# libraries it names (NEEDED) and the newest glibc symbol version it uses.
#   scripts/gpu/describe.sh BINARY...
set -euo pipefail
printf '%-10s %9s  %-8s %s\n' binary MiB glibc "shared libraries (NEEDED)"
for bin in "$@"; do
  size=$(stat -c %s "$bin")
  needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
  printf '%-10s %9s  %-8s %s\n' "$(basename "$bin")" "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')" \
    "$glibc" "$needed"
done
