# -*- coding: utf-8 -*-
"""Unit tests for the lock section of plugins/module_utils/_packages.py: /proc/locks lines and pid files as the managers leave them."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages as pl

# /proc/locks inside fleetops/debian-systemd:11 while a python3 (pid 246) held lock-frontend and lock.
PROC_LOCKS = '''3: OFDLCK ADVISORY  READ -1 fe:00:5515274 201 201
5: OFDLCK ADVISORY  READ -1 00:2c:5 0 EOF
6: POSIX  ADVISORY  WRITE 246 00:38:1541027 0 EOF
6: -> POSIX  ADVISORY  WRITE 300 00:38:1541027 0 EOF
7: POSIX  ADVISORY  WRITE 246 00:38:1541028 0 EOF
8: OFDLCK ADVISORY  WRITE -1 fe:01:77 0 EOF
'''
STATS = {'/var/lib/dpkg/lock-frontend': (0, 0x38, 1541028), '/var/lib/dpkg/lock': (0, 0x38, 1541027),
         '/var/lib/apt/lists/lock': (0, 0x38, 99), '/var/lib/rpm/.rpm.lock': (0xfe, 1, 77)}


def test_parse_proc_locks():
    assert pl.parse_proc_locks(PROC_LOCKS) == {(0, 0x38, 1541027): 246, (0, 0x38, 1541028): 246, (0xfe, 1, 77): -1}
    assert pl.parse_proc_locks('garbage\n1: POSIX ADVISORY WRITE x 00:38:1 0 EOF\n') == {}


def test_apt_holders_named_by_pid_and_command():
    holders = pl.find_holders('apt', PROC_LOCKS, stat_key=STATS.get, read_file=lambda p: None, alive=lambda pid: True,
                              command_of={246: 'unattended-upgr'}.get)
    assert holders == [
        {'lock': '/var/lib/dpkg/lock-frontend', 'pid': 246, 'command': 'unattended-upgr', 'holder': 'process 246 (unattended-upgr)'},
        {'lock': '/var/lib/dpkg/lock', 'pid': 246, 'command': 'unattended-upgr', 'holder': 'process 246 (unattended-upgr)'},
    ]
    state = pl.lock_state(holders, 3)
    assert state['held'] and state['lock'] == '/var/lib/dpkg/lock-frontend' and state['waited'] == 3


def test_dnf_pid_files_and_rpm_ofd_lock():
    files = {'/var/lib/dnf/rpmdb_lock.pid': '812', '/var/cache/dnf/metadata_lock.pid': '999',
             '/var/cache/dnf/download_lock.pid': ''}
    holders = pl.find_holders('dnf', PROC_LOCKS, stat_key=STATS.get, read_file=files.get, alive=lambda pid: pid == 812,
                              command_of={812: 'dnf'}.get)
    assert [h['lock'] for h in holders] == ['/var/lib/rpm/.rpm.lock', '/var/lib/dnf/rpmdb_lock.pid']
    assert holders[0]['pid'] == -1 and 'open file description lock' in holders[0]['holder']
    assert pl.holder_text(0, '').startswith('an unknown process') and 'PID namespace' in pl.holder_text(0, '')
    assert holders[1]['holder'] == 'process 812 (dnf)'


@pytest.mark.parametrize('content, alive, own, expected', [
    ('812', True, 1, 812), ('812\n', True, 1, 812), ('812', False, 1, None), ('812', True, 812, None),
    ('', True, 1, None), (None, True, 1, None), ('abc', True, 1, None),
])
def test_pid_file_holder(content, alive, own, expected):
    assert pl.pid_file_holder(content, lambda pid: alive, own) == expected


def test_yum_and_free_and_bad_manager():
    assert pl.find_holders('yum', '', stat_key=STATS.get, read_file={'/var/run/yum.pid': '3233'}.get, alive=lambda pid: True,
                           command_of={3233: 'packagekitd'}.get)[0]['holder'] == 'process 3233 (packagekitd)'
    assert pl.lock_state([], 0) == {'held': False, 'lock': '', 'pid': None, 'command': '', 'holder': '', 'locks': [], 'waited': 0}
    with pytest.raises(ValueError):
        pl.lock_paths('zypper')
