"""int8 ONNX: static quantization of an exported segmentor, calibrated on unlabelled target-domain images.

    from mmseg_da.deploy.onnx_quantize import ArrayCalibrationReader, quantize_onnx, target_images
    images = target_images(segmentor, cfg, count=32, shape=(512, 512))    # labels never read
    quantize_onnx('pidnet_s.onnx', 'pidnet_s_int8.onnx', ArrayCalibrationReader('images', images))

ONNX Runtime's tools do the work (``onnxruntime.quantization``): ``quant_pre_process`` (shape inference and
graph optimisation, as ONNX Runtime recommends before quantizing), then ``quantize_static`` in the QDQ format
with per-channel int8 weights and uint8 activations (U8S8, the combination ONNX Runtime's x86 int8 kernels
run fastest), the activation ranges calibrated on the given images. ``reduce_range`` (7-bit weights) defaults
to on where the CPU has no VNNI: ONNX Runtime notes that U8S8 can saturate on AVX2/AVX-512 without VNNI.

Calibration images are those the deployed model will see: the target domain of an adaptation config
(``train_dataloader.dataset.target``), or the test dataset of a named domain, read through the config's test
pipeline without the transforms that load or use labels, so target labels are never opened.
"""
import copy
import logging
import os.path as osp
import tempfile
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from torch import Tensor

from mmseg_da.config.inference_pipeline import LABEL_TRANSFORMS, inference_pipeline
from mmseg_da.config.walk import dataset_configs

from .machine_peak import CPUINFO, cpu_flags
from .onnx_runtime import require, write_onnx_atomically

#: ``calibrate_method`` names of :func:`quantize_onnx` (ONNX Runtime's CalibrationMethod members).
CALIBRATION_METHODS = {'minmax': 'MinMax', 'entropy': 'Entropy', 'percentile': 'Percentile'}


class ArrayCalibrationReader:
    """ONNX Runtime's ``CalibrationDataReader`` over a list of normalised batches (N, 3, H, W).

    Args:
        input_name: The graph's input name.
        images: The batches, as tensors or arrays.
    """

    def __init__(self, input_name: str, images: Sequence) -> None:
        self.input_name = input_name
        self.images = [np.ascontiguousarray(
            image.detach().cpu().float().numpy() if isinstance(image, Tensor) else image, dtype=np.float32)
            for image in images]
        if not self.images:
            raise ValueError('calibration needs at least one image')
        self._next = 0

    def get_next(self) -> Optional[Dict[str, np.ndarray]]:
        """The next input feed, or None when all were given."""
        if self._next >= len(self.images):
            return None
        self._next += 1
        return {self.input_name: self.images[self._next - 1]}

    def rewind(self) -> None:
        """Start again from the first batch."""
        self._next = 0

    def __len__(self) -> int:
        return len(self.images)


def calibration_dataset_config(cfg: Config, domain: Optional[str] = None) -> Tuple[dict, str]:
    """The dataset config of the deployment domain, with an image-only test pipeline, and where it is from.

    Args:
        cfg: The config.
        domain: A domain of the config's test datasets (``dusk``, ``Rural``); None takes the adaptation
            config's target dataset.

    Raises:
        ValueError: If there is neither a target dataset nor a test dataset of ``domain``.
    """
    if domain is None:
        train = (cfg.get('train_dataloader') or {}).get('dataset') or {}
        targets = list(dataset_configs(train.get('target'))) if isinstance(train, dict) else []
        if not targets:
            raise ValueError(f'{cfg.filename} has no target dataset (train_dataloader.dataset.target of an '
                             'adaptation config): name the domain the model will see with --domain')
        where = 'the target dataset'
    else:
        tests = list(dataset_configs((cfg.get('test_dataloader') or {}).get('dataset')))
        targets = [d for d in tests if d.get('domain') == domain]
        if not targets:
            found = sorted({str(d.get('domain')) for d in tests})
            raise ValueError(f'--domain {domain!r}: no test dataset of {cfg.filename} has that domain '
                             f'(domains: {", ".join(found) or "none"})')
        where = f'the test dataset(s) of domain {domain}'
    pipeline = [t for t in inference_pipeline(cfg, with_annotations=False) if t.get('type') not in LABEL_TRANSFORMS]
    configs = []
    for target in targets:
        target = copy.deepcopy(dict(target))
        target['pipeline'] = pipeline
        configs.append(target)
    return (configs[0] if len(configs) == 1 else dict(type='ConcatDataset', datasets=configs)), where


def spread_indices(total: int, count: int) -> List[int]:
    """``count`` indices spread evenly over ``range(total)`` (all of them where ``count >= total``)."""
    if count >= total:
        return list(range(total))
    return sorted({int(round(i)) for i in np.linspace(0, total - 1, count)})


def target_images(segmentor: torch.nn.Module, cfg: Config, count: int, shape: Optional[Tuple[int, int]] = None,
                  domain: Optional[str] = None) -> Tuple[List[Tensor], str]:
    """``count`` unlabelled images of the deployment domain, preprocessed as the segmentor tests them.

    Spread evenly over the dataset; each through the image-only test pipeline and the data preprocessor,
    resized (bilinear) to ``shape`` where given.

    Returns:
        The (1, 3, H, W) batches, and a description of where they came from.

    Raises:
        ValueError: For ``count < 1`` or no such dataset; FileNotFoundError where its images are missing.
    """
    from mmseg.registry import DATASETS

    from .onnx_export import _preprocess
    if count < 1:
        raise ValueError(f'--calib-images must be >= 1, got {count}')
    dataset_cfg, where = calibration_dataset_config(cfg, domain)
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) == 0:
        raise FileNotFoundError(f'{where} of {cfg.filename} holds no images to calibrate on')
    images = []
    for index in spread_indices(len(dataset), count):
        image = dataset[index]['inputs']
        images.append(_preprocess(segmentor, image, tuple(shape) if shape else tuple(image.shape[-2:])))
    return images, f'{len(images)} unlabelled images of {where} ({len(dataset)} there)'


def has_vnni(cpuinfo: Optional[str] = None) -> bool:
    """Whether the CPU has an int8 dot product of VNNI (AVX-512 VNNI or AVX-VNNI)."""
    if cpuinfo is None:
        try:
            with open(CPUINFO, encoding='utf-8') as f:
                cpuinfo = f.read()
        except OSError:
            return False
    return bool(cpu_flags(cpuinfo) & {'avx512_vnni', 'avx_vnni', 'amx_int8'})


def quantize_onnx(fp32_path: str, out: str, reader, per_channel: bool = True, preprocess: bool = True,
                  calibrate_method: str = 'minmax', reduce_range: Optional[bool] = None,
                  write: Callable[[str], None] = print) -> Dict[str, object]:
    """Quantize an fp32 ``.onnx`` to int8 (QDQ, U8S8), calibrated on ``reader``'s images; write ``out`` atomically.

    Args:
        fp32_path: The exported fp32 graph.
        out: The int8 ``.onnx`` to write (never left half-written).
        reader: An ONNX Runtime ``CalibrationDataReader`` (e.g. :class:`ArrayCalibrationReader`).
        per_channel: One weight scale per output channel.
        preprocess: Run ``quant_pre_process`` (shape inference, graph optimisation) first; where it fails,
            quantize the graph as it is (``write`` says so).
        calibrate_method: ``'minmax'``, ``'entropy'`` or ``'percentile'``.
        reduce_range: 7-bit weights; None: on where the CPU has no VNNI.
        write: Where a note on a skipped pre-processing goes.

    Returns:
        ``path``, ``bytes``, ``fp32_bytes``, ``calibration_images``, ``per_channel``, ``reduce_range``,
        ``calibrate_method``, ``preprocessed``, ``format`` (``'QDQ'``), ``activations``/``weights`` types.

    Raises:
        ValueError: For an unknown ``calibrate_method``. WriteError: if ``out`` cannot be written.
    """
    require('onnx')
    require('onnxruntime')
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process
    if calibrate_method not in CALIBRATION_METHODS:
        raise ValueError(f'--calib-method must be one of {sorted(CALIBRATION_METHODS)}, got {calibrate_method!r}')
    if not osp.isfile(fp32_path):
        raise FileNotFoundError(f'fp32 ONNX file not found: {fp32_path!r}')
    from .onnx_runtime import ort_session
    ort_session(fp32_path, threads=1)  # a garbage or truncated file: a clear error naming it
    if reduce_range is None:
        reduce_range = not has_vnni()
    with tempfile.TemporaryDirectory(prefix='mmseg_da_quant_') as tmp_dir:
        source, preprocessed = fp32_path, False
        if preprocess:
            prepared = osp.join(tmp_dir, 'preprocessed.onnx')
            try:
                quant_pre_process(fp32_path, prepared, skip_symbolic_shape=False)
                source, preprocessed = prepared, True
            except Exception as err:  # noqa: BLE001 (onnxruntime's optimiser or shape inference)
                write(f'quant_pre_process failed ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ""})'
                      ': quantizing the graph without it')

        def quantize(tmp: str) -> None:
            reader.rewind()
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # one warning per pre-convolution BatchNorm's 1-D scale (not quantized)
            try:
                quantize_static(source, tmp, reader, quant_format=QuantFormat.QDQ, per_channel=per_channel,
                                reduce_range=reduce_range, activation_type=QuantType.QUInt8,
                                weight_type=QuantType.QInt8,
                                calibrate_method=getattr(CalibrationMethod, CALIBRATION_METHODS[calibrate_method]),
                                extra_options=dict(ActivationSymmetric=False, WeightSymmetric=True))
            finally:
                root.setLevel(level)

        write_onnx_atomically(out, quantize)
    return dict(path=out, bytes=osp.getsize(out), fp32_bytes=osp.getsize(fp32_path), calibration_images=len(reader),
                per_channel=per_channel, reduce_range=reduce_range, calibrate_method=calibrate_method,
                preprocessed=preprocessed, format='QDQ', activations='uint8', weights='int8')
