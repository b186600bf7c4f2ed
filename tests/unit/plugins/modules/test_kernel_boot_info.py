# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/kernel_boot_info.py (reads this machine, changes nothing)."""

import platform


from ansible_collections.fleetops.docker_host.plugins.modules import kernel_boot_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = needs_module_testing


run_module = module_runner(kernel_boot_info)


def test_audit_without_options(capsys):
    result = run_module(capsys, {'_ansible_check_mode': True})
    assert result['changed'] is False
    assert result['kernel']['running'] == platform.release()
    assert isinstance(result['kernel']['installed'], list)
    assert result['package'] == {} and result['apt'] == {}
    assert set(result['boot']) >= {'loader', 'manager', 'commands', 'default_kernel', 'next_kernel', 'default_image',
                                   'grubby_default', 'grub'}
    assert set(result['container']) == {'is_container', 'type', 'evidence'}
    assert result['decision']['wanted'] == '' and result['decision']['reboot_needed'] is False


def test_unknown_package_leads_nowhere(capsys):
    result = run_module(capsys, {'package': 'fleetops-no-such-kernel', 'apt_suite': 'fleetops-none'})
    assert result['package']['installed'] is False and result['package']['kernel'] == ''
    assert result['apt'] == {'suite': 'fleetops-none', 'sources': []}


def test_decision_for_an_explicit_kernel(capsys):
    result = run_module(capsys, {'kernel': platform.release()})
    assert result['decision']['wanted'] == platform.release()
    assert result['decision']['reboot_needed'] is False


def test_manager_names_the_package_database(capsys):
    # This machine has dpkg (bash is a dpkg package); with manager=rpm dpkg is not asked, so a host carrying both
    # databases (EL tooling on a Debian userland) reads the one its family installs kernels with.
    by_apt = run_module(capsys, {'package': 'bash', 'manager': 'apt'})['package']
    assert by_apt['manager'] == 'apt' and by_apt['installed'] is True
    by_rpm = run_module(capsys, {'package': 'bash', 'manager': 'rpm'})['package']
    assert by_rpm['manager'] in ('rpm', None) and by_rpm['installed'] is False
