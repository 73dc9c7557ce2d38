"""Parameters and fvcore FLOPs of a config's deployable segmentor (per image and per batch).

    python tools/analysis/get_flops.py configs/pidnet_s_urban_hf_ssr.py [--shape 512 512] [--batch 6]
        [--json flops.json] [--depth 2]

The deployable segmentor is the plain mmseg segmentor (an adaptation config is counted without its
discriminators or teachers), in eval mode, forward(mode='tensor'): backbone and decode head up to the
logits, without the final resize to the input size. fvcore's convention: one multiply-add = one FLOP.

Also printed (JSON ``flops_per_image_with_aux_heads``): FLOPs per image when the outputs that only
training uses are computed too (PIDNet's P and D heads, DeepLabV2's layer3 classifier), which is how
the official PIDNet code counts (6.317 G for PIDNet-S at 512x512); inference does not run them.
"""
import argparse
import json
import os.path as osp

from mmengine.config import DictAction

import mmseg_da  # noqa: F401  (registers modules)
from mmseg_da.apis import init_segmentor
from mmseg_da.cli import clear_errors
from mmseg_da.deploy import parse_shape
from mmseg_da.deploy.get_flops import JSON_KEYS, count_flops, flops_summary, model_description


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Parameters and fvcore FLOPs of a segmentor')
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs='+', default=[512, 512], help='input H W')
    parser.add_argument('--batch', type=int, default=1, help='images per batch')
    parser.add_argument('--json', dest='json_out', help='write the figures to this JSON file')
    parser.add_argument('--depth', type=int, default=2,
                        help="depth of fvcore's per-module table (0: no table)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('get_flops.py'):
        shape = parse_shape(args.shape)
        if args.batch < 1:
            raise ValueError(f'--batch must be >= 1, got {args.batch}')
        if args.json_out and not osp.isdir(osp.dirname(osp.abspath(args.json_out))):  # fail before any work
            raise FileNotFoundError(f'--json folder does not exist: {osp.dirname(osp.abspath(args.json_out))}')
        segmentor = init_segmentor(args.config, cfg_options=args.cfg_options)
        result = count_flops(segmentor, shape, args.batch, table_depth=max(args.depth, 1))
    result['model'] = model_description(segmentor)
    print(flops_summary(result, args.config))
    if args.depth > 0:
        print(result['table'])
    if args.json_out:
        payload = {key: result[key] for key in JSON_KEYS}
        payload.update(config=args.config, model=result['model'])
        with open(args.json_out, 'w', encoding='utf-8') as f:
            json.dump(payload, f, indent=2)
        print(f'wrote {args.json_out}')


if __name__ == '__main__':
    main()
