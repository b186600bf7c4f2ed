# -*- coding: utf-8 -*-
"""Unit tests for plugins/action/packages.py's failure messages with real apt (Debian 11/12/13), dnf 4 and yum output."""

import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.action.packages import package_lock_holder, package_lock_message

# What ansible.builtin.apt returned (ansible-core 2.21) with a python3 holding the dpkg and lists locks, in
# fleetops/debian-systemd:{11,12,13} (apt 2.2.4, 2.6.1, 3.0.4): "install hello lock_timeout=3" and
# "update_cache lock_timeout=3". apt 2.2 does not name the holder.
with open(os.path.join(os.path.dirname(__file__), 'fixtures', 'apt-lock-timeout.json')) as _handle:
    APT = json.load(_handle)

# dnf 4.14 (fleetops/el9-tooling-debian:12) with rpmdb_lock.pid/metadata_lock.pid held by a live "sleep" (pid 22):
# plain (waits, printing this once) and with --setopt=exit_on_lock=True (exit 200).
DNF_WAITING = {'failed': True, 'rc': 124, 'stdout': 'Waiting for process with pid 22 to finish.\n'}
DNF_EXIT_ON_LOCK = {'failed': True, 'rc': 200, 'msg': 'non-zero return code',
                    'stderr': 'metadata already locked by 22\n  The application with PID 22 is: sleep\n'
                              '    Memory : 1.5 M RSS (2.4 MB VSZ)\n    Started: Wed Dec  2 16:19:21 2026 - 00:04 ago\n'
                              '    State  : Sleeping\n'}
# yum 3.4 (EL7), yummain.py with exit_on_lock=1, as ansible.builtin.command returns it.
YUM_EXIT_ON_LOCK = {'failed': True, 'rc': 1, 'msg': 'The command exited with a non-zero return code.', 'attempts': 2,
                    'cmd': ['yum', '-y', '--setopt=exit_on_lock=1', 'install', 'kernel-ml'],
                    'stdout': 'Loaded plugins: fastestmirror\n',
                    'stderr': 'Existing lock /var/run/yum.pid: another copy is running as pid 3233.\n'
                              'Another app is currently holding the yum lock; exiting as configured by exit_on_lock\n'}
# Without exit_on_lock yum shows the owner (show_lock_owner) while it waits.
YUM_WAITING = {'stdout_lines': ['Existing lock /var/run/yum.pid: another copy is running as pid 3233.',
                                'Another app is currently holding the yum lock; waiting for it to exit...',
                                '  The other application is: PackageKit']}
# package_lock_info failing after its wait (fail_on_held).
LOOK_FAILED = {'failed': True, 'msg': 'the package manager stayed locked by ...',
               'package_lock': {'held': True, 'lock': '/var/lib/dnf/rpmdb_lock.pid', 'pid': 812, 'command': 'dnf',
                                'holder': 'process 812 (dnf)', 'locks': [], 'waited': 300}}
LOOK_HELD = {'package_lock': {'held': True, 'lock': '/var/lib/dpkg/lock-frontend', 'pid': 246, 'command': 'unattended-upgr',
                              'holder': 'process 246 (unattended-upgr)', 'locks': [], 'waited': 0}}
LOOK_FREE = {'package_lock': {'held': False, 'lock': '', 'pid': None, 'command': '', 'holder': '', 'locks': [], 'waited': 0}}


@pytest.mark.parametrize('name, lock, holder', [
    ('apt-install-11', '/var/lib/dpkg/lock-frontend', ''),
    ('apt-install-12', '/var/lib/dpkg/lock-frontend', 'process 111 (python3)'),
    ('apt-install-13', '/var/lib/dpkg/lock-frontend', 'process 34 (python3)'),
    ('apt-update-11', '/var/lib/apt/lists/lock', 'process 113 (python3)'),
    ('apt-update-12', '/var/lib/apt/lists/lock', 'process 111 (python3)'),
    ('apt-update-13', '/var/lib/apt/lists/lock', 'process 34 (python3)'),
])
def test_real_apt_output(name, lock, holder):
    assert package_lock_holder(APT[name]) == {'locked': True, 'lock': lock, 'holder': holder}


@pytest.mark.parametrize('result, found', [
    (DNF_WAITING, {'locked': True, 'lock': 'the rpm/dnf lock', 'holder': 'process 22'}),
    (DNF_EXIT_ON_LOCK, {'locked': True, 'lock': 'the rpm/dnf lock', 'holder': 'process 22'}),
    (YUM_EXIT_ON_LOCK, {'locked': True, 'lock': '/var/run/yum.pid', 'holder': 'process 3233'}),
    (YUM_WAITING, {'locked': True, 'lock': '/var/run/yum.pid', 'holder': 'process 3233 (PackageKit)'}),
    (LOOK_FAILED, {'locked': True, 'lock': '/var/lib/dnf/rpmdb_lock.pid', 'holder': 'process 812 (dnf)'}),
    ({'results': ['Waiting for process with pid 812 to finish.']}, {'locked': True, 'lock': 'the rpm/dnf lock', 'holder': 'process 812'}),
])
def test_real_dnf_and_yum_output(result, found):
    assert package_lock_holder(result) == found


@pytest.mark.parametrize('result', [
    {'msg': 'No package matching foo is available'},
    {'msg': "'/usr/bin/apt-get -y install docker-ce' failed: E: Unable to correct problems, you have held broken packages."},
    {'msg': 'Failed to download metadata for repo elrepo-kernel', 'rc': 1},
    {'msg': 'Failed', 'package_lock': {'held': False}},
])
def test_other_failures_are_not_lock_failures(result):
    assert package_lock_holder(result)['locked'] is False


def test_lock_message_names_holder_lock_variable_and_fix():
    msg = package_lock_message(APT['apt-install-12'], 'web1', 'docker_package_lock_timeout', 3, 'installing docker-ce')
    assert msg.startswith('web1: installing docker-ce: the package manager stayed locked by process 111 (python3) '
                          '(/var/lib/dpkg/lock-frontend) for more than 3 s (docker_package_lock_timeout); '
                          'let it finish or stop it, or raise docker_package_lock_timeout.')
    assert 'The package manager said: ' in msg and 'Unable to acquire the dpkg frontend lock' in msg


def test_debian11_holder_comes_from_the_look():
    msg = package_lock_message(APT['apt-install-11'], 'web1', 'k8s_node_package_lock_timeout', 5, 'installing conntrack', LOOK_HELD)
    assert 'stayed locked by process 246 (unattended-upgr) (/var/lib/dpkg/lock-frontend)' in msg
    released = package_lock_message(APT['apt-install-11'], 'web1', 'k8s_node_package_lock_timeout', 5, 'installing conntrack', LOOK_FREE)
    assert 'stayed locked by another process (it let go before the role could name it) (/var/lib/dpkg/lock-frontend)' in released
    assert 'k8s_node_package_lock_timeout' in released


def test_look_failure_message_has_no_duplicate_manager_text():
    msg = package_lock_message(LOOK_FAILED, 'el1', 'kernel_ml_package_lock_timeout', 300, 'installing kernel-ml')
    assert msg == ('el1: installing kernel-ml: the package manager stayed locked by process 812 (dnf) '
                   '(/var/lib/dnf/rpmdb_lock.pid) for more than 300 s (kernel_ml_package_lock_timeout); let it finish or '
                   'stop it, or raise kernel_ml_package_lock_timeout.')


def test_other_failure_keeps_its_own_message():
    result = {'msg': 'No package matching docker-ce is available'}
    assert package_lock_message(result, 'web1', 'docker_package_lock_timeout', 300, 'installing docker-ce', LOOK_HELD) == (
        'web1: installing docker-ce failed: No package matching docker-ce is available')


def test_bad_input():
    with pytest.raises(AnsibleFilterError):
        package_lock_holder('text')
    with pytest.raises(AnsibleFilterError):
        package_lock_message('text', 'h', 'v', 1, 's')


def test_yum_lock_message_says_what_yum_said_and_names_the_command_from_the_look():
    look = {'package_lock': {'held': True, 'lock': '/var/run/yum.pid', 'pid': 3233, 'command': 'packagekitd',
                             'holder': 'process 3233 (packagekitd)', 'locks': [], 'waited': 0}}
    msg = package_lock_message(YUM_EXIT_ON_LOCK, 'el7', 'kernel_ml_package_lock_timeout', 10, 'Install the kernel (EL7)', look)
    assert msg.startswith('el7: Install the kernel (EL7): the package manager stayed locked by process 3233 (packagekitd) '
                          '(/var/run/yum.pid) for more than 10 s (kernel_ml_package_lock_timeout)')
    assert msg.endswith('The package manager said: Existing lock /var/run/yum.pid: another copy is running as pid 3233. '
                        'Another app is currently holding the yum lock; exiting as configured by exit_on_lock')
    other = {'failed': True, 'rc': 1, 'cmd': ['yum', 'install', 'x'], 'msg': 'The command exited with a non-zero return code.',
             'stderr': 'Error: Nothing to do\n'}
    assert package_lock_message(other, 'el7', 'v', 10, 'Install x') == 'el7: Install x failed: Error: Nothing to do'
