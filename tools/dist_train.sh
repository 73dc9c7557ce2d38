#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG GPUS [train.py options]   (CPU: works with the gloo backend too)
CONFIG=$1
GPUS=$2
PORT=${PORT:-29500}
PYTHON=${PYTHON:-python}
shift 2
exec "$PYTHON" -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="$PORT" --nproc_per_node="$GPUS" \
    "$(dirname "$0")/train.py" "$CONFIG" --launcher pytorch "$@"
