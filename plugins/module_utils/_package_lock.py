# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds the package manager's lock: pure functions for the package_lock_info module.

Two kinds of lock, as the managers take them:
- fcntl locks on a file (dpkg/apt: lock-frontend, lock, lists/lock, archives/lock; rpm's .rpm.lock), seen in
  /proc/locks as "POSIX ADVISORY WRITE <pid> <major>:<minor>:<inode> ..." (pids of the reader's namespace);
- pid files (dnf 4's dnf/lock.py ProcessLock: rpmdb_lock.pid, metadata_lock.pid, download_lock.pid; yum's
  /var/run/yum.pid): held while the pid written in them is alive (dnf checks /proc/<pid>/stat, as here).
A lock held from outside the reader's PID namespace is missing from /proc/locks (Linux 4.9+): kernel_holder asks
the kernel about the lock file itself (the one function here that touches the host; both package_lock_info and the
packages step use it). Target side: Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import fcntl
import os
import stat
import struct

APT_LOCKS = ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/lib/apt/lists/lock',
             '/var/cache/apt/archives/lock')
RPM_LOCKS = ('/var/lib/rpm/.rpm.lock', '/usr/lib/sysimage/rpm/.rpm.lock')
DNF_PID_FILES = ('/var/lib/dnf/rpmdb_lock.pid', '/var/cache/dnf/metadata_lock.pid', '/var/cache/dnf/download_lock.pid')
YUM_PID_FILES = ('/var/run/yum.pid', '/run/yum.pid')

MANAGERS = ('apt', 'dnf', 'dnf5', 'yum')

# struct flock: l_type, l_whence, l_start, l_len, l_pid (native layout); the buffer is padded, the kernel's struct
# may be longer than Python's packing of it.
_FLOCK = 'hhqqi'


def kernel_holder(path):
    """Who the kernel says holds a lock on PATH (fcntl F_GETLK with a write lock as the probe): the pid in this
    namespace, 0 when the holder is outside it, -1 for an open file description lock; None when free. /proc/locks
    shows no holder of another PID namespace (Linux 4.9 and later), the file itself still tells."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe + b'\0' * 32)
        kind, _whence, _start, _length, pid = struct.unpack(_FLOCK, answer[:len(probe)])
    except (OSError, struct.error):
        return None
    finally:
        os.close(fd)
    if kind == fcntl.F_UNLCK:
        return None
    return pid if pid > 0 else (-1 if pid < 0 else 0)


def lock_paths(manager):
    """(fcntl lock files, pid files) a manager's package step needs."""
    if manager == 'apt':
        return APT_LOCKS, ()
    # dnf5's own lock files are not looked at: rpm's transaction lock (.rpm.lock) is taken by both.
    if manager in ('dnf', 'dnf5'):
        return RPM_LOCKS, DNF_PID_FILES
    if manager == 'yum':
        return RPM_LOCKS, YUM_PID_FILES
    raise ValueError('manager must be one of %s, got %r' % (', '.join(MANAGERS), manager))


def parse_proc_locks(text):
    """{(major, minor, inode): pid} of the write locks in /proc/locks; pid -1 for an OFD lock (no owner pid), 0 for
    a holder outside the reader's PID namespace.

    Lines such as "6: POSIX  ADVISORY  WRITE 246 00:38:1541027 0 EOF"; waiters ("6: -> POSIX ...") are skipped.
    """
    held = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[1] == '->' or fields[3] != 'WRITE':
            continue
        parts = fields[5].split(':')
        if len(parts) != 3:
            continue
        try:
            key = (int(parts[0], 16), int(parts[1], 16), int(parts[2]))
            pid = int(fields[4])
        except ValueError:
            continue
        held.setdefault(key, pid)
    return held


# Linux's largest pid (PID_MAX_LIMIT, 2**22); a bigger number in a pid file is junk, not a process.
PID_MAX = 4194304


def parse_pid(content):
    """The pid in a pid file's content (text or bytes), or None for anything else: empty, binary junk, a number
    in other digits ('\u0663'.isdigit() is true) or out of range."""
    if isinstance(content, bytes):
        content = content.decode('ascii', 'replace')
    text = (content or '').strip()
    if not text or len(text) > 7 or not all('0' <= char <= '9' for char in text):
        return None
    pid = int(text)
    return pid if 0 < pid <= PID_MAX else None


def pid_file_holder(content, alive, own_pid=None):
    """The pid a pid-file lock is held by, or None (empty, garbage, our own or a dead process: free)."""
    pid = parse_pid(content)
    if pid is None or pid == own_pid or not alive(pid):
        return None
    return pid


def comm_text(data):
    """A process name from /proc/<pid>/comm (bytes): the kernel cuts it at 15 bytes, maybe inside a UTF-8
    character, and a name may be any bytes; what is not UTF-8 is shown as U+FFFD."""
    if data is None:
        return ''
    if isinstance(data, bytes):
        data = data.decode('utf-8', 'replace')
    return data.strip()


def holder_text(pid, command):
    """'process 1234 (unattended-upgr)', as apt names a holder."""
    if pid is None or pid < 0:
        return 'a process the kernel does not name (open file description lock)'
    if pid == 0:
        return ('an unknown process (the kernel says the lock is held, but the holder is outside this PID namespace '
                'and /proc/locks does not name it)')
    return 'process %d (%s)' % (pid, command or 'unknown')


def find_holders(manager, proc_locks, *, stat_key, read_file, alive, command_of, own_pid=None, kernel_holder=None):
    """The locks of manager that are held now: a list of {lock, pid, command, holder}.

    proc_locks: the text of /proc/locks; stat_key(path) -> (major, minor, inode) or None when the file does not exist; read_file(path) -> text or None;
    alive(pid) -> bool; command_of(pid) -> the process name or ''; kernel_holder(path) -> the pid the kernel names
    for a write lock on the file itself (fcntl F_GETLK: 0 when the holder is outside this PID namespace, -1 for an
    open file description lock), or None when it is free or cannot be asked. /proc/locks hides holders of another
    PID namespace since Linux 4.9, so a lock it does not list is asked about.
    """
    lock_files, pid_files = lock_paths(manager)
    held = parse_proc_locks(proc_locks or '')
    holders = []
    for path in lock_files:
        key = stat_key(path)
        if key is None:
            continue
        if key in held:
            pid = held[key]
        else:
            pid = kernel_holder(path) if kernel_holder else None
            if pid is None:
                continue
        command = command_of(pid) if pid > 0 else ''
        holders.append({'lock': path, 'pid': pid, 'command': command, 'holder': holder_text(pid, command)})
    for path in pid_files:
        pid = pid_file_holder(read_file(path), alive, own_pid)
        if pid is None:
            continue
        command = command_of(pid)
        holders.append({'lock': path, 'pid': pid, 'command': command, 'holder': holder_text(pid, command)})
    return holders


def lock_state(holders, waited):
    """The module's package_lock return: the first holder, every held lock, and how long the module waited."""
    first = holders[0] if holders else {}
    return {
        'held': bool(holders),
        'lock': first.get('lock', ''),
        'pid': first.get('pid'),
        'command': first.get('command', ''),
        'holder': first.get('holder', ''),
        'locks': holders,
        'waited': waited,
    }
