"""Which output of an mmseg segmentor is the "main" one and which the "aux" one, from one forward.

Multi-level adaptation (AdaptSegNet) judges the segmentation output at several depths:

========  ===========================================  ==============================================
level     PIDNet (``PIDHead``, training mode)          other heads, e.g. DeepLabV2 (``DLV2Head``)
========  ===========================================  ==============================================
``main``  I branch: ``decode_head.forward(feats)[1]``  ``decode_head.forward(feats)`` (layer4)
``aux``   P branch: ``decode_head.forward(feats)[0]``  ``auxiliary_head.forward(feats)`` (layer3)
========  ===========================================  ==============================================

The forward goes through the segmentor's own ``forward(mode='tensor')`` (under DDP: through the DDP
wrapper, so that its gradients are synchronised); the features that an auxiliary head needs are taken
from that same pass with a forward hook on the backbone (or neck), not computed twice. The supervised
loss is then the heads' own ``loss_by_feat``, prefixed ``decode.``/``aux.`` exactly as mmseg's
``EncoderDecoder.loss`` does, so PIDNet's P/I/boundary terms stay mmseg's. Self-training and entropy
minimisation take :func:`main_logits`; the FLOP count of every head and the fast inference path use the
same functions.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmseg.models.decode_heads import PIDHead
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.utils import SampleList, add_prefix
from torch import Tensor, nn

#: Heads returning several outputs in training mode: level -> index of that output.
MULTI_OUTPUT_HEADS = {PIDHead: {'main': 1, 'aux': 0}}


@dataclass
class HeadOutputs:
    """The raw training outputs of a segmentor's heads for one batch."""
    decode: Union[Tensor, Tuple[Tensor, ...]]
    auxiliary: Optional[Union[Tensor, List[Tensor]]] = None


def output_indices(head: Optional[nn.Module]) -> Optional[Dict[str, int]]:
    """Level -> index in the outputs of a head that returns several in training mode, else None."""
    return next((v for k, v in MULTI_OUTPUT_HEADS.items() if isinstance(head, k)), None)


def head_align_corners(seg_model: nn.Module) -> bool:
    """The decode head's ``align_corners`` (False without one): how its logits are resized."""
    return bool(getattr(getattr(seg_model, 'decode_head', None), 'align_corners', False))


def main_logits(output: Union[Tensor, Sequence[Tensor]], seg_model: nn.Module, size: Tuple[int, int]) -> Tensor:
    """The main logits of ``segmentor(inputs, mode='tensor')``, resized (bilinear) to ``size``.

    In eval mode that forward returns the main logits. In training mode a multi-output head returns a
    tuple (PIDNet's ``PIDHead``: ``(P, I, D)``), of which the ``main`` level is taken; any other head
    returning a tuple contributes its first element.
    """
    if isinstance(output, (tuple, list)):
        indices = output_indices(getattr(seg_model, 'decode_head', None))
        output = output[indices['main'] if indices else 0]
    return resize(output, size=size, mode='bilinear', align_corners=head_align_corners(seg_model))


def head_outputs(segmentor: nn.Module, seg_model: nn.Module, inputs: Tensor) -> HeadOutputs:
    """One forward of ``segmentor`` (maybe DDP-wrapped) around ``seg_model`` (plain): every head's outputs.

    The auxiliary heads run on the backbone (or neck) features of that same forward, captured by a hook.
    """
    with_auxiliary_head = getattr(seg_model, 'with_auxiliary_head', False)
    captured = []
    handle = None
    if with_auxiliary_head:
        source = seg_model.neck if seg_model.with_neck else seg_model.backbone
        handle = source.register_forward_hook(lambda _m, _i, out: captured.append(out))
    try:
        decode = segmentor(inputs, None, mode='tensor')
    finally:
        if handle is not None:
            handle.remove()
    auxiliary = None
    if with_auxiliary_head:
        if len(captured) != 1:
            raise RuntimeError(f'expected one backbone/neck call per forward, saw {len(captured)}')
        aux = seg_model.auxiliary_head
        feats = captured[0]
        auxiliary = [h.forward(feats) for h in aux] if isinstance(aux, nn.ModuleList) else aux.forward(feats)
    return HeadOutputs(decode, auxiliary)


class OutputLevels:
    """Finds, checks and extracts the output levels of an ``EncoderDecoder``-style segmentor.

    Args:
        seg_model (nn.Module): The plain (not DDP-wrapped) segmentor.
    """

    def __init__(self, seg_model: nn.Module) -> None:
        if not isinstance(seg_model, EncoderDecoder) or not isinstance(
                getattr(seg_model, 'decode_head', None), BaseDecodeHead):
            raise TypeError(
                f'segmentor: adaptation needs an EncoderDecoder with one decode head, got '
                f'{type(seg_model).__name__} with decode_head '
                f'{type(getattr(seg_model, "decode_head", None)).__name__}')
        head = seg_model.decode_head
        aux = seg_model.auxiliary_head if seg_model.with_auxiliary_head else None
        for name, module in [('decode_head', head)] + self._aux_heads(aux):
            if type(module).loss is not BaseDecodeHead.loss:
                raise TypeError(f'segmentor.{name}: {type(module).__name__} overrides loss(); the '
                                f'adaptation segmentors compute it as forward() + loss_by_feat()')
        self.with_auxiliary_head = aux is not None
        # level -> (which head, index in a multi-output head or None)
        self.sources: Dict[str, Tuple[str, Optional[int]]] = {}
        self.channels: Dict[str, int] = {}
        indices = output_indices(head)
        if indices is not None:
            for level, index in indices.items():
                self.sources[level] = ('decode', index)
                self.channels[level] = head.out_channels
        else:
            self.sources['main'] = ('decode', None)
            self.channels['main'] = head.out_channels
            if isinstance(aux, BaseDecodeHead):  # several auxiliary heads: no unambiguous 'aux'
                self.sources['aux'] = ('auxiliary', None)
                self.channels['aux'] = aux.out_channels
        self.description = (f'{type(head).__name__}'
                            + (f' + auxiliary {type(aux).__name__}' if aux is not None else ''))

    @staticmethod
    def _aux_heads(aux: Optional[nn.Module]) -> List[Tuple[str, nn.Module]]:
        if aux is None:
            return []
        if isinstance(aux, nn.ModuleList):
            return [(f'auxiliary_head[{i}]', h) for i, h in enumerate(aux)]
        return [('auxiliary_head', aux)]

    def check(self, levels: Sequence[str], field: str = 'levels') -> Tuple[str, ...]:
        """Return ``levels`` as a tuple, or raise a ValueError naming ``field`` if one is not produced."""
        if isinstance(levels, str):
            levels = (levels, )
        levels = tuple(levels)
        if not levels:
            raise ValueError(f'{field}: at least one level is needed, got {levels!r}')
        unknown = [lv for lv in levels if lv not in self.sources]
        if unknown or len(set(levels)) != len(levels):
            raise ValueError(
                f'{field}={levels!r}: the segmentor ({self.description}) produces the levels '
                f'{tuple(self.sources)} (each at most once); {unknown or "duplicates"} not available. '
                f"'aux' needs PIDNet's PIDHead or one auxiliary_head (e.g. deeplabv2_r101_multilevel.py)")
        return levels

    def forward(self, segmentor: nn.Module, seg_model: nn.Module, inputs: Tensor) -> HeadOutputs:
        """One training forward of ``segmentor`` (maybe DDP-wrapped) around ``seg_model`` (plain)."""
        return head_outputs(segmentor, seg_model, inputs)

    def select(self, outputs: HeadOutputs, level: str) -> Tensor:
        """The logits of ``level`` in ``outputs``."""
        kind, index = self.sources[level]
        out = outputs.decode if kind == 'decode' else outputs.auxiliary
        if index is None:
            if not isinstance(out, Tensor):
                raise TypeError(f'level {level!r}: expected one logits tensor from the {kind} head, '
                                f'got {type(out).__name__}')
            return out
        return out[index]

    def logits(self, outputs: HeadOutputs, level: str, size: Optional[Tuple[int, int]] = None,
               align_corners: bool = False) -> Tensor:
        """The logits of ``level``, resized (bilinear) to ``size`` if given."""
        logits = self.select(outputs, level)
        if size is not None and tuple(logits.shape[2:]) != tuple(size):
            logits = resize(logits, size=size, mode='bilinear', align_corners=align_corners)
        return logits

    @staticmethod
    def loss(seg_model: nn.Module, outputs: HeadOutputs, data_samples: SampleList) -> Dict[str, Tensor]:
        """The supervised losses, named as ``EncoderDecoder.loss`` names them."""
        losses = add_prefix(seg_model.decode_head.loss_by_feat(outputs.decode, data_samples), 'decode')
        if outputs.auxiliary is not None:
            aux = seg_model.auxiliary_head
            if isinstance(aux, nn.ModuleList):
                for idx, (head, out) in enumerate(zip(aux, outputs.auxiliary)):
                    losses.update(add_prefix(head.loss_by_feat(out, data_samples), f'aux_{idx}'))
            else:
                losses.update(add_prefix(aux.loss_by_feat(outputs.auxiliary, data_samples), 'aux'))
        return losses
