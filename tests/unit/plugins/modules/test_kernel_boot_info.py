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


def test_the_look_reports_the_command_line_and_the_cgroup_file_system(capsys):
    result = run_module(capsys, {})
    with open('/proc/cmdline') as handle:
        assert result['cmdline']['running'] == handle.read().strip()
    assert result['cmdline']['cgroup_fs'] in ('cgroup2fs', 'tmpfs')
    assert result['plan'] == {} and 'default_args' in result['boot'] and result['boot']['trial'] == {}


def test_with_the_roles_settings_the_look_returns_the_plan(capsys):
    settings = {'host': 'web1', 'facts': {'os_family': 'Debian', 'distribution': 'Debian',
                                          'distribution_release': 'bookworm', 'architecture': 'x86_64'},
                'debian_arch': {'x86_64': 'amd64'}, 'kernel_ml_reboot_timeout': 900, 'kernel_ml_repo_url': '',
                'kernel_ml_elrepo_url': 'https://www.elrepo.org', 'kernel_ml_backports_uri': 'http://deb.debian.org/debian',
                'kernel_ml_panic_timeout': 10, 'kernel_ml_keep': 2, 'kernel_ml_checks': [],
                'kernel_ml_cmdline_args': ['quiet x'], 'kernel_ml_in_container': True}
    result = run_module(capsys, {'settings': settings, '_ansible_check_mode': True})
    plan = result['plan']
    # The package of the role's kernel line is looked at without a package option.
    assert result['package']['name'] == 'linux-image-amd64' and plan['line']['apt_release'] == 'bookworm-backports'
    assert result['apt']['suite'] == 'bookworm-backports'
    assert plan['problems'] == ["web1: kernel_ml_cmdline_args[0] is 'quiet x'; write one key=value word or flag without "
                                "spaces, quotes or shell characters, e.g. systemd.unified_cgroup_hierarchy=1."]
    assert result['changed'] is False and '_items' not in (result['boot']['grub'] or {})
