# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/sysctl_info.py (reads this machine's /proc/sys, changes nothing)."""


from ansible_collections.fleetops.docker_host.plugins.modules import sysctl_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = needs_module_testing


run_module = module_runner(sysctl_info)


def test_missing_key_fails_with_every_bad_key_when_asked(capsys):
    result = run_module(capsys, {'expected': {'net.fleetops.nope': 1}, 'fail_on_mismatch': True,
                                 '_ansible_check_mode': True})
    assert result['failed'] and 'net.fleetops.nope [missing]' in result['msg']
    assert result['msg'].startswith('sysctl_info: ')
    assert result['results']['net.fleetops.nope']['status'] == 'missing'


def test_an_info_module_reports_by_default(capsys):
    result = run_module(capsys, {'expected': {'net/fleetops/nope': 1}})
    assert not result.get('failed') and result['changed'] is False
    assert result['mismatches'] == ['net.fleetops.nope'] and result['ok'] is False


def test_malformed_key(capsys):
    result = run_module(capsys, {'expected': {'net ipv4': 1}})
    assert result['failed'] and 'malformed' in result['msg']


def test_non_scalar_value(capsys):
    result = run_module(capsys, {'expected': {'net.ipv4.ip_forward': [1]}})
    assert result['failed'] and 'scalar' in result['msg']
