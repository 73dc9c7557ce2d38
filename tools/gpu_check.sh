#!/usr/bin/env bash
# The GPU figures in one command (at most 8 minutes on one GPU): 50 iterations each of CamVid day -> dusk
# source-only, adversarial multi-level and DACS + MIC with --amp, a test of each, latency of the deployable
# PIDNet-S at 512x512 and 1024x2048 (eager, fast fp16, ONNX Runtime CUDA if installed), peak memory; the
# table goes to work_dirs/gpu_check/gpu_check.md. See mmseg_da/deploy/gpu_check.py.
#   tools/gpu_check.sh [--out DIR] [--data-root ../shared/data/camvid] [--iters 50]
#   GPU_CHECK_DRY_RUN=1 tools/gpu_check.sh     # the same steps, tiny, on the CPU
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" -m mmseg_da.deploy.gpu_check "$@"
