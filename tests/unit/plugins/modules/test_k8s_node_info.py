# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/k8s_node_info.py with containerd's commands answered by fakes."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import k8s_node_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing]
run_module = module_runner(k8s_node_info)
CTR_OK = 'TYPE ID PLATFORMS STATUS\nio.containerd.grpc.v1 cri linux/amd64 ok\n'
DUMP = ('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
        '  SystemdCgroup = true\n')


@pytest.fixture
def fake_host(monkeypatch):
    answers = {}

    def run_command(self, argv, **kwargs):
        name = argv[0].rsplit('/', 1)[-1]
        key = ' '.join([name] + argv[1:])
        for prefix, answer in answers.items():
            if key.startswith(prefix):
                return answer
        return 1, '', 'not faked: %s' % key

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return '/fake/' + name if name in ('containerd', 'ctr', 'systemctl', 'conntrack', 'socat') else None

    real_read = k8s_node_info.read
    monkeypatch.setattr(k8s_node_info, 'read', lambda path, default='': 'systemd\n' if path == '/proc/1/comm'
                        else real_read(path, default))
    monkeypatch.setattr(k8s_node_info.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(k8s_node_info.AnsibleModule, 'get_bin_path', get_bin_path)
    return answers


def test_cri_loaded_and_systemd_cgroups(fake_host, tmp_path, capsys):
    config = tmp_path / 'config.toml'
    config.write_text(DUMP)
    fake_host.update({
        'containerd --version': (0, 'containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1\n', ''),
        'systemctl is-active': (0, 'active\n', ''),
        'ctr --address': (0, CTR_OK, ''),
        'containerd --config': (0, DUMP, ''),
        'systemctl list-units': (0, '', ''),
    })
    result = run_module(capsys, {'config_file': str(config), 'fstab': str(tmp_path / 'fstab'), 'ports': []})
    box = result['containerd']
    assert box['version'] == '1.6.20~ds1' and box['active'] is True and box['cri'] == 'ok'
    assert box['effective_cgroup_driver'] == 'systemd' and box['config']['systemd_cgroup'] is True
    assert result['changed'] is False and result['docker_active'] is True
    checks = [item['check'] for item in result['readiness']['unmet']]
    assert 'cri' not in checks and 'cgroup_driver' not in checks and 'commands' not in checks


def test_cri_disabled_is_unmet_with_its_fix(fake_host, tmp_path, capsys):
    config = tmp_path / 'config.toml'
    config.write_text('disabled_plugins = ["cri"]\n')
    (tmp_path / 'fstab').write_text('/swapfile none swap sw 0 0\n')
    fake_host.update({
        'containerd --version': (0, 'containerd x 1.7.24 y\n', ''),
        'systemctl is-active': (0, 'active\n', ''),
        'ctr --address': (0, 'TYPE ID PLATFORMS STATUS\nio.containerd.grpc.v1 tasks - ok\n', ''),
        'systemctl list-units': (0, '', ''),
    })
    result = run_module(capsys, {'config_file': str(config), 'fstab': str(tmp_path / 'fstab'), 'ports': []})
    assert result['containerd']['cri'] == 'not listed' and result['containerd']['config']['cri_disabled'] is True
    unmet = dict((item['check'], item) for item in result['readiness']['unmet'])
    assert 'remove "cri" from disabled_plugins in %s' % config in unmet['cri']['fix']
    assert unmet['swap']['msg'] == '/etc/fstab turns swap on at boot: /swapfile none swap sw 0 0'


def test_a_config_it_cannot_read_is_reported(fake_host, tmp_path, capsys):
    config = tmp_path / 'config.toml'
    config.write_text('[plugins\n')
    result = run_module(capsys, {'config_file': str(config), 'fstab': str(tmp_path / 'fstab'), 'ports': []})
    assert result['containerd']['config'] is None
    assert 'line 1' in result['containerd']['config_error']
