#!/usr/bin/env bash
# On a GPU host: shows what the cuda backend will find, then runs every cuda-backend test with the
# device tests required (a host without a usable device fails with the reason instead of skipping).
# Usage: cuda-backend/gpu-check.sh [extra mvn args]     (from anywhere in the repository)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
echo "== nvidia-smi"; nvidia-smi || echo "nvidia-smi not found"
echo "== driver and cuBLAS libraries"
ldconfig -p | grep -E 'libcuda\.so\.1|libcublas\.so\.12|libcublasLt\.so\.12' || echo "(none in the ldconfig cache; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-})"
echo "== mvn verify with -Drnn4j.cuda.required=true"
cd "$root" && mvn -B -ntp -pl cuda-backend -am verify -Drnn4j.cuda.required=true "$@"
