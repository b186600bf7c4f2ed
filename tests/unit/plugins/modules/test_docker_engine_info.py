# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/docker_engine_info.py: commands answered by a fake, files in tmp_path."""


import hashlib
import json
import os
import time

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils import _docker_engine
from ansible_collections.fleetops.docker_host.plugins.modules import docker_engine_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import (
    module_runner,
    needs_module_testing,
    patch_module_args,
)

pytestmark = needs_module_testing

HELLO = ['docker', 'run', '--rm', '--pull', 'never', 'fleetops/hello:latest', 'echo', 'hello']


class FakeHost:
    """Answers run_command by argv; records the calls."""

    def __init__(self, unit_path, dockerd=True, image=True, journal=''):
        self.unit_path = unit_path
        self.main_pid = 4242
        self.dockerd = dockerd
        self.image = image
        self.journal = journal
        self.calls = []

    def bin_path(self, name, required=False, opt_dirs=None):
        if name == 'dockerd' and not self.dockerd:
            return None
        return '/usr/bin/' + name

    def run_command(self, args, **kwargs):
        assert kwargs.get('environ_update') == {'LANG': 'C', 'LC_ALL': 'C'}
        self.calls.append(list(args))
        if args[1:] == ['--version']:
            return 0, 'Docker version 20.10.24+dfsg1, build 297e128\n', ''
        if args[1] == 'show':
            started = int((time.monotonic() - 30) * 1e6) if self.main_pid else 0
            return 0, ('Id=docker.service\nLoadState=loaded\nActiveState=active\nFragmentPath=%s\n'
                       'MainPID=%d\nExecMainStartTimestampMonotonic=%d\n'
                       'ExecStart={ path=/x ; argv[]=/x -H fd:// ; }\n\n'
                       'Id=docker.socket\nLoadState=loaded\nActiveState=active\n'
                       % (self.unit_path, self.main_pid, started)), ''
        if args[1:3] == ['image', 'inspect']:
            return (0, 'sha256:abc\n', '') if self.image else (1, '', 'Error: No such image: x\n')
        if args[0].endswith('journalctl'):
            return 0, self.journal, ''
        raise AssertionError('unexpected command %r' % (args,))


def fake_host(tmp_path, monkeypatch, kind=None):
    """A KIND (FakeHost or a subclass) behind AnsibleModule's get_bin_path and run_command, with a packaged unit."""
    unit = tmp_path / 'docker.service'
    unit.write_text('[Service]\nExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS\n')
    fake = (kind or FakeHost)(str(unit))
    monkeypatch.setattr(AnsibleModule, 'get_bin_path', fake.bin_path)
    monkeypatch.setattr(AnsibleModule, 'run_command', fake.run_command)
    return fake


@pytest.fixture
def host(tmp_path, monkeypatch):
    return fake_host(tmp_path, monkeypatch)


run_module = module_runner(docker_engine_info)


def test_look_without_hello(host, tmp_path, capsys):
    (tmp_path / 'http-proxy.conf').write_text('[Service]\n')
    result = run_module(capsys, {'dropin_dir': str(tmp_path)})
    assert result['changed'] is False
    assert result['installed'] is True and result['engine_version'] == '20.10.24'
    assert dict((key, result['dockerd'][key]) for key in ('path', 'rc', 'version_line')) == {
        'path': '/usr/bin/dockerd', 'rc': 0, 'version_line': 'Docker version 20.10.24+dfsg1, build 297e128'}
    assert result['units']['docker.socket']['load_state'] == 'loaded'
    assert result['exec_start'] == ['/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS']
    assert result['exec_start_without_fd'] == '/usr/sbin/dockerd $DOCKER_OPTS'
    assert result['dropins']['http-proxy.conf'] == {'path': str(tmp_path / 'http-proxy.conf'), 'exists': True,
                                                    'content': '[Service]\n'}
    assert result['dropins']['daemon-json-hosts.conf']['content'] is None
    assert result['images'] == {} and result['journal'] == {} and result['plan'] == {}
    assert isinstance(result['checked_at'], int)


def test_not_installed(host, tmp_path, capsys):
    host.dockerd = False
    result = run_module(capsys, {'dropin_dir': str(tmp_path)})
    assert result['installed'] is False and result['engine_version'] == ''
    assert result['dockerd']['rc'] == 127


def test_started_at_from_the_monotonic_stamp(host, tmp_path, capsys):
    result = run_module(capsys, {'dropin_dir': str(tmp_path)})
    assert result['dockerd']['main_pid'] == 4242
    assert abs(result['dockerd']['started_at'] - (time.time() - 30)) < 5
    host.main_pid = 0
    assert run_module(capsys, {'dropin_dir': str(tmp_path)})['dockerd']['started_at'] is None


def test_options_that_ran_or_loaded_are_gone():
    """An _info module runs nothing: the hello is docker_hello's."""
    with pytest.raises(SystemExit), patch_module_args({'hello': HELLO}):
        docker_engine_info.main()


# ------------------------------------------------------------------ the plan (docker_daemon's decision)
def settings_run(capsys, tmp_path, settings, **extra):
    args = {'dropin_dir': str(tmp_path / 'd'), 'path': str(tmp_path / 'daemon.json'), 'settings': settings,
            'record_path': str(tmp_path / 'applied.json'), 'hello_archive_path': str(tmp_path / 'hello.tar')}
    args.update(extra)
    return run_module(capsys, args)


def age(path, seconds=3600):
    old = time.time() - seconds
    os.utime(str(path), (old, old))


def test_plan_merges_in_memory_and_writes_nothing(host, tmp_path, capsys):
    (tmp_path / 'daemon.json').write_text('{"log-level": "warn"}')
    age(tmp_path / 'daemon.json')   # older than dockerd: it runs with it
    result = settings_run(capsys, tmp_path, {'debug': True})
    assert result['changed'] is False
    assert result['plan']['action'] == 'reload' and result['plan']['json_write'] is True
    assert result['plan']['result']['config'] == {'debug': True, 'log-level': 'warn'}
    assert (tmp_path / 'daemon.json').read_text() == '{"log-level": "warn"}'
    assert not (tmp_path / 'applied.json').exists()


def test_plan_finishes_a_write_that_was_never_applied(host, tmp_path, capsys):
    """daemon.json was written after dockerd started (30 s ago) and differs from the recorded apply."""
    (tmp_path / 'daemon.json').write_text('{\n  "debug": true\n}\n')
    (tmp_path / 'applied.json').write_text(json.dumps({'version': 1, 'daemon_json': {}, 'files': {}}))
    result = settings_run(capsys, tmp_path, {'debug': True})
    assert result['plan']['pending'] is True and result['plan']['action'] == 'reload'
    assert result['plan']['result']['changed_keys'] == ['debug']


def test_plan_without_record_and_an_old_file_is_applied(host, tmp_path, capsys):
    (tmp_path / 'daemon.json').write_text('{\n  "debug": true\n}\n')
    age(tmp_path / 'daemon.json')
    result = settings_run(capsys, tmp_path, {'debug': True})
    assert result['plan']['pending'] is False and result['plan']['action'] == 'none'


def test_plan_reports_leftover_temp_files(host, tmp_path, capsys):
    (tmp_path / 'daemon.json').write_text('{}\n')
    (tmp_path / '.daemon.json.k2j4x9aa').write_text('{"debug": tr')
    result = settings_run(capsys, tmp_path, {})
    assert result['plan']['json_write'] is True


def test_plan_masks_proxy_credentials(host, tmp_path, capsys):
    settings = {'proxies': {'http-proxy': 'http://u:D0ck3rPw@p:3128'}}
    result = settings_run(capsys, tmp_path, settings, proxy={'https_proxy': 'http://ops:S3cret@proxy:3128'},
                          _ansible_inject_invocation=True)
    assert 'S3cret' not in json.dumps(result) and 'D0ck3rPw' not in json.dumps(result)
    assert result['plan']['proxy_env_write'] is True
    # As ansible-core before 2.21 shows the arguments: masked, and nothing else masked with them.
    assert result['invocation']['module_args']['proxy'] == {'https_proxy': 'http://ops:****@proxy:3128'}
    assert result['invocation']['module_args']['settings'] == {'proxies': {'http-proxy': 'http://u:****@p:3128'}}
    assert result['plan']['dropins_write'][0]['path'].endswith('/http-proxy.conf')


def test_legacy_options_deprecated_and_refused_with_settings(host, tmp_path, capsys, monkeypatch):
    deprecated = []
    monkeypatch.setattr(AnsibleModule, 'deprecate', lambda self, msg, **kwargs: deprecated.append((msg, kwargs)))
    (tmp_path / 'daemon.json').write_text('{}\n')
    result = settings_run(capsys, tmp_path, {}, legacy_options={'debug': True})
    assert result['plan']['result']['changed_keys'] == ['debug'] and result['plan']['problems'] == []
    assert 'set docker_daemon_settings instead' in deprecated[0][0]
    assert deprecated[0][1]['collection_name'] == 'fleetops.docker_host'
    both = settings_run(capsys, tmp_path, {'log-level': 'warn'}, legacy_options={'debug': True})
    assert 'both set' in both['plan']['problems'][0]


def test_plan_bad_input_is_a_problem_not_a_failure(host, tmp_path, capsys):
    result = settings_run(capsys, tmp_path, {'debug': True}, remove=['debug'])
    assert 'failed' not in result
    assert result['plan']['problems'] == ['daemon.json: "debug" both in settings and in remove; keep each key in one '
                                          'of them']


def test_hello_image_presence(host, tmp_path, capsys):
    result = settings_run(capsys, tmp_path, {}, hello_image='fleetops/hello:latest', hello_archive=True)
    assert result['images'] == {'fleetops/hello:latest': True}
    assert result['plan']['prove'] is True and result['plan']['prove_with_archive'] is False
    host.image = False
    result = settings_run(capsys, tmp_path, {}, hello_image='fleetops/hello:latest', hello_archive=True)
    assert result['images'] == {'fleetops/hello:latest': False} and result['plan']['prove_with_archive'] is True
    assert not any(call[1] == 'run' for call in host.calls)


def test_hello_archive_left_by_a_cut_off_run(host, tmp_path, capsys):
    # Issue 31 (chaos points 21 and 22, seed 20261207): a run cut off after the archive was copied and loaded; the
    # next run finds the image, copies nothing, and must still remove the copy.
    hello = dict(hello_image='fleetops/hello:latest', hello_archive=True)
    result = settings_run(capsys, tmp_path, {}, **hello)
    assert result['plan']['hello_archive_path'] == str(tmp_path / 'hello.tar')
    assert result['plan']['remove_archive'] is False
    (tmp_path / 'hello.tar').write_bytes(b'half an archive')
    result = settings_run(capsys, tmp_path, {}, **hello)
    assert result['plan']['prove_with_archive'] is False and result['plan']['remove_archive'] is True
    assert (tmp_path / 'hello.tar').exists()   # the look only reports it


def test_journal(host, tmp_path, capsys):
    host.journal = ('Starting Docker Application Container Engine...\n'
                    'failed to start daemon: error initializing graphdriver: driver not supported\n')
    result = run_module(capsys, {'dropin_dir': str(tmp_path), 'journal_since': '1767225600'})
    assert result['journal']['reason'] == 'failed to start daemon: error initializing graphdriver: driver not supported'
    assert result['journal']['since'] == '1767225600'
    journal_call = [call for call in host.calls if call[0].endswith('journalctl')][0]
    assert journal_call[-2:] == ['--since', '@1767225600']


def test_unit_file_unreadable_falls_back_to_systemctl(host, tmp_path, capsys):
    host.unit_path = str(tmp_path / 'gone.service')
    result = run_module(capsys, {'dropin_dir': str(tmp_path)})
    assert result['exec_start'] == ['/x', '-H', 'fd://']
    assert result['exec_start_without_fd'] == '/x'


def test_masked_dropins_report_digest_and_mode_never_content(tmp_path):
    look_dropins = _docker_engine.look_dropins
    env = tmp_path / 'http-proxy.env'
    env.write_text('HTTP_PROXY=http://ops:S3cret@proxy:3128\n')
    os.chmod(str(env), 0o600)
    dropins = look_dropins(str(tmp_path), ['http-proxy.conf'], ['http-proxy.env', 'absent.env'])
    assert dropins['http-proxy.env'] == {
        'path': str(env), 'exists': True, 'content': None, 'mode': '0600',
        'sha256': hashlib.sha256(b'HTTP_PROXY=http://ops:S3cret@proxy:3128\n').hexdigest()}
    assert dropins['absent.env']['exists'] is False and dropins['absent.env']['sha256'] is None
    assert dropins['http-proxy.conf']['exists'] is False
