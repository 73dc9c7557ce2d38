"""Atomic checkpoints and a strict resume: a kill during a save, torn files, dangling and missing pointers."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from da_testing.toy_runs import toy_runner

from mmseg_da.engine.runner import checkpoint_problem

TESTS = Path(__file__).resolve().parents[1]  # where the da_testing helpers live

# Trains the toy model, keeping one checkpoint; the second save writes half its bytes, then the process
# SIGKILLs itself (as a kill -9 or power loss in the middle of torch.save would leave it).
KILLED_DURING_SECOND_SAVE = textwrap.dedent('''
    import os, signal, sys
    sys.path.insert(0, {here!r})
    from mmengine.fileio.backends import LocalBackend
    from da_testing.toy_runs import toy_runner

    saves = []
    original_put = LocalBackend.put

    def put(self, obj, filepath):
        saves.append(filepath)
        if len(saves) == 2:
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        original_put(self, obj, filepath)

    LocalBackend.put = put
    toy_runner({work_dir!r}, iters=4, checkpoint=dict(type='AtomicCheckpointHook', interval=1, by_epoch=False,
                                                        max_keep_ckpts=1)).train()
''')


def test_a_kill_during_a_save_leaves_the_previous_checkpoint_and_last_checkpoint(tmp_path):
    work = tmp_path / 'work'
    script = tmp_path / 'train.py'
    script.write_text(KILLED_DURING_SECOND_SAVE.format(here=str(TESTS), work_dir=str(work)))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_1.pth')
    assert not (work / 'iter_2.pth').exists()  # the partial file has only its temporary name
    assert checkpoint_problem(str(work / 'iter_1.pth')) is None
    assert torch.load(work / 'iter_1.pth', map_location='cpu')['meta']['iter'] == 1

    runner = toy_runner(work, iters=2, resume=True)
    runner.train()  # resumes from iter_1.pth, trains iteration 2
    assert len(runner.model.steps) == 1
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')


def test_outdated_checkpoints_are_removed_only_after_the_new_one_is_in_place(tmp_path):
    runner = toy_runner(tmp_path, iters=3, checkpoint=dict(type='AtomicCheckpointHook', interval=1,
                                                            by_epoch=False, max_keep_ckpts=2))
    runner.train()
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['iter_2.pth', 'iter_3.pth']
    assert not list(tmp_path.glob('.*tmp*'))
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_3.pth')


@pytest.fixture
def finished(tmp_path) -> Path:
    """A work dir with iter_2.pth and iter_4.pth of a finished toy run."""
    toy_runner(tmp_path / 'work', iters=4).train()
    return tmp_path / 'work'


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_resume_without_last_checkpoint_names_the_work_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"work dir '.*empty' has no last_checkpoint file.*--resume-or-fresh"):
        toy_runner(tmp_path / 'empty', resume=True).train()


def test_resume_from_a_dangling_last_checkpoint_names_the_file(finished):
    (finished / 'iter_4.pth').unlink()
    with pytest.raises(FileNotFoundError, match=r"last_checkpoint names the checkpoint '.*iter_4\.pth', but the "
                                                r'file does not exist\. Nothing was trained'):
        toy_runner(finished, resume=True).train()


def test_a_truncated_checkpoint_is_never_read(finished):
    truncate(finished / 'iter_4.pth')
    assert 'not a complete checkpoint' in checkpoint_problem(str(finished / 'iter_4.pth'))
    assert checkpoint_problem(str(finished / 'iter_2.pth')) is None
    runner = toy_runner(finished, iters=6, resume=True)
    with pytest.raises(ValueError, match=r"names the checkpoint '.*iter_4\.pth', but it is not a complete "
                                         r'checkpoint \(\d+ bytes, BadZipFile'):
        runner.train()
    assert runner.model.steps == []
    with pytest.raises(ValueError, match=r"cannot resume from the checkpoint '.*iter_4\.pth'"):
        toy_runner(finished, resume=str(finished / 'iter_4.pth')).train()


def test_resume_or_fresh_starts_afresh_only_without_an_intact_checkpoint(finished, tmp_path):
    runner = toy_runner(tmp_path / 'empty', iters=2, resume=True, cfg=dict(allow_fresh_start=True))
    runner.train()
    assert len(runner.model.steps) == 2
    runner = toy_runner(finished, iters=6, resume=True, cfg=dict(allow_fresh_start=True))
    runner.train()
    assert len(runner.model.steps) == 2  # resumed at iteration 4
    truncate(finished / 'iter_6.pth')
    runner = toy_runner(finished, iters=2, resume=True, cfg=dict(allow_fresh_start=True))
    runner.train()
    assert len(runner.model.steps) == 2  # a fresh run, with a warning naming the file


def test_load_from_is_not_a_resume_source(finished, tmp_path):
    """A two-stage config's load_from (the warm-up) initialises a fresh run; --resume needs this run's own."""
    with pytest.raises(FileNotFoundError, match='no last_checkpoint'):
        toy_runner(tmp_path / 'stage2', resume=True, load_from=str(finished / 'iter_4.pth')).train()
    runner = toy_runner(tmp_path / 'stage2', iters=2, load_from=str(finished / 'iter_4.pth'))
    runner.train()
    assert len(runner.model.steps) == 2  # weights loaded, counters from zero
