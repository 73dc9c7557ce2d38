"""Refuse, before the first iteration, to train an adaptation model on a plain (non-UDA) dataset."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...datasets.dataset_wrappers import leaf_datasets
from ...datasets.uda_dataset import UDADataset
from ...models.segmentors import UDASegmentor


@HOOKS.register_module()
class UDADataCheckHook(Hook):
    """Check that a UDA segmentor trains on a ``UDADataset`` (source + target branches).

    Without it, the mistake shows only at the first ``train_step`` (a TypeError there); with it,
    ``runner.train()`` stops right after building the dataloader with an error naming the field.
    The adaptation schedules and budgets (``configs/_base_/schedules/{adv,self_training}_*.py``,
    ``configs/_base_/budgets/``) add it to ``custom_hooks``.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not isinstance(model, UDASegmentor):
            return
        plain = [d for d in leaf_datasets(runner.train_dataloader.dataset) if not isinstance(d, UDADataset)]
        if plain:
            raise TypeError(
                f'train_dataloader.dataset: {type(model).__name__} trains on paired source/target '
                f'batches, so the training set must be a UDADataset(source=..., target=...), got '
                f'{type(plain[0]).__name__} (use a configs/_base_/datasets/*2*.py base such as '
                f'loveda_urban2rural.py or camvid_day2dusk.py)')
