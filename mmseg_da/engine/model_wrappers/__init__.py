from .cpu_distributed import CPUDistributedDataParallel, CPUSeparateDistributedDataParallel

__all__ = ['CPUDistributedDataParallel', 'CPUSeparateDistributedDataParallel']
