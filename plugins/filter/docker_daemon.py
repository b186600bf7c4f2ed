# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docker_daemon_plan: what the docker_daemon role does to a host, decided from its one look.

Reads the docker_engine_info result (the engine, its units and the role's drop-ins) and the daemon_json
result (what the merge changed), and returns the drop-ins to write or remove, reload vs restart vs none,
what a rollback puts back and whether the hello must run again. Controller side (Python 3.11+).
"""

from __future__ import annotations

import hashlib
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import url_userinfo

PROXY_DROPIN = 'http-proxy.conf'
# With credentials in a proxy URL, the values go to this file (mode 0600, read by systemd as root) instead of
# Environment= lines in the 0644 drop-in, which `systemctl show docker` prints to every local user. systemd
# reads only *.conf in a .d directory, so the .env file is not a drop-in itself.
PROXY_ENV = 'http-proxy.env'
HOSTS_DROPIN = 'daemon-json-hosts.conf'

# The header the role's templates wrote (ansible_managed's default): kept, so that hosts configured by an
# earlier release see no change and no restart.
HEADER = '# Ansible managed\n'

PROXY_VARIABLES = (('http_proxy', 'HTTP_PROXY'), ('https_proxy', 'HTTPS_PROXY'), ('no_proxy', 'NO_PROXY'))


def proxy_has_credentials(proxy):
    """True when a proxy URL carries user:password@ (or a token@), with or without a scheme."""
    return any(url_userinfo((proxy or {}).get(key), bare=True) for key in ('http_proxy', 'https_proxy'))


def proxy_env(proxy):
    """The text of http-proxy.env (KEY=value lines, as systemd's EnvironmentFile= reads them)."""
    lines = ['# Proxy environment for dockerd, from docker_daemon_proxy (holds credentials: mode 0600).']
    for key, variable in PROXY_VARIABLES:
        value = (proxy or {}).get(key)
        if value:
            lines.append('%s=%s' % (variable, value))
    return '\n'.join(lines) + '\n'


def proxy_dropin(proxy, dropin_dir=None):
    """The text of http-proxy.conf for docker_daemon_proxy (keys http_proxy, https_proxy, no_proxy).

    With credentials in a URL, the drop-in only names the 0600 environment file (see PROXY_ENV).
    """
    lines = [HEADER.rstrip('\n'),
             '# Proxy environment for dockerd (image pulls), from docker_daemon_proxy.',
             '[Service]']
    if proxy_has_credentials(proxy):
        lines.append('EnvironmentFile=%s/%s' % ((dropin_dir or '/etc/systemd/system/docker.service.d').rstrip('/'), PROXY_ENV))
        return '\n'.join(lines) + '\n'
    for key, variable in PROXY_VARIABLES:
        value = (proxy or {}).get(key)
        if value:
            lines.append('Environment="%s=%s"' % (variable, value))
    return '\n'.join(lines) + '\n'


def docker_daemon_proxy_env(proxy):
    """Filter: the text of the proxy environment file (used in the copy task, which is no_log)."""
    return proxy_env(proxy)


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
    env_write = False
    env_file = {}
    hosts_changed = False
    if engine['installed']:
        if proxy:
            current = _dropin(engine, PROXY_DROPIN)
            dropin_dir = current['path'].rsplit('/', 1)[0]
            wanted = proxy_dropin(proxy, dropin_dir)
            if current['content'] != wanted:
                write.append({'path': current['path'], 'content': wanted})
            env_file = (engine.get('dropins') or {}).get(PROXY_ENV) or {
                'path': '%s/%s' % (dropin_dir, PROXY_ENV), 'exists': False, 'sha256': None, 'mode': None}
            if proxy_has_credentials(proxy):
                digest = hashlib.sha256(proxy_env(proxy).encode('utf-8')).hexdigest()
                env_write = env_file.get('sha256') != digest or env_file.get('mode') != '0600'
            elif env_file.get('exists'):
                remove.append(env_file['path'])
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

    dropins_changed = [item['path'] for item in write] + ([env_file['path']] if env_write else []) + remove
    restart_required = bool(outcome['restart_required'] or dropins_changed)
    reload_required = bool(outcome['reload_required']) and not restart_required
    action = 'restart' if restart_required else ('reload' if reload_required else 'none')

    # What a rollback puts back: the previous text of each file this run changes, None where it made the file.
    previous = []
    if 'previous_content' in outcome:
        previous.append({'path': json_path, 'content': outcome['previous_content']})
    by_path = {dropin['path']: dropin for dropin in (engine.get('dropins') or {}).values()}
    if env_file:
        by_path.setdefault(env_file['path'], env_file)
    restore_from_backup = []   # [{path, backup}]: files whose previous content the result may not carry
    env_path = env_file.get('path')
    for path in dropins_changed:
        if path == env_path:
            if env_file.get('exists'):
                restore_from_backup.append({'path': path, 'backup': 'proxy_env'})
            else:
                previous.append({'path': path, 'content': None})
            continue
        previous.append({'path': path, 'content': by_path[path]['content']})
    if outcome.get('previous_content_masked'):
        # Credentials in daemon.json: the module returned the previous text masked and kept a 0600 backup.
        previous = [item for item in previous if item['path'] != json_path]
        restore_from_backup.append({'path': json_path, 'backup': outcome.get('backup_file')})

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
        'rollback_from_backup': restore_from_backup,
        'proxy_env_write': env_write,
        'proxy_env_path': env_path or '',
        'apply': bool(dropins_changed) or action != 'none',
        # The look's hello is the proof unless the engine changed since, or its image must be loaded first.
        'rerun_hello': bool(hello) and (action != 'none' or bool(hello.get('image_missing') and image_archive)),
    }


class FilterModule:
    def filters(self):
        return {'docker_daemon_plan': docker_daemon_plan, 'docker_daemon_proxy_env': docker_daemon_proxy_env}
