"""Export the deployable segmentor of an adaptation checkpoint as a plain mmseg checkpoint.

Adaptation checkpoints hold ``segmentor.*`` weights next to discriminators (or a teacher) and the
state of every optimizer. The export keeps only the segmentor's weights, renamed as a plain
segmentor config expects them (``backbone.*``, ``decode_head.*``, ...), and the checkpoint's ``meta``
(dataset classes and palette, mmseg version, ...), so that mmseg's ``init_model``, ``tools/test.py``
with a plain config, ``get_flops`` and the benchmark load it.

Example:
    python tools/export_segmentor.py work_dirs/pidnet_s_urban2rural_adv_single/epoch_20.pth \
        pidnet_s_urban2rural_adv_single.pth --config configs/pidnet_s_urban2rural_adv_single.py \
        --out-config pidnet_s_urban2rural_adv_single_deploy.py
"""
import argparse
import os.path as osp
from collections import OrderedDict

import torch

import mmseg_da  # noqa: F401  (safe loading of mmengine checkpoints; registers the modules)
from mmseg_da.utils.cli import clear_errors, require_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export the deployable segmentor of an adaptation checkpoint')
    parser.add_argument('checkpoint', help='checkpoint written by tools/train.py for an adaptation config')
    parser.add_argument('out', help='path of the plain segmentor checkpoint to write')
    parser.add_argument('--prefix', default='segmentor.',
                        help='state-dict prefix of the deployable segmentor (default: segmentor.)')
    parser.add_argument('--config', help='optional: check that the exported weights load strictly into '
                        "this config's segmentor (model.segmentor of an adaptation config, or model)")
    parser.add_argument('--out-config', help='optional (needs --config): also write a plain segmentor config '
                        '(model = the segmentor; evaluation settings kept, training ones dropped) for '
                        'tools/test.py, get_flops.py and benchmark.py with the exported checkpoint')
    return parser.parse_args()


#: Settings of an adaptation config that make no sense for the plain segmentor.
TRAINING_KEYS = ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler', 'model_wrapper_cfg',
                 'custom_hooks', 'source_pipeline', 'target_pipeline', 'train_pipeline', 'resume', 'load_from')


def plain_config(config: str, out: str) -> None:
    """Write ``config`` with ``model = model.segmentor`` and without its training settings."""
    from mmengine.config import Config
    cfg = Config.fromfile(require_file(config, 'config file'))
    if 'segmentor' in cfg.model:
        cfg.model = cfg.model.segmentor
    for key in TRAINING_KEYS:
        cfg.pop(key, None)
    cfg.dump(out)


def export_state(checkpoint: dict, prefix: str, source: str = 'checkpoint') -> dict:
    """The plain-segmentor checkpoint (``meta`` + ``state_dict``) inside an adaptation checkpoint."""
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        raise ValueError(f'{source}: no state_dict found')
    weights = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
    if not weights:
        heads = sorted({k.split('.')[0] for k in state})
        raise ValueError(f'{source}: no weights start with {prefix!r} (top-level names: {heads}); is it '
                         f'an adaptation checkpoint? Plain segmentor checkpoints need no export')
    meta = dict(checkpoint.get('meta') or {})
    meta['exported_from'] = source
    meta['exported_prefix'] = prefix
    return dict(meta=meta, state_dict=weights)


def check_loads(state_dict: dict, config: str) -> None:
    """Build the config's deployable segmentor and load ``state_dict`` into it strictly."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    cfg = Config.fromfile(require_file(config, 'config file'))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = cfg.model.get('segmentor', cfg.model)
    model = MODELS.build(model_cfg)
    result = model.load_state_dict(state_dict, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(f'the exported weights do not match {config}: missing {result.missing_keys[:5]}, '
                         f'unexpected {result.unexpected_keys[:5]}')


def main() -> None:
    args = parse_args()
    with clear_errors('export_segmentor.py'):
        checkpoint = torch.load(require_file(args.checkpoint, 'checkpoint file'), map_location='cpu')
        exported = export_state(checkpoint, args.prefix, osp.abspath(args.checkpoint))
        if args.out_config and not args.config:
            raise ValueError('--out-config needs --config (the adaptation config to reduce)')
        if args.config:
            check_loads(exported['state_dict'], args.config)
        out_dir = osp.dirname(osp.abspath(args.out))
        if not osp.isdir(out_dir):
            raise NotADirectoryError(f'output directory does not exist: {out_dir!r}')
        torch.save(exported, args.out)
        dropped = sorted({k.split('.')[0] for k in checkpoint.get('state_dict', {})
                          if not k.startswith(args.prefix)})
        print(f'wrote {args.out}: {len(exported["state_dict"])} tensors of the segmentor '
              f'(dropped: {dropped or "nothing"}; optimizer and scheduler states not kept)')
        if args.out_config:
            plain_config(args.config, args.out_config)
            print(f'wrote {args.out_config}: the plain segmentor config for it')


if __name__ == '__main__':
    main()
