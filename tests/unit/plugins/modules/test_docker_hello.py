# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/docker_hello.py: docker answered by a fake."""

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.modules import docker_hello

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = needs_module_testing

DOCKER = '/usr/bin/docker'
NEVER = [DOCKER, 'run', '--rm', '--pull', 'never', 'fleetops/hello:latest', 'echo', 'hello']
MISSING = 'docker: Error response from daemon: No such image: fleetops/hello:latest.\n'


class FakeDocker:
    """Answers run_command like the docker CLI; records the calls."""

    def __init__(self, image=True, output='hello\n', rc=0, load_rc=0, cli=True):
        self.image = image
        self.output = output
        self.rc = rc
        self.load_rc = load_rc
        self.cli = cli
        self.calls = []

    def bin_path(self, name, required=False, opt_dirs=None):
        return DOCKER if (name == 'docker' and self.cli) else None

    def run_command(self, args, **kwargs):
        assert kwargs.get('environ_update') == {'LANG': 'C', 'LC_ALL': 'C'}
        self.calls.append(list(args))
        if args[1] == 'load':
            if self.load_rc:
                return self.load_rc, '', 'open /x.tar: no such file or directory\n'
            self.image = True
            return 0, 'Loaded image: fleetops/hello:latest\n', ''
        if args[1] == 'run':
            if not self.image:
                return 125, '', MISSING
            return self.rc, self.output, '' if self.rc == 0 else 'docker: Error response from daemon: boom.\n'
        raise AssertionError('unexpected command %r' % (args,))


@pytest.fixture
def docker(monkeypatch):
    fake = FakeDocker()
    monkeypatch.setattr(AnsibleModule, 'get_bin_path', fake.bin_path)
    monkeypatch.setattr(AnsibleModule, 'run_command', fake.run_command)
    return fake


run_module = module_runner(docker_hello)


def test_passes(docker, capsys):
    result = run_module(capsys, {'image': 'fleetops/hello:latest'})
    assert result['passed'] is True and result['ran'] is True and result['reason'] == ''
    assert result['cmd'] == [DOCKER, 'run', '--rm', 'fleetops/hello:latest', 'echo', 'hello']
    assert (result['rc'], result['stdout'], result['loaded'], result['changed']) == (0, 'hello', False, False)


def test_missing_image_loaded_from_archive(docker, tmp_path, capsys):
    docker.image = False
    archive = tmp_path / 'hello.tar'
    archive.write_bytes(b'tar')
    result = run_module(capsys, {'image': 'fleetops/hello:latest', 'image_archive': str(archive)})
    assert result['cmd'] == NEVER
    assert [DOCKER, 'load', '--input', str(archive)] in docker.calls
    assert result['passed'] is True and result['loaded'] is True and result['changed'] is True
    assert docker.calls.count(NEVER) == 2


def test_present_image_is_not_loaded(docker, tmp_path, capsys):
    archive = tmp_path / 'hello.tar'
    archive.write_bytes(b'tar')
    result = run_module(capsys, {'image': 'fleetops/hello:latest', 'image_archive': str(archive)})
    assert result['loaded'] is False and result['changed'] is False
    assert not any(call[1] == 'load' for call in docker.calls)


def test_missing_image_fails_with_the_reason(docker, capsys):
    docker.image = False
    result = run_module(capsys, {'image': 'fleetops/hello:latest', 'pull': 'never'})
    assert result['failed'] is True and result['passed'] is False and result['image_missing'] is True
    assert 'not on the host' in result['reason'] and 'did not pass' in result['msg']
    assert result['reason'] in result['msg']


def test_missing_archive_is_named(docker, tmp_path, capsys):
    docker.image = False
    result = run_module(capsys, {'image': 'fleetops/hello:latest', 'image_archive': str(tmp_path / 'gone.tar'),
                                 'fail_on_error': False})
    assert result['passed'] is False and 'gone.tar is not on the host' in result['reason']
    assert 'failed' not in result


def test_failed_load_fails(docker, tmp_path, capsys):
    docker.image = False
    docker.load_rc = 1
    archive = tmp_path / 'hello.tar'
    archive.write_bytes(b'tar')
    result = run_module(capsys, {'image': 'fleetops/hello:latest', 'image_archive': str(archive)})
    assert result['failed'] is True and 'docker load --input' in result['msg'] and result['loaded'] is False


@pytest.mark.parametrize('rc, output, reason', [
    (0, 'hi\n', 'printed "hi", not "hello"'),
    (0, '', 'printed "", not "hello"'),
    (125, '', 'exited 125: docker: Error response from daemon: boom.'),
])
def test_not_passed_reports_why(docker, capsys, rc, output, reason):
    docker.rc, docker.output = rc, output
    result = run_module(capsys, {'image': 'fleetops/hello:latest', 'fail_on_error': False})
    assert result['passed'] is False and result['reason'] == reason and 'failed' not in result


def test_argv_is_run_as_given(docker, capsys):
    result = run_module(capsys, {'argv': NEVER, 'expect': 'hello'})
    assert docker.calls == [NEVER] and result['cmd'] == NEVER and result['passed'] is True


def test_check_mode_runs_nothing(docker, capsys):
    result = run_module(capsys, {'image': 'fleetops/hello:latest'}, check_mode=True)
    assert docker.calls == [] and result['ran'] is False and result['passed'] is None and 'failed' not in result


def test_without_docker_cli(docker, capsys):
    docker.cli = False
    result = run_module(capsys, {'image': 'fleetops/hello:latest'})
    assert docker.calls == [] and result['failed'] is True and 'docker CLI is not installed' in result['reason']
