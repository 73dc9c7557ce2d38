"""Command-line helpers of the deployment tools."""
from typing import Sequence, Tuple


def parse_shape(shape: Sequence[int]) -> Tuple[int, int]:
    """``--shape H W`` or ``--shape S`` as (H, W), with a clear error for anything else."""
    if len(shape) == 1:
        shape = (shape[0], shape[0])
    if len(shape) != 2 or any(int(s) <= 0 for s in shape):
        raise ValueError(f'--shape takes H W (or one size S), positive integers; got {list(shape)}')
    return int(shape[0]), int(shape[1])
