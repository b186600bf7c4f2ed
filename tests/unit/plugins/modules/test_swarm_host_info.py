# -*- coding: utf-8 -*-
"""fleetops.docker_host.swarm_host_info with the docker command line and the network faked."""

import json
import socket

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import swarm_host_info

INFO = {'Name': 'swarm-1', 'Swarm': {'LocalNodeState': 'active', 'NodeID': 'n1', 'NodeAddr': '10.0.0.1',
                                     'ControlAvailable': True, 'Cluster': {'ID': 'c1'},
                                     'RemoteManagers': [{'NodeID': 'n1', 'Addr': '10.0.0.1:2377'}]}}
NODES = [{'ID': 'n1', 'Description': {'Hostname': 'swarm-1'}, 'Spec': {'Role': 'manager', 'Availability': 'active'},
          'Status': {'State': 'ready', 'Addr': '10.0.0.1'}, 'ManagerStatus': {'Leader': True}}]


class FakeModule:
    def __init__(self, answers, params=None):
        self.answers = answers
        self.calls = []
        self.params = dict({'peers': [], 'connect_timeout': 0.2, 'probe': None}, **(params or {}))

    def run_command(self, argv, environ_update=None, data=None):
        assert environ_update == {'LANG': 'C', 'LC_ALL': 'C'}
        self.calls.append(argv)
        for prefix, answer in self.answers:
            if argv[:len(prefix)] == prefix:
                return answer
        return 1, '', 'unexpected %s' % argv


def docker_answers():
    return [
        (['docker', 'version'], (0, json.dumps({'Version': '20.10.24+dfsg1', 'ApiVersion': '1.41'}), '')),
        (['docker', 'info'], (0, json.dumps(INFO), '')),
        (['docker', 'node', 'ls'], (0, 'n1\n', '')),
        (['docker', 'node', 'inspect'], (0, json.dumps(NODES), '')),
    ]


def test_run_reads_engine_swarm_nodes_and_changes_nothing():
    module = FakeModule(docker_answers())
    result = swarm_host_info.run(module)
    assert result['changed'] is False
    assert result['engine'] == {'installed': True, 'version': '20.10.24+dfsg1', 'api_version': '1.41', 'error': ''}
    assert result['swarm']['state'] == 'active' and result['swarm']['cluster_id'] == 'c1'
    assert result['hostname'] == 'swarm-1'
    assert [n['id'] for n in result['nodes']] == ['n1'] and result['nodes'][0]['leader']
    assert ['docker', 'node', 'inspect', 'n1'] in module.calls
    assert set(result['sdk']) == {'docker', 'requests'}
    assert 'probe' not in result


def test_run_without_engine_reports_not_installed():
    module = FakeModule([(['docker', 'version'], (1, '', 'Cannot connect to the Docker daemon'))])
    result = swarm_host_info.run(module)
    assert result['engine']['installed'] is False and 'Cannot connect' in result['engine']['error']
    assert result['swarm']['state'] == 'inactive' and result['nodes'] == []


def test_ports_open_and_refused():
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    closed = socket.socket()
    closed.bind(('127.0.0.1', 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        assert swarm_host_info.connect('127.0.0.1', listener.getsockname()[1], 1) == ('open', '')
        outcome, error = swarm_host_info.connect('127.0.0.1', closed_port, 1)
        assert outcome == 'refused' and error
    finally:
        listener.close()


def test_run_checks_both_tcp_ports_of_each_peer(monkeypatch):
    monkeypatch.setattr(swarm_host_info, 'connect', lambda addr, port, timeout: ('blocked', 'timed out'))
    module = FakeModule(docker_answers(), {'peers': ['10.0.0.2']})
    result = swarm_host_info.run(module)
    assert result['ports'] == [
        {'addr': '10.0.0.2', 'port': 2377, 'result': 'blocked', 'error': 'timed out'},
        {'addr': '10.0.0.2', 'port': 7946, 'result': 'blocked', 'error': 'timed out'}]


NSLOOKUP = 'Server:\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nName:\ttasks.hello\nAddress: 10.0.1.3\n' \
           'Name:\ttasks.hello\nAddress: 10.0.1.4\n'


@pytest.mark.parametrize('wget_rc, ipvs, ok', [(0, False, True), (1, False, False)])
def test_probe_reads_published_ports_and_overlay(monkeypatch, wget_rc, ipvs, ok):
    monkeypatch.setattr(swarm_host_info, 'fetch', lambda url, timeout: {'ok': True, 'body': url.split('/')[2],
                                                                        'error': ''})
    answers = [
        (['docker', 'ps'], (0, 'c0ffee\n', '')),
        (['docker', 'exec', 'c0ffee', 'busybox', 'nslookup'], (0, NSLOOKUP, '')),
        (['docker', 'exec', '-i', 'c0ffee', 'busybox', 'nc'],
         (wget_rc, 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nswarm-x\n' if wget_rc == 0 else '', 'timed out')),
    ]
    module = FakeModule(answers)
    state = {'available': ipvs, 'reason': 'the kernel has no IPVS (CONFIG_IP_VS is not set)'}
    probe = swarm_host_info.run_probe(module, {'service': 'hello', 'port': 8089, 'mesh_port': 8090,
                                               'addrs': ['10.0.0.1', '10.0.0.2']}, state, 1)
    assert probe['task_container'] == 'c0ffee'
    assert probe['published'] == {'10.0.0.1': {'ok': True, 'body': '10.0.0.1:8089', 'error': ''},
                                  '10.0.0.2': {'ok': True, 'body': '10.0.0.2:8089', 'error': ''}}
    assert probe['overlay']['addresses'] == ['10.0.1.3', '10.0.1.4']
    assert ['docker', 'exec', '-i', 'c0ffee', 'busybox', 'nc', '-w', '1', '10.0.1.4', '80'] in module.calls
    assert all(a['body'] == 'swarm-x' for a in probe['overlay']['answers'].values()) or not ok
    assert probe['mesh'] == {'skipped': 'the kernel has no IPVS (CONFIG_IP_VS is not set)', 'answers': {}}
    assert probe['ok'] is ok


def test_probe_without_a_local_task_fails_and_mesh_runs_with_ipvs(monkeypatch):
    monkeypatch.setattr(swarm_host_info, 'fetch', lambda url, timeout: {'ok': True, 'body': 'x', 'error': ''})
    module = FakeModule([(['docker', 'ps'], (0, '', ''))])
    probe = swarm_host_info.run_probe(module, {'service': 'hello', 'port': 8089, 'mesh_port': 8090,
                                               'addrs': ['10.0.0.1']}, {'available': True, 'reason': ''}, 1)
    assert probe['task_container'] == '' and probe['ok'] is False
    assert probe['mesh']['skipped'] == '' and list(probe['mesh']['answers']) == ['10.0.0.1']
