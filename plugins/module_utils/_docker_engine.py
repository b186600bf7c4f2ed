# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsing behind fleetops.docker_host.docker_engine_info.

Turns the text of `dockerd --version`, `systemctl show`, a unit file and dockerd's journal into data (the hello
container's run is judged by the docker_hello module itself). Nothing here touches the host, so every rule is
unit-tested without one. Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import re
import shlex

# The unit properties the probe reads, with the names it returns them under.
UNIT_PROPERTIES = (
    ('LoadState', 'load_state'),
    ('ActiveState', 'active_state'),
    ('SubState', 'sub_state'),
    ('UnitFileState', 'unit_file_state'),
    ('FragmentPath', 'fragment_path'),
)

_VERSION_RE = re.compile(r'\bversion\s+v?(\d+\.\d+(?:\.\d+)?)', re.IGNORECASE)

# dockerd's own words for why it did not start: the fatal line first, else its errors.
_FATAL_RE = re.compile(
    r'failed to start daemon|unable to configure the docker daemon|directives|level=fatal', re.IGNORECASE)
_ERROR_RE = re.compile(r'level=error', re.IGNORECASE)
_LOGRUS_TIME_RE = re.compile(r'^time="[^"]*"\s+')

# -H fd:// and its spellings: -H fd://, -H=fd://, -Hfd://, --host fd://, --host=fd:// (any fd:// suffix).
_FD_HOST_JOINED_RE = re.compile(r'^(?:-H=?|--host=)fd://')
_FD_HOST_FLAGS = ('-H', '--host')

# Characters after which systemd's command line needs quotes around a word.
_NEEDS_QUOTES_RE = re.compile(r'[\s"\'\\;]')


def parse_version(text):
    """(first line, 'X.Y.Z') from `dockerd --version` ('Docker version 20.10.24+dfsg1, build 297e128')."""
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    first = lines[0] if lines else ''
    match = _VERSION_RE.search(first)
    return first, (match.group(1) if match else '')


def parse_systemctl_show(text, units):
    """`systemctl show UNIT... --property ...` -> {unit: {Property: value}}.

    systemctl prints one block per unit, in the order asked, separated by an empty line.
    """
    blocks = []
    current = {}
    for line in (text or '').splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        name, sep, value = line.partition('=')
        if sep:
            # A property shown twice (several ExecStart entries): keep the first.
            current.setdefault(name, value)
    if current:
        blocks.append(current)
    return dict((unit, blocks[index] if index < len(blocks) else {}) for index, unit in enumerate(units))


def unit_state(properties):
    """The probe's view of one unit from its `systemctl show` properties."""
    state = {}
    for prop, key in UNIT_PROPERTIES:
        state[key] = properties.get(prop, '')
    if not state['load_state']:
        state['load_state'] = 'unknown'
    return state


def parse_exec_start_property(value):
    """argv from systemctl's ExecStart property ('{ path=... ; argv[]=/usr/bin/dockerd -H fd:// ; ... }').

    systemctl joins argv with spaces and no quoting, so a word with a space cannot be told apart: this is the
    fallback when the unit file cannot be read.
    """
    match = re.search(r'argv\[\]=([^;]*)', value or '')
    if not match:
        return []
    return match.group(1).split()


def _strip_exec_prefixes(command):
    """systemd's ExecStart prefixes (-, @, :, +, !, !!) say how to run, not what."""
    index = 0
    while index < len(command) and command[index] in '-@:+!':
        index += 1
    return command[index:]


def parse_unit_exec_start(text):
    """argv of the ExecStart a unit file (or drop-in) sets, or None when it sets none.

    Reads the [Service] section, joins continuation lines, honours `ExecStart=` (which clears the list);
    the last command set wins, as for a simple service only one may remain.
    """
    logical = []
    pending = ''
    for raw in (text or '').splitlines():
        line = raw.strip()
        if not pending and (not line or line[0] in '#;'):
            continue
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        logical.append(pending + line)
        pending = ''
    if pending:
        logical.append(pending)

    section = None
    commands = None
    for line in logical:
        if line.startswith('[') and line.endswith(']'):
            section = line[1:-1]
            continue
        if section != 'Service':
            continue
        name, sep, value = line.partition('=')
        if not sep or name.strip() != 'ExecStart':
            continue
        value = value.strip()
        if not value:
            commands = []
            continue
        try:
            argv = shlex.split(_strip_exec_prefixes(value))
        except ValueError:
            argv = _strip_exec_prefixes(value).split()
        commands = (commands or []) + [argv]
    if commands is None:
        return None
    return commands[-1] if commands else []


def drop_fd_host(argv):
    """argv without the packaged -H fd:// (dockerd refuses `hosts` both as a flag and in daemon.json)."""
    kept = []
    skip_next = False
    for index, word in enumerate(argv):
        if skip_next:
            skip_next = False
            continue
        if _FD_HOST_JOINED_RE.match(word):
            continue
        if word in _FD_HOST_FLAGS and index + 1 < len(argv) and argv[index + 1].startswith('fd://'):
            skip_next = True
            continue
        kept.append(word)
    return kept


def systemd_quote(word):
    """One word for a systemd command line: as is when plain, else in double quotes."""
    if word and not _NEEDS_QUOTES_RE.search(word):
        return word
    return '"%s"' % word.replace('\\', '\\\\').replace('"', '\\"')


def systemd_join(argv):
    """A systemd ExecStart command line from argv (the inverse of parse_unit_exec_start)."""
    return ' '.join(systemd_quote(word) for word in argv)


def journal_summary(text):
    """dockerd's journal since a mark -> {lines, fatal, errors, reason}.

    reason is one line: the last two fatal lines ("failed to start daemon: ...", "unable to configure the
    Docker daemon ..."); without those the last two errors; without those the last three lines.
    """
    lines = []
    for raw in (text or '').splitlines():
        line = _LOGRUS_TIME_RE.sub('', raw.strip())
        if line:
            lines.append(line)
    fatal = _unique([line for line in lines if _FATAL_RE.search(line)])
    errors = _unique([line for line in lines if _ERROR_RE.search(line)])
    if fatal:
        reason = fatal[-2:]
    elif errors:
        reason = errors[-2:]
    else:
        reason = lines[-3:]
    return {'lines': lines, 'fatal': fatal, 'errors': errors, 'reason': ' | '.join(reason)}


def _unique(items):
    seen = set()
    kept = []
    for item in items:
        if item not in seen:
            seen.add(item)
            kept.append(item)
    return kept
