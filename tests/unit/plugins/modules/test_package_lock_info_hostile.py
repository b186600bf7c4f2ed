# -*- coding: utf-8 -*-
"""package_lock_info under hostile input (issue 27): binary junk in pid files, process names cut mid-character,
FIFOs in place of pid files, and locks /proc/locks does not show (asked of the kernel with F_GETLK)."""

import fcntl
import os
import struct
import subprocess
import sys
import time

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages as pl
from ansible_collections.fleetops.docker_host.plugins.modules import package_lock_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    make_kind,
    runner,
)
from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import needs_module_testing

run = runner(package_lock_info)

pytestmark = pytest.mark.usefixtures('bounded')


@pytest.mark.parametrize('content, pid', [
    (b'1234\n', 1234), ('  77 ', 77), (b'\x00\x01\xff\xfe', None), (b'\xe9\xe9', None), ('\u0663\u0664', None),
    ('\u00b2', None), ('12a', None), ('-5', None), ('0', None), ('99999999999999999999', None), ('4194305', None),
    ('4194304', 4194304), ('', None), (None, None), (b'12\n34', None), ('1e3', None), (b'\x00123', None),
])
def test_parse_pid_takes_only_a_plain_pid(content, pid):
    assert pl.parse_pid(content) == pid


@pytest.mark.parametrize('raw, name', [
    (b'unattended-upgr\n', 'unattended-upgr'),
    ('apt-get-upgr\u00e9\u00e9'.encode()[:15] + b'\n', 'apt-get-upgr\u00e9\ufffd'),
    (b'\xff\xfe\xfd\n', '\ufffd\ufffd\ufffd'),
    ('\u65e5\u672c\u8a9e\u65e5\u672c'.encode()[:15], '\u65e5\u672c\u8a9e\u65e5\u672c'),
    ('\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e'.encode()[:15], '\u65e5\u672c\u8a9e\u65e5\u672c'),
    ('\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e'.encode()[:16], '\u65e5\u672c\u8a9e\u65e5\u672c\ufffd'),
    (None, ''),
])
def test_comm_cut_mid_character_is_valid_text(raw, name):
    assert pl.comm_text(raw) == name
    pl.comm_text(raw).encode('utf-8')


@pytest.mark.parametrize('junk', [b'\x00\x00\x00', b'\xff' * 64, b'12\xe9', b'\xef\xbb\xbf1', b'pid=1', b'1' * 70])
def test_junk_pid_files_are_no_holder(tmp_path, monkeypatch, junk):
    pid_file = tmp_path / 'rpmdb_lock.pid'
    pid_file.write_bytes(junk)
    monkeypatch.setattr(pl, 'DNF_PID_FILES', (str(pid_file),))
    monkeypatch.setattr(pl, 'RPM_LOCKS', ())
    holders = package_lock_info._holders('dnf')
    assert holders == []


def test_a_live_pid_in_a_pid_file_names_its_holder_even_with_a_cut_comm(tmp_path, monkeypatch):
    pid_file = tmp_path / 'yum.pid'
    pid_file.write_bytes(b'%d\n' % os.getppid())
    monkeypatch.setattr(pl, 'YUM_PID_FILES', (str(pid_file),))
    monkeypatch.setattr(pl, 'RPM_LOCKS', ())
    monkeypatch.setattr(package_lock_info, '_command', lambda pid: pl.comm_text('caf\u00e9-\u65e5\u672c-x'.encode()[:10]))
    holders = package_lock_info._holders('yum')
    assert holders[0]['pid'] == os.getppid() and holders[0]['command'].endswith('\ufffd')


@pytest.mark.parametrize('kind', ['fifo', 'dir', 'device', 'zero', 'socket', 'loop'])
def test_pid_files_that_are_not_files_do_not_hang(tmp_path, monkeypatch, kind):
    path = make_kind(tmp_path / 'yum.pid', kind)
    monkeypatch.setattr(pl, 'YUM_PID_FILES', (path,))
    monkeypatch.setattr(pl, 'RPM_LOCKS', (path,))
    assert package_lock_info._holders('yum') == []


HOLD = '''
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
if sys.argv[2] == 'posix':
    fcntl.lockf(fd, fcntl.LOCK_EX)
elif sys.argv[2] == 'flock':
    fcntl.flock(fd, fcntl.LOCK_EX)
else:
    fcntl.fcntl(fd, 37, struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0))  # F_OFD_SETLK
print('locked', flush=True)
time.sleep(30)
'''


@pytest.fixture
def holder(tmp_path):
    procs = []

    def hold(path, how):
        proc = subprocess.Popen([sys.executable, '-c', HOLD, str(path), how], stdout=subprocess.PIPE)
        procs.append(proc)
        assert proc.stdout.readline().strip() == b'locked'
        return proc
    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize('how, pid_kind', [('posix', 'pid'), ('ofd', -1)])
def test_a_lock_proc_locks_does_not_show_is_found_by_asking_the_kernel(tmp_path, monkeypatch, holder, how, pid_kind):
    lock = tmp_path / 'lock-frontend'
    lock.write_bytes(b'')
    proc = holder(lock, how)
    monkeypatch.setattr(pl, 'APT_LOCKS', (str(lock),))
    # /proc/locks as a process in another PID namespace sees it: without this holder.
    holders = pl.find_holders('apt', '', stat_key=package_lock_info._stat_key, read_file=package_lock_info._read,
                              alive=package_lock_info._alive, command_of=package_lock_info._command,
                              kernel_holder=package_lock_info._kernel_holder)
    assert len(holders) == 1 and holders[0]['lock'] == str(lock)
    assert holders[0]['pid'] == (proc.pid if pid_kind == 'pid' else -1)


def test_a_free_lock_is_free_for_the_kernel_too(tmp_path):
    lock = tmp_path / 'lock'
    lock.write_bytes(b'')
    assert package_lock_info._kernel_holder(str(lock)) is None
    assert package_lock_info._kernel_holder(str(tmp_path / 'absent')) is None


def test_a_holder_outside_the_namespace_is_an_unknown_process():
    holders = pl.find_holders('apt', '', stat_key=lambda path: (0, 1, 2), read_file=lambda path: None,
                              alive=lambda pid: False, command_of=lambda pid: 'never asked',
                              kernel_holder=lambda path: 0 if path == pl.APT_LOCKS[0] else None)
    assert [item['lock'] for item in holders] == [pl.APT_LOCKS[0]]
    assert holders[0]['pid'] == 0 and holders[0]['command'] == ''
    assert holders[0]['holder'].startswith('an unknown process')
    state = pl.lock_state(holders, 0)
    assert state['held'] is True and 'unknown process' in state['holder']


@needs_module_testing
def test_the_module_fails_naming_a_hidden_holder(tmp_path, monkeypatch, holder, capsys):
    lock = tmp_path / 'lock'
    lock.write_bytes(b'')
    holder(lock, 'posix')
    monkeypatch.setattr(pl, 'APT_LOCKS', (str(lock),))
    monkeypatch.setattr(package_lock_info, 'look_text', lambda path, default='': '')  # /proc/locks hides it
    started = time.time()
    result = run(capsys, {'manager': 'apt', 'wait': 1, 'fail_on_held': True, 'timeout_variable': 'docker_lock_timeout'})
    assert result['failed'] and str(lock) in result['msg'] and 'docker_lock_timeout' in result['msg']
    assert result['package_lock']['held'] is True and time.time() - started < 10


def test_flock_is_not_an_fcntl_lock(tmp_path, holder):
    # dpkg and apt take fcntl locks; a flock() on the file is another lock family the probe does not see.
    lock = tmp_path / 'lock'
    lock.write_bytes(b'')
    holder(lock, 'flock')
    assert package_lock_info._kernel_holder(str(lock)) is None


def test_the_probe_layout_matches_the_kernel(tmp_path):
    lock = tmp_path / 'lock'
    lock.write_bytes(b'')
    fd = os.open(str(lock), os.O_RDONLY)
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 0, 0) + b'\0' * 32)
        assert struct.unpack('hhqqi', answer[:struct.calcsize('hhqqi')])[0] == fcntl.F_UNLCK
    finally:
        os.close(fd)


NAMESPACE_PROBE = '''
import sys
sys.path[:0] = sys.argv[2:]
from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages as pl
from ansible_collections.fleetops.docker_host.plugins.modules import package_lock_info
pl.APT_LOCKS = (sys.argv[1],)
print(repr([(item['pid'], item['holder']) for item in package_lock_info._holders('apt')]))
'''


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists('/usr/bin/unshare'), reason='needs root and unshare')
def test_a_holder_in_another_pid_namespace_is_found_as_an_unknown_process(tmp_path, holder):
    lock = tmp_path / 'lock-frontend'
    lock.write_bytes(b'')
    holder(lock, 'posix')
    paths = [path for path in sys.path if path]
    probe = subprocess.run(['unshare', '--pid', '--fork', '--mount-proc', sys.executable, '-c', NAMESPACE_PROBE,
                            str(lock)] + paths, check=False, capture_output=True, text=True, timeout=15)
    if probe.returncode != 0 and 'Operation not permitted' in probe.stderr:
        pytest.skip('no new PID namespace here: %s' % probe.stderr.strip())
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.startswith("[(0, 'an unknown process")
