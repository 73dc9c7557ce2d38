"""``tools/train.py --resume`` on a torn checkpoint: one paragraph naming the file, non-zero exit, nothing trained."""
import torch
from da_testing import run_tool, small_config


def test_resume_from_a_truncated_last_checkpoint_stops_naming_the_file(tmp_path, tiny_loveda):
    cfg = small_config('configs/pidnet_s_urban.py', tmp_path / 'cfg', tiny_loveda, length=1)
    work = tmp_path / 'work'
    work.mkdir()
    torch.save({'state_dict': {'w': torch.zeros(4096)}, 'meta': {'epoch': 1, 'iter': 2}}, work / 'epoch_1.pth')
    data = (work / 'epoch_1.pth').read_bytes()
    (work / 'epoch_1.pth').write_bytes(data[:len(data) // 2])  # as a kill during a non-atomic save leaves it
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))

    proc = run_tool('tools/train.py', str(cfg), '--work-dir', str(work), '--resume', check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    (error, ) = [line for line in proc.stderr.splitlines() if line.startswith('train.py: error:')]
    assert error.startswith('train.py: error: ValueError: resume: ') and str(work / 'epoch_1.pth') in error
    assert 'is not a complete checkpoint' in error and '--resume-or-fresh' in error
    assert 'Epoch(train)' not in proc.stdout + proc.stderr and not (work / 'epoch_2.pth').exists()
