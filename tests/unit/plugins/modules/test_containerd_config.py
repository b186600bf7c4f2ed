# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/containerd_config.py: real files in tmp_path."""

import os
import pathlib

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import containerd_config

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [
    needs_module_testing,
    pytest.mark.skipif(os.geteuid() != 0, reason='the module sets owner/group root'),
]
run_module = module_runner(containerd_config)
SHIPPED = (pathlib.Path(__file__).parent.parent / 'module_utils' / 'fixtures' / 'containerd.io-config.toml').read_text()


def test_check_mode_diff_then_write_then_nothing(tmp_path, capsys):
    path = tmp_path / 'config.toml'
    path.write_text(SHIPPED)
    os.chmod(str(path), 0o644)
    args = {'path': str(path), 'config_path': '/etc/containerd/certs.d'}
    check = run_module(capsys, args, check_mode=True, diff=True)
    assert check['changed'] is True and check['restart_required'] is True
    assert check['diff']['before'] == SHIPPED and 'SystemdCgroup = true' in check['diff']['after']
    assert path.read_text() == SHIPPED

    result = run_module(capsys, args)
    assert result['changed'] is True and result['previous_content'] == SHIPPED
    assert result['config']['cri_disabled'] is False and result['config']['cgroup_driver'] == 'systemd'
    assert 'disabled_plugins = []' in path.read_text()
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith('.config.toml.')]

    again = run_module(capsys, args)
    assert again['changed'] is False and again['edits'] == [] and again['restart_required'] is False


def test_bad_file_fails_and_stays(tmp_path, capsys):
    path = tmp_path / 'config.toml'
    path.write_text('version = 2\n[plugins\n')
    result = run_module(capsys, {'path': str(path)})
    assert result['failed'] is True
    assert 'is not valid TOML, line 2' in result['msg']
    assert path.read_text() == 'version = 2\n[plugins\n'


def test_creates_a_missing_file(tmp_path, capsys):
    path = tmp_path / 'containerd' / 'config.toml'
    result = run_module(capsys, {'path': str(path), 'cgroup_driver': 'cgroupfs'})
    assert result['changed'] is True and result['previous_content'] is None
    assert 'SystemdCgroup = false' in path.read_text()
