"""The demo's synthetic two-domain LoveDA: layout, determinism and a real appearance shift."""
import cv2
import numpy as np
from da_testing import call_tool

from mmseg_da.datasets.make_synthetic_loveda import make_synthetic_loveda


def read(path, flag=cv2.IMREAD_UNCHANGED):
    return cv2.imread(str(path), flag)


def test_layout_values_and_determinism(tmp_path):
    for name in ('a', 'b'):
        make_synthetic_loveda(str(tmp_path / name), size=32, train=3, val=1, test=1)
    a, b = tmp_path / 'a', tmp_path / 'b'
    for split, n in (('Train', 3), ('Val', 1)):
        for domain in ('Urban', 'Rural'):
            masks = sorted((a / split / domain / 'masks_png').glob('*.png'))
            assert len(masks) == n
            for m in masks:
                mask = read(m)
                assert mask.dtype == np.uint8 and mask.shape == (32, 32) and mask.max() <= 7
                img = read(a / split / domain / 'images_png' / m.name)
                assert img.shape == (32, 32, 3)
                assert np.array_equal(img, read(b / split / domain / 'images_png' / m.name))
    assert not (a / 'Test' / 'Urban' / 'masks_png').exists()
    assert len(list((a / 'Test' / 'Rural' / 'images_png').glob('*.png'))) == 1


def test_domains_differ_in_appearance_of_the_same_class(tmp_path):
    assert call_tool('tools/make_synthetic_loveda.py', str(tmp_path), '--size', '64', '--train', '6', '--val', '0',
                     '--test', '0') == 0
    means = {}
    for domain in ('Urban', 'Rural'):
        pixels = {c: [] for c in range(1, 8)}
        for m in (tmp_path / 'Train' / domain / 'masks_png').glob('*.png'):
            mask, img = read(m), read(tmp_path / 'Train' / domain / 'images_png' / m.name).astype(float)
            for c in pixels:
                pixels[c].append(img[mask == c])
        means[domain] = {c: np.concatenate(v).mean(0) for c, v in pixels.items() if sum(map(len, v))}
    shared = set(means['Urban']) & set(means['Rural'])
    assert {2, 3} <= shared  # buildings and roads in both domains
    for c in shared:  # every class looks different across domains (mean BGR distance)
        assert np.linalg.norm(means['Urban'][c] - means['Rural'][c]) > 20, c
