# -*- coding: utf-8 -*-
"""fleetops.docker_host.swarm_proof with the docker command line and the network faked."""

import pytest

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import CommandTable
from ansible_collections.fleetops.docker_host.plugins.modules import swarm_proof


PARAMS = {'service': 'hello', 'port': 8089, 'target_port': 80, 'addrs': ['10.0.0.1'], 'mesh_port': None, 'wait': 0,
          'connect_timeout': 0.2}


def FakeModule(answers, params=None):  # noqa: N802 - named as the class it stands for
    return CommandTable(answers, dict(PARAMS, **(params or {})))


NSLOOKUP = 'Server:\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nName:\ttasks.hello\nAddress: 10.0.1.3\n' \
           'Name:\ttasks.hello\nAddress: 10.0.1.4\n'


@pytest.mark.parametrize('wget_rc, ipvs, ok', [(0, False, True), (1, False, False)])
def test_probe_reads_published_ports_and_overlay(monkeypatch, wget_rc, ipvs, ok):
    monkeypatch.setattr(swarm_proof, 'fetch', lambda url, timeout: {'ok': True, 'body': url.split('/')[2],
                                                                    'error': ''})
    answers = [
        (['docker', 'ps'], (0, 'c0ffee\n', '')),
        (['docker', 'exec', 'c0ffee', 'busybox', 'nslookup'], (0, NSLOOKUP, '')),
        (['docker', 'exec', '-i', 'c0ffee', 'busybox', 'nc'],
         (wget_rc, 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nswarm-x\n' if wget_rc == 0 else '', 'timed out')),
    ]
    module = FakeModule(answers)
    state = {'available': ipvs, 'reason': 'the kernel has no IPVS (CONFIG_IP_VS is not set)'}
    probe = swarm_proof.run_probe(module, {'service': 'hello', 'port': 8089, 'mesh_port': 8090,
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
    monkeypatch.setattr(swarm_proof, 'fetch', lambda url, timeout: {'ok': True, 'body': 'x', 'error': ''})
    module = FakeModule([(['docker', 'ps'], (0, '', ''))])
    probe = swarm_proof.run_probe(module, {'service': 'hello', 'port': 8089, 'mesh_port': 8090,
                                           'addrs': ['10.0.0.1']}, {'available': True, 'reason': ''}, 1)
    assert probe['task_container'] == '' and probe['ok'] is False
    assert probe['mesh']['skipped'] == '' and list(probe['mesh']['answers']) == ['10.0.0.1']


def test_run_reads_again_until_every_answer_came(monkeypatch):
    answers = iter([{'ok': False, 'body': '', 'error': 'refused'}, {'ok': True, 'body': 'swarm-1', 'error': ''}])
    monkeypatch.setattr(swarm_proof, 'fetch', lambda url, timeout: next(answers))
    monkeypatch.setattr(swarm_proof, 'read_ipvs', lambda: {'available': False, 'reason': 'no IPVS'})
    monkeypatch.setattr(swarm_proof.time, 'sleep', lambda seconds: None)
    module = FakeModule([
        (['docker', 'ps'], (0, 'c0ffee\n', '')),
        (['docker', 'exec', 'c0ffee', 'busybox', 'nslookup'], (0, 'Name:\ttasks.hello\nAddress: 10.0.1.3\n', '')),
        (['docker', 'exec', '-i', 'c0ffee', 'busybox', 'nc'], (0, 'HTTP/1.0 200 OK\r\n\r\nswarm-1\n', '')),
    ], {'wait': 30})
    result = swarm_proof.run(module)
    assert result['changed'] is False
    assert result['proof']['ok'] is True and result['proof']['published']['10.0.0.1']['body'] == 'swarm-1'
    assert result['proof']['mesh'] == {'skipped': 'no IPVS', 'answers': {}}
    assert sum(1 for argv in module.calls if argv[:2] == ['docker', 'ps']) == 2


def test_run_gives_up_after_wait(monkeypatch):
    monkeypatch.setattr(swarm_proof, 'fetch', lambda url, timeout: {'ok': False, 'body': '', 'error': 'refused'})
    monkeypatch.setattr(swarm_proof, 'read_ipvs', lambda: {'available': False, 'reason': 'no IPVS'})
    module = FakeModule([(['docker', 'ps'], (0, '', ''))])
    result = swarm_proof.run(module)
    assert result['proof']['ok'] is False and result['proof']['task_container'] == ''
    assert len(module.calls) == 1
