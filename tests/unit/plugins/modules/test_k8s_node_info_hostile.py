# -*- coding: utf-8 -*-
"""k8s_node_info under hostile input (issue 27): the look never crashes and never hangs; what it cannot read
is in its result, naming the file. containerd's commands are answered by fakes."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import k8s_node_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    KINDS,
    make_kind,
    runner,
)
from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import needs_module_testing

pytestmark = [pytest.mark.usefixtures('bounded'), needs_module_testing]
run = runner(k8s_node_info)
CRI = 'plugins."io.containerd.grpc.v1.cri"'


@pytest.fixture
def host(monkeypatch, tmp_path):
    def run_command(self, argv, **kwargs):
        return 1, '', 'not faked'

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return None

    monkeypatch.setattr(k8s_node_info.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(k8s_node_info.AnsibleModule, 'get_bin_path', get_bin_path)
    return {'config_file': str(tmp_path / 'config.toml'), 'fstab': str(tmp_path / 'fstab'), 'ports': [],
            'certs_dirs': [str(tmp_path / 'certs.d')]}


DEEP = [
    'a = ' + '[' * 5000 + ']' * 5000 + '\n',
    'a = ' + '{ b = ' * 3000 + '1' + ' }' * 3000 + '\n',
    '.'.join(['a'] * 5000) + ' = 1\n',
    '[' + '.'.join(['t'] * 3000) + ']\n',
    'x = ' + '[' * 100000,
]


@pytest.mark.parametrize('text', DEEP)
def test_a_config_nested_thousands_deep_is_an_error_in_the_result(host, tmp_path, capsys, text):
    (tmp_path / 'config.toml').write_text(text)
    result = run(capsys, host)
    assert not result.get('failed')
    assert result['containerd']['config'] is None
    assert host['config_file'] in result['containerd']['config_error'] and 'deep' in result['containerd']['config_error']


@pytest.mark.parametrize('kind', KINDS)
def test_a_config_that_is_not_a_regular_file_is_an_error_in_the_result(host, capsys, kind):
    make_kind(host['config_file'], kind)
    result = run(capsys, host)
    assert not result.get('failed') and result['containerd']['config'] is None
    assert host['config_file'] in result['containerd']['config_error']


@pytest.mark.parametrize('kind', KINDS)
def test_containerd_is_never_handed_a_config_that_is_not_a_regular_file(host, monkeypatch, capsys, kind):
    # `containerd --config <FIFO> config dump` waits for a writer for ever (seen in the hostile scenario).
    asked = []

    def run_command(self, argv, **kwargs):
        asked.append(list(argv))
        return 0, 'containerd github.com/containerd/containerd 1.6.20 x\n', ''

    monkeypatch.setattr(k8s_node_info.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(k8s_node_info.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: '/usr/bin/' + name)
    monkeypatch.setattr(k8s_node_info, 'is_active', lambda module, unit: True)
    monkeypatch.setattr(k8s_node_info, 'cri_status', lambda plugins: 'ok')
    make_kind(host['config_file'], kind)
    result = run(capsys, host)
    assert not result.get('failed') and host['config_file'] in result['containerd']['config_error']
    assert result['containerd']['cri'] == 'ok'
    assert not [argv for argv in asked if 'dump' in argv], asked


@pytest.mark.parametrize('kind', KINDS)
def test_fstab_and_hosts_toml_that_are_not_files_do_not_hang_the_look(host, tmp_path, capsys, kind):
    make_kind(host['fstab'], kind)
    (tmp_path / 'certs.d' / 'registry.example').mkdir(parents=True)
    make_kind(tmp_path / 'certs.d' / 'registry.example' / 'hosts.toml', kind)
    result = run(capsys, host)
    assert not result.get('failed') and result['swap']['fstab_lines'] == []


@pytest.mark.parametrize('raw', [
    b'# caf\xe9\nversion = 2\n',
    b'\xef\xbb\xbfversion = 2\n',
    b'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "p\xe9"\n',
])
def test_config_bytes_that_are_not_utf8_leave_a_valid_result(host, tmp_path, capsys, raw):
    (tmp_path / 'config.toml').write_bytes(raw)
    (tmp_path / 'fstab').write_bytes(b'/sw\xe9p none swap sw 0 0\n')
    result = run(capsys, host)
    assert not result.get('failed') and result['containerd']['config']['version'] == 2
    assert result['swap']['fstab_lines'] == ['/sw\ufffdp none swap sw 0 0']


@pytest.mark.parametrize('case', [
    ('nvidia', 'io.containerd.runc.v2', None, None),
    ('nvidia', 'io.containerd.runc.v2', True, 'systemd'),
    ('nvidia', 'io.containerd.runc.v2', False, 'cgroupfs'),
    ('kata', 'io.containerd.kata.v2', None, None),
])
def test_the_cgroup_driver_reported_is_that_of_the_default_runtime(host, tmp_path, capsys, case):
    default, kind, systemd, driver = case
    text = ('version = 2\n[%s.containerd]\n  default_runtime_name = "%s"\n'
            '[%s.containerd.runtimes.runc.options]\n  SystemdCgroup = true\n'
            '[%s.containerd.runtimes.%s]\n  runtime_type = "%s"\n' % (CRI, default, CRI, CRI, default, kind))
    if systemd is not None:
        text += '[%s.containerd.runtimes.%s.options]\n  SystemdCgroup = %s\n' % (CRI, default, str(systemd).lower())
    (tmp_path / 'config.toml').write_text(text)
    config = run(capsys, host)['containerd']['config']
    assert config['default_runtime'] == default and config['cgroup_driver'] == driver


def test_a_missing_config_is_no_error(host, capsys):
    result = run(capsys, host)
    assert result['containerd']['config_error'] is None and not os.path.exists(host['config_file'])


def test_a_credential_that_is_not_valid_toml_is_not_shown_in_the_look(host, tmp_path, capsys):
    (tmp_path / 'config.toml').write_text('version = 2\n[x]\n  password = s3cr3t-unquoted\n')
    result = run(capsys, host, secrets=['s3cr3t'])
    assert 'line 3' in result['containerd']['config_error'] and result['containerd']['config'] is None


@pytest.mark.parametrize('relative', ['config.toml', './config.toml', 'etc/containerd/config.toml'])
def test_a_relative_config_file_is_an_error_in_the_result(host, tmp_path, capsys, monkeypatch, relative):
    monkeypatch.chdir(str(tmp_path))
    result = run(capsys, dict(host, config_file=relative))
    assert not result.get('failed') and 'relative path' in result['containerd']['config_error']
    assert relative in result['containerd']['config_error']
