"""ONNX export of a deployable segmentor, and its parity with PyTorch on real (or random) images.

    from mmseg_da.deploy.onnx_export import export_onnx
    export_onnx(segmentor, 'pidnet_s.onnx', shape=(512, 512), dynamic=True)

The file is written beside its final name and renamed when complete and checked (never left torn).
The graph is ``segmentor(images, mode='tensor')`` in eval mode (what ``tools/benchmark.py`` times and fvcore
counts): normalised images ``images`` (N, 3, H, W) in, ``logits`` (N, classes, h, w) out, for PIDNet-S at
1/8 of the input size; ``full_size`` adds the bilinear resize to the input size that mmseg's prediction
applies. It is exported with torch's TorchScript-based exporter (``dynamo=False``): the default dynamo
exporter of torch 2.13 needs onnxscript, which is not a dependency, and the legacy one exports PIDNet's
``align_corners`` resizes with opset >= 11 (17 by default).
"""
import os.path as osp
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.models.utils import resize
from torch import Tensor, nn

from mmseg_da.models.utils.deployable import deployable_segmentor
from mmseg_da.models.utils.output_levels import head_align_corners

from .onnx_runtime import OnnxSegmentor, require, write_onnx_atomically

DEFAULT_OPSET = 17
INPUT_NAME, OUTPUT_NAME = 'images', 'logits'


class TensorForward(nn.Module):
    """``segmentor(images, mode='tensor')`` as a one-input module; with ``full_size`` resized to the input size."""

    def __init__(self, segmentor: nn.Module, full_size: bool = False) -> None:
        super().__init__()
        self.segmentor = segmentor
        self.full_size = full_size

    def forward(self, images: Tensor) -> Tensor:
        logits = self.segmentor(images, mode='tensor')
        if self.full_size:
            logits = resize(logits, size=images.shape[2:], mode='bilinear',
                            align_corners=head_align_corners(self.segmentor))
        return logits


def export_onnx(segmentor: nn.Module, out: str, shape: Tuple[int, int] = (512, 512), batch: int = 1,
                dynamic: bool = False, opset: int = DEFAULT_OPSET, full_size: bool = False) -> Dict[str, object]:
    """Export the deployable segmentor inside ``segmentor`` (eval mode, float32) to ``out``, and check the file.

    Args:
        segmentor: A segmentor, or a model that contains one (UDA segmentor, DDP wrapper).
        out: The ``.onnx`` path; its folder must exist.
        shape: The input (H, W) it is traced at (and fixed to, unless ``dynamic``).
        batch: The batch it is traced at.
        dynamic: Make batch, height and width dynamic axes.
        opset: The ONNX opset.
        full_size: Resize the logits to the input size inside the graph.

    Returns:
        ``path``, ``opset``, ``input_shape``/``output_shape`` (names for dynamic axes), ``dynamic``,
        ``full_size`` and ``bytes``.

    Raises:
        FileNotFoundError: If the folder of ``out`` does not exist.
        WriteError: If ``out`` cannot be written (nothing is left under its name).
        MissingDependencyError: Without onnx.
    """
    onnx = require('onnx')
    out_dir = osp.dirname(osp.abspath(out))
    if not osp.isdir(out_dir):
        raise FileNotFoundError(f'--out folder does not exist: {out_dir}')
    seg = deployable_segmentor(segmentor)
    # the exporter restores the module's own mode afterwards: a fresh wrapper must be in eval mode itself
    module = TensorForward(seg, full_size).eval()
    example = torch.randn(batch, 3, *shape, generator=torch.Generator().manual_seed(0)).to(
        next(seg.parameters()).device)
    axes = None
    if dynamic:
        axes = {INPUT_NAME: {0: 'batch', 2: 'height', 3: 'width'},
                OUTPUT_NAME: {0: 'batch', 2: 'logits_height', 3: 'logits_width'}}

    def write(tmp: str) -> None:
        was_training = seg.training
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter('ignore')  # tracer warnings on Python-side shape arithmetic, deprecation notes
                torch.onnx.export(module, (example,), tmp, dynamo=False, opset_version=opset,
                                  input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], dynamic_axes=axes,
                                  do_constant_folding=True)
        finally:
            seg.train(was_training)
        onnx.checker.check_model(onnx.load(tmp))  # before the rename: a bad graph never gets the final name

    write_onnx_atomically(out, write)
    model = onnx.load(out)

    def dims(value_info):
        return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]

    return dict(path=out, opset=opset, input_shape=dims(model.graph.input[0]),
                output_shape=dims(model.graph.output[0]), dynamic=dynamic, full_size=full_size,
                bytes=osp.getsize(out))


def random_images(segmentor: nn.Module, count: int, shape: Tuple[int, int], seed: int = 0) -> List[Tensor]:
    """``count`` random uint8 images of ``shape`` through the segmentor's data preprocessor, (1, 3, H, W) each."""
    generator = torch.Generator().manual_seed(seed)
    raw = [torch.randint(0, 256, (3, *shape), generator=generator, dtype=torch.uint8) for _ in range(count)]
    return [_preprocess(segmentor, image, shape) for image in raw]


def dataset_images(segmentor: nn.Module, cfg: Config, count: int, shape: Tuple[int, int]) -> List[Tensor]:
    """The first ``count`` images of the config's test split (test pipeline, data preprocessor), resized to ``shape``.

    Raises:
        FileNotFoundError: If the test data is not there (the message suggests ``--random-inputs``).
    """
    from mmseg_da.apis import build_split_dataset
    try:
        dataset = build_split_dataset(cfg, 'test')
    except FileNotFoundError as err:
        raise FileNotFoundError(f'{str(err).rstrip(".")}. The parity check needs the test images: point '
                                '--data-root at them, or check on random images with --random-inputs') from err
    if len(dataset) == 0:
        raise FileNotFoundError(f'{cfg.filename}: the test split holds no images; use --random-inputs')
    return [_preprocess(segmentor, dataset[i]['inputs'], shape) for i in range(min(count, len(dataset)))]


def _preprocess(segmentor: nn.Module, image: Tensor, shape: Tuple[int, int]) -> Tensor:
    with torch.no_grad():
        inputs = deployable_segmentor(segmentor).data_preprocessor(dict(inputs=[image]), False)['inputs']
        if tuple(inputs.shape[-2:]) != tuple(shape):
            inputs = F.interpolate(inputs.float(), size=shape, mode='bilinear', align_corners=False)
    return inputs


def parity(reference: Callable[[Tensor], Tensor], candidate: Callable[[Tensor], Tensor],
           images: Sequence[Tensor], align_corners: bool) -> Dict[str, float]:
    """Argmax agreement and the largest logit difference of two models on the same images.

    Args:
        reference: E.g. :class:`TensorForward` of the PyTorch segmentor.
        candidate: E.g. an :class:`~mmseg_da.deploy.onnx_runtime.OnnxSegmentor`; the same outputs expected.
        images: Normalised batches (N, 3, H, W).
        align_corners: How logits are resized to the input size before the argmax.

    Returns:
        ``images``, ``pixels``, ``argmax_agreement`` (fraction of pixels with the same class),
        ``max_abs_diff`` (largest |logit difference|) and ``max_abs_logit`` (largest |reference logit|).
    """
    same = pixels = count = 0
    max_diff = max_logit = 0.0
    for batch in images:
        with torch.no_grad():
            expected = reference(batch).float().cpu()
        got = candidate(batch).float().cpu()
        if got.shape != expected.shape:
            raise ValueError(f'the models disagree on the output shape: {list(got.shape)} vs {list(expected.shape)}')
        max_diff = max(max_diff, float((got - expected).abs().max()))
        max_logit = max(max_logit, float(expected.abs().max()))
        size = batch.shape[-2:]
        labels = [resize(x, size=size, mode='bilinear', align_corners=align_corners).argmax(1) for x in (expected, got)]
        same += int((labels[0] == labels[1]).sum())
        pixels += labels[0].numel()
        count += batch.shape[0]
    return dict(images=count, pixels=pixels, argmax_agreement=same / max(pixels, 1), max_abs_diff=max_diff,
                max_abs_logit=max_logit)


def export_and_check(segmentor: nn.Module, out: str, shape: Tuple[int, int], images: Sequence[Tensor],
                     dynamic: bool = False, opset: int = DEFAULT_OPSET, full_size: bool = False,
                     threads: Optional[int] = None) -> Dict[str, object]:
    """:func:`export_onnx`, then :func:`parity` of ONNX Runtime with PyTorch on ``images``.

    Returns:
        The export's figures with the parity figures under ``parity``.
    """
    seg = deployable_segmentor(segmentor).eval()
    result = export_onnx(seg, out, shape, dynamic=dynamic, opset=opset, full_size=full_size)
    align_corners = head_align_corners(seg)
    ort_model = OnnxSegmentor(out, align_corners=align_corners, threads=threads)
    result['parity'] = parity(TensorForward(seg, full_size).eval(), ort_model, images, align_corners)
    return result


def format_export(result: Dict[str, object], source: str) -> str:
    """The console report of :func:`export_and_check`: the file, then the parity figures."""
    p = result['parity']
    output = 'at the input size' if result['full_size'] else "as forward(mode='tensor')"
    return '\n'.join([
        f"wrote {result['path']} ({result['bytes'] / 2**20:.1f} MiB, opset {result['opset']}): "
        f"{INPUT_NAME} {result['input_shape']} -> {OUTPUT_NAME} {result['output_shape']} ({output})"
        + (' | dynamic batch, height, width' if result['dynamic'] else ''),
        f"parity with PyTorch on {p['images']} {source}: argmax agreement {100 * p['argmax_agreement']:.3f}% of "
        f"{p['pixels']} pixels | max |logit difference| {p['max_abs_diff']:.3g} (largest |logit| "
        f"{p['max_abs_logit']:.3g})"])
