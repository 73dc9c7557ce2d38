"""Reading a config as the tools do: ``--cfg-options``, ``--data-root`` and ``work_dir`` applied."""
import os.path as osp
import warnings
from typing import Optional

from mmengine.config import Config

from .overrides import relocate_data, replace_data_root

#: Top-level config keys that mmengine's Runner, mmseg and these tools read. Any other top-level key is a
#: variable of the config files (``data_root``, ``crop_size``, ``max_epochs`` ...), already substituted
#: where it was used when the config was parsed: overriding it afterwards changes nothing.
READ_KEYS = frozenset({
    'model', 'work_dir', 'experiment_name', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler', 'val_evaluator',
    'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from', 'resume', 'launcher',
    'env_cfg', 'log_processor', 'log_level', 'visualizer', 'default_scope', 'randomness', 'runner_type',
    'model_wrapper_cfg', 'find_unused_parameters', 'sync_bn', 'compile', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'custom_imports', 'tta_model', 'tta_pipeline', 'test_pipeline', 'predict_pipeline',
    'allow_fresh_start', 'pseudo_label_dataset'})


def apply_variable_overrides(cfg: Config, before: dict, cfg_options: dict) -> None:
    """Make an override of a ``*root`` variable reach the datasets that used it; warn about other variables.

    Args:
        cfg: The config after ``merge_from_dict``.
        before: The top-level values of the overridden keys before the merge.
        cfg_options: The overrides.
    """
    for key, value in cfg_options.items():
        top = key.split('.')[0]
        if top in READ_KEYS:
            continue
        if top == key and top.endswith('root') and isinstance(before.get(top), str) and isinstance(value, str):
            if replace_data_root(cfg, before[top], value) == 0:
                warnings.warn(f'--cfg-options {key}={value}: no dataset of the config uses {before[top]!r}',
                              stacklevel=2)
        else:
            warnings.warn(f'--cfg-options {key}=...: `{top}` is a variable of the config files, already '
                          'substituted where the config used it; nothing reads it now, so this override '
                          'changes nothing. Override the setting that uses it (e.g. train_cfg.max_epochs, '
                          'train_dataloader.dataset...); for the data location use --data-root.',
                          stacklevel=2)


def load_config(path: str, cfg_options: Optional[dict] = None, work_dir: Optional[str] = None,
                data_root: Optional[str] = None) -> Config:
    """Read a config, merge ``--cfg-options`` and set ``work_dir`` the way mmseg's tools do.

    ``data_root`` (``--data-root``) moves every dataset of the config (source, target, val, test) there, see
    :func:`~mmseg_da.config.overrides.relocate_data`; ``--cfg-options data_root=...`` (or another
    ``*root`` variable) reaches the datasets that used the variable.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path!r} (expected a path such as '
                                f'configs/pidnet_s_urban.py)')
    cfg = Config.fromfile(path)
    if cfg_options:
        before = {k.split('.')[0]: cfg.get(k.split('.')[0]) for k in cfg_options}
        cfg.merge_from_dict(cfg_options)
        apply_variable_overrides(cfg, before, cfg_options)
    if data_root is not None:
        if not osp.isdir(data_root):
            raise NotADirectoryError(f'--data-root {data_root!r} is not a folder')
        relocate_data(cfg, data_root)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg
