"""mmseg on mmcv-lite: the stand-in for mmcv._ext is used only where no compiled extension exists."""
import importlib
import subprocess
import sys

import pytest
import torch

from mmseg_da import mmcv_lite

FULL_MMCV = mmcv_lite.has_compiled_ext()


def test_stand_in_serves_only_a_missing_extension(tmp_path, monkeypatch):
    """A real ``_ext`` (here a Python file) wins over the finder; without one the stand-in answers."""
    for name, real in (('with_ext', True), ('without_ext', False)):
        package = tmp_path / name
        package.mkdir()
        (package / '__init__.py').write_text('')
        if real:
            (package / '_ext.py').write_text('def nms(*args):\n    return "compiled"\n')
        monkeypatch.syspath_prepend(str(tmp_path))
        finder = mmcv_lite.install(f'{name}._ext')
        try:
            ext = importlib.import_module(f'{name}._ext')
        finally:
            sys.meta_path.remove(finder)
        if real:
            assert ext.nms() == 'compiled' and not isinstance(ext, mmcv_lite.StandInExtModule)
        else:
            assert isinstance(ext, mmcv_lite.StandInExtModule)
            assert importlib.util.find_spec(f'{name}._ext').loader is None  # "not full mmcv", honestly
            with pytest.raises(mmcv_lite.MissingCompiledOpError, match=r"'roi_align'.*make install MMCV=full"):
                ext.roi_align(torch.zeros(1))


def test_install_is_idempotent():
    before = list(sys.meta_path)
    assert mmcv_lite.install() is mmcv_lite.install()
    assert len(sys.meta_path) == len(before)


@pytest.mark.skipif(FULL_MMCV, reason='full mmcv is installed: the stand-in is inactive (tested below)')
def test_on_mmcv_lite_a_compiled_op_raises_a_clear_error():
    from mmcv.ops import nms
    from mmengine.utils.dl_utils import mmcv_full_available
    assert mmcv_lite.is_active() and not mmcv_full_available()
    with pytest.raises(mmcv_lite.MissingCompiledOpError) as info:
        nms(torch.rand(3, 4), torch.rand(3), 0.5)
    assert "'nms'" in str(info.value) and 'MMCV=full' in str(info.value)


@pytest.mark.skipif(not FULL_MMCV, reason='mmcv-lite is installed')
def test_with_full_mmcv_the_stand_in_is_never_used():
    assert not mmcv_lite.is_active()


def test_a_fresh_interpreter_imports_mmseg_models_without_mmseg_da():
    """What `python -c 'import mmseg.models'`, torchrun and spawned workers see (the .pth of make install)."""
    code = ('import sys, mmseg.models, mmcv.ops; '
            'print("mmseg_da" in sys.modules, type(sys.modules["mmcv._ext"]).__name__)')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    imported_plugin, ext_type = proc.stdout.split()
    assert imported_plugin == 'False'
    assert (ext_type == 'StandInExtModule') != FULL_MMCV
