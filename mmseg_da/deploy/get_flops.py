"""Parameters and fvcore FLOPs of a segmentor's forward pass."""
import contextlib
from typing import Dict, Iterator, Optional, Tuple

import torch
from torch import nn

from mmseg_da.models.utils.output_levels import head_outputs
from mmseg_da.reports.tables import console_table

#: fvcore counts one fused multiply-add as one FLOP (its documented convention).
FLOP_CONVENTION = 'fvcore: 1 multiply-add = 1 FLOP'
#: The figures of :func:`count_flops` written to ``flops.json`` (read back by the results table).
JSON_KEYS = ('params', 'flops_per_image', 'flops_per_batch', 'shape', 'batch', 'convention',
             'flops_per_image_with_aux_heads')


class _TensorForward(nn.Module):
    """``segmentor(x, mode='tensor')`` as a one-argument module, for tracing."""

    def __init__(self, segmentor: nn.Module) -> None:
        super().__init__()
        self.segmentor = segmentor

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.segmentor(inputs, mode='tensor')


class _AllHeadsForward(nn.Module):
    """Backbone plus every head's training-time outputs (BatchNorm still in eval mode), for tracing.

    PIDNet's backbone and ``PIDHead`` compute their P and boundary (D) outputs only when their
    ``training`` flag is set; an ``auxiliary_head`` only runs in training. Only those flags are set
    here, so normalisation and dropout keep their inference behaviour.
    """

    def __init__(self, segmentor: nn.Module) -> None:
        super().__init__()
        self.segmentor = segmentor

    def forward(self, inputs: torch.Tensor):
        outputs = head_outputs(self.segmentor, self.segmentor, inputs)
        aux = outputs.auxiliary
        aux = [] if aux is None else aux if isinstance(aux, list) else [aux]
        return (outputs.decode, *aux)


@contextlib.contextmanager
def _training_flags(segmentor: nn.Module) -> Iterator[None]:
    """Set ``training`` on the backbone and heads themselves (not on their children)."""
    modules = [getattr(segmentor, name, None) for name in ('backbone', 'decode_head', 'auxiliary_head')]
    modules = [m for m in modules if isinstance(m, nn.Module)]
    try:
        for module in modules:
            module.training = True
        yield
    finally:
        for module in modules:
            module.training = False


def _num_outputs(module: nn.Module, device: torch.device) -> int:
    """How many logit maps ``module`` returns (one cheap forward at 64x64)."""
    with torch.no_grad():
        outs = module(torch.zeros(1, 3, 64, 64, device=device))
    flat = []
    for out in outs:
        flat.extend(out if isinstance(out, (list, tuple)) else [out])
    return len(flat)


def count_parameters(model: nn.Module) -> int:
    """Number of parameters (trainable or not; buffers such as BN statistics excluded)."""
    return sum(p.numel() for p in model.parameters())


def _fvcore_total(module: nn.Module, inputs: torch.Tensor, table_depth: Optional[int] = None):
    from fvcore.nn import FlopCountAnalysis, flop_count_table
    analysis = FlopCountAnalysis(module, (inputs,))
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    with torch.no_grad():
        total = int(analysis.total())
    table = None
    if table_depth:
        table = flop_count_table(analysis, max_depth=table_depth + 1,
                                 show_param_shapes=False).replace('segmentor.', '')
    return total, analysis, table


def count_flops(segmentor: nn.Module, shape: Tuple[int, int], batch: int = 1,
                table_depth: int = 2, with_aux_heads: bool = True) -> Dict[str, object]:
    """fvcore FLOPs of ``segmentor``'s eval-mode ``forward(mode='tensor')`` on a (batch, 3, H, W) input.

    That forward runs what inference runs: backbone and decode head up to the logits (no final resize).
    Returns ``params``, ``flops_per_batch``, ``flops_per_image``, ``shape``, ``batch``,
    ``convention``, ``uncounted_ops`` (operators fvcore has no formula for, with their number of
    calls), ``table`` (fvcore's per-module table) and, with ``with_aux_heads``,
    ``flops_per_image_with_aux_heads``: the same forward plus the outputs only training uses
    (PIDNet's P and D heads, an ``auxiliary_head``), the way the official PIDNet code counts
    (its model is built with ``augment=True``).
    """
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    was_training = segmentor.training
    segmentor.eval()
    try:
        device = next(segmentor.parameters()).device
        inputs = torch.zeros(batch, 3, *shape, device=device)
        total, analysis, table = _fvcore_total(_TensorForward(segmentor), inputs, table_depth)
        per_image = total // batch if total % batch == 0 else total / batch
        result = dict(params=count_parameters(segmentor), flops_per_batch=total,
                      flops_per_image=per_image, shape=[int(shape[0]), int(shape[1])],
                      batch=int(batch), convention=FLOP_CONVENTION,
                      uncounted_ops=dict(sorted(analysis.unsupported_ops().items())), table=table)
        if with_aux_heads and hasattr(segmentor, 'extract_feat') and hasattr(segmentor, 'decode_head'):
            result['flops_per_image_with_aux_heads'] = result['flops_per_image']
            with _training_flags(segmentor):
                all_heads = _AllHeadsForward(segmentor)
                if _num_outputs(all_heads, device) > 1:  # else the same graph as inference
                    result['flops_per_image_with_aux_heads'], _, _ = _fvcore_total(
                        all_heads, inputs[:1])
    finally:
        segmentor.train(was_training)
    return result


def model_description(segmentor: nn.Module) -> str:
    """``Segmentor + Backbone + DecodeHead [+ AuxiliaryHead]``: the classes of the segmentor and its parts."""
    parts = [type(segmentor).__name__]
    for part in ('backbone', 'decode_head', 'auxiliary_head'):
        module = getattr(segmentor, part, None)
        if module is not None:
            parts.append(type(module).__name__)
    return ' + '.join(parts)


def flops_summary(result: Dict[str, object], config: str) -> str:
    """:func:`count_flops`'s figures (with ``model`` set) as a console table, then any operators not counted."""
    h, w = result['shape']
    rows = [('config', config),
            ('model', result['model']),
            ('input', f"{result['batch']} x 3 x {h} x {w}"),
            ('parameters', f"{result['params']:,} ({result['params'] / 1e6:.3f} M)"),
            ('FLOPs per image (inference)', f"{result['flops_per_image'] / 1e9:.3f} G"),
            (f"FLOPs per batch of {result['batch']}", f"{result['flops_per_batch'] / 1e9:.3f} G"),
            ('FLOPs per image, training-only heads too',
             f"{result['flops_per_image_with_aux_heads'] / 1e9:.3f} G"),
            ('convention', result['convention'])]
    lines = [console_table(rows)]
    if result['uncounted_ops']:
        ops = ', '.join(f'{op} x{n}' for op, n in result['uncounted_ops'].items())
        lines.append(f'Not counted (no fvcore formula; element-wise ops without multiply-adds): {ops}')
    return '\n'.join(lines)
