"""The plain, deployable segmentor inside a (possibly wrapped) training model."""
from torch import nn


def deployable_segmentor(model: nn.Module) -> nn.Module:
    """Return the segmentor that evaluation, FLOPs, latency and export should see.

    Unwraps DDP-style wrappers (``.module``) and UDA segmentors (``.segmentor``), so a model built
    from an adaptation config yields the ordinary mmseg segmentor, without discriminators or teachers.
    """
    while True:
        if hasattr(model, 'module') and isinstance(model.module, nn.Module):
            model = model.module
        elif hasattr(model, 'segmentor') and isinstance(model.segmentor, nn.Module):
            model = model.segmentor
        else:
            return model
