# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one package step: pure functions for the packages module (target side, Python 3.6+).

What the managers print, as parsed here:
- dpkg-query -W -f DPKG_FORMAT: "hi |docker-ce|5:28.0.0-1~debian.12~bookworm" (want, status, error: the
  second letter `i` is installed; `h` first is a hold);
- apt-cache madison NAME: " docker-ce | 5:28.0.0-1~debian.12~bookworm | https://... Packages", newest first;
- apt-get -s: "Inst hello [2.10-2] (2.10-3 Debian:12.8/stable [amd64])", "Remv hello [2.10-3]";
- apt-mark showhold: one name a line;
- rpm -q --qf RPM_FORMAT: "docker-ce|3:28.0.0-1.el9" ("package x is not installed" otherwise);
- dnf/yum check-update NAMES (exit 100 when there are upgrades): "docker-ce.x86_64  3:28.0.1-1.el9  docker-ce-stable";
- versionlock.list (dnf: "docker-ce-3:28.0.0-1.el9.*", yum: "3:docker-ce-28.0.0-1.el7.*").
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import fcntl
import fnmatch
import os
import re
import stat
import struct

MANAGERS = ('apt', 'dnf', 'dnf5', 'yum')
STATES = ('present', 'latest', 'absent')
DPKG_FORMAT = '${db:Status-Abbrev}|${Package}|${Version}\n'
RPM_FORMAT = '%{NAME}|%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n'
# (versionlock plugin configuration, its list) per manager; dnf5's TOML list is not read.
VERSIONLOCK = {
    'dnf': ('/etc/dnf/plugins/versionlock.conf', '/etc/dnf/plugins/versionlock.list'),
    'yum': ('/etc/yum/pluginconf.d/versionlock.conf', '/etc/yum/pluginconf.d/versionlock.list'),
}
VERSIONLOCK_PACKAGE = {'dnf': 'python3-dnf-plugin-versionlock', 'yum': 'yum-plugin-versionlock'}
LOCK_WORDS = ('Could not get lock', 'Unable to acquire the dpkg', 'Unable to lock', 'Waiting for process with pid',
              'already locked by', 'Existing lock ', 'holding the yum lock',
              # dpkg: "dpkg frontend lock was locked by another process with pid 2199", "dpkg status database is
              # locked by another process"
              'locked by another process')
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9+._-]*$')
_APT_SIM_RE = re.compile(r'^(Inst|Remv) (\S+)(?: \[([^\]]*)\])?(?: \((\S+))?')


def normalize(packages):
    """[{'name', 'version'}] from the packages option (names or {name, version}); ValueError names the bad entry."""
    specs = []
    for entry in packages or []:
        if isinstance(entry, dict):
            name, version = entry.get('name'), entry.get('version') or ''
            unknown = sorted(set(entry) - {'name', 'version'})
            if unknown:
                raise ValueError('packages: %r has unknown key(s) %s; use name and version' % (entry, ', '.join(unknown)))
        else:
            name, version = entry, ''
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError('packages: %r is not a package name; give a name or {name: ..., version: ...}' % (entry,))
        version = str(version)
        if any(ch.isspace() for ch in version):
            raise ValueError('packages: the version of %s, %r, has white space' % (name, version))
        if name in [s['name'] for s in specs]:
            raise ValueError('packages: %s is listed twice; list each package once' % name)
        specs.append({'name': name, 'version': version})
    return specs


def apt_version_matches(installed, wanted):
    """Whether an installed Debian version is the wanted one: `name=<wanted>*`, as apt pins read it."""
    if not installed:
        return False
    if not wanted:
        return True
    return fnmatch.fnmatchcase(installed, wanted + '*')


def el_version_matches(installed, wanted):
    """Whether `name-<wanted>` as dnf/yum reads it names the installed '[epoch:]version-release'.

    `28.0.0` matches `3:28.0.0-1.el9`; `28.0.0-1.el9` and `3:28.0.0-1.el9` too; `28.0` does not (dnf
    matches whole version fields, not prefixes).
    """
    if not installed:
        return False
    if not wanted:
        return True
    have = installed
    if ':' not in wanted and ':' in have:
        have = have.split(':', 1)[1]
    if ':' in wanted and ':' not in have:
        have = '0:' + have
    if wanted.startswith('0:') and ':' in have and not have.startswith('0:'):
        return False
    return have == wanted or have.startswith(wanted + '-')


def version_matches(manager, installed, wanted):
    return (apt_version_matches if manager == 'apt' else el_version_matches)(installed, wanted)


def _rpm_segments(text):
    return re.findall(r'\d+|[A-Za-z]+|~|\^', text)


def rpmvercmp(left, right):
    """rpm's comparison of two version (or release) strings: -1, 0 or 1 (rpmio/rpmvercmp.c, ~ and ^ included)."""
    if left == right:
        return 0
    one, two = _rpm_segments(left), _rpm_segments(right)
    while one or two:
        a = one.pop(0) if one else None
        b = two.pop(0) if two else None
        if a == '~' or b == '~':
            if a != b:
                return -1 if a == '~' else 1
            continue
        if a == '^' or b == '^':
            if a is None:
                return -1
            if b is None:
                return 1
            if a != b:
                return 1 if a == '^' else -1
            continue
        if a is None or b is None:
            return -1 if a is None else 1
        if a.isdigit() != b.isdigit():
            return 1 if a.isdigit() else -1
        if a.isdigit():
            a, b = int(a), int(b)
        if a != b:
            return 1 if a > b else -1
    return 0


def _evr(text):
    epoch, rest = text.split(':', 1) if ':' in text else ('0', text)
    version, release = rest.split('-', 1) if '-' in rest else (rest, '')
    return int(epoch or 0), version, release


def el_compare(left, right):
    """Compare two '[epoch:]version[-release]' strings as rpm does; a side without a release ignores it."""
    (e1, v1, r1), (e2, v2, r2) = _evr(left), _evr(right)
    if e1 != e2:
        return 1 if e1 > e2 else -1
    return rpmvercmp(v1, v2) or (rpmvercmp(r1, r2) if r1 and r2 else 0)


def parse_dpkg(text):
    """dpkg-query -W -f DPKG_FORMAT -> ({name: version} installed, [names on hold])."""
    installed, held = {}, []
    for line in (text or '').splitlines():
        fields = line.split('|')
        if len(fields) != 3 or len(fields[0]) < 2:
            continue
        status, name, version = fields
        name = name.split(':')[0]
        if status[1] == 'i':
            installed[name] = version
        if status[0] == 'h':
            held.append(name)
    return installed, held


def parse_rpm(text):
    """rpm -q --qf RPM_FORMAT -> {name: '[epoch:]version-release'}; 'not installed' lines are skipped."""
    installed = {}
    for line in (text or '').splitlines():
        fields = line.strip().split('|')
        if len(fields) == 2 and fields[0] and fields[1]:
            installed[fields[0]] = fields[1]
    return installed


def parse_madison(text):
    """apt-cache madison -> {name: [versions, newest first]}."""
    found = {}
    for line in (text or '').splitlines():
        fields = [f.strip() for f in line.split('|')]
        if len(fields) >= 3 and fields[0] and fields[1]:
            versions = found.setdefault(fields[0], [])
            if fields[1] not in versions:
                versions.append(fields[1])
    return found


def apt_candidate(versions, wanted):
    """The newest of versions (newest first, as madison lists them) that `wanted` names, or None."""
    for version in versions or []:
        if apt_version_matches(version, wanted):
            return version
    return None


def parse_apt_simulation(text):
    """apt-get -s output -> {name: version after or None (removed)} for what it would change."""
    after = {}
    for line in (text or '').splitlines():
        match = _APT_SIM_RE.match(line)
        if not match:
            continue
        name = match.group(2).split(':')[0]
        after[name] = match.group(4) if match.group(1) == 'Inst' else None
    return after


def parse_check_update(text):
    """dnf/yum check-update -> {name: newer '[epoch:]version-release'}."""
    found = {}
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) != 3 or '.' not in fields[0] or line.startswith(' '):
            continue
        name = fields[0].rsplit('.', 1)[0]
        if re.match(r'^(\d+:)?[^-\s]+-[^-\s]+$', fields[1]):
            found[name] = fields[1]
    return found


def parse_versionlock(text):
    """Entries of a versionlock.list (dnf or yum) -> [{'raw', 'name', 'epoch', 'version', 'release', 'arch'}].

    dnf writes `docker-ce-3:28.0.0-1.el9.*`, yum writes `3:docker-ce-28.0.0-1.el7.*` (epoch first, `0:` when
    none); comments (#) and excludes (!) are not locks.
    """
    entries = []
    for line in (text or '').splitlines():
        raw = line.strip()
        if not raw or raw.startswith('#') or raw.startswith('!'):
            continue
        body = raw
        epoch = ''
        lead = re.match(r'^(\d+):(.*)$', body)
        if lead:
            epoch, body = lead.group(1), lead.group(2)
        if '.' not in body:
            continue
        nvr, arch = body.rsplit('.', 1)
        parts = nvr.rsplit('-', 2)
        if len(parts) != 3:
            continue
        name, version, release = parts
        inner = re.match(r'^(\d+):(.*)$', version)
        if inner:
            epoch, version = inner.group(1), inner.group(2)
        entries.append({'raw': raw, 'name': name, 'epoch': '' if epoch == '0' else epoch,
                        'version': version, 'release': release, 'arch': arch})
    return entries


def versionlock_evr(entry):
    """'[epoch:]version-release' of a parsed versionlock entry."""
    prefix = entry['epoch'] + ':' if entry.get('epoch') else ''
    return '%s%s-%s' % (prefix, entry['version'], entry['release'])


def spec_text(manager, name, version):
    """The argument naming one package at a version: apt `name=version`, dnf/yum `name-version`."""
    if not version:
        return name
    return '%s%s%s' % (name, '=' if manager == 'apt' else '-', version)


def plan(manager, specs, state, installed, holds, *, hold=None, candidates=None, allow_downgrade=False, local=(),  # noqa: PLR0913
         hold_names=None):
    """What to do: {'install': [(name, version or '')], 'downgrade': [...], 'remove': [names], 'unhold_first': [names],
    'hold_after': [names], 'unhold_after': [names], 'problems': [text]}.

    hold_names: the names `hold` applies to (None: every named package).
    local: names that come from package files (their version is the file's: no lookup in apt's lists).
    installed: {name: version}; holds: names held now; hold: True (held after), False (not held after), None (as
    they were: a hold on a package whose version moves moves with it); candidates (apt): {name: [versions]}.
    For `latest` every named package goes to the manager, which decides (the result's versions say what it did).
    """
    todo = {'install': [], 'downgrade': [], 'remove': [], 'unhold_first': [], 'hold_after': [], 'unhold_after': [],
            'problems': []}
    for spec in specs:
        name, wanted = spec['name'], spec['version']
        have = installed.get(name)
        moves = False
        if state == 'absent':
            moves = have is not None
            if moves:
                todo['remove'].append(name)
        elif state == 'latest' or not version_matches(manager, have, wanted):
            version = wanted
            if manager == 'apt' and wanted and state != 'latest' and name not in local:
                version = apt_candidate((candidates or {}).get(name), wanted)
                if version is None:
                    todo['problems'].append(
                        '%s: no version matching %s* is in apt\'s lists (apt-cache madison %s shows %s); check the '
                        'version, or set update_cache' % (name, wanted, name,
                                                          ', '.join((candidates or {}).get(name) or []) or 'none'))
                    continue
            elif state == 'latest':
                version = ''
            # A version without an epoch names any epoch, as dnf reads `name-<version>`.
            same_epoch = have if not have or ':' in wanted else have.split(':', 1)[-1]
            lower = bool(have and wanted and state != 'latest' and manager != 'apt' and el_compare(wanted, same_epoch) < 0)
            if lower and not allow_downgrade:
                todo['problems'].append('%s: %s is installed and %s is older; set allow_downgrade to go back'
                                        % (name, have, wanted))
                continue
            todo['downgrade' if lower else 'install'].append((name, version))
            moves = have is not None
        held = name in holds
        if state == 'absent':
            # Removing a package drops its apt hold; a version lock goes first, and stays gone.
            if held and (moves and manager != 'apt'):
                todo['unhold_first'].append(name)
            elif held and hold is False and not moves and (hold_names is None or name in hold_names):
                todo['unhold_after'].append(name)
            continue
        if held and moves and manager != 'apt':
            # A version lock hides every other version: it goes before the transaction and comes back after.
            todo['unhold_first'].append(name)
            held = False
        elif held and moves:
            # apt-get (2.6) sets a package it moves back to "install", dropping its hold, even with
            # --allow-change-held-packages: the hold is set again after the transaction.
            held = False
        in_scope = hold is not None and (hold_names is None or name in hold_names)
        want_held = hold if in_scope else name in holds
        if want_held and not held:
            todo['hold_after'].append(name)
        elif held and not want_held:
            todo['unhold_after'].append(name)
    if manager != 'apt' and state != 'absent' and (todo['install'] or todo['downgrade']):
        # A lock on a package that does not move can still block the transaction (docker-ce needing a newer
        # containerd.io): every lock of the step goes first and comes back after, at the version installed then.
        for spec in specs:
            name = spec['name']
            if name not in holds or name in todo['unhold_first']:
                continue
            todo['unhold_first'].append(name)
            if name in todo['unhold_after']:
                todo['unhold_after'].remove(name)
            elif name not in todo['hold_after']:
                todo['hold_after'].append(name)
    return todo


def lock_message(step_holder, lock, timeout, variable):
    """The end of a lock-timeout failure: holder, lock, timeout, variable and the fix."""
    return ('the package manager stayed locked by %s (%s) for more than %s s%s; let it finish or stop it, or raise %s.'
            % (step_holder or 'another process (it let go before it could be named)', lock or 'its lock', timeout,
               ' (%s)' % variable if variable else '', variable or 'lock_timeout'))


_APT_FETCH_RE = re.compile(r'^[WE]: Failed to fetch (\S+?)(?:/(?:dists|pool)/\S*)?(?:[ \t]+(.*))?$', re.M)


def unreachable_repositories(text):
    """[(repository, reason)] apt could not fetch from, in its output's order: the URL of each "Failed to fetch" line
    up to /dists/ or /pool/ (the repository), and the reason apt gave (first one per repository)."""
    found = {}
    for url, reason in _APT_FETCH_RE.findall(text or ''):
        found.setdefault(url, ' '.join(reason.split()) or 'no reason given')
    return list(found.items())


def unreachable_message(repositories, verb):
    """What a step says when apt could not reach REPOSITORIES ([(repository, reason)]); VERB: apt's command."""
    named = '; '.join('%s (%s)' % (repository, reason) for repository, reason in repositories)
    done = ('the package lists were not refreshed' if verb == 'update'
            else 'nothing was installed or removed: apt fetches every package before it unpacks one')
    return ('apt could not reach the package repository %s; %s. Run again when the repository answers '
            '(or fix its source under /etc/apt).' % (named, done))


def parse_dnf_duplicates(text):
    """The older packages `dnf check --duplicates` names, sorted: it prints the oldest first ("docker-ce-3:26.1.4-1.el9.x86_64
    is a duplicate with docker-ce-3:28.0.1-1.el9.x86_64", as dnf 4.14 does); other problems it reports are not read."""
    return sorted(set(line.split(' is a duplicate with ', 1)[0].strip() for line in (text or '').splitlines()
                      if ' is a duplicate with ' in line))


def said_lock(text):
    """Whether a manager's output says it could not get its lock."""
    return any(word in (text or '') for word in LOCK_WORDS)


def diff_text(packages, holds):
    """({before}, {after}) text of the versions and holds, for --diff."""
    before = ['%s %s' % (n, v['before'] or '(absent)') for n, v in sorted(packages.items())]
    after = ['%s %s' % (n, v['after'] or '(absent)') for n, v in sorted(packages.items())]
    before.append('held: %s' % (' '.join(holds['before']) or '(none)'))
    after.append('held: %s' % (' '.join(holds['after']) or '(none)'))
    return '\n'.join(before) + '\n', '\n'.join(after) + '\n'


# --- Who holds the package manager's lock (also for package_lock_info and daemon_json) ---
# Two kinds of lock, as the managers take them:
# - fcntl locks on a file (dpkg/apt: lock-frontend, lock, lists/lock, archives/lock; rpm's .rpm.lock), seen in
#   /proc/locks as "POSIX ADVISORY WRITE <pid> <major>:<minor>:<inode> ..." (pids of the reader's namespace);
# - pid files (dnf 4's dnf/lock.py ProcessLock: rpmdb_lock.pid, metadata_lock.pid, download_lock.pid; yum's
#   /var/run/yum.pid): held while the pid written in them is alive (dnf checks /proc/<pid>/stat, as here).
APT_LOCKS = ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/lib/apt/lists/lock',
             '/var/cache/apt/archives/lock')
RPM_LOCKS = ('/var/lib/rpm/.rpm.lock', '/usr/lib/sysimage/rpm/.rpm.lock')
DNF_PID_FILES = ('/var/lib/dnf/rpmdb_lock.pid', '/var/cache/dnf/metadata_lock.pid', '/var/cache/dnf/download_lock.pid')
YUM_PID_FILES = ('/var/run/yum.pid', '/run/yum.pid')


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


# struct flock: l_type, l_whence, l_start, l_len, l_pid (native layout); the buffer is padded, the kernel's struct
# may be longer than Python's packing of it.
_FLOCK = 'hhqqi'


def kernel_holder(path):
    """Who the kernel says holds a lock on PATH (fcntl F_GETLK with a write lock as the probe): the pid in this
    namespace, 0 when the holder is outside it, -1 for an open file description lock; None when free. /proc/locks
    shows no holder of another PID namespace (Linux 4.9 and later), the file itself still tells. The one function
    here that touches the host (package_lock_info and the packages step both ask it)."""
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
