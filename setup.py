"""Install mmseg-da, an MMSegmentation 1.x plugin for real-time unsupervised domain adaptation."""
import os

from setuptools import find_packages, setup

# The tested pins. A CUDA user who keeps their own torch sets MMSEG_DA_TORCH (e.g. 'torch>=2.1')
# so that pip leaves the installed build alone (see README, "Installing on a CUDA machine").
TORCH_REQUIREMENT = os.environ.get('MMSEG_DA_TORCH', 'torch==2.13.0')

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
        'mmcv==2.1.0',
        'mmsegmentation==1.2.2',
        'albumentations>=2.0,<2.1',
        'fvcore',
        'numpy<2',
        'opencv-python-headless<4.12',
        'matplotlib',
        # imported by mmseg 1.2.2 at import time
        'ftfy',
        'regex',
    ],
    extras_require={'tests': ['pytest', 'pytest-timeout']},
)
