# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine look behind fleetops.docker_host.docker_engine_info and docker_daemon_proof.

The parsing first: the text of `dockerd --version`, `systemctl show`, a unit file and dockerd's journal turned into
data (pure, unit-tested without a host). Then the look itself (`look(module)`, read-only: commands and file reads
through the module), which both modules run with the same options (LOOK_ARGUMENT_SPEC), and, with settings, the
docker_daemon role's decision (_docker_daemon.decide). The hello container's run is judged in _files.run_hello.
Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import hashlib
import json
import os
import re
import shlex
import stat
import time

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import (
    DaemonJsonError,
    compute,
    decode,
    mask,
    parse_document,
    secrets,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_daemon import (
    HOSTS_DROPIN,
    PROXY_DROPIN,
    PROXY_ENV,
    decide,
    proxy_secrets,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import (
    look_bytes,
    look_text,
    mask_userinfo,
    stale_temp_files,
)

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


# ------------------------------------------------------------------------------ the look on the host
# The options of the look, the same in docker_engine_info and docker_daemon_proof (documented in both).
LOOK_ARGUMENT_SPEC = dict(
    dropin_dir=dict(type='path', default='/etc/systemd/system/docker.service.d'),
    dropins=dict(type='list', elements='str', default=['http-proxy.conf', 'daemon-json-hosts.conf']),
    masked_dropins=dict(type='list', elements='str', default=['http-proxy.env']),
    path=dict(type='path', default='/etc/docker/daemon.json'),
    settings=dict(type='dict'),
    legacy_options=dict(type='dict'),
    remove=dict(type='list', elements='str', default=[]),
    list_merge=dict(type='str', default='replace', choices=['replace', 'append_unique']),
    proxy=dict(type='dict', default={}),
    record_path=dict(type='path', default='/var/lib/fleetops/docker_daemon/applied.json'),
    hello_image=dict(type='str'),
    hello_archive=dict(type='bool', default=False),
    hello_archive_path=dict(type='path', default='/var/tmp/docker_daemon_verify_image.tar'),
    journal_since=dict(type='str'),
)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
SBIN = ['/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin']
UNITS = ['docker.service', 'docker.socket']


def read_text(path):
    """A file's text, or None when it does not exist (or is no regular file: a FIFO is never read)."""
    return look_text(path)


def look_dockerd(module):
    dockerd = module.get_bin_path('dockerd', opt_dirs=SBIN)
    if not dockerd:
        return {'path': None, 'rc': 127, 'version_line': ''}, ''
    rc, out, err = module.run_command([dockerd, '--version'], environ_update=C_ENV)
    line, version = parse_version(out if rc == 0 else (err or out))
    return {'path': dockerd, 'rc': rc, 'version_line': line}, (version if rc == 0 else '')


def started_at(service):
    """When docker.service's main process started (seconds since the epoch), from systemd's monotonic stamp;
    None when it does not run."""
    try:
        pid = int(service.get('MainPID') or 0)
        monotonic_us = int(service.get('ExecMainStartTimestampMonotonic') or 0)
    except ValueError:
        return 0, None
    if not pid or not monotonic_us:
        return pid, None
    return pid, round(time.time() - (time.monotonic() - monotonic_us / 1e6), 3)


def look_units(module):
    """The units' state, docker.service's packaged ExecStart (argv), its main PID and start time."""
    systemctl = module.get_bin_path('systemctl', opt_dirs=SBIN)
    if not systemctl:
        return dict((unit, unit_state({})) for unit in UNITS), [], (0, None)
    properties = ','.join(['Id', 'ExecStart', 'MainPID', 'ExecMainStartTimestampMonotonic']
                          + [prop for prop, dummy in UNIT_PROPERTIES])
    rc, out, err = module.run_command([systemctl, 'show'] + UNITS + ['--property', properties],
                                      environ_update=C_ENV)
    shown = parse_systemctl_show(out if rc == 0 else '', UNITS)
    units = dict((unit, unit_state(shown[unit])) for unit in UNITS)
    service = shown['docker.service']
    exec_start = None
    fragment = service.get('FragmentPath')
    if fragment:
        exec_start = parse_unit_exec_start(read_text(fragment))
    if exec_start is None:
        exec_start = parse_exec_start_property(service.get('ExecStart', ''))
    return units, exec_start, started_at(service)


def look_dropins(directory, names, masked_names=()):
    """The drop-ins with their text; files in `masked_names` (credentials) with their SHA-256 and mode only,
    so that their content never lands in a task result."""
    dropins = {}
    for name in names:
        path = os.path.join(directory, name)
        content = read_text(path)
        # An http-proxy.conf written as Docker's documentation shows it carries user:password in its URLs.
        dropins[name] = {'path': path, 'exists': content is not None, 'content': mask_userinfo(content)}
    for name in masked_names:
        path = os.path.join(directory, name)
        data = look_bytes(path)
        try:
            mode = '%04o' % stat.S_IMODE(os.stat(path).st_mode) if data is not None else None
        except OSError:
            data, mode = None, None
        dropins[name] = {'path': path, 'exists': data is not None, 'content': None,
                         'sha256': hashlib.sha256(data).hexdigest() if data is not None else None, 'mode': mode}
    return dropins


def look_images(module, image):
    """{image: present} from `docker image inspect` (read-only)."""
    if not image:
        return {}
    docker = module.get_bin_path('docker', opt_dirs=SBIN)
    if not docker:
        return {image: False}
    rc, out, err = module.run_command([docker, 'image', 'inspect', '--format', '{{.Id}}', image], environ_update=C_ENV)
    return {image: rc == 0}


def mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def look_daemon_json(path, settings, remove, list_merge):
    """daemon.json now and merged with the settings, in memory: what _docker_daemon.decide() reads."""
    found = {'exists': False, 'text': None, 'config': {}, 'merged': {}, 'error': '', 'has_secrets': False,
             'attributes_ok': False, 'temp_files': stale_temp_files(os.path.realpath(path))}
    try:
        info = os.stat(path)
        with open(path, 'rb') as handle:
            data = handle.read()
    except OSError:
        data, info = None, None
    found['exists'] = data is not None
    try:
        found['config'] = parse_document(data, path)[0]
        found['text'] = decode(data, path)
        found['merged'] = compute(found['config'], settings, remove, list_merge, validate_result=False)['config']
    except DaemonJsonError as exc:
        found['error'] = str(exc)
    found['has_secrets'] = bool(secrets(found['config']) or secrets(found['merged']))
    if info is not None:
        mode = stat.S_IMODE(info.st_mode)
        found['attributes_ok'] = info.st_uid == 0 and info.st_gid == 0 and mode == (0o600 if found['has_secrets'] else 0o644)
    return found


def read_record(path):
    """The record of the last apply, or None (absent, unreadable or another format: as if none)."""
    text = read_text(path)
    try:
        record = json.loads(text) if text else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def plan(module, result):
    """The docker_daemon role's decision (with settings): see module_utils/_docker_daemon.py."""
    params = module.params
    problems = []
    settings = params['settings']
    if params['legacy_options'] is not None:
        module.deprecate('docker_daemon_options is geerlingguy.docker\'s name for docker_daemon_settings; set '
                         'docker_daemon_settings instead', version='1.0.0', collection_name='fleetops.docker_host')
        if settings:
            problems.append('docker_daemon_options (geerlingguy.docker\'s name, deprecated) and docker_daemon_settings '
                            'are both set; move the keys of docker_daemon_options into docker_daemon_settings and '
                            'remove docker_daemon_options')
        else:
            settings = params['legacy_options']
    json_look = look_daemon_json(params['path'], settings, params['remove'], params['list_merge'])
    hidden = secrets(json_look['config']) + secrets(json_look['merged'])
    json_look['error'] = mask(json_look['error'], hidden)
    paths = [params['path']] + [item['path'] for item in result['dropins'].values()]
    changed_at = max([stamp for stamp in (mtime(path) for path in paths) if stamp is not None] or [None])
    image = params['hello_image']
    return decide(result, json_look, params['proxy'], read_record(params['record_path']),
                  started_at=result['dockerd']['started_at'], changed_at=changed_at, json_path=params['path'],
                  record_path=params['record_path'], problems=problems, check_mode=module.check_mode,
                  hello=bool(image), hello_image_present=result['images'].get(image) if image else None,
                  hello_archive=params['hello_archive'], hello_archive_path=params['hello_archive_path'],
                  hello_archive_left=os.path.lexists(params['hello_archive_path']))


def read_journal(module, since):
    journalctl = module.get_bin_path('journalctl', opt_dirs=SBIN)
    mark = since if not since.isdigit() else '@' + since
    if not journalctl:
        summary = journal_summary('')
    else:
        rc, out, err = module.run_command(
            [journalctl, '--unit', 'docker', '--no-pager', '--output', 'cat', '--since', mark],
            environ_update=C_ENV)
        summary = journal_summary(out)
    summary['since'] = since
    return summary


def look(module):
    """The look: what docker_engine_info returns (and docker_daemon_proof before its hello)."""
    params = module.params
    dockerd, engine_version = look_dockerd(module)
    units, exec_start, (main_pid, started) = look_units(module)
    dockerd.update(main_pid=main_pid, started_at=started)
    dropins, masked = list(params['dropins']), list(params['masked_dropins'])
    if params['settings'] is not None or params['legacy_options'] is not None:
        # The decision needs the role's own drop-ins, whatever the caller listed.
        dropins += [name for name in (PROXY_DROPIN, HOSTS_DROPIN) if name not in dropins]
        masked += [name for name in (PROXY_ENV,) if name not in masked]
    result = {
        'changed': False,
        'installed': dockerd['rc'] == 0,
        'engine_version': engine_version,
        'dockerd': dockerd,
        'units': units,
        'exec_start': exec_start,
        'exec_start_without_fd': systemd_join(drop_fd_host(exec_start)),
        'dropins': look_dropins(params['dropin_dir'], dropins, masked),
        'images': look_images(module, params['hello_image']) if dockerd['rc'] == 0 else {},
        'journal': {},
        'plan': {},
    }
    if params['settings'] is not None or params['legacy_options'] is not None:
        result['plan'] = plan(module, result)
    if params['journal_since']:
        result['journal'] = read_journal(module, params['journal_since'])
    result['checked_at'] = int(time.time())
    return result


def shown_arguments(params):
    """The arguments as a result shows them (ansible-core before 2.21 always does): credentials masked. Not through
    no_log_values, which would also mask every other occurrence of such a string, paths included."""
    shown = dict(params)
    for name in ('settings', 'legacy_options'):
        shown[name] = mask(shown[name], secrets(shown[name] or {})) if shown[name] else shown[name]
    shown['proxy'] = mask(shown['proxy'], proxy_secrets(shown['proxy']))
    return shown
