# -*- coding: utf-8 -*-
"""Unit tests for plugins/filter/docker_daemon.py (docker_daemon_plan: the docker_daemon role's decisions)."""

import copy
import hashlib
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.filter.docker_daemon import (
    FilterModule,
    docker_daemon_plan,
    hosts_dropin,
    proxy_dropin,
)

DIR = '/etc/systemd/system/docker.service.d'
PROXY = DIR + '/http-proxy.conf'
HOSTS = DIR + '/daemon-json-hosts.conf'
HELLO = {'cmd': ['docker', 'run', '--rm', 'img', 'echo', 'hello'], 'rc': 0, 'stdout': 'hello', 'stderr': '',
         'image_missing': False, 'loaded': False}


def engine(proxy=None, hosts=None, hello=None, socket='loaded', installed=True):
    """A docker_engine_info result with the given drop-in contents (None: absent)."""
    return {
        'installed': installed,
        'engine_version': '20.10.24' if installed else '',
        'units': {'docker.service': {'load_state': 'loaded'}, 'docker.socket': {'load_state': socket}},
        'exec_start': ['/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS'],
        'exec_start_without_fd': '/usr/sbin/dockerd $DOCKER_OPTS',
        'dropins': {
            'http-proxy.conf': {'path': PROXY, 'exists': proxy is not None, 'content': proxy},
            'daemon-json-hosts.conf': {'path': HOSTS, 'exists': hosts is not None, 'content': hosts},
        },
        'hello': HELLO if hello is None else hello,
    }


def merged(keys=(), *, reload=False, restart=False, config=None, previous='absent', validated=False):
    """A daemon_json result."""
    result = {'changed': bool(keys), 'changed_keys': list(keys), 'reload_required': reload,
              'restart_required': restart, 'config': config or {}, 'validated_with_dockerd': validated}
    if previous != 'absent':
        result['previous_content'] = previous
    return result


SKIPPED = {'changed': False, 'skipped': True, 'skip_reason': 'Conditional result was False'}
HOSTS_TEXT = hosts_dropin('/usr/sbin/dockerd $DOCKER_OPTS')
PROXY_SETTINGS = {'https_proxy': 'http://proxy.lab:3128', 'no_proxy': 'localhost', 'http_proxy': None}


def test_filter_is_registered():
    filters = FilterModule().filters()
    assert filters['docker_daemon_plan'] is docker_daemon_plan
    assert sorted(filters) == ['docker_daemon_plan', 'docker_daemon_proxy_env']


# ------------------------------------------------------------------------------------------- the action
@pytest.mark.parametrize('look, change, proxy, action, dropins_changed', [
    # nothing changes: no action, the look's hello is the proof
    (engine(), merged(), {}, 'none', []),
    # reloadable keys only
    (engine(), merged(['insecure-registries'], reload=True, previous='{}'), {}, 'reload', []),
    # a key that needs a restart
    (engine(), merged(['log-opts'], restart=True, previous='{}'), {}, 'restart', []),
    # a reloadable key plus a new proxy drop-in: the drop-in needs a restart
    (engine(), merged(['debug'], reload=True, previous='{}'), PROXY_SETTINGS, 'restart', [PROXY]),
    # the proxy drop-in is already right
    (engine(proxy=proxy_dropin(PROXY_SETTINGS)), merged(), PROXY_SETTINGS, 'none', []),
    # an empty proxy leaves an existing drop-in alone
    (engine(proxy='[Service]\nEnvironment="HTTP_PROXY=x"\n'), merged(), {}, 'none', []),
    # hosts in daemon.json: the drop-in is written
    (engine(), merged(['hosts'], restart=True, config={'hosts': ['unix:///var/run/docker.sock']}, previous='{}'),
     {}, 'restart', [HOSTS]),
    # hosts kept and the drop-in is right
    (engine(hosts=HOSTS_TEXT), merged(config={'hosts': ['unix:///var/run/docker.sock']}), {}, 'none', []),
    # a stale hosts drop-in is rewritten even when daemon.json did not change
    (engine(hosts='[Service]\nExecStart=\nExecStart=/old\n'), merged(config={'hosts': ['unix://']}), {}, 'restart',
     [HOSTS]),
    # hosts gone from daemon.json: the drop-in goes
    (engine(hosts=HOSTS_TEXT), merged(['hosts'], restart=True, previous='{"hosts": []}'), {}, 'restart', [HOSTS]),
])
def test_action(look, change, proxy, action, dropins_changed):
    plan = docker_daemon_plan(look, change, proxy=proxy)
    assert plan['action'] == action
    assert plan['dropins_changed'] == dropins_changed
    assert plan['reload_required'] == (action == 'reload')
    assert plan['restart_required'] == (action == 'restart')
    assert plan['apply'] == (action != 'none')
    assert plan['changed'] == (bool(change['changed_keys']) or bool(dropins_changed))


def test_no_engine_or_skipped_merge_changes_nothing():
    for look, change in [(engine(installed=False, hello={}), SKIPPED), (engine(), SKIPPED), (engine(), {})]:
        plan = docker_daemon_plan(look, change, proxy=PROXY_SETTINGS if look['installed'] is False else {})
        assert plan['action'] == 'none' and plan['changed'] is False and plan['changed_keys'] == []
        assert plan['config'] == {} and plan['apply'] is False and plan['validated_with_dockerd'] is False


# ------------------------------------------------------------------------------------------- drop-ins
def test_dropin_texts():
    assert proxy_dropin(PROXY_SETTINGS) == (
        '# Ansible managed\n'
        '# Proxy environment for dockerd (image pulls), from docker_daemon_proxy.\n'
        '[Service]\n'
        'Environment="HTTPS_PROXY=http://proxy.lab:3128"\n'
        'Environment="NO_PROXY=localhost"\n')
    text = hosts_dropin('/usr/bin/dockerd --containerd=/run/containerd/containerd.sock')
    assert text.startswith('# Ansible managed\n')
    assert text.endswith('[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock\n')


def test_writes_and_removes():
    plan = docker_daemon_plan(engine(), merged(['hosts'], restart=True, config={'hosts': ['x']}, previous=None),
                              proxy=PROXY_SETTINGS)
    assert plan['dropins_write'] == [{'path': PROXY, 'content': proxy_dropin(PROXY_SETTINGS)},
                                     {'path': HOSTS, 'content': HOSTS_TEXT}]
    assert plan['dropins_remove'] == []
    plan = docker_daemon_plan(engine(hosts=HOSTS_TEXT), merged(['hosts'], restart=True, previous='{}'))
    assert plan['dropins_write'] == [] and plan['dropins_remove'] == [HOSTS]


def test_hosts_without_exec_start_is_an_error():
    look = engine()
    look['exec_start_without_fd'] = ''
    with pytest.raises(AnsibleFilterError, match='no ExecStart'):
        docker_daemon_plan(look, merged(['hosts'], restart=True, config={'hosts': ['x']}))


@pytest.mark.parametrize('look', [None, {}, 'text'])
def test_not_a_probe_result(look):
    with pytest.raises(AnsibleFilterError, match='docker_engine_info'):
        docker_daemon_plan(look, merged())


# ------------------------------------------------------------------------------------------- docker.socket
@pytest.mark.parametrize('look, change, restart_socket', [
    (engine(), merged(['hosts'], restart=True, config={'hosts': ['x']}), True),
    (engine(socket='not-found'), merged(['hosts'], restart=True, config={'hosts': ['x']}), False),
    (engine(hosts=HOSTS_TEXT), merged(['hosts'], restart=True), True),
    # a proxy drop-in restarts dockerd, not the socket
    (engine(), merged(), False),
])
def test_restart_socket_only_for_the_hosts_dropin(look, change, restart_socket):
    assert docker_daemon_plan(look, change, proxy=PROXY_SETTINGS)['restart_socket'] is restart_socket


# ------------------------------------------------------------------------------------------- rollback
def test_rollback_restores_previous_texts_and_removes_new_files():
    plan = docker_daemon_plan(
        engine(proxy='old proxy\n'), merged(['hosts'], restart=True, config={'hosts': ['x']}, previous='{"a": 1}'),
        proxy=PROXY_SETTINGS, json_path='/etc/docker/daemon.json')
    assert plan['rollback_restore'] == [{'path': '/etc/docker/daemon.json', 'content': '{"a": 1}'},
                                        {'path': PROXY, 'content': 'old proxy\n'}]
    assert plan['rollback_remove'] == [HOSTS]


def test_rollback_removes_a_daemon_json_this_run_created():
    plan = docker_daemon_plan(engine(), merged(['log-opts'], restart=True, previous=None), json_path='/x/daemon.json')
    assert plan['rollback_restore'] == [] and plan['rollback_remove'] == ['/x/daemon.json']


def test_rollback_puts_back_a_removed_hosts_dropin():
    plan = docker_daemon_plan(engine(hosts=HOSTS_TEXT), merged(['hosts'], restart=True, previous='{"hosts": []}'))
    assert {'path': HOSTS, 'content': HOSTS_TEXT} in plan['rollback_restore']


# ------------------------------------------------------------------------------------------- the hello again
@pytest.mark.parametrize('hello, change, archive, rerun', [
    (HELLO, merged(), '', False),                                     # the look's hello is the proof
    (HELLO, merged(['debug'], reload=True), '', True),                # after a reload
    (HELLO, merged(['log-opts'], restart=True), 'hello.tar', True),   # after a restart
    (dict(HELLO, rc=125, image_missing=True), merged(), 'hello.tar', True),   # load the archive
    (dict(HELLO, rc=125, image_missing=True), merged(), '', False),   # nothing to load: the assert says why
    ({}, merged(['debug'], reload=True), 'hello.tar', False),         # no hello (verify off, check mode)
])
def test_rerun_hello(hello, change, archive, rerun):
    assert docker_daemon_plan(engine(hello=hello), change, image_archive=archive)['rerun_hello'] is rerun


def test_inputs_are_not_modified():
    look = engine(hosts=HOSTS_TEXT)
    change = merged(['hosts'], restart=True, previous='{}')
    before = copy.deepcopy((look, change))
    docker_daemon_plan(look, change, proxy=PROXY_SETTINGS)
    assert (look, change) == before


def test_result_fields():
    plan = docker_daemon_plan(engine(), merged(['debug'], reload=True, config={'debug': True}, validated=True))
    assert plan['changed_keys'] == ['debug'] and plan['config'] == {'debug': True}
    assert plan['validated_with_dockerd'] is True


# ------------------------------------------------------------------ issue 18: credentials in the proxy
from ansible_collections.fleetops.docker_host.plugins.filter.docker_daemon import (  # noqa: E402
    PROXY_ENV,
    proxy_env,
    proxy_has_credentials,
)

SECRET_PROXY = {'http_proxy': 'http://ops:S3cret@proxy.lab:3128', 'https_proxy': 'http://ops:S3cret@proxy.lab:3128',
                'no_proxy': 'localhost'}
ENV = DIR + '/' + PROXY_ENV


def engine_with_env(proxy=None, env=None):
    look = engine(proxy=proxy)
    look['dropins'][PROXY_ENV] = {'path': ENV, 'exists': env is not None, 'content': None,
                                  'sha256': env[0] if env else None, 'mode': env[1] if env else None}
    return look


def test_credentials_go_to_a_0600_environment_file_never_into_the_plan():
    plan = docker_daemon_plan(engine_with_env(), merged(), proxy=SECRET_PROXY)
    assert plan['proxy_env_write'] is True and plan['proxy_env_path'] == ENV
    assert 'S3cret' not in json.dumps(plan)
    assert plan['dropins_write'] == [{'path': PROXY, 'content': proxy_dropin(SECRET_PROXY, DIR)}]
    assert 'EnvironmentFile=%s' % ENV in plan['dropins_write'][0]['content']
    assert 'Environment="' not in plan['dropins_write'][0]['content']
    assert plan['action'] == 'restart' and ENV in plan['dropins_changed']
    assert ENV in plan['rollback_remove']
    # Already right (same digest, mode 0600): nothing to do.
    digest = hashlib.sha256(proxy_env(SECRET_PROXY).encode()).hexdigest()
    same = docker_daemon_plan(engine_with_env(proxy_dropin(SECRET_PROXY, DIR), (digest, '0600')), merged(),
                              proxy=SECRET_PROXY)
    assert same['proxy_env_write'] is False and same['action'] == 'none'
    # Right text, wrong mode: written again; its previous text comes from the copy task's backup.
    loose = docker_daemon_plan(engine_with_env(proxy_dropin(SECRET_PROXY, DIR), (digest, '0644')), merged(),
                               proxy=SECRET_PROXY)
    assert loose['proxy_env_write'] is True
    assert loose['rollback_from_backup'] == [{'path': ENV, 'backup': 'proxy_env'}]


def test_proxy_without_credentials_keeps_environment_lines_and_drops_the_env_file():
    plan = docker_daemon_plan(engine_with_env(env=('abc', '0600')), merged(), proxy=PROXY_SETTINGS)
    assert plan['proxy_env_write'] is False and ENV in plan['dropins_remove']
    assert 'Environment="HTTPS_PROXY=http://proxy.lab:3128"' in plan['dropins_write'][0]['content']


def test_proxy_env_text_and_detection():
    assert proxy_env(SECRET_PROXY).splitlines()[1:] == [
        'HTTP_PROXY=http://ops:S3cret@proxy.lab:3128', 'HTTPS_PROXY=http://ops:S3cret@proxy.lab:3128', 'NO_PROXY=localhost']
    assert proxy_has_credentials({'https_proxy': 'http://token@proxy:3128'}) is True
    assert proxy_has_credentials({'https_proxy': 'proxy.lab:3128', 'no_proxy': 'a@b'}) is False


def test_daemon_json_with_credentials_rolls_back_from_its_backup():
    change = merged(['proxies'], restart=True, previous='{"proxies": {"http-proxy": "http://u:****@p"}}')
    change['previous_content_masked'] = True
    change['backup_file'] = '/etc/docker/daemon.json.1.bak'
    plan = docker_daemon_plan(engine(), change)
    assert plan['rollback_restore'] == []
    assert plan['rollback_from_backup'] == [{'path': '/etc/docker/daemon.json', 'backup': '/etc/docker/daemon.json.1.bak'}]
