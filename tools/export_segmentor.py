"""Export the deployable segmentor of an adaptation checkpoint as a plain mmseg checkpoint.

Keeps only the segmentor's weights, renamed as a plain segmentor config expects them, and the checkpoint's
``meta`` (see :mod:`mmseg_da.apis.export_segmentor`).

Example:
    python tools/export_segmentor.py work_dirs/pidnet_s_urban2rural_adv_single/epoch_20.pth \
        pidnet_s_urban2rural_adv_single.pth --config configs/pidnet_s_urban2rural_adv_single.py \
        --out-config pidnet_s_urban2rural_adv_single_deploy.py
"""
import argparse

from mmseg_da.apis.export_segmentor import export_segmentor, plain_config
from mmseg_da.cli import clear_errors


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


def main() -> None:
    args = parse_args()
    with clear_errors('export_segmentor.py'):
        if args.out_config and not args.config:
            raise ValueError('--out-config needs --config (the adaptation config to reduce)')
        exported, dropped = export_segmentor(args.checkpoint, args.out, args.prefix, args.config)
        print(f'wrote {args.out}: {len(exported["state_dict"])} tensors of the segmentor '
              f'(dropped: {dropped or "nothing"}; optimizer and scheduler states not kept)')
        if args.out_config:
            plain_config(args.config, args.out_config)
            print(f'wrote {args.out_config}: the plain segmentor config for it')


if __name__ == '__main__':
    main()
