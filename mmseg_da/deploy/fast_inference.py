"""A fast inference path for a trained segmentor: folded BatchNorm, channels_last, reduced precision, compile.

    from mmseg_da.deploy import optimize_for_inference
    fast = optimize_for_inference(segmentor, torch.zeros(1, 3, 512, 512))
    logits = fast(images)            # (N, C, H/8, W/8) for PIDNet-S, like forward(mode='tensor')
    labels = fast.predict_labels(images)   # (N, H, W) class indices at the input size

The original segmentor is left untouched (a copy is optimised).
"""
import copy
import warnings
from typing import Dict, List, Optional, Tuple, Union

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.fusion import fuse_conv_bn_eval
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from mmseg_da.models.utils.deployable import deployable_segmentor
from mmseg_da.models.utils.output_levels import main_logits

PRECISIONS: Dict[str, torch.dtype] = {'fp32': torch.float32, 'fp16': torch.float16,
                                      'bf16': torch.bfloat16}


def _tensor_forward(model: nn.Module, inputs: Tensor) -> Tensor:
    """The segmentor's ``forward(mode='tensor')``: logits before any resizing."""
    out = model(inputs, mode='tensor') if hasattr(model, 'extract_feat') else model(inputs)
    if not isinstance(out, Tensor):  # e.g. PIDNet in training mode returns (P, I, D) logits
        raise TypeError(f'{type(model).__name__} returned {type(out).__name__}, not one logits '
                        'tensor: call it in eval mode')
    return out


def _set_submodule(root: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, child = name.rpartition('.')
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, module)


class _TensorReads(TorchDispatchMode):
    """Count the operators that read each watched tensor (at the dispatcher, so views count too)."""

    def __init__(self) -> None:
        super().__init__()
        self.watched: Dict[int, Tensor] = {}  # kept alive, so that no other tensor can take the id
        self.reads: Dict[int, int] = {}

    def watch(self, tensor: Tensor) -> None:
        self.watched[id(tensor)] = tensor
        self.reads[id(tensor)] = 0

    def count(self, tensor: Tensor) -> int:
        return self.reads.get(id(tensor), 0)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for arg in tree_flatten((args, kwargs))[0]:
            if isinstance(arg, Tensor) and self.watched.get(id(arg)) is arg:
                self.reads[id(arg)] += 1
        return func(*args, **kwargs)


def find_conv_bn_pairs(model: nn.Module, example_inputs: Tensor) -> List[Tuple[str, str]]:
    """The (conv, batchnorm) module names where the BatchNorm is the only reader of the conv's output.

    Found from one traced forward pass (module hooks, and a dispatch mode that sees every operator),
    not from module order. A pair counts only if, at every call, the BatchNorm's input is the very
    tensor the convolution returned, unmodified (same object, same version counter), and nothing but
    that BatchNorm reads it: folding rewrites the convolution's output, so another reader (a residual
    ``bn(y) + y``, a view, the model output itself) would see the normalised values instead.
    BatchNorms applied *before* a convolution (mmcv's ``order=('norm', 'act', 'conv')``, used by
    PIDNet's heads and PAPPM) are therefore never folded, nor are BatchNorms without running
    statistics.
    """
    conv_of_output: Dict[int, Tuple[str, Tensor, int]] = {}
    conv_calls: Dict[str, int] = {}
    # per BatchNorm call: (conv name or None, that conv's output, its reads before the BatchNorm ran)
    bn_calls: Dict[str, List[Tuple[Optional[str], Optional[Tensor], int]]] = {}
    reads_in_bn: Dict[int, int] = {}  # conv output id -> reads made inside the BatchNorm that took it
    tracer = _TensorReads()
    handles = []

    def conv_hook(name):
        def hook(module, args, output):
            conv_calls[name] = conv_calls.get(name, 0) + 1
            if isinstance(output, Tensor):
                conv_of_output[id(output)] = (name, output, output._version)
                tracer.watch(output)
        return hook

    def bn_pre_hook(name):
        def hook(module, args):
            call = (None, None, 0)
            if args and isinstance(args[0], Tensor):
                entry = conv_of_output.get(id(args[0]))
                if entry is not None and entry[1] is args[0] and entry[2] == args[0]._version:
                    call = (entry[0], args[0], tracer.count(args[0]))
            bn_calls.setdefault(name, []).append(call)
        return hook

    def bn_hook(name):
        def hook(module, args, output):
            _, tensor, before = bn_calls[name][-1]
            if tensor is not None:
                reads_in_bn[id(tensor)] = reads_in_bn.get(id(tensor), 0) + tracer.count(tensor) - before
        return hook

    for name, module in model.named_modules():
        if type(module) is nn.Conv2d:
            handles.append(module.register_forward_hook(conv_hook(name)))
        elif isinstance(module, _BatchNorm) and module.running_mean is not None:
            handles.append(module.register_forward_pre_hook(bn_pre_hook(name)))
            handles.append(module.register_forward_hook(bn_hook(name)))
    try:
        with torch.no_grad(), tracer:
            output = _tensor_forward(model, example_inputs)
    finally:
        for handle in handles:
            handle.remove()
    if tracer.watched.get(id(output)) is output:  # a conv output returned as the logits is read too
        tracer.reads[id(output)] += 1

    def read_only_by_its_batchnorm(tensor: Tensor) -> bool:
        return tracer.count(tensor) == reads_in_bn.get(id(tensor), 0)

    pairs, used_convs = [], set()
    for bn_name, calls in bn_calls.items():
        conv_name = calls[0][0]
        if (conv_name is None or any(c[0] != conv_name for c in calls)
                or not all(read_only_by_its_batchnorm(c[1]) for c in calls)
                or conv_calls.get(conv_name) != len(calls) or conv_name in used_convs):
            continue
        used_convs.add(conv_name)
        pairs.append((conv_name, bn_name))
    return pairs


def fold_batchnorm(model: nn.Module, example_inputs: Tensor) -> int:
    """Fold, in place, every eval-mode BatchNorm that directly follows a convolution into it.

    The convolution gets the BatchNorm's scale and shift (and a bias); the BatchNorm becomes
    ``nn.Identity``. Returns the number of BatchNorms folded.
    """
    if model.training:
        raise RuntimeError('fold_batchnorm needs a model in eval mode (it folds the running statistics)')
    pairs = find_conv_bn_pairs(model, example_inputs)
    for conv_name, bn_name in pairs:
        conv = model.get_submodule(conv_name)
        bn = model.get_submodule(bn_name)
        _set_submodule(model, conv_name, fuse_conv_bn_eval(conv, bn))
        _set_submodule(model, bn_name, nn.Identity())
    return len(pairs)


class FastSegmentor(nn.Module):
    """An inference-only segmentor: ``forward(images) -> logits``, ``predict_labels(images) -> labels``.

    Built by :func:`optimize_for_inference`. Inputs are normalised images (what the data preprocessor
    returns); they are moved to the model's device, dtype and memory format here. Logits come back in
    float32.

    Args:
        model (nn.Module): The optimised segmentor.
        dtype (torch.dtype): The precision it runs in.
        channels_last (bool): Whether inputs are converted to channels_last.
        compiled (callable, optional): A compiled version of the tensor forward.
    """

    def __init__(self, model: nn.Module, dtype: torch.dtype, channels_last: bool, compiled=None) -> None:
        super().__init__()
        self.model = model
        self.dtype = dtype
        self.channels_last = channels_last
        self._compiled = compiled

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def _prepare(self, inputs: Tensor) -> Tensor:
        inputs = inputs.to(self.device, self.dtype, non_blocking=True)
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        return inputs

    def forward(self, inputs: Tensor) -> Tensor:
        """Logits of ``forward(mode='tensor')`` (before resizing), as float32."""
        with torch.inference_mode():
            inputs = self._prepare(inputs)
            fn = self._compiled or (lambda x: _tensor_forward(self.model, x))
            return fn(inputs).float()

    def predict_labels(self, inputs: Tensor) -> Tensor:
        """Class index per input pixel, (N, H, W): logits resized to the input size, then argmax."""
        with torch.inference_mode():
            return main_logits(self(inputs), self.model, inputs.shape[-2:]).argmax(dim=1)


def predict_labels(model: nn.Module, inputs: Tensor) -> Tensor:
    """The plain eager segmentor's labels at the input size (same post-processing as FastSegmentor)."""
    was_training = model.training
    try:
        with torch.no_grad():
            logits = _tensor_forward(model.eval(), inputs).float()
    finally:
        model.train(was_training)
    with torch.no_grad():
        return main_logits(logits, model, inputs.shape[-2:]).argmax(dim=1)


def optimize_for_inference(model: nn.Module,
                           example_inputs: Tensor,
                           *,
                           fold_bn: bool = True,
                           channels_last: bool = True,
                           precision: str = 'fp32',
                           compile: Union[bool, str] = False,
                           device: Optional[Union[str, torch.device]] = None,
                           check: bool = True) -> FastSegmentor:
    """An optimised copy of a segmentor for inference.

    Args:
        model (nn.Module): Any segmentor (a training wrapper or UDA segmentor is reduced to its
            deployable segmentor). It is not modified.
        example_inputs (Tensor): A batch of the shape that will be used (traced once to find the
            foldable BatchNorms, and to check the result).
        fold_bn (bool): Fold BatchNorms into the preceding convolutions. Default: True.
        channels_last (bool): Use the channels_last memory format. Default: True.
        precision (str): 'fp32', 'fp16' or 'bf16'. Default: 'fp32'. fp16 is refused on CPU.
        compile (bool | str): ``torch.compile`` the forward (inductor, with frozen weights) and
            compile it now on ``example_inputs``; a string names the mode (e.g. 'max-autotune').
            Takes from seconds to minutes; other input shapes recompile. Default: False.
        device (str | torch.device, optional): Where to run; default: where the model is.
        check (bool): After folding, compare the logits with the unfolded ones on ``example_inputs``,
            in float32 before any cast to ``precision``, and raise if they differ beyond float
            rounding. Default: True.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {sorted(PRECISIONS)}, got {precision!r}')
    source = deployable_segmentor(model)
    device = torch.device(device) if device is not None else next(source.parameters()).device
    if precision == 'fp16' and device.type == 'cpu':
        raise ValueError('precision fp16 is for CUDA devices; on CPU use bf16 (where the processor '
                         'has bf16 instructions) or fp32')
    dtype = PRECISIONS[precision]
    fast = copy.deepcopy(source).to(device, torch.float32).eval()
    for param in fast.parameters():
        param.requires_grad_(False)
    example_inputs = example_inputs.to(device, torch.float32)

    if fold_bn:
        # checked in float32, before any cast: in fp16/bf16 a wrong fold would pass unnoticed
        with torch.no_grad():
            reference = _tensor_forward(fast, example_inputs) if check else None
            fold_batchnorm(fast, example_inputs)
            folded = _tensor_forward(fast, example_inputs) if check else None
        if check and not torch.allclose(folded, reference, rtol=1e-3,
                                        atol=1e-3 * float(reference.abs().max().clamp_min(1.0))):
            raise RuntimeError('optimize_for_inference: folding changed the float32 logits (max abs diff '
                               f'{float((folded - reference).abs().max()):.3g}); '
                               'use fold_bn=False and report the model')
    if channels_last:
        fast = fast.to(memory_format=torch.channels_last)
    if dtype != torch.float32:
        fast = fast.to(dtype)

    compiled = None
    if compile:
        mode = compile if isinstance(compile, str) else None
        compiled = torch.compile(lambda x: _tensor_forward(fast, x), mode=mode, dynamic=False)
    result = FastSegmentor(fast, dtype, channels_last, compiled)
    if compiled is not None:
        # Compile now, not inside the first timed call. Freezing lets inductor treat the weights as
        # constants: it prepacks them for oneDNN and fuses ReLU/additions into the convolutions.
        from torch._inductor import config as inductor_config
        try:
            with warnings.catch_warnings(), inductor_config.patch(freezing=True):
                warnings.simplefilter('ignore')
                result(example_inputs)
        except Exception as err:  # inductor needs a working C++ compiler (CPU) or Triton (CUDA)
            raise RuntimeError(f'optimize_for_inference: torch.compile failed ({type(err).__name__}: '
                               f'{str(err).splitlines()[0] if str(err) else ""}); use compile=False'
                               ) from err
    return result
