# -*- coding: utf-8 -*-
"""_containerd: the merge enables CRI and the systemd cgroup driver in each config version, keeps the rest."""

import pathlib

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import (
    ContainerdConfigError,
    cri_status,
    edits,
    merge,
    parse_plugins,
    summary,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import loads

FIXTURES = pathlib.Path(__file__).parent / 'fixtures'
SHIPPED = (FIXTURES / 'containerd.io-config.toml').read_text()
DEFAULT_16 = (FIXTURES / 'containerd-1.6-default.toml').read_text()
CRI2 = ('plugins', 'io.containerd.grpc.v1.cri')
RUNC2 = CRI2 + ('containerd', 'runtimes', 'runc')


def _at(data, path):
    for part in path:
        data = data[part]
    return data


def test_containerd_io_shipped_file_becomes_kubelet_ready():
    new, changes, config = merge(SHIPPED, '/etc/containerd/config.toml', config_path='/etc/containerd/certs.d')
    data = loads(new)
    assert data['version'] == 2
    assert data['disabled_plugins'] == []
    assert _at(data, RUNC2)['runtime_type'] == 'io.containerd.runc.v2'
    assert _at(data, RUNC2 + ('options',))['SystemdCgroup'] is True
    assert _at(data, CRI2 + ('registry',))['config_path'] == '/etc/containerd/certs.d'
    assert [c['setting'] for c in changes] == [
        'version', 'disabled_plugins', '.'.join(RUNC2 + ('runtime_type',)),
        '.'.join(RUNC2 + ('options', 'SystemdCgroup')), '.'.join(CRI2 + ('registry', 'config_path'))]
    assert config['cri_disabled'] is False and config['cgroup_driver'] == 'systemd'
    # The shipped comments stay, line for line, in front of the additions.
    assert new.startswith(SHIPPED.split('disabled_plugins')[0])
    assert '#[grpc]\n#  address = "/run/containerd/containerd.sock"' in new
    # A second merge finds nothing to do.
    again, changes2, _config = merge(new, '/etc/containerd/config.toml', config_path='/etc/containerd/certs.d')
    assert again == new and changes2 == []


def test_containerd_default_file_changes_one_line():
    new, changes, config = merge(DEFAULT_16, 'config.toml')
    assert [c['setting'] for c in changes] == ['.'.join(RUNC2 + ('options', 'SystemdCgroup'))]
    diff = [(a, b) for a, b in zip(DEFAULT_16.splitlines(), new.splitlines()) if a != b]
    assert diff == [('            SystemdCgroup = false', '            SystemdCgroup = true')]
    assert len(DEFAULT_16.splitlines()) == len(new.splitlines())


def test_operator_settings_are_kept():
    text = ('version = 2\noom_score = -999\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "mirror/pause:3.9"\n'
            '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n'
            '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n      BinaryName = "/usr/local/bin/runc"\n')
    new, changes, config = merge(text, 'config.toml')
    data = loads(new)
    assert data['oom_score'] == -999
    assert _at(data, CRI2)['sandbox_image'] == 'mirror/pause:3.9'
    assert _at(data, RUNC2 + ('options',)) == {'BinaryName': '/usr/local/bin/runc', 'SystemdCgroup': True}
    assert new.endswith('      BinaryName = "/usr/local/bin/runc"\n      SystemdCgroup = true\n')
    assert config['sandbox_image'] == 'mirror/pause:3.9'


def test_cgroupfs_and_sandbox_image():
    new, changes, config = merge('', 'config.toml', cgroup_driver='cgroupfs', sandbox_image='mirror/pause:3.10')
    assert config['cgroup_driver'] == 'cgroupfs' and config['systemd_cgroup'] is False
    assert config['sandbox_image'] == 'mirror/pause:3.10'
    assert loads(new)['version'] == 2


def test_version_1_file_keeps_its_layout():
    text = 'disabled_plugins = ["cri"]\n[plugins.cri.containerd.runtimes.runc.options]\n  SystemdCgroup = false\n'
    new, changes, config = merge(text, 'config.toml')
    data = loads(new)
    assert 'version' not in data
    assert data['disabled_plugins'] == []
    assert data['plugins']['cri']['containerd']['runtimes']['runc']['options']['SystemdCgroup'] is True
    assert config['version'] == 1


def test_version_3_layout():
    text = 'version = 3\ndisabled_plugins = ["io.containerd.cri.v1.images", "io.containerd.grpc.v1.cri", "other"]\n'
    new, changes, config = merge(text, 'config.toml', sandbox_image='mirror/pause:3.10', config_path='/etc/containerd/certs.d')
    data = loads(new)
    assert data['disabled_plugins'] == ['other']
    runtime = data['plugins']['io.containerd.cri.v1.runtime']['containerd']['runtimes']['runc']
    assert runtime['options']['SystemdCgroup'] is True
    images = data['plugins']['io.containerd.cri.v1.images']
    assert images['pinned_images']['sandbox'] == 'mirror/pause:3.10'
    assert images['registry']['config_path'] == '/etc/containerd/certs.d'


@pytest.mark.parametrize('text, message', [
    ('version = 7\n', 'version = 7 is not a containerd config version'),
    ('disabled_plugins = "cri"\n', 'disabled_plugins must be a list'),
    ('version = 2\n[plugins\n', 'config.toml is not valid TOML, line 2'),
    ('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]\nrunc = { options = {} }\n',
     'inline table or array'),
])
def test_files_the_merge_refuses(text, message):
    with pytest.raises(ContainerdConfigError) as err:
        merge(text, 'config.toml')
    assert message in str(err.value)


def test_unknown_cgroup_driver():
    with pytest.raises(ContainerdConfigError):
        edits({}, cgroup_driver='cgroupv3')


def test_summary_of_the_shipped_file():
    config = summary(loads(SHIPPED))
    assert config['version'] == 1 and config['cri_disabled'] is True and config['cgroup_driver'] is None


CTR = """TYPE                            ID                       PLATFORMS      STATUS
io.containerd.content.v1        content                  -              ok
io.containerd.snapshotter.v1    aufs                     linux/amd64    skip
io.containerd.grpc.v1           cri                      linux/amd64    ok
"""


def test_ctr_plugins():
    plugins = parse_plugins(CTR)
    assert plugins[2] == {'type': 'io.containerd.grpc.v1', 'id': 'cri', 'platforms': 'linux/amd64', 'status': 'ok'}
    assert cri_status(plugins) == 'ok'
    assert cri_status(parse_plugins(CTR.replace('linux/amd64    ok', 'linux/amd64    error'))) == 'error'
    assert cri_status(parse_plugins(CTR.splitlines()[0])) is None
