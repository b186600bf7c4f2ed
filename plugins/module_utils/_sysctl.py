# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.sysctl_info: key and value normalisation, parsing of sysctl
files, the boot-time precedence of `sysctl --system`, and the per-key verdict.

Every function that reads the file system takes a `root` argument (default "/"), so the unit tests run on a
temporary tree. Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import errno
import fnmatch
import hashlib
import os
import re
import stat


class SysctlError(Exception):
    """Bad input: the message is meant for the operator, as is."""


# Directories `sysctl --system` scans, in this order. A file name found in an earlier directory hides the
# same name in later ones; then all files are applied sorted by name (directory ignored); /etc/sysctl.conf last.
SYSCTL_DIRS = ('etc/sysctl.d', 'run/sysctl.d', 'usr/local/lib/sysctl.d', 'usr/lib/sysctl.d', 'lib/sysctl.d')
SYSCTL_CONF = 'etc/sysctl.conf'
# Where systemd-modules-load reads the modules to load at boot (modules-load.d(5)).
MODULES_LOAD_DIRS = ('etc/modules-load.d', 'run/modules-load.d', 'usr/local/lib/modules-load.d', 'usr/lib/modules-load.d',
                     'lib/modules-load.d')

STATUSES = ('ok', 'mismatch', 'missing', 'not_persisted', 'shadowed', 'write_only')
# A write-only key (e.g. net.ipv4.route.flush, mode 0200) exists but cannot be read back, even by root: it is
# reported as present (write_only), not as missing, and is not a failure.
FINE_STATUSES = ('ok', 'write_only')

# A component of a glob line (systemd-sysctl, sysctl.d(5)): a name with * ? [...] in it.
_GLOB_COMPONENT_RE = re.compile(r'^[A-Za-z0-9_.:@+\-*?\[\]!]+$')

# One component of the path under /proc/sys: starts with a letter, digit or "_" (so never "" , "." or ".."),
# then letters, digits and _ . : @ + - (a "." inside a component is part of a name, e.g. VLAN eth0.100).
_COMPONENT_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:@+\-]*$')

_KEY_FIX = ('write it in dotted form (net.ipv4.ip_forward, a VLAN interface as eth0/100) or slashed form '
            '(net/ipv4/ip_forward, relative to /proc/sys), each name made of letters, digits, "_", "-"')


def canonical_key(key):
    """Return the dotted form of a sysctl key, as `sysctl` prints it.

    As in procps: a key whose first separator is `/` uses `/` as separator, and a `.` inside it is part of a name
    (e.g. a VLAN interface `eth0.100`), which the dotted form writes as `/`.

    Security: the key becomes a path under /proc/sys that is read and (sysctl_apply) written as root. Every
    path component is validated (no empty, `.` or `..` component, no absolute path), so a key such as
    `kernel/../../../etc/passwd` is refused before anything is read or written.
    """
    if not isinstance(key, str):
        raise SysctlError('sysctl key %r must be a string (got %s); %s' % (key, type(key).__name__, _KEY_FIX))
    text = key.strip()
    if text != key or not text:
        raise SysctlError('sysctl key %r is malformed: it is empty or has surrounding whitespace; %s'
                          % (key, _KEY_FIX))
    if any(c.isspace() for c in text) or '=' in text:
        raise SysctlError('sysctl key %r is malformed: keys contain no whitespace and no "="; %s' % (key, _KEY_FIX))
    if text.startswith('/'):
        raise SysctlError('sysctl key %r is malformed (refused): it is an absolute path; a key names a file under /proc/sys '
                          'only; %s' % (key, _KEY_FIX))
    # As procps-ng: the first separator found ("." or "/") decides the form.
    first = re.search(r'[./]', text)
    if first and first.group(0) == '/':
        components = text.split('/')
        dotted = '.'.join(part.replace('.', '/') for part in components)
    else:
        dotted = text
        components = [part.replace('/', '.') for part in text.split('.')]
    if len(components) < 2 or not all(_COMPONENT_RE.match(part) for part in components):
        raise SysctlError('sysctl key %r is malformed (refused): it has an empty, "." or ".." component or a character '
                          'not allowed in a sysctl name, so it would not name a file under /proc/sys; %s'
                          % (key, _KEY_FIX))
    # In the dotted form, a "/" inside a name stands for "."; its pieces must not be empty either.
    for part in dotted.split('.'):
        if any(not piece for piece in part.split('/')):
            raise SysctlError('sysctl key %r is malformed (refused): it has an empty name; %s' % (key, _KEY_FIX))
    return dotted


def key_path(key, root='/'):
    """Path under /proc/sys of a canonical (dotted) key; refuses any path that resolves outside /proc/sys."""
    relative = key.replace('/', '\0').replace('.', '/').replace('\0', '.')
    base = os.path.join(root, 'proc', 'sys')
    path = os.path.join(base, relative)
    real_base = os.path.realpath(base)
    real = os.path.realpath(path)
    if not real.startswith(real_base.rstrip('/') + '/'):
        raise SysctlError('sysctl key %r is refused: its path %s resolves to %s, outside /proc/sys; %s'
                          % (key, path, real, _KEY_FIX))
    return path


def validate_sysctl_file(path, content, root='/'):
    """Refuse a relative sysctl file path or a content line without "="; return warnings (list of str).

    A relative path over SSH lands in the remote user's home; a line without "=" is skipped by sysctl.
    """
    if not path or not os.path.isabs(path):
        raise SysctlError('sysctl_path %r is refused: it is not absolute (over SSH a relative path lands in the '
                          "remote user's home); give e.g. /etc/sysctl.d/k8s.conf" % (path,))
    for number, raw in enumerate((content or '').splitlines(), 1):
        line = raw.strip()
        if line and line[0] not in '#;' and '=' not in line:
            raise SysctlError('sysctl_content line %d %r is refused: it has no "=" so sysctl ignores it; write '
                              'key = value (e.g. net.ipv4.ip_forward = 1) or make it a comment; nothing was written'
                              % (number, raw))
    warnings = []
    directory = os.path.basename(os.path.dirname(path))
    if path == '/' + SYSCTL_CONF:
        conf = os.path.realpath(os.path.join(root, SYSCTL_CONF))
        if not any(os.path.realpath(boot_file) == conf for boot_file in boot_files(root)):
            warnings.append('sysctl_path /etc/sysctl.conf is not read at boot by systemd-sysctl on this host (no '
                            'link to it in /etc/sysctl.d, such as Debian 12\'s 99-sysctl.conf; Debian 13 has '
                            'none): use e.g. /etc/sysctl.d/k8s.conf')
    elif not (path.endswith('.conf') and directory == 'sysctl.d'):
        warnings.append('sysctl_path %s is neither a *.conf file in a sysctl.d directory nor /etc/sysctl.conf: '
                        'systemd-sysctl and sysctl --system do not read it at boot; use e.g. '
                        '/etc/sysctl.d/k8s.conf' % path)
    return warnings


def normalise_value(value, key='?'):
    """Text form of an expected value: booleans as 1/0, numbers as text, whitespace runs as one space."""
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    if not isinstance(value, str):
        raise SysctlError('sysctl value of %s must be a scalar (string, number or boolean), got %s %r'
                          % (key, type(value).__name__, value))
    if '\n' in value.strip():
        raise SysctlError('sysctl value of %s must be one line (got %r)' % (key, value))
    text = ' '.join(value.split())
    if not text:
        raise SysctlError('sysctl value of %s is empty; give the value to expect, e.g. 1' % key)
    return text


def normalise_expected(expected):
    """Validate and normalise the `expected` option: {canonical key: normalised value}."""
    if not isinstance(expected, dict):
        raise SysctlError('expected must be a dict of sysctl key -> value (got %s)' % type(expected).__name__)
    result = {}
    for key, value in expected.items():
        try:
            name = canonical_key(key)
        except SysctlError as exc:
            raise SysctlError('%s (value %r; nothing was read or written)' % (exc, value)) from exc
        if name in result:
            raise SysctlError('sysctl key %s is given twice (as %r and another spelling)' % (name, key))
        result[name] = normalise_value(value, name)
    return result


def _glob_components(key):
    """Components of a glob line's key (dotted or slashed as canonical_key reads them), or None if not a glob."""
    if not any(c in key for c in '*?['):
        return None
    first = re.search(r'[./]', key)
    if first and first.group(0) == '/':
        parts = key.split('/')
    else:
        parts = [part.replace('/', '.') for part in key.split('.')]
    if len(parts) < 2 or not all(part and part not in ('.', '..') and _GLOB_COMPONENT_RE.match(part) for part in parts):
        return None
    return parts


def _key_components(name):
    """Components of a canonical (dotted) key as paths under /proc/sys ("eth0/100" is the name eth0.100)."""
    return [part.replace('/', '.') for part in name.split('.')]


def glob_matches(components, name):
    """True when the glob line (its components) sets the canonical key `name` (a * does not cross a "/")."""
    parts = _key_components(name)
    return len(parts) == len(components) and all(fnmatch.fnmatchcase(part, pattern)
                                                 for part, pattern in zip(parts, components))


def parse_sysctl_globs(text):
    """Glob lines of a sysctl.d file, as systemd-sysctl reads them: (line number, components, value), and the
    keys excluded from globs (a "-key" line without "=", systemd 250 and later)."""
    globs, excluded = [], []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        if '=' not in line:
            if line.startswith('-'):
                try:
                    excluded.append(canonical_key(line[1:].strip()))
                except SysctlError:
                    pass
            continue
        key, value = line.split('=', 1)
        key = key.strip().lstrip('-').strip()
        components = _glob_components(key)
        if components is not None:
            globs.append((number, components, ' '.join(value.split())))
    return globs, excluded


def parse_sysctl_text(text):
    """Parse a sysctl.conf(5) file as `sysctl -p` does.

    Returns a list of (line number, canonical key, value). Comments (# and ;), blank lines and lines without
    `=` are skipped, the `-` prefix (ignore failures) is stripped, whitespace around `=` and inside values is
    normalised. Keys that are not well formed are skipped too, as sysctl only warns about them.
    """
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        if '=' not in line:
            continue
        key, value = line.split('=', 1)
        key = key.strip()
        if key.startswith('-'):
            key = key[1:].strip()
        try:
            name = canonical_key(key)
        except SysctlError:
            continue
        entries.append((number, name, ' '.join(value.split())))
    return entries


def boot_files(root='/'):
    """The files systemd-sysctl applies at boot, in order (paths as found under root).

    Files from the sysctl.d directories sorted by name (an earlier directory hides the same name later).
    /etc/sysctl.conf is read at boot only through a link in a sysctl.d directory (Debian's and EL's
    /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf), where the link's name sorts: a zz-*.conf applies after it.
    (procps `sysctl --system` also reads an unlinked /etc/sysctl.conf, last; systemd-sysctl does not.)
    """
    chosen = {}
    seen_dirs = set()
    for directory in SYSCTL_DIRS:
        path = os.path.join(root, directory)
        if not os.path.isdir(path):
            continue
        # /lib -> /usr/lib on merged-usr systems: one directory, read once.
        real = os.path.realpath(path)
        if real in seen_dirs:
            continue
        seen_dirs.add(real)
        for name in os.listdir(path):
            if not name.endswith('.conf') or name in chosen:
                continue
            full = os.path.join(path, name)
            if os.path.isfile(full) or os.path.realpath(full) == os.devnull:
                chosen[name] = full
    return [chosen[name] for name in sorted(chosen)]


def unlinked_sysctl_conf(root='/'):
    """/etc/sysctl.conf (as found under root) when it exists but no sysctl.d link makes systemd-sysctl read it."""
    conf = os.path.join(root, SYSCTL_CONF)
    if not os.path.isfile(conf):
        return None
    real = os.path.realpath(conf)
    if any(os.path.realpath(path) == real for path in boot_files(root)):
        return None
    return conf


def display_path(path, root='/'):
    """Path as on the host (root stripped) for messages."""
    if root in ('/', ''):
        return path
    return '/' + os.path.relpath(path, root)


def persisted_writes(keys, root='/'):
    """{key: [(file, line, value), ...]}: what sets each key at boot, the effective one last.

    As systemd-sysctl: explicit lines apply in file order (the last one wins); a glob line
    (net.ipv4.conf.*.rp_filter = 2) sets the keys it matches unless an explicit line sets the key (explicit wins
    whatever the order) or a "-key" line excludes it. So the glob writes come first, then the explicit ones.
    """
    wanted = set(keys)
    explicit = dict((key, []) for key in keys)
    globbed = dict((key, []) for key in keys)
    excluded = set()
    for path in boot_files(root):
        try:
            with open(path, 'rb') as handle:
                text = handle.read().decode('utf-8', 'replace')
        except OSError:
            continue
        shown = display_path(path, root)
        for number, name, value in parse_sysctl_text(text):
            if name in wanted:
                explicit[name].append((shown, number, value))
        globs, skip = parse_sysctl_globs(text)
        excluded.update(skip)
        for number, components, value in globs:
            for name in wanted:
                if glob_matches(components, name):
                    globbed[name].append((shown, number, value))
    writes = {}
    for key in keys:
        writes[key] = ([] if key in excluded else globbed[key]) + explicit[key]
    return writes


WRITE_ONLY = 'write-only'


def read_runtime(key, root='/'):
    """(value, error): the live value from /proc/sys with whitespace normalised; None when unreadable.

    A key that exists but cannot be read (mode 0200, e.g. net.ipv4.route.flush: EACCES even for root) gives
    the error WRITE_ONLY.
    """
    path = key_path(key, root)
    try:
        with open(path, 'rb') as handle:
            return ' '.join(handle.read().decode('utf-8', 'replace').split()), None
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EIO) and os.path.isfile(path):
            return None, WRITE_ONLY
        return None, exc.strerror or str(exc)


def verdict(key, expected, runtime, writes, check_persisted=True, *, error=None):
    """Result dict for one key. `writes` is the list from persisted_writes()."""
    winner = writes[-1] if writes else None
    result = {
        'expected': expected,
        'runtime': runtime,
        'persisted_value': winner[2] if winner else None,
        'persisted_in': winner[0] if winner else None,
    }
    expected_writers = [w for w in writes if w[2] == expected]
    if runtime is None and error == WRITE_ONLY:
        status = 'write_only'
    elif runtime is None:
        status = 'missing'
    elif check_persisted and winner and winner[2] != expected and expected_writers:
        status = 'shadowed'
        result['shadowed_file'] = expected_writers[-1][0]
    elif runtime != expected:
        status = 'mismatch'
    elif check_persisted and (not winner or winner[2] != expected):
        status = 'not_persisted'
    else:
        status = 'ok'
    result['status'] = status
    return result


def hints_for(key, result):
    """Sentences that tell the operator what to do about a bad key."""
    status = result['status']
    hints = []
    if status == 'write_only':
        hints.append('%s exists but is write-only (the kernel does not let it be read back), so its value cannot be '
                     'checked; it is reported as present, not missing.' % key)
    if status == 'missing':
        if key.startswith('net.bridge.'):
            hints.append('%s does not exist: the net.bridge.* keys appear only when the br_netfilter module is '
                         'loaded; load it (modprobe br_netfilter) and persist it in /etc/modules-load.d/ '
                         '(e.g. k8s.conf).' % key)
        else:
            hints.append('%s cannot be read from %s (%s): check the key name, or load the kernel module that '
                         'provides it.' % (key, key_path(key), result.get('error') or 'no such file'))
    elif status == 'shadowed':
        hints.append('%s: %s sets %s but %s, applied later by sysctl --system, sets %s; remove or change the line '
                     'in %s, or rename the files (they apply in name order, /etc/sysctl.conf last).'
                     % (key, result['shadowed_file'], result['expected'], result['persisted_in'],
                        result['persisted_value'], result['persisted_in']))
    elif status == 'mismatch':
        hints.append('%s is %s now, expected %s: set it with sysctl -w %s=%s (or sysctl --system once the files '
                     'are right).' % (key, result['runtime'], result['expected'], key, result['expected']))
    elif status == 'not_persisted':
        if result['persisted_in']:
            hints.append('%s is right now, but at boot %s sets %s: change it there or persist %s = %s in a file '
                         'under /etc/sysctl.d/ that sorts after it.'
                         % (key, result['persisted_in'], result['persisted_value'], key, result['expected']))
        else:
            hints.append('%s is right now but no sysctl file sets it, so a reboot loses it: persist %s = %s in a '
                         'file under /etc/sysctl.d/.' % (key, key, result['expected']))
    return hints


def describe(key, result):
    """One clause per bad key for the failure message: runtime, expected, winning file."""
    where = ('%s sets %s at boot' % (result['persisted_in'], result['persisted_value'])
             if result['persisted_in'] else 'no sysctl file sets it')
    text = '%s [%s]: runtime %s, expected %s, %s' % (
        key, result['status'], 'absent' if result['runtime'] is None else result['runtime'], result['expected'], where)
    if result['status'] == 'shadowed':
        text += ' (overriding %s, which sets %s)' % (result['shadowed_file'], result['expected'])
    return text


def unlinked_keys(root='/'):
    """The keys set in /etc/sysctl.conf (as found under root) when systemd-sysctl does not read it at boot."""
    unlinked = unlinked_sysctl_conf(root)
    if not unlinked:
        return set()
    try:
        with open(unlinked, 'rb') as handle:
            return set(name for _n, name, _v in parse_sysctl_text(handle.read().decode('utf-8', 'replace')))
    except OSError:
        return set()


def judge(wanted, reads, writes, unlinked=(), check_persisted=True):
    """The verdict on WANTED ({canonical key: normalised value}) from what was read: READS {key: (runtime, error)}
    (read_runtime), WRITES {key: [(file, line, value), ...]} (persisted_writes) and UNLINKED (unlinked_keys).
    Pure, so the controller can judge a look taken earlier exactly as check() judges the host."""
    keys = sorted(wanted)
    results = {}
    hints = []
    for key in keys:
        runtime, error = reads[key]
        result = verdict(key, wanted[key], runtime, writes[key], check_persisted, error=error)
        if error and runtime is None:
            result['error'] = error
        results[key] = result
        hints.extend(hints_for(key, result))
        if key in unlinked:
            hints.append('%s is set in /etc/sysctl.conf, which systemd-sysctl does not read at boot here (no link to it '
                         'in /etc/sysctl.d, such as Debian\'s 99-sysctl.conf): move the line to a file under '
                         '/etc/sysctl.d/.' % key)
    mismatches = [key for key in keys if results[key]['status'] not in FINE_STATUSES]
    if mismatches:
        msg = 'sysctl_info: %d of %d keys are not as expected: %s' % (
            len(mismatches), len(keys), '; '.join(describe(key, results[key]) for key in mismatches))
    else:
        msg = 'sysctl_info: all %d keys are as expected%s' % (
            len(keys), ' at runtime and at boot' if check_persisted else ' at runtime')
    return {
        'ok': not mismatches,
        'results': results,
        'mismatches': mismatches,
        'hints': hints,
        'msg': msg,
    }


def check(expected, check_persisted=True, root='/'):
    """Check every key of `expected` (raw option value). Returns the module's result fields."""
    wanted = normalise_expected(expected)
    keys = sorted(wanted)
    writes = persisted_writes(keys, root) if check_persisted else dict((k, []) for k in keys)
    reads = dict((key, read_runtime(key, root)) for key in keys)
    return judge(wanted, reads, writes, unlinked_keys(root) if check_persisted else set(), check_persisted)


def _file_state(path):
    """{sha1, size, mode, uid, gid} of the regular file PATH (not followed if a link), or None."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return None
        digest = hashlib.sha1()
        with open(path, 'rb') as handle:
            for chunk in iter(lambda: handle.read(65536), b''):
                digest.update(chunk)
    except OSError:
        return None
    return {'sha1': digest.hexdigest(), 'size': info.st_size, 'mode': '%04o' % stat.S_IMODE(info.st_mode),
            'uid': info.st_uid, 'gid': info.st_gid}


def boot_state(root='/'):
    """What sysctl_apply would find, read only: `files` (host path -> _file_state) of the regular *.conf files of the
    sysctl.d and modules-load.d directories, `by_key` (every key a boot file sets explicitly -> its live `runtime`
    and `error` as read_runtime gives them and its boot-time `writes` as persisted_writes gives them) and
    `unlinked_keys`. Generic: no role's keys or files, so a caller compares what it would write against it."""
    files = {}
    seen_dirs = set()
    for directory in SYSCTL_DIRS + MODULES_LOAD_DIRS:
        path = os.path.join(root, directory)
        # /lib -> /usr/lib on merged-usr systems: one directory, listed once (under the name boot_files gives).
        if os.path.realpath(path) in seen_dirs:
            continue
        seen_dirs.add(os.path.realpath(path))
        try:
            names = sorted(os.listdir(path))
        except OSError:
            continue
        for name in names:
            state = _file_state(os.path.join(path, name)) if name.endswith('.conf') else None
            if state is not None:
                files['/%s/%s' % (directory, name)] = state
    keys = set()
    for path in boot_files(root):
        try:
            with open(path, 'rb') as handle:
                keys.update(name for _n, name, _v in parse_sysctl_text(handle.read().decode('utf-8', 'replace')))
        except OSError:
            continue
    unlinked = unlinked_keys(root)
    keys = sorted(keys | unlinked)
    writes = persisted_writes(keys, root)
    looked = {}
    for key in keys:
        try:
            runtime, error = read_runtime(key, root)
        except SysctlError as exc:
            runtime, error = None, str(exc)
        looked[key] = {'runtime': runtime, 'error': error, 'writes': [list(write) for write in writes[key]]}
    return {'files': files, 'by_key': looked, 'unlinked_keys': sorted(unlinked)}
