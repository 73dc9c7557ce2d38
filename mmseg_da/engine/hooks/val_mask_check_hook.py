"""Check the validation masks before the first training iteration, not when the first validation runs."""
import time

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS

from ...datasets.mask_check import check_dataset_masks


@HOOKS.register_module()
class ValMaskCheckHook(Hook):
    """Check every mask of the validation set before training starts.

    A bad validation mask otherwise shows only when validation first runs (after an epoch, or at the end
    of a short run), or not at all: a value outside the classes is silently left out of the IoU. Before the
    first iteration this hook reads each mask's PNG header (channels, size), verifies each image's file
    without decoding its pixels (PNG chunk CRCs, a JPEG's end marker: a truncated image is found here), and
    decodes the mask to check its values after the sample's ``reduce_zero_label``/``label_map`` (which also
    finds truncated masks); a problem stops training with one paragraph naming the files.

    Values are decoded for every mask, not a sample: one bad mask is enough to fail the run or bias its
    score. It runs once per run, little next to the training it protects (measured: docs/promises.md);
    ``read_values=False`` keeps to the headers.

    Args:
        read_values (bool): Decode the masks and check their values. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, read_values: bool = True) -> None:
        self.read_values = read_values

    def before_train(self, runner) -> None:
        if runner.val_loop is None:
            return
        start = time.perf_counter()
        checked = check_dataset_masks(runner.val_dataloader.dataset, 'validation set (val_dataloader.dataset)',
                                      self.read_values)
        print_log(f'ValMaskCheckHook: {checked} validation masks checked in {time.perf_counter() - start:.1f} s',
                  logger='current')
