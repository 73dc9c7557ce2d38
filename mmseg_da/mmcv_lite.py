"""Let mmseg 1.2.2 import on ``mmcv-lite`` (mmcv without compiled ops), so a CPU install needs no compiler.

mmseg imports ``mmcv.ops`` at import time (``point_sample``, ``sigmoid_focal_loss``), and every
``mmcv.ops`` module loads the compiled extension ``mmcv._ext``, which mmcv-lite does not ship. Nothing this
project runs calls a compiled op, so we answer the import of ``mmcv._ext`` with a stand-in module:

* It is served by a finder appended to the *end* of ``sys.meta_path``: Python asks it only after the
  regular finders found no real ``mmcv._ext``. With full mmcv installed the stand-in is never used.
* Its ``__spec__`` has no loader, so mmengine's ``is_mmcv_full_available()`` honestly answers False.
* Any op looked up on it is a function that raises :class:`MissingCompiledOpError` naming the op and
  how to install full mmcv (``make install MMCV=full``).

This file imports only the standard library: ``make install`` registers it in a ``.pth`` file of the
virtual environment, so that every interpreter (tools, ``torchrun`` and dataloader workers,
``python -c 'import mmseg.models'``, mmseg's own tools) has the finder before it imports mmseg.
``python mmseg_da/mmcv_lite.py --install-pth`` writes that file; ``mmseg_da/__init__.py`` installs the
finder too, for environments set up without the Makefile.
"""
import importlib.abc
import importlib.machinery
import os.path as osp
import sys
import sysconfig
import types
from typing import Callable, Optional, Sequence

EXT_MODULE = 'mmcv._ext'
PTH_NAME = 'mmseg_da_mmcv_lite.pth'
FULL_MMCV_HINT = ('install full mmcv 2.1.0 with its compiled ops: `make install MMCV=full` (prebuilt '
                  'OpenMMLab wheels exist for CUDA torch builds, see docs/get_started.md, "Installing on a CUDA '
                  'machine")')
# Not ops: mmcv's environment report asks these, and a report should not fail.
_INFO_FUNCTIONS = {'get_compiler_version': 'n/a (mmcv-lite, no compiled ops)',
                   'get_compiling_cuda_version': 'n/a (mmcv-lite, no compiled ops)'}


class MissingCompiledOpError(RuntimeError):
    """A compiled mmcv op was called, but only mmcv-lite (no ``mmcv._ext``) is installed."""


class StandInExtModule(types.ModuleType):
    """Stands in for ``mmcv._ext``: each attribute is an op that raises a clear error when called."""

    IS_MMSEG_DA_STANDIN = True

    def __getattr__(self, name: str) -> Callable:
        if name.startswith('__'):
            raise AttributeError(name)
        if name in _INFO_FUNCTIONS:
            return lambda: _INFO_FUNCTIONS[name]

        def missing_op(*args, **kwargs):
            raise MissingCompiledOpError(
                f'mmcv op {name!r} was called, but it needs mmcv\'s compiled extensions ({self.__name__}) '
                f'and only mmcv-lite is installed; {FULL_MMCV_HINT}')

        missing_op.__name__ = name
        return missing_op


class StandInExtFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finder of last resort for ``mmcv._ext`` (or another name, for tests)."""

    IS_MMSEG_DA_STANDIN = True

    def __init__(self, name: str = EXT_MODULE) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target=None):
        if fullname != self.name:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return StandInExtModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        # A spec without loader: mmengine's is_mmcv_full_available() reads it and answers False.
        module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)


def install(name: str = EXT_MODULE) -> StandInExtFinder:
    """Append the stand-in finder for ``name`` to ``sys.meta_path`` (idempotent); return it."""
    for finder in sys.meta_path:
        if getattr(finder, 'IS_MMSEG_DA_STANDIN', False) and getattr(finder, 'name', None) == name:
            return finder
    finder = StandInExtFinder(name)
    sys.meta_path.append(finder)
    return finder


def has_compiled_ext() -> bool:
    """True when the installed mmcv ships its compiled ``_ext`` (full mmcv); imports nothing."""
    import glob
    import importlib.util
    spec = importlib.util.find_spec('mmcv')
    return bool(spec and spec.origin and glob.glob(osp.join(osp.dirname(spec.origin), '_ext*')))


def is_active() -> bool:
    """True when ``mmcv._ext`` resolves to the stand-in (i.e. mmcv-lite is in use)."""
    import importlib
    try:
        module = importlib.import_module(EXT_MODULE)
    except ImportError:
        return False
    return bool(getattr(type(module), 'IS_MMSEG_DA_STANDIN', False))


def install_pth(site_packages: Optional[str] = None) -> str:
    """Write the ``.pth`` file that installs the finder at interpreter start-up; return its path.

    The line loads this file as ``mmseg_da.mmcv_lite`` without importing the package (which imports
    mmseg), so the package later finds the same module and exception classes in ``sys.modules``.
    """
    site_packages = site_packages or sysconfig.get_paths()['purelib']
    path = osp.join(site_packages, PTH_NAME)
    line = ('import importlib.util, os, sys; p = {path!r}; '
            's = os.path.isfile(p) and importlib.util.spec_from_file_location("mmseg_da.mmcv_lite", p); '
            'm = s and importlib.util.module_from_spec(s); '
            's and (sys.modules.setdefault(s.name, m), s.loader.exec_module(m), m.install())\n'
            ).format(path=osp.abspath(__file__))
    with open(path, 'w', encoding='utf-8') as f:
        f.write(line)
    return path


if __name__ == '__main__':  # for the Makefile: no package import (it would import mmseg)
    if sys.argv[1:] == ['--install-pth']:
        print(f'wrote {install_pth()}')
    elif sys.argv[1:] == ['--has-compiled-ext']:
        sys.exit(0 if has_compiled_ext() else 1)
    else:
        sys.exit(f'usage: python {sys.argv[0]} --install-pth | --has-compiled-ext')
