"""The atomic-write helper: failures name the file and keep the earlier one; stale temporaries of killed saves."""
import errno
import os
import subprocess
import sys

import pytest
import torch

from mmseg_da.fileio.atomic_files import (
    FileWriteError,
    remove_stale_temporaries,
    replace_atomically,
    temporary_path,
    write_text_atomically,
)


def dead_pid() -> int:
    """The id of a process that has exited."""
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


def test_a_folder_in_the_way_is_named_and_nothing_is_written(tmp_path):
    (tmp_path / 'report.json').mkdir()
    with pytest.raises(FileWriteError, match=r"cannot write '.*report.json': a folder is in the way") as err:
        write_text_atomically(str(tmp_path / 'report.json'), '{}')
    assert err.value.errno == errno.EISDIR and err.value.filename.endswith('report.json')
    assert sorted(os.listdir(tmp_path)) == ['report.json']


def test_torch_on_a_full_disk_is_named_and_the_earlier_checkpoint_kept(tmp_path):
    target = tmp_path / 'iter_8.pth'
    target.write_bytes(b'earlier')
    # /dev/full fails every write with ENOSPC: torch's zip writer reports that as a RuntimeError
    with pytest.raises(FileWriteError, match=r"cannot write '.*iter_8.pth': the write failed \(\d+ MiB free there; "
                                             r'is the disk full\?\).*the earlier file under that name is unchanged'):
        replace_atomically(str(target), lambda tmp: torch.save({'w': torch.zeros(1000)}, '/dev/full'))
    assert target.read_bytes() == b'earlier' and sorted(os.listdir(tmp_path)) == ['iter_8.pth']


@pytest.mark.parametrize('code, reason', [(errno.ENOSPC, 'the disk is full'),
                                          (errno.EROFS, 'the file system is read-only'),
                                          (errno.EACCES, 'permission denied')])
def test_os_errors_become_one_paragraph_naming_the_file(tmp_path, code, reason):
    def write(tmp):
        with open(tmp, 'w') as f:
            f.write('partial')
        raise OSError(code, os.strerror(code))

    with pytest.raises(FileWriteError, match=f"cannot write '.*summary.json': {reason}") as err:
        replace_atomically(str(tmp_path / 'summary.json'), write)
    assert err.value.errno == code and '\n' not in str(err.value)
    assert os.listdir(tmp_path) == []  # the temporary file was removed


def test_only_stale_temporaries_of_the_helper_are_removed(tmp_path):
    dead = dead_pid()
    stale = tmp_path / f'.iter_8.pth.tmp{dead}'
    live = tmp_path / f'.iter_9.pth.tmp{os.getpid()}'  # a save in progress in this process
    others = [tmp_path / 'notes.tmp123', tmp_path / f'iter_8.pth.tmp{dead}', tmp_path / '.cache.tmp',
              tmp_path / f'.iter_7.pth.tmp{dead}x']
    for path in [stale, live, *others]:
        path.write_bytes(b'x')
    (tmp_path / f'.folder.tmp{dead}').mkdir()
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and all(p.exists() for p in others)
    assert temporary_path(tmp_path / 'iter_9.pth') == str(live)


def test_the_runner_removes_the_temporary_file_of_a_killed_save_at_the_next_start(tmp_path):
    from da_testing.toy_runs import toy_runner
    work = tmp_path / 'work'
    work.mkdir()
    stale = work / f'.iter_8.pth.tmp{dead_pid()}'
    stale.write_bytes(b'half a checkpoint')
    mine = work / 'keep.tmp1'
    mine.write_bytes(b'not a temporary of ours')
    toy_runner(work, iters=2).train()
    assert not stale.exists() and mine.exists() and (work / 'iter_2.pth').is_file()
