# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/docker_daemon_proof.py (the docker_daemon role's look): it proves the
engine with the hello only when its plan leaves nothing to do, and the role's result built from it is the result
built today from docker_engine_info and docker_hello (commands answered by a fake, files in tmp_path)."""

import json

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import docker_daemon_proof, docker_engine_info, docker_hello
from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.test_docker_engine_info import FakeHost, age, fake_host

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = needs_module_testing

IMAGE = 'fleetops/hello:latest'
run_proof = module_runner(docker_daemon_proof)
run_info = module_runner(docker_engine_info)
run_hello = module_runner(docker_hello)


class FakeDockerHost(FakeHost):
    """FakeHost with the hello container: `docker run` prints `output` with `run_rc`."""

    def __init__(self, unit_path):
        super(FakeDockerHost, self).__init__(unit_path)
        self.output, self.run_rc, self.run_err = 'hello\n', 0, ''

    def run_command(self, args, **kwargs):
        if args[1:2] == ['run']:
            assert kwargs.get('environ_update') == {'LANG': 'C', 'LC_ALL': 'C'}
            self.calls.append(list(args))
            return self.run_rc, self.output, self.run_err
        return super(FakeDockerHost, self).run_command(args, **kwargs)

    def runs(self):
        return [call for call in self.calls if call[1:2] == ['run']]


@pytest.fixture
def host(tmp_path, monkeypatch):
    return fake_host(tmp_path, monkeypatch, FakeDockerHost)


def look_args(tmp_path, settings, **extra):
    """The role's look arguments (tasks/main.yml), with docker_daemon_verify and an archive configured."""
    args = {'dropin_dir': str(tmp_path / 'd'), 'path': str(tmp_path / 'daemon.json'), 'settings': settings,
            'record_path': str(tmp_path / 'applied.json'), 'hello_archive_path': str(tmp_path / 'hello.tar'),
            'hello_image': IMAGE, 'hello_archive': True}
    args.update(extra)
    return args


def already_right(tmp_path):
    """daemon.json as the settings {"debug": true} make it, older than dockerd: nothing to do."""
    (tmp_path / 'daemon.json').write_text('{\n  "debug": true\n}\n')
    age(tmp_path / 'daemon.json')
    return {'debug': True}


def role_result(look, merge=None, hello=None):
    """docker_daemon_result as tasks/main.yml builds it (its set_fact, in Python): the plan's result, the merge's
    validated_with_dockerd, and the hello's fields from the look's hello or else the hello task's."""
    proof = look.get('hello') or hello or {}
    keys = ('cmd', 'rc', 'stdout', 'stderr', 'passed', 'reason')
    result = dict(look['plan']['result'])
    result['validated_with_dockerd'] = (merge or {}).get('validated_with_dockerd', False)
    result['hello'] = dict((key, proof[key]) for key in keys if key in proof) if proof.get('ran') else {}
    return result


def today(capsys, host, args, check_mode=False):
    """The role's no-change path before this module: docker_engine_info, then docker_hello (as tasks/main.yml
    called it: pull never with an archive, no image_archive when the image is there)."""
    look = run_info(capsys, args, check_mode=check_mode)
    hello = None
    if look['plan']['prove']:
        hello = run_hello(capsys, {'image': IMAGE, 'pull': 'never' if args['hello_archive'] else 'missing'},
                          check_mode=check_mode)
    return role_result(look, hello=hello)


def test_nothing_to_do_proves_in_the_same_run(host, tmp_path, capsys):
    result = run_proof(capsys, look_args(tmp_path, already_right(tmp_path)))
    assert result['changed'] is False
    assert result['plan']['apply'] is False and result['plan']['json_write'] is False
    assert host.runs() == [['/usr/bin/docker', 'run', '--rm', '--pull', 'never', IMAGE, 'echo', 'hello']]
    assert result['hello'] == {'ran': True, 'passed': True, 'reason': '', 'rc': 0, 'stdout': 'hello', 'stderr': '',
                               'cmd': host.runs()[0], 'image_missing': False, 'loaded': False}


@pytest.mark.parametrize('archive, pull', [(True, ['--pull', 'never']), (False, [])])
def test_the_role_result_is_the_one_of_the_two_module_runs(host, tmp_path, capsys, archive, pull):
    args = look_args(tmp_path, already_right(tmp_path), hello_archive=archive)
    new = role_result(run_proof(capsys, args))
    assert host.runs()[0] == ['/usr/bin/docker', 'run', '--rm'] + pull + [IMAGE, 'echo', 'hello']
    old = today(capsys, host, args)
    assert len(host.runs()) == 2 and host.runs()[0] == host.runs()[1]
    assert new == old
    assert new['hello']['passed'] is True and new['changed'] is False and new['action'] == 'none'


def test_check_mode_runs_no_container_and_leaves_nothing_to_the_role(host, tmp_path, capsys):
    args = look_args(tmp_path, already_right(tmp_path))
    result = run_proof(capsys, args, check_mode=True)
    assert host.runs() == []
    assert result['hello']['ran'] is False and result['hello']['passed'] is None   # the role's hello task skips
    assert role_result(result) == today(capsys, host, args, check_mode=True)
    assert role_result(result)['hello'] == {}


@pytest.mark.parametrize('case', ['change', 'bad input', 'archive to copy', 'archive left', 'no verify'])
def test_work_or_a_refusal_leaves_the_hello_to_the_role(host, tmp_path, capsys, case):
    settings = already_right(tmp_path)
    extra = {}
    if case == 'change':
        settings = {'debug': False}
    elif case == 'bad input':
        extra = {'remove': ['debug']}
    elif case == 'archive to copy':
        host.image = False
    elif case == 'archive left':
        (tmp_path / 'hello.tar').write_bytes(b'half an archive')
    else:
        extra = {'hello_image': None}
    result = run_proof(capsys, look_args(tmp_path, settings, **extra))
    assert host.runs() == [] and result['hello'] == {}
    # What the role reads from the look is docker_engine_info's, field for field.
    assert result['plan'] == run_info(capsys, look_args(tmp_path, settings, **extra))['plan']


def test_without_settings_it_is_the_read_only_look(host, tmp_path, capsys):
    result = run_proof(capsys, {'dropin_dir': str(tmp_path), 'hello_image': IMAGE, 'journal_since': '1767225600'})
    assert host.runs() == [] and result['hello'] == {} and result['plan'] == {}
    assert result['journal']['since'] == '1767225600'


@pytest.mark.parametrize('answer, reason', [
    ((0, 'hullo\n', ''), 'printed "hullo", not "hello"'),
    ((125, '', 'docker: Error response from daemon: No such image: fleetops/hello:latest.\n'),
     'the image is not on the host and was not pulled (docker: Error response from daemon: No such image: '
     'fleetops/hello:latest.)'),
])
def test_a_hello_that_does_not_pass_fails_as_docker_hello_fails(host, tmp_path, capsys, answer, reason):
    host.run_rc, host.output, host.run_err = answer
    args = look_args(tmp_path, already_right(tmp_path))
    result = run_proof(capsys, args)
    assert result['failed'] is True and result['hello']['reason'] == reason
    assert len(host.runs()) == 1   # no load: the archive is the role's to copy, and the look saw the image
    hello = run_hello(capsys, {'image': IMAGE, 'pull': 'never'})
    assert result['msg'] == hello['msg'] == '`%s` did not pass: %s' % (' '.join(host.runs()[0]), reason)


def test_credentials_masked_in_the_arguments_shown(host, tmp_path, capsys):
    args = look_args(tmp_path, {'proxies': {'http-proxy': 'http://u:D0ck3rPw@p:3128'}},
                     proxy={'https_proxy': 'http://ops:S3cret@proxy:3128'}, _ansible_inject_invocation=True)
    result = run_proof(capsys, args)
    assert 'S3cret' not in json.dumps(result) and 'D0ck3rPw' not in json.dumps(result)
    assert result['invocation']['module_args']['proxy'] == {'https_proxy': 'http://ops:****@proxy:3128'}
