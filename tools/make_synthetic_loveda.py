"""Write a small, deterministic two-domain dataset in LoveDA's original layout.

    python tools/make_synthetic_loveda.py data/synthetic_loveda [--size 128] [--train 24] [--val 8]

Layout and how the domains differ: :mod:`mmseg_da.datasets.make_synthetic_loveda`.
"""
import argparse

from mmseg_da.datasets.make_synthetic_loveda import make_synthetic_loveda


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', nargs='?', default='data/synthetic_loveda', help='output folder')
    parser.add_argument('--size', type=int, default=128, help='tile side in pixels')
    parser.add_argument('--train', type=int, default=24, help='training tiles per domain')
    parser.add_argument('--val', type=int, default=8, help='validation tiles per domain')
    parser.add_argument('--test', type=int, default=4, help='unlabelled test tiles per domain')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    make_synthetic_loveda(args.root, args.size, args.train, args.val, args.test, args.seed)
    print(f'wrote a two-domain LoveDA-layout dataset to {args.root}')


if __name__ == '__main__':
    main()
