# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/container_preflight_info.py (reads this machine, changes nothing)."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import container_preflight_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = needs_module_testing


run_module = module_runner(container_preflight_info)


def test_report_shape(capsys):
    result = run_module(capsys, {'fail_on_missing': False, 'modules': ['dummy_fleetops'], '_ansible_check_mode': True})
    preflight = result['preflight']
    assert result['changed'] is False
    assert set(preflight['modules']) == {'dummy_fleetops', 'overlay', 'br_netfilter'}
    assert preflight['modules']['dummy_fleetops'] == 'absent'
    assert preflight['cgroup']['version'] in ('v1', 'v2', None)
    assert isinstance(result['problems'], list)


def test_impossible_minimum_is_reported_by_default_and_fails_when_asked(capsys):
    result = run_module(capsys, {'min_kernel': '999.0', 'require': []})
    assert not result.get('failed') and any('older than the minimum 999.0' in item for item in result['problems'])
    result = run_module(capsys, {'min_kernel': '999.0', 'require': [], 'fail_on_missing': True})
    assert result['failed'] and 'older than the minimum 999.0' in result['msg']
    assert result['msg'].startswith('container_preflight_info: ')


def test_unknown_capability_fails(capsys):
    result = run_module(capsys, {'require': ['overlayfs']})
    assert result['failed'] and "unknown capability 'overlayfs'" in result['msg']


def test_commands_are_looked_up(capsys):
    result = run_module(capsys, {'fail_on_missing': False, 'require': [],
                                 'commands': ['sh', 'fleetops-no-such-command']})
    assert result['commands']['sh'].endswith('/sh')
    assert result['commands']['fleetops-no-such-command'] is None


@pytest.mark.parametrize('args, fragment', [
    ({'modules': ['']}, "module name '' in modules is not a kernel module name"),
    ({'modules': ['-F']}, "module name '-F'"),
    ({'require': ['cgroup']}, 'the cgroup namespace is "cgroupns"'),
    ({'commands': ['/usr/bin/x']}, 'is not a command name'),
])
def test_malformed_names_fail_before_modinfo_runs(capsys, monkeypatch, args, fragment):
    ran = []
    monkeypatch.setattr(container_preflight_info, 'modinfo_found', lambda module, names, release: ran.append(names) or {})
    result = run_module(capsys, args)
    assert result['failed'] and fragment in result['msg'], result['msg']
    assert ran == []


def test_the_sysctl_state_only_when_asked(capsys, monkeypatch, tmp_path):
    assert run_module(capsys, {'require': []})['sysctl'] is None
    seen = []
    monkeypatch.setattr(container_preflight_info, 'boot_state', lambda: seen.append(True) or {'files': {}, 'by_key': {},
                                                                                              'unlinked_keys': []})
    result = run_module(capsys, {'require': [], 'sysctl': True, '_ansible_check_mode': True})
    assert result['changed'] is False and result['sysctl'] == {'files': {}, 'by_key': {}, 'unlinked_keys': []}
    assert seen == [True]
