"""Importing ``mmseg_da`` adds names to the OpenMMLab registries and changes none of mmcv's/mmseg's.

A fresh interpreter loads everything mmcv, mmengine and mmseg register, records what every registry resolves
for every name it can see (its own and its ancestors', as ``Registry.get`` looks them up), imports
``mmseg_da`` and resolves them again. A name the host had must still resolve to the host's class: neither
overwritten in place nor shadowed by a plugin class registered under the same name in a child scope.
"""
import json
import subprocess
import sys

from da_testing import REPO_ROOT

SNAPSHOT_AND_COMPARE = r'''
import json
import mmcv.transforms  # noqa: F401  (mmcv's transforms register on import)
from mmengine import registry as root_module
from mmengine.registry import Registry
from mmseg.utils import register_all_modules

register_all_modules(init_default_scope=False)
roots = [r for r in vars(root_module).values() if isinstance(r, Registry)]


def tree(registry):
    yield registry
    for child in registry.children.values():
        yield from tree(child)


def visible_names(registry):
    names, node = set(), registry
    while node is not None:
        names |= set(node._module_dict)
        node = node.parent
    return names


def resolve_all():
    table = {}
    for root in roots:
        for registry in tree(root):
            registry.import_from_location()
            for name in sorted(visible_names(registry)):
                table[f'{registry.scope}.{registry.name}:{name}'] = registry.get(name)
    return table


before = resolve_all()
import mmseg_da  # noqa: E402,F401
register_all_modules(init_default_scope=False)
after = resolve_all()
changed = {key: [repr(cls), repr(after.get(key))] for key, cls in before.items() if after.get(key) is not cls}
added = sorted(key for key, cls in after.items()
               if key not in before and getattr(cls, '__module__', '').startswith('mmseg_da'))
print(json.dumps(dict(checked=len(before), changed=changed, added=added)))
'''


def snapshot() -> dict:
    proc = subprocess.run([sys.executable, '-c', SNAPSHOT_AND_COMPARE], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_mmseg_da_adds_names_and_replaces_none_of_the_hosts():
    result = snapshot()
    assert result['checked'] > 500  # every mmseg/mmcv/mmengine registry was seen, not an empty snapshot
    assert result['changed'] == {}, f'mmseg_da changed what these names resolve to: {result["changed"]}'
    added = set(result['added'])
    # the project's own names are there, in mmseg's registries
    for key in ('mmseg.transform:CheckedLoadImageFromFile', 'mmseg.transform:CheckedLoadAnnotations',
                'mmseg.dataset:UDADataset', 'mmseg.dataset:FolderDomainDataset', 'mmseg.metric:DomainIoUMetric'):
        assert key in added, key
