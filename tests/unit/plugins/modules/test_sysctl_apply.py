# -*- coding: utf-8 -*-
"""Tests for plugins/modules/sysctl_apply.py on a temporary tree (files, /proc/sys, sysctl.d under tmp_path).

modprobe and `sysctl --system` are stand-ins that record their calls; the stand-in for `sysctl --system`
applies the tree's sysctl files to its /proc/sys in the real precedence (module_utils._sysctl), so the
verification that follows reads what a real run would leave.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _sysctl
from ansible_collections.fleetops.docker_host.plugins.modules import sysctl_apply

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover - older ansible-core
    patch_module_args = None

pytestmark = [
    pytest.mark.skipif(patch_module_args is None, reason='needs ansible.module_utils.testing (ansible-core 2.19+)'),
    pytest.mark.skipif(os.geteuid() != 0, reason='the module sets owner/group root'),
]

KEYS = {'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1'}
CONTENT = '# managed\nnet.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_forward = 1\n'


@pytest.fixture
def tree(tmp_path):
    """A root with /proc/sys keys at 0, an empty /etc/sysctl.d and a modules-load.d directory."""
    for key in KEYS:
        path = _sysctl.key_path(key, str(tmp_path))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write('0\n')
    os.makedirs(str(tmp_path / 'etc' / 'sysctl.d'))
    return tmp_path


class Tools:
    """Stand-ins for modprobe and sysctl --system, recording their calls."""

    def __init__(self, root, failing=()):
        self.root = str(root)
        self.failing = failing
        self.loaded = []
        self.system_runs = 0

    def modprobe(self, name):
        if name in self.failing:
            return 1, 'modprobe: FATAL: Module %s not found' % name
        self.loaded.append(name)
        return 0, ''

    def sysctl_system(self):
        self.system_runs += 1
        writes = _sysctl.persisted_writes(sorted(KEYS), self.root)
        for key, found in writes.items():
            if found:
                with open(_sysctl.key_path(key, self.root), 'w') as handle:
                    handle.write(found[-1][2] + '\n')
        return 0, ''


def run(tree, tools, capsys, check_mode=False, diff=False, **args):
    params = dict(sysctl_path=str(tree / 'etc' / 'sysctl.d' / 'k8s.conf'), sysctl_content=CONTENT,
                  expected=dict(KEYS))
    params.update(args)
    if check_mode:
        params['_ansible_check_mode'] = True
    if diff:
        params['_ansible_diff'] = True
    with patch_module_args(params):
        module = sysctl_apply.build_module()
    return sysctl_apply.run(module, root=str(tree), modprobe=tools.modprobe, sysctl_system=tools.sysctl_system)


def live(tree, key):
    with open(_sysctl.key_path(key, str(tree))) as handle:
        return handle.read().strip()


def test_first_run_writes_loads_applies_and_verifies_then_nothing(tree, capsys):
    tools = Tools(tree)
    modules_path = str(tree / 'etc' / 'modules-load.d' / 'k8s.conf')
    args = dict(modules_path=modules_path, modules_content='overlay\nbr_netfilter\n', load_modules=['br_netfilter'])
    result = run(tree, tools, capsys, **args)
    assert result['changed'] is True
    assert sorted(result['files']) == sorted([str(tree / 'etc' / 'sysctl.d' / 'k8s.conf'), modules_path])
    assert result['modules_loaded'] == ['br_netfilter'] and tools.loaded == ['br_netfilter']
    assert result['before'] == sorted(KEYS) and result['applied'] == 'system' and tools.system_runs == 1
    assert result['check']['ok'], result['check']['msg']
    assert oct(os.stat(modules_path).st_mode & 0o7777) == '0o644'
    with open(str(tree / 'etc' / 'sysctl.d' / 'k8s.conf')) as handle:
        assert handle.read() == CONTENT

    again = run(tree, tools, capsys, modules_path=modules_path, modules_content='overlay\nbr_netfilter\n')
    assert again['changed'] is False and again['files'] == [] and again['applied'] == 'none'
    assert tools.system_runs == 1 and again['check']['ok']


def test_a_drifted_live_value_alone_runs_sysctl_system(tree, capsys):
    tools = Tools(tree)
    run(tree, tools, capsys)
    with open(_sysctl.key_path('net.ipv4.ip_forward', str(tree)), 'w') as handle:
        handle.write('0\n')
    result = run(tree, tools, capsys)
    assert result['files'] == [] and result['before'] == ['net.ipv4.ip_forward']
    assert result['applied'] == 'system' and result['changed'] is True and tools.system_runs == 2
    assert live(tree, 'net.ipv4.ip_forward') == '1' and result['check']['ok']


def test_keys_mode_writes_only_differing_keys_and_reports_a_missing_one(tree, capsys):
    tools = Tools(tree)
    expected = dict(KEYS, **{'net.ipv4.conf.all.forwarding': '1'})
    result = run(tree, tools, capsys, apply='keys', expected=expected)
    assert result['applied'] == 'keys' and result['applied_keys'] == sorted(KEYS)
    assert tools.system_runs == 0
    assert live(tree, 'net.ipv4.ip_forward') == '1'
    assert not os.path.exists(_sysctl.key_path('net.ipv4.conf.all.forwarding', str(tree)))
    assert result['check']['ok'] is False
    assert result['check']['mismatches'] == ['net.ipv4.conf.all.forwarding']
    assert result['check']['results']['net.ipv4.conf.all.forwarding']['status'] == 'missing'


def test_check_mode_changes_nothing_and_says_what_would(tree, capsys):
    tools = Tools(tree)
    result = run(tree, tools, capsys, check_mode=True, diff=True, load_modules=['br_netfilter'])
    assert result['changed'] is True and result['applied'] == 'system'
    assert result['modules_loaded'] == ['br_netfilter'] and tools.loaded == [] and tools.system_runs == 0
    assert not os.path.exists(str(tree / 'etc' / 'sysctl.d' / 'k8s.conf'))
    assert result['diff'][0]['after'] == CONTENT and result['diff'][0]['before'] == ''
    assert result['check']['ok'] is False
    assert live(tree, 'net.ipv4.ip_forward') == '0'


def test_a_module_that_cannot_load_is_reported(tree, capsys):
    tools = Tools(tree, failing=('ip_vs',))
    result = run(tree, tools, capsys, load_modules=['ip_vs', 'br_netfilter'])
    assert result['modules_loaded'] == ['br_netfilter']
    assert result['modules_failed'] == {'ip_vs': 'modprobe: FATAL: Module ip_vs not found'}


def test_a_later_file_that_overrides_a_key_fails_the_verification(tree, capsys):
    with open(str(tree / 'etc' / 'sysctl.d' / 'zz-late.conf'), 'w') as handle:
        handle.write('net.ipv4.ip_forward = 0\n')
    result = run(tree, Tools(tree), capsys)
    assert result['check']['ok'] is False
    verdict = result['check']['results']['net.ipv4.ip_forward']
    assert verdict['status'] == 'shadowed' and verdict['persisted_in'].endswith('zz-late.conf')


def test_main_fails_on_a_bad_key_before_writing(tmp_path, capsys):
    path = tmp_path / 'k8s.conf'
    args = dict(sysctl_path=str(path), sysctl_content='x\n', expected={'net ipv4': 1}, apply='none')
    with patch_module_args(args), pytest.raises(SystemExit):
        sysctl_apply.main()
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] and 'malformed' in result['msg']
    assert not path.exists()


# A write-only key as the kernel has it: mode 0200, EACCES on read even for root. In the stand-in tree the module
# runs as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (setpriv), so a 0200 file behaves as /proc/sys does:
# its reads fail with EACCES and its writes succeed. The host's own /proc/sys is never written.
CHILD = r'''
import json, sys
from ansible.module_utils.testing import patch_module_args
from ansible_collections.fleetops.docker_host.plugins.modules import sysctl_apply
params, root = json.loads(sys.argv[1]), sys.argv[2]
with patch_module_args(params):
    module = sysctl_apply.build_module()
print(json.dumps(sysctl_apply.run(module, root=root, modprobe=None, sysctl_system=None)))
'''
FLUSH = 'net.ipv4.route.flush'


def _run_without_dac_override(tree, check_mode=False, **args):
    params = dict(sysctl_path=str(tree / 'etc' / 'sysctl.d' / 'k8s.conf'), apply='keys',
                  sysctl_content='net.ipv4.ip_forward = 1\nnet.ipv4.route.flush = 1\n',
                  expected={'net.ipv4.ip_forward': '1', FLUSH: '1'})
    params.update(args)
    if check_mode:
        params['_ansible_check_mode'] = True
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.check_output(['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--', sys.executable,
                                   '-c', CHILD, json.dumps(params), str(tree)], env=env)
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.fixture
def write_only_tree(tree):
    if not shutil.which('setpriv'):
        pytest.skip('needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE')
    path = _sysctl.key_path(FLUSH, str(tree))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write('')
    os.chmod(path, 0o200)
    return tree


def _flush_written(tree):
    with open(_sysctl.key_path(FLUSH, str(tree))) as handle:  # the test process keeps CAP_DAC_OVERRIDE
        return handle.read()


def test_keys_mode_writes_a_write_only_key_with_the_file_only(write_only_tree):
    tree = write_only_tree
    first = _run_without_dac_override(tree)
    assert first['before'] == ['net.ipv4.ip_forward']  # the write-only key is present, not a mismatch
    assert first['applied'] == 'keys' and first['applied_keys'] == ['net.ipv4.ip_forward', FLUSH]
    assert first['written_unverified'] == [FLUSH]
    assert _flush_written(tree) == '1' and live(tree, 'net.ipv4.ip_forward') == '1'
    assert first['check']['ok'] and first['check']['results'][FLUSH]['status'] == 'write_only'

    with open(_sysctl.key_path(FLUSH, str(tree)), 'w') as handle:
        handle.write('')
    again = _run_without_dac_override(tree)  # the file is right: nothing to write, not even the write-only key
    assert again['files'] == [] and again['applied'] == 'none' and again['applied_keys'] == []
    assert again['written_unverified'] == [] and _flush_written(tree) == ''
    assert again['check']['ok']

    changed_file = dict(sysctl_content='# flush the route cache at boot too\nnet.ipv4.ip_forward = 1\nnet.ipv4.route.flush = 1\n')
    check = _run_without_dac_override(tree, check_mode=True, **changed_file)
    assert check['applied_keys'] == [FLUSH] and check['written_unverified'] == [FLUSH] and _flush_written(tree) == ''
    changed = _run_without_dac_override(tree, **changed_file)
    assert changed['files'] == [str(tree / 'etc' / 'sysctl.d' / 'k8s.conf')]
    assert changed['applied_keys'] == [FLUSH] and changed['written_unverified'] == [FLUSH] and _flush_written(tree) == '1'
