# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/package_lock_info.py with real locks held by another process."""

import subprocess
import sys
import time

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages
from ansible_collections.fleetops.docker_host.plugins.modules import package_lock_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing]
run_module = module_runner(package_lock_info)
HOLDER = ('import fcntl, sys, time\n'
          'f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX)\n'
          'open(sys.argv[1] + ".held", "w").write("x"); time.sleep(float(sys.argv[2]))\n')


@pytest.fixture
def locks(tmp_path, monkeypatch):
    frontend = tmp_path / 'lock-frontend'
    frontend.write_text('')
    pid_file = tmp_path / 'rpmdb_lock.pid'
    monkeypatch.setattr(_packages, 'APT_LOCKS', (str(frontend), str(tmp_path / 'absent')))
    monkeypatch.setattr(_packages, 'RPM_LOCKS', ())
    monkeypatch.setattr(_packages, 'DNF_PID_FILES', (str(pid_file),))
    return frontend, pid_file


def _hold(path, seconds):
    proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(path), str(seconds)])
    for _attempt in range(100):
        if (path.parent / (path.name + '.held')).exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError('the holder did not take the lock')


def test_free_lock(locks, capsys):
    result = run_module(capsys, {'manager': 'apt'})
    assert result['changed'] is False and result['package_lock']['held'] is False


def test_held_apt_lock_is_named_then_waited_for(locks, capsys):
    frontend = locks[0]
    proc = _hold(frontend, 30)
    try:
        held = run_module(capsys, {'manager': 'apt'})['package_lock']
        assert held['held'] and held['lock'] == str(frontend) and held['pid'] == proc.pid
        assert held['holder'] == 'process %d (%s)' % (proc.pid, held['command']) and held['command'].startswith('python')

        failed = run_module(capsys, {'manager': 'apt', 'wait': 2, 'fail_on_held': True, 'timeout_variable': 'docker_package_lock_timeout'})
        assert failed['failed'] and failed['package_lock']['waited'] >= 2
        assert failed['msg'] == ('the package manager stayed locked by process %d (%s) (%s) for more than 2 s '
                                 '(docker_package_lock_timeout); let it finish or stop it, or raise docker_package_lock_timeout.'
                                 % (proc.pid, held['command'], frontend))
    finally:
        proc.kill()
        proc.wait()
    freed = run_module(capsys, {'manager': 'apt', 'wait': 5, 'fail_on_held': True})
    assert freed['package_lock']['held'] is False and 'failed' not in freed


def _comm(pid):
    with open('/proc/%d/comm' % pid) as handle:
        return handle.read().strip()


def test_dnf_pid_file_of_a_live_process(locks, capsys):
    pid_file = locks[1]
    proc = subprocess.Popen(['sleep', '30'])
    try:
        # Popen can return in the instant before the kernel renames the child from python to sleep (vfork):
        # wait for the exec to finish, so the holder's name is the command's.
        deadline = time.time() + 5
        while _comm(proc.pid) != 'sleep' and time.time() < deadline:
            time.sleep(0.01)
        pid_file.write_text(str(proc.pid))
        state = run_module(capsys, {'manager': 'dnf'})['package_lock']
        assert state['held'] and state['holder'] == 'process %d (sleep)' % proc.pid
    finally:
        proc.kill()
        proc.wait()
    assert run_module(capsys, {'manager': 'dnf'})['package_lock']['held'] is False  # a dead pid is a free lock


def test_negative_wait_refused(locks, capsys):
    result = run_module(capsys, {'manager': 'apt', 'wait': -1})
    assert result['failed'] and 'wait must be 0 or more seconds, got -1' in result['msg']
