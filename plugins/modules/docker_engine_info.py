#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: docker_engine_info
short_description: Report the Docker engine of a host, its systemd units and drop-ins, and what the docker_daemon role would change
version_added: 0.2.0
description:
  - One look at a host's Docker engine, as data. Reports whether C(dockerd) is installed and its version
    (C(dockerd --version)), the state of C(docker.service) and C(docker.socket), the packaged C(ExecStart) of
    C(docker.service) as an argv list (and, computed from it, the command line without C(-H fd://) that a
    drop-in uses when C(daemon.json) sets C(hosts)), and the drop-ins named in O(dropins) with their content.
  - With O(settings), also reads C(daemon.json) (O(path)) and the record of the last configuration the
    P(fleetops.docker_host.docker_daemon#role) role applied (O(record_path)), merges the settings in memory and
    returns the role's decision in RV(plan) (what to write or remove, reload vs restart vs nothing, what a
    rollback restores) and the result of a run that changes nothing in C(result) of RV(plan). The decision is made in
    Python, once (C(module_utils/_docker_daemon.py)); a configuration that an earlier run wrote and never applied
    (the run was cut off before the reload or restart) is still reloaded or restarted, see C(pending) in RV(plan).
  - With O(journal_since), reads the journal of C(docker.service) since then and returns dockerd's fatal and
    error lines and a one-line reason in RV(journal), for a caller whose restart failed.
  - Read-only, and it never fails on what it finds; it runs no container (the hello proof is
    M(fleetops.docker_host.docker_hello)). The role runs it once per host; it is also usable alone, for an audit.
options:
  dropin_dir:
    description: The directory of the C(docker.service) drop-ins.
    type: path
    default: /etc/systemd/system/docker.service.d
  dropins:
    description: File names in O(dropin_dir) to report in RV(dropins), with their content.
    type: list
    elements: str
    default: [http-proxy.conf, daemon-json-hosts.conf]
  masked_dropins:
    description:
      - File names in O(dropin_dir) that hold credentials (the proxy environment file), reported in RV(dropins)
        with C(sha256) and C(mode) instead of their content, so the secrets never appear in a task result.
    type: list
    elements: str
    default: [http-proxy.env]
    version_added: 0.2.0
  path:
    description: The path of C(daemon.json) (with O(settings)).
    type: path
    default: /etc/docker/daemon.json
    version_added: 0.2.0
  settings:
    description:
      - The keys the caller merges into C(daemon.json) (as M(fleetops.docker_host.daemon_json) does). When given,
        RV(plan) holds the decision; absent, the module only looks.
    type: dict
    version_added: 0.2.0
  legacy_options:
    description:
      - C(docker_daemon_options), geerlingguy.docker's name for O(settings), deprecated. Merged like O(settings)
        with a deprecation warning; together with a non-empty O(settings) C(problems) in RV(plan) refuses it.
    type: dict
    version_added: 0.2.0
  remove:
    description: Top-level or dotted keys the caller deletes from C(daemon.json) (with O(settings)).
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  list_merge:
    description: How a list in O(settings) combines with the list in the file (with O(settings)).
    type: str
    choices: [replace, append_unique]
    default: replace
    version_added: 0.2.0
  proxy:
    description:
      - The proxy for dockerd (C(http_proxy), C(https_proxy), C(no_proxy)) the caller wants in C(http-proxy.conf)
        (with O(settings)); empty leaves that drop-in alone. The credentials in its URLs are masked in the output.
    type: dict
    default: {}
    version_added: 0.2.0
  record_path:
    description:
      - Where the role records, after each successful reload or restart, what the engine was given (per-key
        digests of C(daemon.json) and digests of the drop-ins, never their text), to tell a change that is
        still pending from one that is applied.
    type: path
    default: /var/lib/fleetops/docker_daemon/applied.json
    version_added: 0.2.0
  hello_image:
    description:
      - The image the caller's hello proof runs; reported in RV(images) (C(docker image inspect), read-only) and
        used for C(prove_with_archive) in RV(plan).
    type: str
    version_added: 0.2.0
  hello_archive:
    description: The caller has an image archive for the hello proof (see C(prove_with_archive) in RV(plan)).
    type: bool
    default: false
    version_added: 0.2.0
  hello_archive_path:
    description:
      - Where the caller copies the archive on the host for the hello proof (and removes it after). A file there
        before the run was left by a run cut off between the copy and the removal (C(remove_archive) in RV(plan)).
    type: path
    default: /var/tmp/docker_daemon_verify_image.tar
    version_added: 0.3.0
  journal_since:
    description:
      - When set, read C(journalctl --unit docker) since this time (seconds since the epoch, as RV(checked_at),
        or any time C(journalctl --since) accepts) and summarise it in RV(journal).
    type: str
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Read-only, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  platform:
    description: Linux hosts with systemd.
notes:
  - The packaged C(ExecStart) is read from the unit file systemd loaded (C(FragmentPath)), so the role's own
    drop-in does not hide it; when that file cannot be read, from C(systemctl show).
seealso:
  - module: fleetops.docker_host.daemon_json
  - module: fleetops.docker_host.docker_hello
  - name: dockerd reference
    description: The daemon and its configuration.
    link: https://docs.docker.com/reference/cli/dockerd/
'''

EXAMPLES = r'''
- name: Audit the engine
  fleetops.docker_host.docker_engine_info:
  register: engine

- name: Say which hosts run an engine older than 23
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} runs dockerd {{ engine.engine_version }}"
  when: engine.installed and engine.engine_version is version('23', '<')

- name: What the docker_daemon role would do with these settings (nothing changes)
  fleetops.docker_host.docker_engine_info:
    settings:
      log-opts:
        max-size: 10m
  register: engine

- name: Say whether a reload or a restart is due, also one that a cut-off run left behind
  ansible.builtin.debug:
    msg: "{{ engine.plan.action }} {{ engine.plan.pending_reason }}"

- name: After a failed restart, say why dockerd stopped
  fleetops.docker_host.docker_engine_info:
    journal_since: "{{ engine.checked_at }}"
  register: after
- name: Show dockerd's reason
  ansible.builtin.debug:
    msg: "{{ after.journal.reason }}"
'''

RETURN = r'''
installed:
  description: Whether C(dockerd --version) ran and exited 0.
  returned: always
  type: bool
  sample: true
engine_version:
  description: The engine's version from C(dockerd --version), V("") when not installed.
  returned: always
  type: str
  sample: "20.10.24"
dockerd:
  description:
    - C(path) of C(dockerd) (null when not found), C(rc) of C(dockerd --version) (127 when not found) and its
      first line C(version_line).
    - C(main_pid) of C(docker.service) (0 when it does not run) and C(started_at), when it started (seconds since
      the epoch, null when it does not run).
  returned: always
  type: dict
  sample: {"path": "/usr/sbin/dockerd", "rc": 0, "version_line": "Docker version 20.10.24+dfsg1, build 297e128",
           "main_pid": 4242, "started_at": 1767225600.25}
units:
  description:
    - C(docker.service) and C(docker.socket), each with C(load_state) (V(loaded), V(not-found), ...; V(unknown)
      without systemctl), C(active_state), C(sub_state), C(unit_file_state) and C(fragment_path).
  returned: always
  type: dict
  sample:
    docker.service: {"load_state": "loaded", "active_state": "active", "sub_state": "running",
                     "unit_file_state": "enabled", "fragment_path": "/lib/systemd/system/docker.service"}
    docker.socket: {"load_state": "loaded", "active_state": "active", "sub_state": "running",
                    "unit_file_state": "enabled", "fragment_path": "/lib/systemd/system/docker.socket"}
exec_start:
  description: The packaged C(ExecStart) of C(docker.service) as an argv list (V([]) when there is none).
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/dockerd", "-H", "fd://", "$DOCKER_OPTS"]
exec_start_without_fd:
  description:
    - RV(exec_start) without C(-H fd://) (any spelling), as a systemd command line, for the drop-in used while
      C(daemon.json) sets C(hosts). V("") when there is no C(ExecStart).
  returned: always
  type: str
  sample: /usr/sbin/dockerd $DOCKER_OPTS
dropins:
  description:
    - Each name in O(dropins) -> C(path), C(exists) and C(content) (the text, null when absent).
    - Each name in O(masked_dropins) -> C(path), C(exists), C(content) (always null), C(sha256) and C(mode).
  returned: always
  type: dict
  sample:
    http-proxy.conf: {"path": "/etc/systemd/system/docker.service.d/http-proxy.conf", "exists": false, "content": null}
images:
  description: With O(hello_image), whether that image is on the host (C(docker image inspect)); V({}) without.
  returned: always
  type: dict
  sample: {"fleetops/hello:latest": true}
plan:
  description:
    - With O(settings), the docker_daemon role's decision; V({}) without.
    - C(problems), input refused or the engine missing outside check mode (the role fails with them before
      anything changes).
    - C(json_write), whether M(fleetops.docker_host.daemon_json) must run (content, mode or owner, or a temporary
      file a cut-off write left).
    - C(dropins_write) (each C(path) and C(content)), C(dropins_remove), C(proxy_env_write), C(proxy_env_path),
      C(proxy_env_header) and C(proxy_env_variables) (C([key, VARIABLE]) pairs; the role writes the values).
    - C(action) (V(reload), V(restart) or V(none)); C(pending) and C(pending_reason) (the files differ from the
      last recorded apply and changed after dockerd started, so an earlier run wrote them and was cut off).
    - C(steps), the systemd steps in order (C(daemon_reload), or C(name) and C(state)); C(apply).
    - C(rollback_restore) (each C(path) and C(content)), C(rollback_remove), C(rollback_from_backup) (each C(path)
      and C(backup), V(daemon_json) or V(proxy_env)), C(rollback_steps).
    - C(directories), C(record_path) and C(record), what to record after the apply (digests only).
    - C(prove) and C(prove_with_archive), whether the hello proof runs and whether its archive is copied first;
      C(hello_archive_path), where it is copied; C(remove_archive), whether a file there is removed after the
      proof (the copy, or one a cut-off run left).
    - C(result), the role's result when nothing else runs (see the role's README).
  returned: always
  type: dict
  sample: {"action": "reload", "pending": false, "json_write": true, "problems": []}
journal:
  description:
    - With O(journal_since), dockerd's journal since then. C(since), C(lines) (logrus timestamps removed),
      C(fatal) (C(failed to start daemon), C(unable to configure the Docker daemon), C(level=fatal)),
      C(errors) (C(level=error)) and C(reason), one line (the last two fatal lines, else the last two errors,
      else the last three lines). V({}) without O(journal_since).
  returned: always
  type: dict
  sample: {"since": "1767225600", "lines": ["failed to start daemon: error initializing graphdriver: driver not supported"],
           "fatal": ["failed to start daemon: error initializing graphdriver: driver not supported"], "errors": [],
           "reason": "failed to start daemon: error initializing graphdriver: driver not supported"}
checked_at:
  description: The host's clock (seconds since the epoch) at the end of the look, a mark for O(journal_since).
  returned: always
  type: int
  sample: 1767225600
'''

import hashlib
import json
import os
import stat
import time

from ansible.module_utils.basic import AnsibleModule

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
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import look_bytes, look_text, mask_userinfo
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_engine import (
    UNIT_PROPERTIES,
    drop_fd_host,
    journal_summary,
    parse_exec_start_property,
    parse_systemctl_show,
    parse_unit_exec_start,
    parse_version,
    systemd_join,
    unit_state,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import stale_temp_files

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


def run(module):
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


def main():
    module = AnsibleModule(
        argument_spec=dict(
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
        ),
        supports_check_mode=True,
    )
    result = run(module)
    # The arguments as a result shows them (ansible-core before 2.21 always does): credentials masked. Not through
    # no_log_values, which would also mask every other occurrence of such a string, paths included.
    shown = dict(module.params)
    for name in ('settings', 'legacy_options'):
        shown[name] = mask(shown[name], secrets(shown[name] or {})) if shown[name] else shown[name]
    shown['proxy'] = mask(shown['proxy'], proxy_secrets(shown['proxy']))
    result['invocation'] = {'module_args': shown}
    module.exit_json(**result)


if __name__ == '__main__':
    main()
