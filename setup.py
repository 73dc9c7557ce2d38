"""Install mmseg-da, an MMSegmentation 1.x plugin for real-time unsupervised domain adaptation."""
import os

from setuptools import find_packages, setup

# The tested pins. A CUDA user who keeps their own torch sets MMSEG_DA_TORCH (e.g. 'torch>=2.1')
# so that pip leaves the installed build alone (see docs/get_started.md, "Installing on a CUDA machine").
TORCH_REQUIREMENT = os.environ.get('MMSEG_DA_TORCH', 'torch==2.13.0')


def mmcv_requirement() -> str:
    """mmcv 2.1.0 as the environment has it: full (compiled ops) if installed, else mmcv-lite.

    Both distributions provide the ``mmcv`` package, so asking for the other one would overwrite it.
    ``MMSEG_DA_MMCV=full|lite`` forces the choice (``make install MMCV=...`` sets it).
    """
    choice = os.environ.get('MMSEG_DA_MMCV', 'auto')
    if choice == 'auto':
        from importlib import metadata
        try:
            metadata.version('mmcv')
            choice = 'full'
        except metadata.PackageNotFoundError:
            choice = 'lite'
    return 'mmcv==2.1.0' if choice == 'full' else 'mmcv-lite==2.1.0'


setup(
    name='mmseg_da',
    version='0.1.0',
    description='Real-time unsupervised domain adaptation for semantic segmentation, as an mmseg 1.x plugin',
    long_description=open('README.md', encoding='utf-8').read() if os.path.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmseg_da', 'mmseg_da.*']),
    python_requires='>=3.9',
    install_requires=[
        TORCH_REQUIREMENT,
        'mmengine==0.10.7',
        mmcv_requirement(),
        'mmsegmentation==1.2.2',
        'albumentations>=2.0,<2.1',
        'fvcore',
        'scipy',  # the comparison tool's Welch intervals
        'numpy<2',
        'opencv-python-headless<4.12',
        'matplotlib',
        # imported by mmseg 1.2.2 at import time
        'ftfy',
        'regex',
    ],
    extras_require={
        'tests': ['pytest', 'pytest-timeout', 'pytest-xdist', 'ruff==0.17.*'],
        # ONNX export and ONNX Runtime inference (tools/deploy/onnx_export.py, tools/benchmark.py --backend
        # onnxruntime); the versions tested with torch 2.13, Python 3.11 and numpy < 2. Their tests skip without them.
        'deploy': ['onnx>=1.23,<1.24', 'onnxruntime>=1.32,<1.33'],
    },
)
