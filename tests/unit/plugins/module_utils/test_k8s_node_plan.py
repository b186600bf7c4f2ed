# -*- coding: utf-8 -*-
"""plugins/module_utils/_k8s_node.py, the k8s_node role's decisions (k8s_node_info returns them): input problems,
registry trust files for both engines, the result."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import (
    HOSTS_TOML_MARK,
    k8s_node_plan,
    k8s_node_result,
    registry_host_kind,
)

CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'


@pytest.mark.parametrize('text, kind', [
    ('registry.example.com', 'host'), ('registry.example.com:5000', 'host'), ('localhost:5000', 'host'),
    ('10.100.0.5', 'host'), ('10.100.0.5:5000', 'host'), ('[fd00::1]:5000', 'host'), ('docker.io', 'host'),
    ('10.100.0.0/24', 'cidr'), ('fd00::/64', 'cidr'),
    ('https://registry.example.com', None), ('registry.example.com/', None), ('-bad.example', None),
    ('registry.example.com:0', None), ('registry.example.com:70000', None), ('a b', None), ('', None),
    (' registry', None), ('10.100.0.0/33', None), ('1.2.3.999', None), (5000, None), (None, None), ('[zz::1]', None),
])
def test_registry_host_kind(text, kind):
    assert registry_host_kind(text) == kind


def test_good_input_has_no_problems():
    plan = k8s_node_plan([{'host': 'reg.example:5000', 'ca': CA}, {'host': '10.100.0.0/24', 'insecure': True}])
    assert plan['problems'] == []
    assert plan['notes'] == ['k8s_node_registries: 10.100.0.0/24 is a network; containerd has no network form, so '
                             'only Docker trusts it (list its registry hosts for containerd)']


@pytest.mark.parametrize('kwargs, registries, words', [
    ({'cgroup_driver': 'cgroupv3'}, [], 'k8s_node_cgroup_driver is "cgroupv3"; use systemd'),
    ({'sandbox_image': 'Not An Image'}, [], 'k8s_node_sandbox_image "Not An Image" is not an image reference'),
    ({'config_path': 'etc/containerd'}, [], 'k8s_node_registry_config_path must be an absolute path'),
    ({'swap_off': 'yes'}, [], 'k8s_node_swap_off must be true or false'),
    ({}, 'reg', 'k8s_node_registries must be a list'),
    ({}, ['reg'], 'k8s_node_registries[0] must be a dict'),
    ({}, [{'host': 'https://reg/'}], 'k8s_node_registries[0].host "https://reg/" is not a host name or address'),
    ({}, [{'host': 'reg', 'mirror': []}], 'k8s_node_registries[0] has unknown keys mirror'),
    ({}, [{'host': 'reg'}, {'host': 'reg'}], 'k8s_node_registries[1].host "reg" is listed twice'),
    ({}, [{'host': '10.0.0.0/8'}], 'means nothing without insecure: true'),
    ({}, [{'host': '10.0.0.0/8', 'insecure': True, 'ca': CA}], 'a network (10.0.0.0/8) takes only insecure: true'),
    ({}, [{'host': 'reg', 'ca': 'not pem'}], 'k8s_node_registries[0].ca must be the PEM text'),
    ({}, [{'host': 'reg', 'insecure': 'yes'}], 'k8s_node_registries[0].insecure must be true or false'),
    ({}, [{'host': 'docker.io', 'mirrors': ['ftp://m']}], 'k8s_node_registries[0].mirrors must be a list of http(s)'),
    ({}, [{'host': 'docker.io', 'mirrors': 'https://m'}], 'mirrors must be a list'),
    ({}, [{'host': 'docker.io', 'mirrors': ['https://u:p@m']}], 'without query, fragment or user'),
])
def test_bad_input_is_named_with_the_fix(kwargs, registries, words):
    plan = k8s_node_plan(registries, **kwargs)
    assert any(words in problem for problem in plan['problems']), plan['problems']
    assert plan['registry_files'] == [] and plan['registry_dirs'] == []


def test_registry_files_for_both_engines():
    plan = k8s_node_plan([
        {'host': 'reg.example:5000', 'ca': CA},
        {'host': 'plain.example:5000', 'insecure': True},
        {'host': 'docker.io', 'mirrors': ['https://mirror.example/', 'http://cache.example:5000']},
        {'host': '10.100.0.0/24', 'insecure': True},
        {'host': 'nothing.example'},
    ])
    files = {item['path']: item['content'] for item in plan['registry_files']}
    assert sorted(files) == [
        '/etc/containerd/certs.d/docker.io/fleetops-k8s-node.managed',
        '/etc/containerd/certs.d/docker.io/hosts.toml',
        '/etc/containerd/certs.d/plain.example:5000/fleetops-k8s-node.managed',
        '/etc/containerd/certs.d/plain.example:5000/hosts.toml',
        '/etc/containerd/certs.d/reg.example:5000/ca.crt',
        '/etc/containerd/certs.d/reg.example:5000/fleetops-k8s-node.managed',
        '/etc/containerd/certs.d/reg.example:5000/hosts.toml',
        '/etc/docker/certs.d/reg.example:5000/ca.crt',
        '/etc/docker/certs.d/reg.example:5000/fleetops-k8s-node.managed',
    ]
    assert 'Delete this file to keep the' in files['/etc/docker/certs.d/reg.example:5000/fleetops-k8s-node.managed']
    assert plan['registry_remove'] == []
    assert files['/etc/docker/certs.d/reg.example:5000/ca.crt'] == CA
    reg = files['/etc/containerd/certs.d/reg.example:5000/hosts.toml']
    assert 'server = "https://reg.example:5000"' in reg
    assert '[host."https://reg.example:5000"]\n  capabilities = ["pull", "resolve", "push"]\n' \
           '  ca = "/etc/containerd/certs.d/reg.example:5000/ca.crt"\n' in reg
    plain = files['/etc/containerd/certs.d/plain.example:5000/hosts.toml']
    assert 'server = "http://plain.example:5000"' in plain and 'skip_verify' not in plain
    hub = files['/etc/containerd/certs.d/docker.io/hosts.toml']
    assert 'server = "https://registry-1.docker.io"' in hub
    assert hub.index('[host."https://mirror.example"]') < hub.index('[host."http://cache.example:5000"]') \
        < hub.index('[host."https://registry-1.docker.io"]')
    assert '[host."http://cache.example:5000"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n' in hub
    assert [d['path'] for d in plan['registry_dirs']] == [
        '/etc/containerd/certs.d/docker.io', '/etc/containerd/certs.d/plain.example:5000',
        '/etc/containerd/certs.d/reg.example:5000', '/etc/docker/certs.d/reg.example:5000']


M = 'fleetops-k8s-node.managed'
CD = '/etc/containerd/certs.d/'
DK = '/etc/docker/certs.d/'


@pytest.mark.parametrize('registries, managed, removed, note', [
    # The entry is gone: both of its directories go, whole.
    ([], [{'path': CD + 'old:5000', 'files': [M, 'ca.crt', 'hosts.toml']}, {'path': DK + 'old:5000', 'files': [M, 'ca.crt']}],
     [CD + 'old:5000', DK + 'old:5000'], None),
    # Still listed: nothing goes.
    ([{'host': 'old:5000', 'ca': CA}], [{'path': CD + 'old:5000', 'files': [M, 'ca.crt', 'hosts.toml']},
                                        {'path': DK + 'old:5000', 'files': [M, 'ca.crt']}], [], None),
    # The CA was dropped (insecure now): Docker's directory goes, containerd's loses its ca.crt only.
    ([{'host': 'old:5000', 'insecure': True}], [{'path': CD + 'old:5000', 'files': [M, 'ca.crt', 'hosts.toml']},
                                                {'path': DK + 'old:5000', 'files': [M, 'ca.crt']}],
     [CD + 'old:5000/ca.crt', DK + 'old:5000'], None),
    # The operator put a client certificate in a directory of the role's: the role takes only its own files.
    ([], [{'path': DK + 'old:5000', 'files': [M, 'ca.crt', 'client.cert', 'client.key']}],
     [DK + 'old:5000/ca.crt', DK + 'old:5000/' + M], 'client.cert, client.key'),
    # A directory marked only by the hosts.toml comment (written before the marker file) goes too.
    ([], [{'path': CD + 'old:5000', 'files': ['hosts.toml']}], [CD + 'old:5000'], None),
    # Not a child of the two certs.d directories: never touched, whatever the look said.
    ([], [{'path': '/etc/old:5000', 'files': [M]}, {'path': CD + 'a/b', 'files': [M]}, {'path': CD, 'files': [M]},
          {'path': '/etc/containerd/certs.d/..', 'files': [M]}], [], None),
])
def test_registry_removals(registries, managed, removed, note):
    plan = k8s_node_plan(registries, managed=managed)
    assert plan['problems'] == []
    assert [item['path'] for item in plan['registry_remove']] == removed
    if note:
        assert any(note in text and 'left the directory' in text for text in plan['notes']), plan['notes']
    else:
        assert not any('left the directory' in text for text in plan['notes'])


def test_no_removals_when_the_input_is_bad():
    plan = k8s_node_plan([{'host': 'https://x'}], managed=[{'path': CD + 'old:5000', 'files': [M]}])
    assert plan['problems'] and plan['registry_remove'] == []
    assert 'managed must be' in k8s_node_plan([], managed='x')['problems'][0]


def test_hosts_toml_starts_with_the_mark():
    plan = k8s_node_plan([{'host': 'plain:5000', 'insecure': True}])
    hosts = [f for f in plan['registry_files'] if f['path'].endswith('hosts.toml')][0]
    assert hosts['content'].split('\n', 1)[0] == HOSTS_TOML_MARK


def test_hosts_toml_is_toml():
    tomllib = pytest.importorskip('tomllib')
    plan = k8s_node_plan([{'host': 'reg.example:5000', 'ca': CA, 'insecure': True, 'mirrors': ['https://m.example']}])
    hosts = [f for f in plan['registry_files'] if f['path'].endswith('hosts.toml')][0]
    data = tomllib.loads(hosts['content'])
    assert data['server'] == 'https://reg.example:5000'
    assert data['host']['https://reg.example:5000'] == {
        'capabilities': ['pull', 'resolve', 'push'], 'ca': '/etc/containerd/certs.d/reg.example:5000/ca.crt',
        'skip_verify': True}


def test_result_from_a_run_that_changed_things():
    look = {'readiness': {'ready': True, 'unmet': [], 'notes': []}, 'docker_active': True, 'machine_id': 'm',
            'product_uuid': '', 'in_container': True,
            'containerd': {'cri': 'ok', 'effective_cgroup_driver': 'systemd', 'config': {'cgroup_driver': 'systemd'}}}
    result = k8s_node_result(
        look, containerd={'changed': True, 'edits': [{'setting': 'disabled_plugins'}]},
        swap={'changed': True, 'fstab_commented': ['/swapfile none swap sw 0 0'], 'masked': ['swap.target'],
              'swapoff': False, 'notes': []},
        restart={'changed': True}, docker={'changed': False, 'hello': {'rc': 0, 'stdout': 'hello', 'stderr': ''}},
        files={'skipped': True, 'changed': False}, packages={'changed': False, 'skipped': True})
    assert result['ready'] is True and result['summary'] == 'k8s ready'
    assert result['containerd_config_changed'] and result['containerd_restarted'] and result['changed']
    assert result['swap_fstab_commented'] == ['/swapfile none swap sw 0 0'] and result['swap_masked'] == ['swap.target']
    assert result['docker_hello'] == {'rc': 0, 'stdout': 'hello'}
    assert result['cri'] == 'ok' and result['cgroup_driver'] == 'systemd'
    assert result['registry_files_changed'] is False and result['in_container'] is True
    assert result['registry_removed'] == []
    assert result['cri_call'] == dict.fromkeys(('client', 'proof', 'runtime_name', 'runtime_version',
                                                'runtime_api_version', 'runtime_ready', 'error'))


def test_result_carries_the_cri_call():
    look = {'cri_call': {'client': 'python-grpc', 'proof': 'python-grpc', 'runtime_name': 'containerd',
                         'runtime_version': '1.6.20~ds1', 'runtime_api_version': 'v1', 'runtime_ready': True,
                         'error': None, 'conditions': {'RuntimeReady': True}}}
    call = k8s_node_result(look)['cri_call']
    assert call['client'] == 'python-grpc' and call['runtime_name'] == 'containerd' and call['runtime_ready'] is True
    assert 'conditions' not in call


def test_result_names_what_was_removed():
    removed = {'changed': True, 'results': [{'changed': True, 'item': {'path': CD + 'old:5000'}},
                                            {'changed': False, 'item': {'path': DK + 'gone:5000'}}]}
    result = k8s_node_result({}, files={'skipped': True}, removed=removed)
    assert result['registry_removed'] == [CD + 'old:5000']
    assert result['registry_files_changed'] is True and result['changed'] is True


def test_result_of_a_run_that_changed_nothing():
    look = {'readiness': {'ready': False, 'unmet': [{'check': 'swap', 'msg': 'swap is on: /s', 'fix': 'f'}], 'notes': []}}
    result = k8s_node_result(look, containerd={'changed': False, 'edits': []}, swap={'changed': False},
                             restart={}, docker={}, files={}, packages={'skipped': True, 'changed': False})
    assert result['changed'] is False and result['ready'] is False
    assert result['summary'] == 'not ready: swap (swap is on: /s)'


def test_result_says_what_is_unmet_for_the_release_and_every_note():
    look = {'readiness': {'ready': False, 'kubernetes_version': '1.35', 'floors_version': '1.35', 'notes': ['v note'],
                          'unmet': [{'check': 'cgroup', 'msg': 'cgroup v1', 'fix': 'kernel_ml_cmdline_args'},
                                    {'check': 'swap', 'msg': 'swap is on', 'fix': 'swapoff -a'}]}}
    result = k8s_node_result(look, swap={'changed': False, 'notes': ['swap note']}, notes=['plan note'])
    assert result['unmet_text'] == ('not ready for Kubernetes 1.35: cgroup: cgroup v1 - fix: kernel_ml_cmdline_args | '
                                    'swap: swap is on - fix: swapoff -a')
    assert result['summary'] == 'not ready for 1.35: cgroup (cgroup v1); swap (swap is on)'
    assert result['notes'] == ['plan note', 'swap note', 'v note']
    ready = k8s_node_result({'readiness': {'ready': True, 'kubernetes_version': '1.28', 'unmet': [], 'notes': []}})
    assert ready['unmet_text'] == '' and ready['notes'] == [] and ready['summary'] == 'ready for 1.28'
