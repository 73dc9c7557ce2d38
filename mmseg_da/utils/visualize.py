"""Pictures of segmentation maps: palette colouring, image overlays and side-by-side comparisons.

All images here are RGB ``uint8`` arrays of shape (H, W, 3); label maps are integer arrays (H, W).
"""
from typing import Optional, Sequence

import cv2
import numpy as np

IGNORE_COLOUR = (0, 0, 0)


def palette_array(palette: Sequence[Sequence[int]], num_classes: Optional[int] = None) -> np.ndarray:
    """The palette as a (num_classes, 3) ``uint8`` array, checked for shape and range.

    Raises:
        ValueError: If the palette is empty, has fewer colours than ``num_classes`` or a colour is not
            three values in 0..255.
    """
    colours = np.asarray(palette)
    if colours.ndim != 2 or colours.shape[1] != 3 or len(colours) == 0:
        raise ValueError(f'palette must be a list of [R, G, B] colours, got {palette!r}')
    if colours.min() < 0 or colours.max() > 255:
        raise ValueError(f'palette colours must lie in 0..255, got {palette!r}')
    if num_classes is not None and len(colours) < num_classes:
        raise ValueError(f'palette has {len(colours)} colours for {num_classes} classes')
    return colours.astype(np.uint8)


def colorize(label_map: np.ndarray, palette: Sequence[Sequence[int]],
             ignore_colour: Sequence[int] = IGNORE_COLOUR) -> np.ndarray:
    """Colour a label map with the palette; labels outside it (e.g. ignore 255) get ``ignore_colour``."""
    colours = palette_array(palette)
    labels = np.asarray(label_map).astype(np.int64)
    valid = (labels >= 0) & (labels < len(colours))
    out = np.empty(labels.shape + (3, ), dtype=np.uint8)
    out[...] = np.asarray(ignore_colour, dtype=np.uint8)
    out[valid] = colours[labels[valid]]
    return out


def overlay(image: np.ndarray, colour_mask: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend a coloured mask over an image: ``(1 - alpha) * image + alpha * mask``."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'overlay alpha must lie in [0, 1], got {alpha}')
    if image.shape[:2] != colour_mask.shape[:2]:
        raise ValueError(f'image {image.shape[:2]} and mask {colour_mask.shape[:2]} differ in size')
    blended = (1.0 - alpha) * image.astype(np.float32) + alpha * colour_mask.astype(np.float32)
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def resize_labels(label_map: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Nearest-neighbour resize of a label map to ``shape`` (H, W); a no-op when it already fits."""
    if tuple(label_map.shape[:2]) == tuple(shape[:2]):
        return label_map
    return cv2.resize(label_map.astype(np.uint8), (int(shape[1]), int(shape[0])),
                      interpolation=cv2.INTER_NEAREST)


def _font_scale(width: int, per_unit: int) -> float:
    """An OpenCV font scale that grows with the picture (0.4 at small sizes, at most 2)."""
    return float(min(2.0, max(0.4, width / per_unit)))


def legend(classes: Sequence[str], palette: Sequence[Sequence[int]], width: int,
           scale: Optional[float] = None) -> np.ndarray:
    """A white strip, ``width`` pixels wide, with one colour swatch and name per class, row by row."""
    colours = palette_array(palette, len(classes))
    font, thickness = cv2.FONT_HERSHEY_SIMPLEX, 1
    scale = scale or _font_scale(width, 1500)
    swatch = int(round(30 * scale))
    cells = []
    for name in classes:
        (text_w, _), _ = cv2.getTextSize(str(name), font, scale, thickness)
        cells.append(swatch + 4 + text_w + swatch)
    rows, x = [[]], 0
    for index, cell_w in enumerate(cells):
        if x + cell_w > width and rows[-1]:
            rows.append([])
            x = 0
        rows[-1].append(index)
        x += cell_w
    row_h = swatch + 6
    strip = np.full((row_h * len(rows) + 4, width, 3), 255, dtype=np.uint8)
    for r, row in enumerate(rows):
        x, y = 4, 4 + r * row_h
        for index in row:
            cv2.rectangle(strip, (x, y), (x + swatch, y + swatch), colours[index].tolist(), -1)
            cv2.rectangle(strip, (x, y), (x + swatch, y + swatch), (0, 0, 0), 1)
            cv2.putText(strip, str(classes[index]), (x + swatch + 4, y + swatch - max(2, swatch // 5)), font,
                        scale, (0, 0, 0), thickness, cv2.LINE_AA)
            x += cells[index]
    return strip


def enlarge(image: np.ndarray, min_side: int) -> np.ndarray:
    """Nearest-neighbour upscale by an integer factor until the shorter side is at least ``min_side``."""
    factor = -(-min_side // max(1, min(image.shape[:2])))
    if factor <= 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def side_by_side(panels: Sequence[np.ndarray], titles: Optional[Sequence[str]] = None,
                 gap: int = 4, footer: Optional[np.ndarray] = None) -> np.ndarray:
    """Panels of equal height next to each other on white, with optional titles above and a footer.

    Args:
        panels: RGB images of the same height.
        titles: One caption per panel (shrunk to fit its panel).
        gap: White pixels between panels.
        footer: An RGB strip (e.g. :func:`legend`) placed under the panels, cropped or padded to width.
    """
    heights = {p.shape[0] for p in panels}
    if len(heights) != 1:
        raise ValueError(f'panels must share one height, got {sorted(heights)}')
    height = heights.pop()
    width = sum(p.shape[1] for p in panels) + gap * (len(panels) - 1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = _font_scale(min(p.shape[1] for p in panels), 500)
    if titles:  # shrink the captions until each fits above its panel
        while scale > 0.3 and any(cv2.getTextSize(str(t), font, scale, 1)[0][0] > p.shape[1] - 4
                                  for t, p in zip(titles, panels)):
            scale -= 0.05
    title_h = int(round(40 * scale)) if titles else 0
    canvas = np.full((title_h + height, width, 3), 255, dtype=np.uint8)
    x = 0
    for index, panel in enumerate(panels):
        canvas[title_h:, x:x + panel.shape[1]] = panel
        if titles:
            cv2.putText(canvas, str(titles[index]), (x + 2, int(title_h * 0.7)), font, scale, (0, 0, 0), 1,
                        cv2.LINE_AA)
        x += panel.shape[1] + gap
    if footer is not None:
        strip = np.full((footer.shape[0], width, 3), 255, dtype=np.uint8)
        fit = min(width, footer.shape[1])
        strip[:, :fit] = footer[:, :fit]
        canvas = np.concatenate([canvas, strip], axis=0)
    return canvas
