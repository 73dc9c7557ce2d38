"""ONNX Runtime inference of an exported segmentor, with the interface of the fast path.

    from mmseg_da.deploy.onnx_runtime import OnnxSegmentor
    ort_model = OnnxSegmentor('pidnet_s.onnx', threads=2)
    logits = ort_model(images)                 # as segmentor(images, mode='tensor')
    labels = ort_model.predict_labels(images)  # (N, H, W), resized as the eager segmentor's

onnx and onnxruntime are the optional ``deploy`` extra (``pip install -e .[deploy]``).
"""
import importlib
import os.path as osp
from typing import Callable, Optional, Sequence, Tuple, Union

import torch
from mmseg.models.utils import resize
from torch import Tensor

#: What to install for the ONNX tools.
INSTALL_HINT = "pip install -e '.[deploy]' (onnx and onnxruntime)"


class MissingDependencyError(ValueError):
    """An optional package of the ``deploy`` extra is not installed (a user error: the tools print it)."""


class InvalidOnnxFileError(ValueError):
    """A file that ONNX Runtime cannot load (garbage, truncated, not a model): a user error naming the file."""


class WriteError(ValueError):
    """A file could not be written (read-only place, a folder in the way, full disk): a user error naming it."""


def write_onnx_atomically(path: str, write: Callable[[str], None]) -> None:
    """``write(tmp_path)`` then rename to ``path`` (:func:`~mmseg_da.fileio.atomic_files.replace_atomically`).

    A failed write leaves nothing under ``path`` (an older file there stays whole).

    Raises:
        WriteError: For an ``OSError`` (full disk, read-only folder, a folder at ``path``), naming ``path``.
    """
    from mmseg_da.fileio.atomic_files import replace_atomically
    if osp.isdir(path):
        raise WriteError(f'cannot write the ONNX file {path}: a folder of that name is in the way; '
                             'give a file name (e.g. model.onnx) or remove the folder')
    try:
        replace_atomically(path, write)
    except OSError as err:
        raise WriteError(f'cannot write the ONNX file {path}: {err.strerror or err} '
                             f'({type(err).__name__}); nothing was written under that name (an earlier file '
                             'there is kept whole): choose a writable place with free space') from err


def require(module: str):
    """Import ``module`` (``'onnx'``, ``'onnxruntime'``) or raise :class:`MissingDependencyError`."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingDependencyError(f'{module} is not installed ({err}); {INSTALL_HINT}') from err


def ort_session(path: str, threads: Optional[int] = None, device: Union[str, torch.device] = 'cpu'):
    """An ``onnxruntime.InferenceSession`` for ``path``: all graph optimisations, ``threads`` intra-op threads.

    Args:
        path: The ``.onnx`` file.
        threads: Intra-op threads (None: torch's current number, as the eager path uses).
        device: ``cpu``, or a CUDA device where onnxruntime has its CUDA execution provider.

    Raises:
        FileNotFoundError: If ``path`` is missing.
        InvalidOnnxFileError: If ONNX Runtime cannot load it (garbage, truncated), naming the file.
        ValueError: For CUDA without onnxruntime's CUDA provider.
    """
    ort = require('onnxruntime')
    if not osp.isfile(path):
        raise FileNotFoundError(f'ONNX file not found: {path!r}')
    device = torch.device(device)
    providers = ['CPUExecutionProvider']
    if device.type == 'cuda':
        if 'CUDAExecutionProvider' not in ort.get_available_providers():
            raise ValueError('onnxruntime on CUDA needs the onnxruntime-gpu package (this onnxruntime has '
                             f'{ort.get_available_providers()}); use --device cpu')
        providers.insert(0, ('CUDAExecutionProvider', {'device_id': device.index or 0}))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: no warnings about unused initialisers
    try:
        return ort.InferenceSession(path, sess_options=options, providers=providers)
    except Exception as err:  # onnxruntime's own exceptions (InvalidProtobuf, Fail, ...) derive from Exception
        if not type(err).__module__.startswith('onnxruntime'):
            raise
        message = str(err).splitlines()[0] if str(err) else ''
        raise InvalidOnnxFileError(f'{path} is not a model ONNX Runtime can load ({type(err).__name__}: '
                                   f'{message}); is it truncated or another kind of file? Export it again with '
                                   'tools/deploy/onnx_export.py') from err


def input_shape(session) -> Tuple[Union[int, str], ...]:
    """The shape of the session's (only) input, with names for dynamic axes."""
    return tuple(session.get_inputs()[0].shape)


def check_input_shape(session, shape: Sequence[int], path: str = 'the ONNX model') -> None:
    """Raise a ValueError if the model's fixed axes cannot take an input of ``shape`` (N, 3, H, W)."""
    expected = input_shape(session)
    if len(expected) != len(shape) or any(isinstance(e, int) and e != s for e, s in zip(expected, shape)):
        raise ValueError(f'{path} takes inputs of shape {list(expected)}, not {list(shape)}: export it with '
                         'that --shape (or --dynamic)')


class OnnxSegmentor:
    """An exported segmentor run by ONNX Runtime: ``self(images) -> logits``, ``predict_labels(images)``.

    Args:
        model: An ``.onnx`` path or an ``onnxruntime.InferenceSession``.
        align_corners: How the logits are resized to the input size in :meth:`predict_labels` (the decode
            head's ``align_corners``, as the eager segmentor resizes them).
        threads: Intra-op threads of a session built here.
        device: Where a session built here runs.
    """

    def __init__(self, model, align_corners: bool = False, threads: Optional[int] = None,
                 device: Union[str, torch.device] = 'cpu') -> None:
        self.session = ort_session(model, threads, device) if isinstance(model, str) else model
        self.input_name = self.session.get_inputs()[0].name
        self.align_corners = align_corners

    def __call__(self, inputs: Tensor) -> Tensor:
        """The logits of the exported graph (float32, on the CPU) for a normalised (N, 3, H, W) batch."""
        array = inputs.detach().to('cpu', torch.float32).contiguous().numpy()
        return torch.from_numpy(self.session.run(None, {self.input_name: array})[0])

    def predict_labels(self, inputs: Tensor) -> Tensor:
        """Class index per input pixel, (N, H, W): logits resized (bilinear) to the input size, then argmax."""
        logits = resize(self(inputs), size=inputs.shape[-2:], mode='bilinear', align_corners=self.align_corners)
        return logits.argmax(dim=1)
