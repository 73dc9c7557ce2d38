"""Where things live (read from the source, nothing imported): the command-line module is the tools' alone, one
``require_file``, atomic writes imported from their own module, and every tool named after the module it runs."""
import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / 'mmseg_da'
TOOLS = REPO / 'tools'
#: The command-line helpers: only the tools import them.
CLI_MODULE = 'mmseg_da.cli'
ATOMIC_MODULE = 'mmseg_da.fileio.atomic_files'
#: mmseg's runners (``tools/train.py``, ``tools/test.py``) and the demo, which runs several tools: named as mmseg
#: names them, not after one module.
RUNNERS = ('train.py', 'test.py', 'demo.py')


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(path: Path) -> Iterator[Tuple[str, List[str]]]:
    """``(absolute module, imported names)`` of every import in ``path`` (relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
    package = module_name(path) if path.name == '__init__.py' else module_name(path).rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                module = '.'.join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ''
            names = [alias.name for alias in node.names]
            yield module, names
            for name in names:  # `from mmseg_da import cli` imports the module mmseg_da.cli
                yield f'{module}.{name}', []


def python_files(folder: Path) -> List[Path]:
    return sorted(p for p in folder.rglob('*.py') if '__pycache__' not in p.parts)


def tool_files() -> List[Path]:
    return python_files(TOOLS)


def test_only_the_tools_import_the_command_line_module():
    importers = [str(path.relative_to(REPO)) for path in python_files(PACKAGE)
                 if module_name(path) != CLI_MODULE
                 and any(module == CLI_MODULE for module, _ in imported_modules(path))]
    assert importers == [], f'library modules importing {CLI_MODULE} (the tools\' module): {importers}'


def test_require_file_is_defined_once():
    definitions = [str(path.relative_to(REPO)) for path in python_files(PACKAGE) + tool_files()
                   for node in ast.walk(ast.parse(path.read_text(encoding='utf-8')))
                   if isinstance(node, ast.FunctionDef) and node.name == 'require_file']
    assert definitions == ['mmseg_da/fileio/required_paths.py']


def test_atomic_writes_are_imported_from_their_own_module():
    atomic = PACKAGE / 'fileio' / 'atomic_files.py'
    public = {node.name for node in ast.parse(atomic.read_text(encoding='utf-8')).body
              if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith('_')}
    elsewhere = [f'{path.relative_to(REPO)}: {sorted(public & set(names))} from {module}'
                 for path in python_files(PACKAGE) + tool_files() + python_files(REPO / 'tests')
                 for module, names in imported_modules(path)
                 if module.startswith('mmseg_da') and module != ATOMIC_MODULE and public & set(names)]
    assert elsewhere == []


def test_no_tool_is_named_like_a_test():
    assert [str(p.relative_to(REPO)) for p in tool_files() if p.name.startswith('test_')] == []


@pytest.mark.parametrize('tool', [p for p in tool_files() if p.name not in RUNNERS],
                         ids=lambda p: str(p.relative_to(TOOLS)))
def test_each_tool_is_named_after_the_module_it_runs(tool):
    """``tools/[<folder>/]<name>.py`` imports ``mmseg_da.<package>.<name>`` (e.g. ``tools/analysis/domain_bn.py``
    runs ``mmseg_da.apis.domain_bn``)."""
    modules = {module for module, _ in imported_modules(tool) if module.startswith('mmseg_da.')}
    matching = [m for m in modules if m.rsplit('.', 1)[-1] == tool.stem and (PACKAGE.parent / (
        m.replace('.', '/') + '.py')).is_file()]
    assert matching, f'{tool.relative_to(REPO)} imports no module named {tool.stem!r}: {sorted(modules)}'
