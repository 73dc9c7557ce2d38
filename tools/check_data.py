"""Check a config's data before training: every dataset builds, every file reads, masks fit the classes.

    python tools/check_data.py configs/pidnet_s_own_dacs.py [--data-root DIR] [--cfg-options KEY=VALUE ...]

Prints one line per dataset (role, type, domains, images, masks checked) and the classes; exits 1 with one
paragraph naming the files or settings at fault. See :mod:`mmseg_da.datasets.check_data`.
"""
import argparse

from mmengine.config import DictAction

from mmseg_da.cli import clear_errors
from mmseg_da.config.loading import load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Check every dataset of a config before training')
    parser.add_argument('config', help='config file')
    parser.add_argument('--data-root', help='folder of the config\'s dataset(s), instead of the config\'s data_root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('check_data.py'):
        import mmseg_da  # noqa: F401  (registers the datasets)
        from mmseg_da.datasets.check_data import check_config_data, format_rows
        cfg = load_config(args.config, args.cfg_options, data_root=args.data_root)
        rows = check_config_data(cfg)
        print(format_rows(rows))
        classes = list(rows[0]['classes']) if rows else []
        print(f'{args.config}: all datasets build and every file checks out; {len(classes)} classes {classes}')


if __name__ == '__main__':
    main()
