"""The config tree stays shallow and free of twins: read from the files' syntax (fast: no config is loaded).

* Inheritance: at most ``MAX_DEPTH`` ``_base_`` edges from an experiment config to its deepest project base
  (``mmseg::`` bases are mmseg's, outside the count).
* No twin configs: no experiment config that only renames another (a single base and nothing else) or only adds
  a launch setting to it (``load_from``, ``resume``, ``work_dir``, ``randomness``, ``launcher``): those are
  command-line options (``tools/train.py --warmup CHECKPOINT``, ``--resume``, ``--work-dir``, ``--cfg-options``;
  ``tools/analysis/compare_methods.py --warmup CONFIG`` starts every run of a seed from that seed's warm-up).
* The bases are sorted by kind: ``configs/_base_/<kind>/``, one of :data:`BASE_KINDS`.
* No block of ``REPEAT_LINES`` lines stands in two config files (a shared part belongs in one base), except in the
  dataset bases, whose pipelines may repeat.
"""
import ast
import io
import re
import tokenize
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

import pytest
from da_testing.configs import CONFIG_FILES

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs'
CONFIGS = CONFIG_FILES
MAX_DEPTH = 5
#: Top-level keys that say how a run is launched, not what is trained.
LAUNCH_KEYS = frozenset({'load_from', 'resume', 'work_dir', 'randomness', 'launcher'})
#: configs/_base_/<kind>/: data, segmentors, methods wrapping them (adaptation), optimisers/schedules, and the
#: fixed budgets (data + size + schedule) of a comparison.
BASE_KINDS = ('datasets', 'models', 'methods', 'schedules', 'budgets')
#: Consecutive code lines that count as a repeated block, and the folder whose files may repeat them.
REPEAT_LINES = 6
REPEAT_ALLOWED = CONFIG_DIR / '_base_' / 'datasets'
#: Lines the repeat check passes over (after comments and white space are stripped): imports and lone brackets.
SKIPPED_LINE = re.compile(r'(import|from)\s.*|[\[\](){},:;]*')


@lru_cache(maxsize=None)
def parse(path: Path) -> Tuple[List[str], List[str]]:
    """``(bases, assigned names)`` of a config file: its ``_base_`` entries and every other top-level name it
    assigns (functions and imports are no config keys; mmengine drops them)."""
    bases, names = [], []
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if '_base_' in targets:
                value = ast.literal_eval(node.value)
                bases = [value] if isinstance(value, str) else list(value)
            else:
                names += targets
    return bases, names


def project_bases(path: Path) -> List[Path]:
    return [(path.parent / b).resolve() for b in parse(path)[0] if '::' not in b]


@lru_cache(maxsize=None)
def depth(path: Path) -> int:
    """``_base_`` edges from ``path`` down to its deepest project base."""
    return max((1 + depth(base) for base in project_bases(path)), default=0)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_every_base_exists(path):
    stack, seen = [path], set()
    while stack:
        config = stack.pop()
        for base in project_bases(config):
            assert base.is_file(), f'{config.relative_to(CONFIG_DIR)}: _base_ {base} does not exist'
            if base not in seen:
                seen.add(base)
                stack.append(base)


def test_inheritance_is_at_most_five_levels_deep():
    too_deep = {p.name: depth(p) for p in CONFIGS if depth(p) > MAX_DEPTH}
    assert too_deep == {}, f'more than {MAX_DEPTH} levels of _base_ (derive from a shallower config): {too_deep}'


def test_no_twin_configs():
    twins = []
    for path in CONFIGS:
        bases, names = parse(path)
        if not names and len(bases) == 1 or names and set(names) <= LAUNCH_KEYS:
            twins.append(path.name)
    assert twins == [], (f'configs that only rename another or only add {sorted(LAUNCH_KEYS)}: {twins} (use '
                         'tools/train.py --warmup/--work-dir/--resume/--cfg-options instead)')
    assert sorted(p.name for p in CONFIG_DIR.glob('*_from_warmup.py')) == []  # tools/train.py --warmup CHECKPOINT


def test_bases_are_sorted_by_kind():
    kinds = sorted(p.name for p in (CONFIG_DIR / '_base_').iterdir() if p.is_dir() and p.name != '__pycache__')
    assert set(kinds) <= set(BASE_KINDS), kinds
    loose = sorted(p.name for p in (CONFIG_DIR / '_base_').glob('*.py'))
    assert loose == [], f'bases outside configs/_base_/<kind>/: {loose}'


def code_lines(text: str) -> List[Tuple[int, str]]:
    """``(line number, line)`` of the code of a file: comments dropped, white space folded; blank lines, import
    lines and lone brackets skipped."""
    comment_at = {tok.start[0]: tok.start[1] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                  if tok.type == tokenize.COMMENT}
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        line = ' '.join(line[:comment_at.get(number)].split())
        if not SKIPPED_LINE.fullmatch(line):
            lines.append((number, line))
    return lines


def repeated_blocks(paths: List[Path], n: int = REPEAT_LINES) -> List[List[str]]:
    """Each block of ``n`` consecutive code lines found in more than one of ``paths``, as the places
    (``file:line``) it starts at."""
    places = defaultdict(dict)
    for path in paths:
        lines = code_lines(path.read_text())
        for i in range(len(lines) - n + 1):
            places[tuple(line for _, line in lines[i:i + n])].setdefault(path, lines[i][0])
    return [[f'{p.name}:{number}' for p, number in where.items()] for where in places.values() if len(where) > 1]


def test_no_block_of_lines_repeats_across_configs():
    paths = [p for p in sorted(CONFIG_DIR.rglob('*.py')) if REPEAT_ALLOWED not in p.parents]
    repeats = repeated_blocks(paths)
    assert repeats == [], (f'blocks of {REPEAT_LINES} code lines in more than one config (put them in one base and '
                           f'inherit it): {repeats}')


def test_the_twin_rules_see_what_they_are_meant_to(tmp_path):
    (tmp_path / 'a.py').write_text("_base_ = ['./b.py']\nmodel = dict(levels=('main', 'aux'))\n")
    (tmp_path / 'b.py').write_text("_base_ = ['./c.py', 'mmseg::_base_/default_runtime.py']\n")
    (tmp_path / 'c.py').write_text("x = 1\n\n\ndef helper(p):\n    return p\n")
    (tmp_path / 'twin.py').write_text("_base_ = ['./a.py']\nload_from = 'work_dirs/x/iter_300.pth'\n")
    assert parse(tmp_path / 'a.py') == (['./b.py'], ['model'])
    assert parse(tmp_path / 'twin.py')[1] == ['load_from']
    assert parse(tmp_path / 'c.py') == ([], ['x'])
    assert [depth(tmp_path / f'{n}.py') for n in ('twin', 'a', 'b', 'c')] == [3, 2, 1, 0]


def test_the_repeat_rule_sees_what_it_is_meant_to(tmp_path):
    block = ['model = dict(', '    type="A",  # a comment', '', '    b=1,', '    c=2,', '    d=3,', '    e=4)']
    (tmp_path / 'a.py').write_text('\n'.join(['import os', 'x = 1', *block]) + '\n')
    (tmp_path / 'b.py').write_text('\n'.join(['# header', *block, 'y = [', '    1', ']']) + '\n')
    (tmp_path / 'c.py').write_text('\n'.join(block[:-1] + ['    e=5)']) + '\n')  # one line differs
    assert code_lines((tmp_path / 'a.py').read_text())[:3] == [(2, 'x = 1'), (3, 'model = dict('), (4, 'type="A",')]
    assert repeated_blocks([tmp_path / n for n in ('a.py', 'b.py', 'c.py')]) == [['a.py:3', 'b.py:2']]
    assert repeated_blocks([tmp_path / 'a.py', tmp_path / 'c.py']) == []
