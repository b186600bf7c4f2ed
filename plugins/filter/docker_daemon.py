# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docker_daemon_plan: what the docker_daemon role does to a host, decided from its one look.

Reads the docker_engine_info result (the engine, its units and the role's drop-ins) and the daemon_json
result (what the merge changed), and returns the drop-ins to write or remove, reload vs restart vs none,
what a rollback puts back and whether the hello must run again. Controller side (Python 3.11+).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

PROXY_DROPIN = 'http-proxy.conf'
HOSTS_DROPIN = 'daemon-json-hosts.conf'

# The header the role's templates wrote (ansible_managed's default): kept, so that hosts configured by an
# earlier release see no change and no restart.
HEADER = '# Ansible managed\n'

PROXY_VARIABLES = (('http_proxy', 'HTTP_PROXY'), ('https_proxy', 'HTTPS_PROXY'), ('no_proxy', 'NO_PROXY'))


def proxy_dropin(proxy):
    """The text of http-proxy.conf for docker_daemon_proxy (keys http_proxy, https_proxy, no_proxy)."""
    lines = [HEADER.rstrip('\n'),
             '# Proxy environment for dockerd (image pulls), from docker_daemon_proxy.',
             '[Service]']
    for key, variable in PROXY_VARIABLES:
        value = (proxy or {}).get(key)
        if value:
            lines.append('Environment="%s=%s"' % (variable, value))
    return '\n'.join(lines) + '\n'


def hosts_dropin(exec_start_without_fd):
    """The text of daemon-json-hosts.conf: the packaged ExecStart without -H fd://."""
    return ''.join([
        HEADER,
        '# daemon.json sets "hosts"; dockerd refuses a setting given both as a flag and in the file, so the\n',
        '# packaged `-H fd://` is dropped from ExecStart (the rest of the packaged command line is kept).\n',
        '[Service]\n',
        'ExecStart=\n',
        'ExecStart=%s\n' % exec_start_without_fd,
    ])


def _json_outcome(daemon_json):
    """daemon_json's result, or what counts as no change when the task was skipped (no engine)."""
    daemon_json = daemon_json or {}
    if daemon_json.get('skipped') or 'changed_keys' not in daemon_json:
        return {'changed': False, 'changed_keys': [], 'reload_required': False, 'restart_required': False,
                'config': {}, 'validated_with_dockerd': False}
    return daemon_json


def _dropin(engine, name):
    try:
        return engine['dropins'][name]
    except (KeyError, TypeError):
        raise AnsibleFilterError(
            'docker_daemon_plan: the docker_engine_info result has no drop-in %r; run the probe with '
            'dropins: [%s, %s]' % (name, PROXY_DROPIN, HOSTS_DROPIN)) from None


def docker_daemon_plan(engine, daemon_json, proxy=None, json_path='/etc/docker/daemon.json', image_archive=''):
    """Decide the role's run. See docker_daemon_plan.yml for the fields."""
    if not isinstance(engine, dict) or 'installed' not in engine:
        raise AnsibleFilterError('docker_daemon_plan: expects the result of fleetops.docker_host.docker_engine_info')
    outcome = _json_outcome(daemon_json)
    config = outcome.get('config') or {}

    write = []      # [{path, content}]
    remove = []     # [path]
    hosts_changed = False
    if engine['installed']:
        if proxy:
            current = _dropin(engine, PROXY_DROPIN)
            wanted = proxy_dropin(proxy)
            if current['content'] != wanted:
                write.append({'path': current['path'], 'content': wanted})
        current = _dropin(engine, HOSTS_DROPIN)
        if 'hosts' in config:
            if not engine.get('exec_start_without_fd'):
                raise AnsibleFilterError(
                    'docker_daemon: daemon.json sets "hosts", but docker.service has no ExecStart to take '
                    '-H fd:// out of (docker_engine_info found none); fix the unit or drop "hosts"')
            wanted = hosts_dropin(engine['exec_start_without_fd'])
            if current['content'] != wanted:
                write.append({'path': current['path'], 'content': wanted})
                hosts_changed = True
        elif current['exists']:
            remove.append(current['path'])
            hosts_changed = True

    dropins_changed = [item['path'] for item in write] + remove
    restart_required = bool(outcome['restart_required'] or dropins_changed)
    reload_required = bool(outcome['reload_required']) and not restart_required
    action = 'restart' if restart_required else ('reload' if reload_required else 'none')

    # What a rollback puts back: the previous text of each file this run changes, None where it made the file.
    previous = []
    if 'previous_content' in outcome:
        previous.append({'path': json_path, 'content': outcome['previous_content']})
    by_path = {dropin['path']: dropin for dropin in (engine.get('dropins') or {}).values()}
    for path in dropins_changed:
        previous.append({'path': path, 'content': by_path[path]['content']})

    hello = engine.get('hello') or {}
    socket_loaded = ((engine.get('units') or {}).get('docker.socket') or {}).get('load_state') == 'loaded'
    return {
        'changed': bool(outcome['changed'] or dropins_changed),
        'changed_keys': list(outcome['changed_keys']),
        'reload_required': reload_required,
        'restart_required': restart_required,
        'action': action,
        'config': config,
        'validated_with_dockerd': bool(outcome.get('validated_with_dockerd')),
        'dropins_write': write,
        'dropins_remove': remove,
        'dropins_changed': dropins_changed,
        'restart_socket': hosts_changed and socket_loaded,
        'rollback_restore': [item for item in previous if item['content'] is not None],
        'rollback_remove': [item['path'] for item in previous if item['content'] is None],
        'apply': bool(dropins_changed) or action != 'none',
        # The look's hello is the proof unless the engine changed since, or its image must be loaded first.
        'rerun_hello': bool(hello) and (action != 'none' or bool(hello.get('image_missing') and image_archive)),
    }


class FilterModule:
    def filters(self):
        return {'docker_daemon_plan': docker_daemon_plan}
