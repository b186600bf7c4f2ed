# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/k8s_node_info.py with containerd's commands answered by fakes."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import HOSTS_TOML_MARK
from ansible_collections.fleetops.docker_host.plugins.modules import k8s_node_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing]
run_module = module_runner(k8s_node_info)
BINS = ('containerd', 'ctr', 'systemctl', 'conntrack', 'socat')
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
        return '/fake/' + name if name in answers.get('_bins', BINS) else None

    monkeypatch.setattr(k8s_node_info, 'grpc_available', lambda: answers.get('_grpc', False))
    monkeypatch.setattr(k8s_node_info, 'grpc_call', lambda socket_path: answers['_grpc_call'])
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


def _ready(fake_host, tmp_path):
    config = tmp_path / 'config.toml'
    config.write_text(DUMP)
    fake_host.update({
        'containerd --version': (0, 'containerd x 1.6.20~ds1 y\n', ''),
        'systemctl is-active': (0, 'active\n', ''),
        'ctr --address': (0, CTR_OK, ''),
        'containerd --config': (0, DUMP, ''),
        'systemctl list-units': (0, '', ''),
    })
    return {'config_file': str(config), 'fstab': str(tmp_path / 'fstab'), 'ports': [],
            'certs_dirs': [str(tmp_path / 'containerd'), str(tmp_path / 'docker')]}


def test_cri_call_with_crictl(fake_host, tmp_path, capsys):
    params = _ready(fake_host, tmp_path)
    fake_host['_bins'] = BINS + ('crictl',)
    fake_host['crictl --runtime-endpoint unix:///run/containerd/containerd.sock --timeout 5s version'] = (
        0, 'Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  1.6.20\nRuntimeApiVersion:  v1\n', '')
    fake_host['crictl --runtime-endpoint unix:///run/containerd/containerd.sock --timeout 5s info'] = (
        0, '{"status": {"conditions": [{"type": "RuntimeReady", "status": false, "reason": "NoRunc", "message": ""}]}}', '')
    result = run_module(capsys, params)
    call = result['cri_call']
    assert call['client'] == 'crictl' and call['runtime_name'] == 'containerd' and call['runtime_ready'] is False
    unmet = [item for item in result['readiness']['unmet'] if item['check'] == 'cri']
    assert 'RuntimeReady is false (NoRunc)' in unmet[0]['msg']


def test_cri_call_with_python_grpc_when_crictl_is_absent(fake_host, tmp_path, capsys):
    params = _ready(fake_host, tmp_path)
    fake_host['_grpc'] = True
    fake_host['_grpc_call'] = {'client': 'python-grpc', 'proof': 'python-grpc', 'runtime_name': 'containerd',
                               'runtime_ready': True, 'conditions': {'RuntimeReady': True}, 'error': None}
    result = run_module(capsys, params)
    assert result['cri_call']['client'] == 'python-grpc'
    assert not [item for item in result['readiness']['unmet'] if item['check'] == 'cri']


def test_without_a_client_the_proof_is_ctr(fake_host, tmp_path, capsys):
    result = run_module(capsys, _ready(fake_host, tmp_path))
    assert result['cri_call']['client'] is None and result['cri_call']['proof'] == 'ctr plugins ls'
    assert any('ctr plugins ls' in note for note in result['readiness']['notes'])


def test_registry_dirs_lists_only_the_roles(fake_host, tmp_path, capsys):
    params = _ready(fake_host, tmp_path)
    marked = tmp_path / 'docker' / 'reg:5000'
    marked.mkdir(parents=True)
    (marked / 'fleetops-k8s-node.managed').write_text('x')
    (marked / 'ca.crt').write_text('x')
    old = tmp_path / 'containerd' / 'old:5000'
    old.mkdir(parents=True)
    (old / 'hosts.toml').write_text(HOSTS_TOML_MARK + '\nserver = "http://old:5000"\n')
    operator = tmp_path / 'containerd' / 'mine:5000'
    operator.mkdir()
    (operator / 'hosts.toml').write_text('# mine\nserver = "https://mine:5000"\n')
    (tmp_path / 'containerd' / 'link:5000').symlink_to(marked)
    result = run_module(capsys, params)
    assert result['registry_dirs'] == [
        {'path': str(old), 'files': ['hosts.toml']},
        {'path': str(marked), 'files': ['ca.crt', 'fleetops-k8s-node.managed']},
    ]


def test_a_malformed_kubernetes_version_is_refused_before_looking(fake_host, tmp_path, capsys):
    args = _ready(fake_host, tmp_path)
    result = run_module(capsys, dict(args, kubernetes_version='1.35.0'))
    assert result['failed'] is True
    assert "kubernetes_version '1.35.0' is not a Kubernetes MAJOR.MINOR version" in result['msg']
    assert 'containerd' not in result


def test_the_verdict_is_for_the_version_asked(fake_host, tmp_path, capsys):
    args = _ready(fake_host, tmp_path)
    fake_host['_bins'] = BINS + ('apt-cache',)
    fake_host['apt-cache policy'] = (0, 'containerd:\n  Version table:\n *** 1.6.20~ds1-1+b1 500\n', '')
    old = run_module(capsys, dict(args, kubernetes_version='1.28'))
    # containerd 1.6.20 meets 1.28's floor: the repositories are not asked.
    assert old['readiness']['kubernetes_version'] == '1.28' and old['containerd_offers'] == {}
    assert 'containerd' not in [item['check'] for item in old['readiness']['unmet']]
    new = run_module(capsys, dict(args, kubernetes_version='1.35'))
    assert new['containerd_offers'] == {'containerd': ['1.6.20~ds1-1+b1']}
    (item,) = [item for item in new['readiness']['unmet'] if item['check'] == 'containerd']
    assert item['fix'].startswith('none is available for ') and 'containerd 1.6.20~ds1-1+b1' in item['fix']
    assert new['readiness']['floors']['pause'] == 'registry.k8s.io/pause:3.10.1'
    assert new['kernel'] and new['cgroup']['version'] in ('v1', 'v2', None)


def test_the_roles_plan_from_its_settings_and_the_dirs_it_wrote(fake_host, tmp_path, capsys):
    params = _ready(fake_host, tmp_path)
    gone = tmp_path / 'containerd' / 'gone:5000'
    gone.mkdir(parents=True)
    (gone / 'fleetops-k8s-node.managed').write_text('x')
    params.update(registries=[{'host': 'plain:5000', 'insecure': True}, {'host': '10.100.0.0/24', 'insecure': True}],
                  registry_config_path=str(tmp_path / 'containerd'), docker_certs_dir=str(tmp_path / 'docker'))
    result = run_module(capsys, params)
    assert result['problems'] == [] and result['changed'] is False
    assert [item['path'] for item in result['plan']['registry_dirs']] == [str(tmp_path / 'containerd' / 'plain:5000')]
    # What the role wrote for an entry that left the list goes; a network is Docker's only, and says so.
    assert result['plan']['registry_remove'] == [{'path': str(gone)}]
    assert 'only Docker trusts it' in result['plan']['notes'][0]
    # Nothing ran: the no-change result, ready or not as the verdict says.
    assert result['result']['changed'] is False and result['result']['ready'] == result['readiness']['ready']
    assert result['result']['notes'][0] == result['plan']['notes'][0]


def test_bad_settings_are_problems_and_plan_nothing(fake_host, tmp_path, capsys):
    params = dict(_ready(fake_host, tmp_path), registries=[{'host': 'https://registry.example/'}],
                  sandbox_image='Not An Image')
    result = run_module(capsys, params)
    assert not result.get('failed') and result['plan']['registry_files'] == []
    assert result['problems'][0].startswith('k8s_node_sandbox_image "Not An Image" is not an image reference')
    assert result['problems'][1].startswith('k8s_node_registries[0].host "https://registry.example/"')


def test_the_result_after_the_steps_keeps_the_first_plans_notes(fake_host, tmp_path, capsys):
    params = _ready(fake_host, tmp_path)
    swap = {'changed': True, 'fstab_commented': ['/swapfile none swap sw 0 0'], 'notes': []}
    steps = {'swap': swap, 'containerd': {'skipped': True, 'changed': False}, 'plan': {'notes': ['kept: x']},
             'removed': {'changed': True, 'results': [{'changed': True, 'item': {'path': '/etc/docker/certs.d/a'}}]}}
    result = run_module(capsys, dict(params, steps=steps))['result']
    assert result['changed'] is True and result['swap_fstab_commented'] == ['/swapfile none swap sw 0 0']
    assert result['containerd_config_changed'] is False and result['registry_removed'] == ['/etc/docker/certs.d/a']
    assert result['notes'][0] == 'kept: x'
    refused = run_module(capsys, dict(params, steps={'swapp': {}}))
    assert refused['failed'] and 'not swapp' in refused['msg']


def _proc(monkeypatch, pid, boot, ticks):
    """/proc as the look reads it: containerd's MainPID started TICKS clock ticks after BOOT (epoch seconds)."""
    earlier = k8s_node_info.read
    files = {'/proc/%d/stat' % pid: '%d (containerd) S 1 %d %d 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 10 0 %d 1 1'
             % (pid, pid, pid, ticks), '/proc/stat': 'cpu  1 2 3\nbtime %d\nprocesses 9\n' % boot}
    monkeypatch.setattr(k8s_node_info, 'read', lambda path, default='': files.get(path, earlier(path, default)))


@pytest.mark.parametrize('case', [(-60, True), (0.5, True), (30, False)])
def test_config_written_after_containerd_started_is_not_loaded(fake_host, tmp_path, capsys, monkeypatch, case):
    """A run cut off between writing config.toml and restarting containerd: the next look says so (the role then
    restarts containerd although its merge changes nothing); within a second of the start counts as loaded."""
    written_after_start, loaded = case
    params = _ready(fake_host, tmp_path)
    fake_host['systemctl show -p MainPID --value containerd.service'] = (0, '4242\n', '')
    boot, ticks = 1700000000, 500000  # containerd started 5000 s after boot (100 ticks a second)
    monkeypatch.setattr(k8s_node_info.os, 'sysconf', lambda name: 100)
    _proc(monkeypatch, 4242, boot, ticks)
    started = boot + ticks / 100.0
    os.utime(params['config_file'], (started + written_after_start, started + written_after_start))
    result = run_module(capsys, params)
    assert result['containerd']['config_loaded'] is loaded
    assert k8s_node_info.process_started(4242) == started


@pytest.mark.parametrize('main_pid', ['0\n', 'garbage\n'])
def test_config_loaded_is_unknown_without_a_running_containerd_process(fake_host, tmp_path, capsys, main_pid):
    params = _ready(fake_host, tmp_path)
    fake_host['systemctl show -p MainPID --value containerd.service'] = (0, main_pid, '')
    assert run_module(capsys, params)['containerd']['config_loaded'] is None


def test_config_loaded_is_not_asked_when_containerd_is_stopped(fake_host, tmp_path, capsys):
    params = _ready(fake_host, tmp_path)
    fake_host['systemctl is-active'] = (3, 'inactive\n', '')
    fake_host['systemctl show'] = (0, '4242\n', '')
    assert run_module(capsys, params)['containerd']['config_loaded'] is None
