# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/docker_engine_info.py: commands answered by a fake, files in tmp_path."""


import hashlib
import os

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.modules import docker_engine_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = needs_module_testing

HELLO = ['docker', 'run', '--rm', '--pull', 'never', 'fleetops/hello:latest', 'echo', 'hello']


class FakeHost:
    """Answers run_command by argv; records the calls."""

    def __init__(self, unit_path, dockerd=True, image=True, journal=''):
        self.unit_path = unit_path
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
            return 0, ('Id=docker.service\nLoadState=loaded\nActiveState=active\nFragmentPath=%s\n'
                       'ExecStart={ path=/x ; argv[]=/x -H fd:// ; }\n\n'
                       'Id=docker.socket\nLoadState=loaded\nActiveState=active\n' % self.unit_path), ''
        if args == HELLO:
            if self.image:
                return 0, 'hello\n', ''
            return 125, '', 'docker: Error response from daemon: No such image: fleetops/hello:latest.\n'
        if args[1] == 'load':
            self.image = True
            return 0, 'Loaded image: fleetops/hello:latest\n', ''
        if args[0].endswith('journalctl'):
            return 0, self.journal, ''
        raise AssertionError('unexpected command %r' % (args,))


@pytest.fixture
def host(tmp_path, monkeypatch):
    unit = tmp_path / 'docker.service'
    unit.write_text('[Service]\nExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS\n')
    fake = FakeHost(str(unit))
    monkeypatch.setattr(AnsibleModule, 'get_bin_path', fake.bin_path)
    monkeypatch.setattr(AnsibleModule, 'run_command', fake.run_command)
    return fake


run_module = module_runner(docker_engine_info)


def test_look_without_hello(host, tmp_path, capsys):
    (tmp_path / 'http-proxy.conf').write_text('[Service]\n')
    result = run_module(capsys, {'dropin_dir': str(tmp_path)})
    assert result['changed'] is False
    assert result['installed'] is True and result['engine_version'] == '20.10.24'
    assert result['dockerd'] == {'path': '/usr/bin/dockerd', 'rc': 0,
                                 'version_line': 'Docker version 20.10.24+dfsg1, build 297e128'}
    assert result['units']['docker.socket']['load_state'] == 'loaded'
    assert result['exec_start'] == ['/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS']
    assert result['exec_start_without_fd'] == '/usr/sbin/dockerd $DOCKER_OPTS'
    assert result['dropins']['http-proxy.conf'] == {'path': str(tmp_path / 'http-proxy.conf'), 'exists': True,
                                                    'content': '[Service]\n'}
    assert result['dropins']['daemon-json-hosts.conf']['content'] is None
    assert result['hello'] == {} and result['journal'] == {}
    assert isinstance(result['checked_at'], int)


def test_not_installed(host, tmp_path, capsys):
    host.dockerd = False
    result = run_module(capsys, {'dropin_dir': str(tmp_path), 'hello': HELLO})
    assert result['installed'] is False and result['engine_version'] == ''
    assert result['dockerd']['rc'] == 127


def test_hello(host, tmp_path, capsys):
    result = run_module(capsys, {'dropin_dir': str(tmp_path), 'hello': HELLO})
    assert result['hello'] == {'cmd': HELLO, 'rc': 0, 'stdout': 'hello', 'stderr': '', 'image_missing': False,
                               'loaded': False, 'passed': True, 'reason': ''}
    assert result['changed'] is False


def test_hello_not_run_in_check_mode(host, tmp_path, capsys):
    result = run_module(capsys, {'dropin_dir': str(tmp_path), 'hello': HELLO}, check_mode=True)
    assert result['hello'] == {}
    assert HELLO not in host.calls


def test_missing_image_without_archive(host, tmp_path, capsys):
    host.image = False
    result = run_module(capsys, {'dropin_dir': str(tmp_path), 'hello': HELLO})
    assert result['hello']['image_missing'] is True and result['hello']['loaded'] is False
    assert not any(call[1] == 'load' for call in host.calls)


def test_missing_image_loaded_from_archive(host, tmp_path, capsys):
    host.image = False
    archive = tmp_path / 'hello.tar'
    archive.write_bytes(b'tar')
    result = run_module(capsys, {'dropin_dir': str(tmp_path), 'hello': HELLO, 'hello_image_archive': str(archive)})
    assert result['hello']['rc'] == 0 and result['hello']['stdout'] == 'hello'
    assert result['hello']['loaded'] is True and result['changed'] is True
    assert ['/usr/bin/docker', 'load', '--input', str(archive)] in host.calls


def test_present_image_is_not_loaded(host, tmp_path, capsys):
    archive = tmp_path / 'hello.tar'
    archive.write_bytes(b'tar')
    result = run_module(capsys, {'dropin_dir': str(tmp_path), 'hello': HELLO, 'hello_image_archive': str(archive)})
    assert result['hello']['loaded'] is False and result['changed'] is False


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
    look_dropins = docker_engine_info.look_dropins
    env = tmp_path / 'http-proxy.env'
    env.write_text('HTTP_PROXY=http://ops:S3cret@proxy:3128\n')
    os.chmod(str(env), 0o600)
    dropins = look_dropins(str(tmp_path), ['http-proxy.conf'], ['http-proxy.env', 'absent.env'])
    assert dropins['http-proxy.env'] == {
        'path': str(env), 'exists': True, 'content': None, 'mode': '0600',
        'sha256': hashlib.sha256(b'HTTP_PROXY=http://ops:S3cret@proxy:3128\n').hexdigest()}
    assert dropins['absent.env']['exists'] is False and dropins['absent.env']['sha256'] is None
    assert dropins['http-proxy.conf']['exists'] is False
