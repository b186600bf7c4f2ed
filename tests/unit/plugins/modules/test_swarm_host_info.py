# -*- coding: utf-8 -*-
"""fleetops.docker_host.swarm_host_info with the docker command line and the network faked."""

import json
import socket


from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import CommandTable
from ansible_collections.fleetops.docker_host.plugins.modules import swarm_host_info

INFO = {'Name': 'swarm-1', 'Swarm': {'LocalNodeState': 'active', 'NodeID': 'n1', 'NodeAddr': '10.0.0.1',
                                     'ControlAvailable': True, 'Cluster': {'ID': 'c1'},
                                     'RemoteManagers': [{'NodeID': 'n1', 'Addr': '10.0.0.1:2377'}]}}
NODES = [{'ID': 'n1', 'Description': {'Hostname': 'swarm-1'}, 'Spec': {'Role': 'manager', 'Availability': 'active'},
          'Status': {'State': 'ready', 'Addr': '10.0.0.1'}, 'ManagerStatus': {'Leader': True}}]


PARAMS = {'peers': [], 'connect_timeout': 0.2}


def FakeModule(answers, params=None):  # noqa: N802 - named as the class it stands for
    return CommandTable(answers, dict(PARAMS, **(params or {})))


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
