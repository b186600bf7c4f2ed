# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_docker_daemon.py: the docker_daemon role's decisions, made once."""

import copy
import hashlib
import json

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import render
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_daemon import (
    PROXY_ENV,
    decide,
    digest,
    engine_runs_files,
    hosts_dropin,
    key_digests,
    proxy_dropin,
    proxy_env,
    proxy_has_credentials,
)

DIR = '/etc/systemd/system/docker.service.d'
PROXY = DIR + '/http-proxy.conf'
HOSTS = DIR + '/daemon-json-hosts.conf'
ENV = DIR + '/' + PROXY_ENV
JSON = '/etc/docker/daemon.json'
RECORD = '/var/lib/fleetops/docker_daemon/applied.json'
EXEC = '/usr/sbin/dockerd $DOCKER_OPTS'
HOSTS_TEXT = hosts_dropin(EXEC)
PROXY_SETTINGS = {'https_proxy': 'http://proxy.lab:3128', 'no_proxy': 'localhost', 'http_proxy': None}
SECRET_PROXY = {'http_proxy': 'http://ops:S3cret@proxy.lab:3128', 'https_proxy': 'http://ops:S3cret@proxy.lab:3128',
                'no_proxy': 'localhost'}
BASE = {'log-level': 'warn', 'insecure-registries': ['10.100.0.0/24']}


def engine(proxy=None, hosts=None, *, env=None, socket='loaded', installed=True, exec_start=EXEC):
    """The engine part of a docker_engine_info look, with the given drop-in contents (None: absent)."""
    return {
        'installed': installed,
        'engine_version': '20.10.24' if installed else '',
        'dockerd': {'rc': 0 if installed else 127},
        'units': {'docker.service': {'load_state': 'loaded'}, 'docker.socket': {'load_state': socket}},
        'exec_start_without_fd': exec_start,
        'dropins': {
            'http-proxy.conf': {'path': PROXY, 'exists': proxy is not None, 'content': proxy},
            'daemon-json-hosts.conf': {'path': HOSTS, 'exists': hosts is not None, 'content': hosts},
            PROXY_ENV: {'path': ENV, 'exists': env is not None, 'content': None,
                        'sha256': env[0] if env else None, 'mode': env[1] if env else None},
        },
    }


def daemon_json(before=None, merged=None, *, exists=True, error='', attributes_ok=True, temp_files=(),
                has_secrets=False, text=None):
    """What the look found in daemon.json and its merge with the settings (merged None: no change)."""
    before = dict(BASE) if before is None else before
    return {'exists': exists, 'text': text if text is not None else (render(before) if exists else None),
            'config': before, 'merged': before if merged is None else merged, 'error': error,
            'has_secrets': has_secrets, 'attributes_ok': attributes_ok, 'temp_files': list(temp_files)}


def plan(look=None, found=None, proxy=None, record=None, *, started_at=1000.0, changed_at=500.0, **kwargs):
    return decide(look or engine(), found or daemon_json(), proxy or {}, record, started_at=started_at,
                  changed_at=changed_at, json_path=JSON, record_path=RECORD, **kwargs)


def applied_record(config, look=None):
    """The record an apply of CONFIG leaves (what the role's copy task writes)."""
    return plan(look, daemon_json(config))['record']


def with_(key, value):
    return dict(BASE, **{key: value})


# ------------------------------------------------------------------ this run's change
def test_nothing_to_do():
    result = plan()
    assert (result['action'], result['json_write'], result['apply'], result['pending']) == ('none', False, False, False)
    assert result['steps'] == [] and result['problems'] == []
    assert result['result']['changed'] is False and result['result']['changed_keys'] == []
    assert result['result']['config'] == BASE


@pytest.mark.parametrize('key, value, action', [
    ('insecure-registries', ['10.100.0.0/24', '10.200.0.0/24'], 'reload'),
    ('debug', True, 'reload'),
    ('log-opts', {'max-size': '20m'}, 'restart'),
    ('storage-driver', 'overlay2', 'restart'),
])
def test_reload_or_restart_from_the_keys(key, value, action):
    result = plan(found=daemon_json(merged=with_(key, value)))
    assert result['action'] == action and result['json_write'] and result['apply']
    assert result['result']['changed_keys'] == [key] and result['result']['changed'] is True
    assert result['result']['reload_required'] is (action == 'reload')
    assert result['result']['restart_required'] is (action == 'restart')
    state = 'reloaded' if action == 'reload' else 'restarted'
    assert result['steps'] == [{'name': 'docker.service', 'state': state}]
    assert result['result']['resumed'] is False


def test_removing_a_key_a_reload_keeps_restarts():
    before = with_('default-runtime', 'runc')
    assert plan(found=daemon_json(before, merged=dict(BASE)))['action'] == 'restart'


@pytest.mark.parametrize('found', [
    daemon_json(text='{"log-level": "warn", "insecure-registries": ["10.100.0.0/24"]}'),   # a reformat
    daemon_json({}, exists=False),   # no daemon.json and no settings: written as {} (the swarm scenario's hosts)
])
def test_a_rewrite_without_key_change_is_recorded_so_the_next_run_changes_nothing(found):
    """Neither reload nor restart, but the record is written (no systemd step): the rewritten file is newer than
    dockerd, and without a record the next run took it for a cut-off change and restarted dockerd."""
    first = plan(found=found, record=None, started_at=1000.0, changed_at=None if not found['exists'] else 500.0)
    assert first['json_write'] is True and first['action'] == 'none' and first['steps'] == []
    assert first['apply'] is True and first['pending'] is False
    written = daemon_json(found['merged'])
    second = plan(found=written, record=first['record'], started_at=1000.0, changed_at=1500.0)
    assert (second['json_write'], second['apply'], second['pending'], second['action']) == (False, False, False, 'none')
    # What the next run saw before the fix (no record): a restart.
    assert plan(found=written, record=None, started_at=1000.0, changed_at=1500.0)['action'] == 'restart'


def test_a_rewrite_without_key_change_and_without_dockerd_records_nothing():
    """dockerd not running: nothing to wait for or record; it reads the file when it starts."""
    result = plan(found=daemon_json({}, exists=False), started_at=None, changed_at=None)
    assert result['json_write'] is True and result['apply'] is False


@pytest.mark.parametrize('found', [
    daemon_json(attributes_ok=False),                          # mode or owner
    daemon_json(temp_files=['/etc/docker/.daemon.json.ab12cd34']),   # a cut-off write's temporary file
])
def test_daemon_json_runs_for_attributes_and_leftovers_without_engine_action(found):
    result = plan(found=found)
    assert result['json_write'] is True and result['action'] == 'none' and result['apply'] is False


# ------------------------------------------------------------------ drop-ins
def test_hosts_writes_the_dropin_and_recreates_the_socket():
    result = plan(found=daemon_json(merged=with_('hosts', ['unix:///var/run/docker.sock'])))
    assert result['dropins_write'] == [{'path': HOSTS, 'content': HOSTS_TEXT}]
    assert result['action'] == 'restart'
    assert result['steps'] == [{'daemon_reload': True}, {'name': 'docker.service', 'state': 'stopped'},
                               {'name': 'docker.socket', 'state': 'restarted'},
                               {'name': 'docker.service', 'state': 'restarted'}]
    assert result['rollback_remove'] == [HOSTS] and result['rollback_restore'][0]['path'] == JSON
    assert result['rollback_steps'] == [{'daemon_reload': True}, {'name': 'docker.socket', 'state': 'restarted'}]


def test_hosts_dropin_removed_with_hosts():
    result = plan(look=engine(hosts=HOSTS_TEXT), found=daemon_json(with_('hosts', ['x']), merged=dict(BASE)))
    assert result['dropins_remove'] == [HOSTS] and result['action'] == 'restart'
    assert result['rollback_restore'][-1] == {'path': HOSTS, 'content': HOSTS_TEXT}


def test_hosts_without_a_socket_unit_does_not_touch_it():
    result = plan(look=engine(socket='not-found'), found=daemon_json(merged=with_('hosts', ['x'])))
    assert all(step.get('name') != 'docker.socket' for step in result['steps'])


def test_hosts_without_exec_start_is_refused_before_anything():
    result = plan(look=engine(exec_start=''), found=daemon_json(merged=with_('hosts', ['x'])))
    assert 'no ExecStart' in result['problems'][0]
    assert (result['json_write'], result['apply'], result['dropins_write']) == (False, False, [])


def test_proxy_dropin_and_no_change_when_right():
    result = plan(proxy=PROXY_SETTINGS)
    assert result['dropins_write'][0]['path'] == PROXY and result['action'] == 'restart'
    assert 'Environment="HTTPS_PROXY=http://proxy.lab:3128"' in result['dropins_write'][0]['content']
    same = plan(look=engine(proxy=proxy_dropin(PROXY_SETTINGS, DIR)), proxy=PROXY_SETTINGS)
    assert same['action'] == 'none' and same['apply'] is False


def test_credentials_go_to_a_0600_environment_file_never_into_the_plan():
    result = plan(proxy=SECRET_PROXY)
    assert result['proxy_env_write'] is True and result['proxy_env_path'] == ENV
    assert 'S3cret' not in json.dumps(result)
    assert result['proxy_env_variables'] == [['http_proxy', 'HTTP_PROXY'], ['https_proxy', 'HTTPS_PROXY'],
                                             ['no_proxy', 'NO_PROXY']]
    assert 'EnvironmentFile=%s' % ENV in result['dropins_write'][0]['content']
    assert result['action'] == 'restart' and ENV in result['result']['dropins_changed'] and ENV in result['rollback_remove']
    sha = hashlib.sha256(proxy_env(SECRET_PROXY).encode()).hexdigest()
    same = plan(look=engine(proxy=proxy_dropin(SECRET_PROXY, DIR), env=(sha, '0600')), proxy=SECRET_PROXY)
    assert same['proxy_env_write'] is False and same['action'] == 'none'
    loose = plan(look=engine(proxy=proxy_dropin(SECRET_PROXY, DIR), env=(sha, '0644')), proxy=SECRET_PROXY)
    assert loose['proxy_env_write'] is True
    assert loose['rollback_from_backup'] == [{'path': ENV, 'backup': 'proxy_env'}]


def test_proxy_without_credentials_drops_the_env_file():
    result = plan(look=engine(env=('abc', '0600')), proxy=PROXY_SETTINGS)
    assert result['proxy_env_write'] is False and ENV in result['dropins_remove']


def test_proxy_env_text_matches_the_role_template():
    # apply.yml writes the header, then VARIABLE=value per proxy_env_variables: the digest compared is of this text.
    assert proxy_env(SECRET_PROXY).splitlines() == [
        '# Proxy environment for dockerd, from docker_daemon_proxy (holds credentials: mode 0600).',
        'HTTP_PROXY=http://ops:S3cret@proxy.lab:3128', 'HTTPS_PROXY=http://ops:S3cret@proxy.lab:3128',
        'NO_PROXY=localhost']
    assert proxy_has_credentials({'https_proxy': 'http://token@proxy:3128'}) is True
    assert proxy_has_credentials({'https_proxy': 'proxy.lab:3128', 'no_proxy': 'a@b'}) is False


# ------------------------------------------------------------------ rollback
def test_rollback_of_daemon_json():
    assert plan(found=daemon_json(merged=with_('debug', True)))['rollback_restore'] == [
        {'path': JSON, 'content': render(BASE)}]
    assert plan(found=daemon_json({}, merged={'debug': True}, exists=False))['rollback_remove'] == [JSON]
    masked = plan(found=daemon_json(merged=with_('debug', True), has_secrets=True))
    assert masked['rollback_restore'] == [] and masked['rollback_from_backup'] == [{'path': JSON, 'backup': 'daemon_json'}]


# ------------------------------------------------------------------ problems
def test_problems_stop_everything():
    result = plan(found=daemon_json(merged=with_('debug', True)), problems=['docker_daemon_options and ... both set'])
    assert result['problems'] == ['docker_daemon_options and ... both set']
    assert (result['json_write'], result['apply'], result['prove'], result['action']) == (False, False, False, 'none')


def test_merge_error_is_a_problem():
    result = plan(found=daemon_json(error='daemon.json: "log-opts.max-file" must be a string (got 5); write "5"'))
    assert result['problems'] == ['daemon.json: "log-opts.max-file" must be a string (got 5); write "5"']
    assert result['json_write'] is False


def test_no_engine_fails_outside_check_mode_and_is_skipped_in_it():
    look = engine(installed=False)
    assert 'Docker Engine is not installed' in plan(look=look)['problems'][0]
    skipped = plan(look=look, found=daemon_json(merged=with_('debug', True)), check_mode=True, hello=True)
    assert skipped['problems'] == [] and (skipped['json_write'], skipped['apply'], skipped['prove']) == (False, False, False)
    assert skipped['result']['installed'] is False and skipped['result']['config'] == {}


# ------------------------------------------------------------------ issue 31: a change written, never applied
def test_record_round_trip_is_applied():
    """What an apply records is what the next look sees as applied, even with dockerd started before the write."""
    config = with_('debug', True)
    record = applied_record(config)
    assert plan(found=daemon_json(config), record=record, changed_at=2000.0)['pending'] is False


@pytest.mark.parametrize('record, started_at, changed_at, applied', [
    (None, 1000.0, 500.0, True),        # no record, files older than dockerd: it read them at start
    (None, 1000.0, 1500.0, False),      # no record, a file newer than dockerd
    ('old', 1000.0, 1500.0, False),     # the record is of another configuration and a file is newer
    ('old', 1000.0, 500.0, True),       # someone restarted dockerd by hand after changing the file
    (None, None, 1500.0, True),         # dockerd not running and nothing recorded: nothing to compare with
    ('old', None, 1500.0, False),       # not running, the record differs
    ('now', 1000.0, 1500.0, True),      # the record matches (a reload applied it)
])
def test_engine_runs_files(record, started_at, changed_at, applied):
    keys, files = key_digests(BASE), {HOSTS: None}
    record = {'old': {'daemon_json': {}, 'files': files}, 'now': {'daemon_json': keys, 'files': files}}.get(record)
    assert engine_runs_files(record, keys, files, started_at, changed_at)[0] is applied


@pytest.mark.parametrize('written, action', [
    ({'insecure-registries': ['10.100.0.0/24', '10.200.0.0/24']}, 'reload'),
    ({'debug': True}, 'reload'),
    ({'log-opts': {'max-size': '20m'}}, 'restart'),
])
def test_a_cut_off_run_is_finished(written, action):
    """A run wrote daemon.json and was cut off before the reload or restart: the file is already right, so
    daemon_json has nothing to do, and the engine still takes the change up (the keys since the last apply)."""
    record = applied_record(BASE)
    config = dict(BASE, **written)
    result = plan(found=daemon_json(config), record=record, started_at=1000.0, changed_at=1500.0)
    assert result['pending'] is True and result['json_write'] is False and result['apply'] is True
    assert result['action'] == action and result['result']['changed_keys'] == sorted(written)
    assert result['result']['changed'] is True and result['result']['resumed'] is True
    assert 'last successful apply' in result['pending_reason']
    # After that apply, its record makes the next run a no-op.
    assert plan(found=daemon_json(config), record=result['record'], changed_at=1500.0)['apply'] is False


def test_a_cut_off_run_without_record_restarts():
    result = plan(found=daemon_json(with_('debug', True)), record=None, started_at=1000.0, changed_at=1500.0)
    assert result['pending'] is True and result['action'] == 'restart' and result['result']['changed_keys'] == []
    assert result['steps'][0] == {'daemon_reload': True}


def test_a_cut_off_dropin_is_restarted_with_its_socket():
    """The hosts drop-in and daemon.json were written, the run was cut off before daemon-reload and restart."""
    config = with_('hosts', ['unix:///var/run/docker.sock'])
    result = plan(look=engine(hosts=HOSTS_TEXT), found=daemon_json(config), record=applied_record(BASE),
                  changed_at=1500.0)
    assert result['pending'] is True and result['action'] == 'restart' and result['dropins_write'] == []
    assert result['steps'] == [{'daemon_reload': True}, {'name': 'docker.service', 'state': 'stopped'},
                               {'name': 'docker.socket', 'state': 'restarted'},
                               {'name': 'docker.service', 'state': 'restarted'}]


def test_a_cut_off_run_and_a_new_change_together():
    record = applied_record(BASE)
    result = plan(found=daemon_json(with_('debug', True), merged=with_('debug', False)), record=record,
                  changed_at=1500.0)
    assert result['pending'] is True and result['json_write'] is True
    assert result['result']['changed_keys'] == ['debug'] and result['action'] == 'reload'


def test_record_holds_digests_never_values():
    record = plan(found=daemon_json(merged={'proxies': {'http-proxy': 'http://u:S3cret@p:3128'}}),
                  proxy=SECRET_PROXY)['record']
    assert 'S3cret' not in json.dumps(record)
    assert record['daemon_json']['proxies'] == digest(json.dumps({'http-proxy': 'http://u:S3cret@p:3128'},
                                                                 sort_keys=True))
    assert record['files'][ENV] == digest(proxy_env(SECRET_PROXY))


# ------------------------------------------------------------------ the hello proof
@pytest.mark.parametrize('hello, present, archive, change, expected', [
    (False, None, True, None, (False, False)),        # docker_daemon_verify: false
    (True, True, False, None, (True, False)),
    (True, True, True, None, (True, False)),          # present: no copy
    (True, False, True, None, (True, True)),          # missing: copy and load
    (True, True, True, {'data-root': '/srv/docker'}, (True, True)),   # a restart may come up without it
    (True, True, True, {'debug': True}, (True, False)),               # a reload keeps the images
])
def test_prove(hello, present, archive, change, expected):
    found = daemon_json(merged=dict(BASE, **change) if change else None)
    result = plan(found=found, hello=hello, hello_image_present=present, hello_archive=archive)
    assert (result['prove'], result['prove_with_archive']) == expected
    assert result['remove_archive'] is expected[1]   # the copy is removed after the proof


@pytest.mark.parametrize('hello, present, archive, expected', [
    (True, True, True, (True, False, True)),      # the image loaded before the cut: nothing copied, the copy removed
    (True, False, True, (True, True, True)),      # copied again, removed after
    (False, None, True, (False, False, True)),    # docker_daemon_verify turned off since: removed all the same
])
def test_an_archive_left_by_a_cut_off_run_is_removed(hello, present, archive, expected):
    result = plan(hello=hello, hello_image_present=present, hello_archive=archive, hello_archive_path='/var/tmp/a.tar',
                  hello_archive_left=True)
    assert (result['prove'], result['prove_with_archive'], result['remove_archive']) == expected
    assert result['hello_archive_path'] == '/var/tmp/a.tar'


def test_directories_and_inputs_unchanged():
    look, found = engine(hosts=HOSTS_TEXT), daemon_json(merged=dict(BASE))
    before = copy.deepcopy((look, found))
    result = plan(look=look, found=found, proxy=PROXY_SETTINGS)
    assert (look, found) == before
    assert result['directories'] == [DIR, '/var/lib/fleetops/docker_daemon']
