# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/node_swap.py on a temporary tree (never the machine's swap or units)."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import FSTAB_MARK
from ansible_collections.fleetops.docker_host.plugins.modules import node_swap

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing]
run_module = module_runner(node_swap)
SWAPS = 'Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1024 0 -2\n'


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / 'etc' / 'systemd' / 'system').mkdir(parents=True)
    (tmp_path / 'usr' / 'lib' / 'systemd' / 'system-generators').mkdir(parents=True)
    (tmp_path / 'proc').mkdir()
    (tmp_path / 'proc' / 'swaps').write_text(SWAPS)
    (tmp_path / 'etc' / 'fstab').write_text('UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n')
    monkeypatch.setattr(node_swap, 'PROC_SWAPS', str(tmp_path / 'proc' / 'swaps'))
    monkeypatch.setattr(node_swap, 'SYSTEMD_RUNNING', str(tmp_path / 'run' / 'systemd' / 'system'))  # absent: no systemctl
    monkeypatch.setattr(node_swap, 'UNIT_DIR', str(tmp_path / 'etc' / 'systemd' / 'system'))
    monkeypatch.setattr(node_swap, 'GENERATOR_DIR', str(tmp_path / 'etc' / 'systemd' / 'system-generators'))
    monkeypatch.setattr(node_swap, 'ZRAM_GENERATORS', (str(tmp_path / 'usr' / 'lib' / 'systemd' / 'system-generators' / 'zram-generator'),))
    return tmp_path


def test_in_a_container_files_and_units_but_no_swapoff(tree, capsys):
    (tree / 'usr' / 'lib' / 'systemd' / 'system-generators' / 'zram-generator').write_text('')
    args = {'fstab': str(tree / 'etc' / 'fstab'), 'in_container': True}
    check = run_module(capsys, args, check_mode=True, diff=True)
    assert check['changed'] is True and check['swapoff'] is False
    assert check['masked'] == ['swap.target', 'zram-generator']
    assert FSTAB_MARK + '/swapfile none swap sw 0 0' in check['diff']['after']
    assert (tree / 'etc' / 'fstab').read_text().endswith('\n/swapfile none swap sw 0 0\n')  # check mode wrote nothing
    assert not os.path.lexists(str(tree / 'etc' / 'systemd' / 'system' / 'swap.target'))

    result = run_module(capsys, args)
    assert result['changed'] is True and result['swapoff'] is False
    assert result['fstab_commented'] == ['/swapfile none swap sw 0 0']
    assert "swap (/swapfile) belongs to the machine, swapoff not run" in result['notes'][0]
    assert (tree / 'etc' / 'fstab').read_text() == 'UUID=1 / ext4 defaults 0 1\n' + FSTAB_MARK + '/swapfile none swap sw 0 0\n'
    assert os.readlink(str(tree / 'etc' / 'systemd' / 'system' / 'swap.target')) == '/dev/null'
    assert os.readlink(str(tree / 'etc' / 'systemd' / 'system-generators' / 'zram-generator')) == '/dev/null'

    again = run_module(capsys, args)
    assert again['changed'] is False and again['masked'] == [] and again['fstab_commented'] == []

    (tree / 'proc' / 'swaps').write_text('Filename\tType\tSize\tUsed\tPriority\n')
    none_on = run_module(capsys, args)
    assert none_on['changed'] is False
    assert none_on['notes'] == ['this host is a container: swap belongs to the machine, swapoff is never run here (none is on now)']


def test_an_operator_unit_file_is_left_alone(tree, capsys):
    (tree / 'etc' / 'systemd' / 'system' / 'swap.target').write_text('[Unit]\n')
    result = run_module(capsys, {'fstab': str(tree / 'etc' / 'fstab'), 'in_container': True, 'mask_units': True})
    assert 'swap.target' not in result['masked']
    assert any('unit file of its own' in note for note in result['notes'])


def test_on_a_machine_swapoff_runs(tree, capsys, monkeypatch):
    calls = []

    def fake_run_command(self, argv, **kwargs):
        calls.append(argv)
        (tree / 'proc' / 'swaps').write_text('Filename\tType\tSize\tUsed\tPriority\n')
        return 0, '', ''

    monkeypatch.setattr(node_swap.AnsibleModule, 'run_command', fake_run_command)
    monkeypatch.setattr(node_swap.AnsibleModule, 'get_bin_path', lambda self, name, required=False, opt_dirs=None: '/sbin/' + name)
    result = run_module(capsys, {'fstab': str(tree / 'etc' / 'fstab'), 'mask_units': False})
    assert result['swapoff'] is True and calls == [['/sbin/swapoff', '-a']]
    assert result['swap_before'][0]['filename'] == '/swapfile' and result['swap_after'] == []
