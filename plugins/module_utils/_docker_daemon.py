# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker_daemon role's decisions, made once, on the host, from its one look (docker_engine_info).

What the role's files should hold (daemon.json merged with the settings, the proxy and hosts drop-ins), what the
engine runs with, and so: what to write or remove, reload vs restart vs nothing, what a rollback puts back, and
the result of a run that changes nothing. Pure functions (Python 3.6+), unit-tested without a host.

What the engine runs with is not only this run's business: a run cut off after a write and before the reload or
restart leaves a file the engine never read. So the role records what it applied (per-key digests of daemon.json
and the digests of its drop-ins, never their text) after each successful reload or restart, and a later run
compares: the files differ from that record and changed after dockerd started, so the change is still pending.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import hashlib
import json

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import (
    classify,
    mask,
    render,
    restart_reasons,
    secrets,
    url_userinfo,
)

PROXY_DROPIN = 'http-proxy.conf'
# With credentials in a proxy URL, the values go to this file (mode 0600, read by systemd as root) instead of
# Environment= lines in the 0644 drop-in, which `systemctl show docker` prints to every local user. systemd
# reads only *.conf in a .d directory, so the .env file is not a drop-in itself.
PROXY_ENV = 'http-proxy.env'
HOSTS_DROPIN = 'daemon-json-hosts.conf'

# The header the role's templates wrote (ansible_managed's default): kept, so that hosts configured by an
# earlier release see no change and no restart.
HEADER = '# Ansible managed\n'
PROXY_ENV_HEADER = '# Proxy environment for dockerd, from docker_daemon_proxy (holds credentials: mode 0600).'
PROXY_VARIABLES = (('http_proxy', 'HTTP_PROXY'), ('https_proxy', 'HTTPS_PROXY'), ('no_proxy', 'NO_PROXY'))

RECORD_VERSION = 1


def digest(text):
    """SHA-256 of a text (None for an absent file)."""
    if text is None:
        return None
    return hashlib.sha256(text.encode('utf-8', 'surrogateescape')).hexdigest()


def key_digests(config):
    """{key: SHA-256 of its value}: tells which keys changed between two configurations without keeping them."""
    return dict((key, digest(json.dumps(value, sort_keys=True, ensure_ascii=False))) for key, value in config.items())


def proxy_has_credentials(proxy):
    """True when a proxy URL carries user:password@ (or a token@), with or without a scheme."""
    return any(url_userinfo((proxy or {}).get(key), bare=True) for key in ('http_proxy', 'https_proxy'))


def proxy_secrets(proxy):
    """The userinfo parts of the proxy URLs (masked in the look's output)."""
    found = [url_userinfo((proxy or {}).get(key), bare=True) for key in ('http_proxy', 'https_proxy')]
    return [value for value in found if value]


def proxy_variables(proxy):
    """[[key, VARIABLE]] of the proxy settings that have a value, in file order."""
    return [[key, variable] for key, variable in PROXY_VARIABLES if (proxy or {}).get(key)]


def proxy_env(proxy):
    """The text of http-proxy.env (KEY=value lines, as systemd's EnvironmentFile= reads them)."""
    lines = [PROXY_ENV_HEADER] + ['%s=%s' % (variable, proxy[key]) for key, variable in proxy_variables(proxy)]
    return '\n'.join(lines) + '\n'


def proxy_dropin(proxy, dropin_dir):
    """The text of http-proxy.conf for docker_daemon_proxy; with credentials it only names the 0600 file."""
    lines = [HEADER.rstrip('\n'), '# Proxy environment for dockerd (image pulls), from docker_daemon_proxy.',
             '[Service]']
    if proxy_has_credentials(proxy):
        lines.append('EnvironmentFile=%s/%s' % (dropin_dir.rstrip('/'), PROXY_ENV))
    else:
        lines.extend('Environment="%s=%s"' % (variable, proxy[key]) for key, variable in proxy_variables(proxy))
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


def engine_runs_files(record, keys_now, files_now, started_at, changed_at):
    """Whether dockerd runs with the files as they are: (True, '') or (False, why not).

    The files are applied when they match the record of the last apply, or when none of them changed after
    dockerd started (it read them at start). Without a running dockerd and without a record there is nothing to
    compare with: the files count as applied (as before records existed).
    """
    if record and record.get('daemon_json') == keys_now and record.get('files') == files_now:
        return True, ''
    if started_at is not None and (changed_at is None or changed_at <= started_at):
        return True, ''
    if started_at is None and not record:
        return True, ''
    if record:
        return False, 'daemon.json or a drop-in differs from what the last successful apply recorded'
    return False, 'daemon.json or a drop-in changed after dockerd started and no apply was recorded since'


def _json_rollback(json_look, json_path):
    """How a rollback puts daemon.json back: ('restore', text), ('remove', None) or ('backup', None)."""
    if not json_look['exists']:
        return 'remove', None
    if json_look['has_secrets']:
        # The look never returns a text with credentials; daemon_json keeps a 0600 backup instead.
        return 'backup', None
    return 'restore', json_look['text']


def plan_dropins(look, config, proxy):
    """The drop-ins for the merged daemon.json and the proxy: (write [{path, content}], remove [path],
    env_write, env_file, hosts_changed, error)."""
    dropins = look['dropins']
    write, remove = [], []
    env_file = dropins.get(PROXY_ENV) or {}
    env_write = False
    if proxy:
        current = dropins[PROXY_DROPIN]
        wanted = proxy_dropin(proxy, current['path'].rsplit('/', 1)[0])
        if current['content'] != wanted:
            write.append({'path': current['path'], 'content': wanted})
        if proxy_has_credentials(proxy):
            env_write = env_file.get('sha256') != digest(proxy_env(proxy)) or env_file.get('mode') != '0600'
        elif env_file.get('exists'):
            remove.append(env_file['path'])
    current = dropins[HOSTS_DROPIN]
    hosts_changed = False
    error = ''
    if 'hosts' in config:
        if not look.get('exec_start_without_fd'):
            error = ('daemon.json sets "hosts", but docker.service has no ExecStart to take -H fd:// out of '
                     '(docker_engine_info found none); fix the unit or drop "hosts"')
        elif current['content'] != hosts_dropin(look['exec_start_without_fd']):
            write.append({'path': current['path'], 'content': hosts_dropin(look['exec_start_without_fd'])})
            hosts_changed = True
    elif current['exists']:
        remove.append(current['path'])
        hosts_changed = True
    return write, remove, env_write, env_file, hosts_changed, error


def _changed(before, after):
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


def plan_action(record, pending, before, after, *, files_after, dropins_changed):
    """(changed_keys, reload, restart, files_pending): what the engine must take up, decided once.

    A change of this run: its keys (a reload when all are reloadable) and a restart for a drop-in. A pending
    change (written by a run that was cut off): everything since the last recorded apply; with no record, a
    restart (which keys dockerd has not read is unknown).
    """
    if pending and record:
        base = record.get('daemon_json') or {}
        keys = _changed(base, key_digests(after))
        removed = dict((key, True) for key in base if key not in after)
        files_pending = _changed(record.get('files') or {}, files_after)
        restart = bool(restart_reasons(keys, removed, after) or files_pending or dropins_changed)
        return keys, bool(keys) and not restart, restart, files_pending
    keys = _changed(key_digests(before), key_digests(after))
    reload_, restart = classify(keys, before, after)
    restart = bool(restart or dropins_changed or pending)
    return keys, reload_ and not restart, restart, []


def plan_steps(action, reread, restart_socket):
    """The systemd steps, in order: read changed units, then reload; or stop dockerd, recreate its socket and
    restart."""
    steps = [{'daemon_reload': True}] if reread else []
    if action == 'reload':
        steps.append({'name': 'docker.service', 'state': 'reloaded'})
    if restart_socket:
        steps.extend([{'name': 'docker.service', 'state': 'stopped'}, {'name': 'docker.socket', 'state': 'restarted'}])
    if action == 'restart':
        steps.append({'name': 'docker.service', 'state': 'restarted'})
    return steps


def plan_rollback(json_look, json_path, *, json_changed, dropins, env_file, dropins_changed):
    """What a rollback puts back: (restore [{path, content}], remove [path], from_backup [{path, backup}])."""
    restore, remove, from_backup = [], [], []
    if json_changed:
        how, text = _json_rollback(json_look, json_path)
        if how == 'restore':
            restore.append({'path': json_path, 'content': text})
        elif how == 'remove':
            remove.append(json_path)
        else:
            from_backup.append({'path': json_path, 'backup': 'daemon_json'})
    by_path = dict((item['path'], item) for item in dropins.values())
    for path in dropins_changed:
        item = by_path.get(path) or {}
        if path == env_file.get('path') and item.get('exists'):
            from_backup.append({'path': path, 'backup': 'proxy_env'})
        elif item.get('content') is None:
            remove.append(path)
        else:
            restore.append({'path': path, 'content': item['content']})
    return restore, remove, from_backup


def not_installed_message(look):
    return ('`dockerd --version` failed (rc %s), Docker Engine is not installed. The docker_daemon role configures an '
            'installed engine; install Docker first (e.g. the role fleetops.docker_host.docker_install_ubuntu or '
            'fleetops.docker_host.docker_install_centos)' % ((look.get('dockerd') or {}).get('rc'),))


def decide(look, json_look, proxy, record, *, started_at, changed_at, json_path, record_path, problems=(),
           check_mode=False, hello=False, hello_image_present=None, hello_archive=False, hello_archive_path='',
           hello_archive_left=False):
    """The role's whole decision. See docker_engine_info's RETURN (plan) for the fields.

    look: the engine part of the look (installed, engine_version, dockerd, units, exec_start_without_fd, dropins).
    json_look: daemon.json now (exists, text, config, has_secrets, attributes_ok, temp_files) and the merge
    (merged: the config after it, or error: its message). record: what the last successful apply recorded (or
    None). started_at: when dockerd started (None: not running); changed_at: the newest mtime of the role's files.
    problems: input refused before the look (a renamed variable given with its new name).
    hello_archive_left: the hello archive's copy is on the host (at hello_archive_path) before the run: a run cut
    off between its copy and its removal left it, and the proof that finds the image loaded does not copy it again.
    """
    installed = bool(look.get('installed'))
    problems = list(problems)
    if not installed and not check_mode:
        problems.append(not_installed_message(look))
    if json_look.get('error'):
        problems.append(json_look['error'])
    before = json_look.get('config') or {}
    after = before if json_look.get('error') else json_look['merged']
    dropins = look.get('dropins') or {}

    write, remove, env_write, env_file, hosts_changed, error = plan_dropins(look, after, proxy)
    if error:
        problems.append(error)
    if problems or not installed:
        write, remove, env_write, hosts_changed = [], [], False, False
    dropins_changed = [item['path'] for item in write] + ([env_file['path']] if env_write else []) + remove
    json_changed = installed and not problems and render(after) != (json_look.get('text') or '')
    # daemon_json also sets mode and owner, and removes what a cut-off write left behind (its temporary files).
    json_write = installed and not problems and bool(
        json_changed or not json_look['attributes_ok'] or json_look['temp_files'])

    # What the role's files hold now and after this run, and whether the engine runs with them already.
    files_now = dict((item['path'], item['sha256'] if 'sha256' in item else digest(item['content']))
                     for item in dropins.values())
    files_after = dict(files_now)
    files_after.update((item['path'], digest(item['content'])) for item in write)
    if env_write:
        files_after[env_file['path']] = digest(proxy_env(proxy))
    files_after.update((path, None) for path in remove)
    applied, pending_reason = engine_runs_files(record, key_digests(before), files_now, started_at, changed_at)
    pending = installed and not problems and not applied

    keys, reload_, restart, files_pending = plan_action(record, pending, before, after, files_after=files_after,
                                                        dropins_changed=dropins_changed)
    if problems or not installed:
        keys, reload_, restart = [], False, False
    action = 'restart' if restart else ('reload' if reload_ else 'none')
    hosts_path = (dropins.get(HOSTS_DROPIN) or {}).get('path')
    socket_loaded = ((look.get('units') or {}).get('docker.socket') or {}).get('load_state') == 'loaded'
    restart_socket = bool(hosts_changed or hosts_path in files_pending) and socket_loaded and action == 'restart'
    restore, remove_on_rollback, from_backup = plan_rollback(json_look, json_path, json_changed=json_changed,
                                                             dropins=dropins, env_file=env_file,
                                                             dropins_changed=dropins_changed)
    rollback_steps = [{'daemon_reload': True}] if dropins_changed else []
    if restart_socket:
        rollback_steps.append({'name': 'docker.socket', 'state': 'restarted'})

    prove = bool(hello and installed and not problems)
    prove_with_archive = prove and hello_archive and (hello_image_present is not True or action == 'restart')
    result = {
        'installed': installed,
        'engine_version': look.get('engine_version', ''),
        'changed': bool(json_changed or dropins_changed or pending),
        'changed_keys': keys,
        'reload_required': reload_,
        'restart_required': restart,
        'action': action,
        'resumed': pending,
        'config': mask(after, secrets(after)) if installed else {},
        'validated_with_dockerd': False,
        'dropins_changed': dropins_changed,
        'hello': {},
    }
    return {
        'problems': problems,
        'json_write': json_write,
        'dropins_write': write,
        'dropins_remove': remove,
        'proxy_env_write': env_write,
        'proxy_env_path': env_file.get('path', ''),
        'proxy_env_header': PROXY_ENV_HEADER,
        'proxy_env_variables': proxy_variables(proxy) if env_write else [],
        'action': action,
        'pending': pending,
        'pending_reason': pending_reason if pending else '',
        'steps': plan_steps(action, bool(dropins_changed or pending), restart_socket),
        # A daemon.json rewrite that changes no key (an absent file written as {}, a reformat) needs no reload,
        # but leaves the file newer than dockerd: without a record of it, the next look would take it for a
        # cut-off change and restart. So the apply records it (no systemd step) while dockerd runs.
        'apply': action != 'none' or bool(dropins_changed) or (json_changed and started_at is not None),
        'rollback_restore': restore,
        'rollback_remove': remove_on_rollback,
        'rollback_from_backup': from_backup,
        'rollback_steps': rollback_steps,
        # Where the apply writes: the drop-in directory and the record's.
        'directories': sorted(set(path.rsplit('/', 1)[0] for path in [record_path] + list(files_now))),
        'record_path': record_path,
        'record': {'version': RECORD_VERSION, 'daemon_json': key_digests(after), 'files': files_after},
        # The hello proof (docker_hello) runs on every host with an engine; its archive is copied when the image
        # is missing, or when a restart may come up on another data-root without it.
        'prove': prove,
        'prove_with_archive': bool(prove_with_archive),
        # The copy is removed after the proof, and also where a cut-off run left it (whether or not it is copied).
        'hello_archive_path': hello_archive_path,
        'remove_archive': bool(prove_with_archive or hello_archive_left),
        'result': result,
    }
