# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/container_preflight.py (reads this machine, changes nothing)."""

import json

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import container_preflight

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover - older ansible-core
    patch_module_args = None

pytestmark = pytest.mark.skipif(patch_module_args is None, reason='needs ansible.module_utils.testing (ansible-core 2.19+)')


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        container_preflight.main()
    return json.loads(capsys.readouterr().out)


def test_report_shape(capsys):
    result = run_module(capsys, {'fail_on_missing': False, 'modules': ['dummy_fleetops'], '_ansible_check_mode': True})
    preflight = result['preflight']
    assert result['changed'] is False
    assert set(preflight['modules']) == {'dummy_fleetops', 'overlay', 'br_netfilter'}
    assert preflight['modules']['dummy_fleetops'] == 'absent'
    assert preflight['cgroup']['version'] in ('v1', 'v2', None)
    assert isinstance(result['problems'], list)


def test_impossible_minimum_fails(capsys):
    result = run_module(capsys, {'min_kernel': '999.0', 'require': []})
    assert result['failed'] and 'older than the minimum 999.0' in result['msg']


def test_unknown_capability_fails(capsys):
    result = run_module(capsys, {'require': ['overlayfs']})
    assert result['failed'] and "unknown capability 'overlayfs'" in result['msg']


def test_commands_are_looked_up(capsys):
    result = run_module(capsys, {'fail_on_missing': False, 'require': [],
                                 'commands': ['sh', 'fleetops-no-such-command']})
    assert result['commands']['sh'].endswith('/sh')
    assert result['commands']['fleetops-no-such-command'] is None
