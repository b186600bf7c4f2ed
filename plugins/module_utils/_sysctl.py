# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.sysctl_check: key and value normalisation, parsing of sysctl
files, the boot-time precedence of `sysctl --system`, and the per-key verdict.

Every function that reads the file system takes a `root` argument (default "/"), so the unit tests run on a
temporary tree. Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import os
import re


class SysctlError(Exception):
    """Bad input: the message is meant for the operator, as is."""


# Directories `sysctl --system` scans, in this order. A file name found in an earlier directory hides the
# same name in later ones; then all files are applied sorted by name (directory ignored); /etc/sysctl.conf last.
SYSCTL_DIRS = ('etc/sysctl.d', 'run/sysctl.d', 'usr/local/lib/sysctl.d', 'usr/lib/sysctl.d', 'lib/sysctl.d')
SYSCTL_CONF = 'etc/sysctl.conf'

STATUSES = ('ok', 'mismatch', 'missing', 'not_persisted', 'shadowed')

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


def validate_sysctl_file(path, content):
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
    if path != '/' + SYSCTL_CONF and not (path.endswith('.conf') and directory == 'sysctl.d'):
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
    """The files `sysctl --system` applies, in order (paths as found under root)."""
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
    files = [chosen[name] for name in sorted(chosen)]
    conf = os.path.join(root, SYSCTL_CONF)
    if os.path.isfile(conf):
        files.append(conf)
    return files


def display_path(path, root='/'):
    """Path as on the host (root stripped) for messages."""
    if root in ('/', ''):
        return path
    return '/' + os.path.relpath(path, root)


def persisted_writes(keys, root='/'):
    """{key: [(file, line, value), ...]} in the order `sysctl --system` applies them."""
    wanted = set(keys)
    writes = dict((key, []) for key in keys)
    for path in boot_files(root):
        try:
            with open(path, 'rb') as handle:
                text = handle.read().decode('utf-8', 'replace')
        except OSError:
            continue
        for number, name, value in parse_sysctl_text(text):
            if name in wanted:
                writes[name].append((display_path(path, root), number, value))
    return writes


def read_runtime(key, root='/'):
    """(value, error): the live value from /proc/sys with whitespace normalised; None when unreadable."""
    path = key_path(key, root)
    try:
        with open(path, 'rb') as handle:
            return ' '.join(handle.read().decode('utf-8', 'replace').split()), None
    except OSError as exc:
        return None, exc.strerror or str(exc)


def verdict(key, expected, runtime, writes, check_persisted=True):
    """Result dict for one key. `writes` is the list from persisted_writes()."""
    winner = writes[-1] if writes else None
    result = {
        'expected': expected,
        'runtime': runtime,
        'persisted_value': winner[2] if winner else None,
        'persisted_in': winner[0] if winner else None,
    }
    expected_writers = [w for w in writes if w[2] == expected]
    if runtime is None:
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


def check(expected, check_persisted=True, root='/'):
    """Check every key of `expected` (raw option value). Returns the module's result fields."""
    wanted = normalise_expected(expected)
    keys = sorted(wanted)
    writes = persisted_writes(keys, root) if check_persisted else dict((k, []) for k in keys)
    results = {}
    hints = []
    for key in keys:
        runtime, error = read_runtime(key, root)
        result = verdict(key, wanted[key], runtime, writes[key], check_persisted)
        if error and runtime is None:
            result['error'] = error
        results[key] = result
        hints.extend(hints_for(key, result))
    mismatches = [key for key in keys if results[key]['status'] != 'ok']
    if mismatches:
        msg = 'sysctl_check: %d of %d keys are not as expected: %s' % (
            len(mismatches), len(keys), '; '.join(describe(key, results[key]) for key in mismatches))
    else:
        msg = 'sysctl_check: all %d keys are as expected%s' % (
            len(keys), ' at runtime and at boot' if check_persisted else ' at runtime')
    return {
        'ok': not mismatches,
        'results': results,
        'mismatches': mismatches,
        'hints': hints,
        'msg': msg,
    }
