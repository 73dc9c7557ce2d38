"""mmengine's DDP wrappers, usable on CPU (gloo) as well as on GPUs.

mmengine's Runner always passes ``device_ids=[LOCAL_RANK]`` to the DDP wrapper it builds, and torch's
``DistributedDataParallel`` refuses ``device_ids`` for a module on the CPU. These subclasses drop the
argument there and change nothing on GPUs; ``tools/train.py`` selects them when CUDA is absent.
"""
from typing import Optional, Sequence

from mmengine.device import get_device
from mmengine.model import MMDistributedDataParallel, MMSeparateDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS  # the Runner looks wrappers up in the root registry
from torch import nn


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that ignores ``device_ids`` for a module on the CPU."""

    def __init__(self, module: nn.Module, device_ids: Optional[Sequence[int]] = None, **kwargs) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        super().__init__(module=module, device_ids=None if on_cpu else device_ids, **kwargs)


@MODEL_WRAPPERS.register_module()
class CPUSeparateDistributedDataParallel(MMSeparateDistributedDataParallel):
    """``MMSeparateDistributedDataParallel`` that ignores ``device_ids`` on the CPU."""

    def __init__(self, module: nn.Module, broadcast_buffers: bool = False,
                 find_unused_parameters: bool = False, **kwargs) -> None:
        if get_device() == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(module=module, broadcast_buffers=broadcast_buffers,
                         find_unused_parameters=find_unused_parameters, **kwargs)
