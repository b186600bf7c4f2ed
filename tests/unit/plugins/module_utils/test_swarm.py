# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_swarm.py (the swarm role's look parsing and its fleet-wide plan)."""

import gzip

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._swarm import (
    classify_connect,
    http_body,
    input_problems,
    ipvs_state,
    read_ipvs,
    member_status,
    parse_nodes,
    parse_nslookup,
    parse_swarm_info,
    plan,
    quorum,
    verify_members,
    version_tuple,
)


# ------------------------------------------------------------------------------------------- helpers
def node(nid, hostname, role='worker', state='ready', leader=False, reachability='', availability='active',  # noqa: PLR0917
         labels=None, addr='10.0.0.1'):
    """A node as docker node inspect returns it."""
    raw = {'ID': nid, 'Description': {'Hostname': hostname, 'Engine': {'EngineVersion': '20.10.24'}},
           'Spec': {'Role': role, 'Availability': availability, 'Labels': labels or {}},
           'Status': {'State': state, 'Addr': addr}}
    if role == 'manager':
        raw['ManagerStatus'] = {'Leader': leader, 'Reachability': reachability or 'reachable',
                                'Addr': addr + ':2377'}
    return raw


def look(hostname, state='inactive', node_id='', control=False, cluster_id='', nodes=None, version='20.10.24',  # noqa: PLR0917
         installed=True, sdk=True, ports=None, remote=None):
    return {
        'hostname': hostname,
        'engine': {'installed': installed, 'version': version if installed else ''},
        'swarm': {'state': state, 'node_id': node_id, 'control': control, 'cluster_id': cluster_id,
                  'remote_managers': remote or [], 'hostname': hostname},
        'nodes': parse_nodes(nodes or []),
        'ports': ports or [],
        'sdk': {'docker': sdk, 'requests': sdk},
    }


def settings(*hosts, **overrides):
    out = {}
    for i, host in enumerate(hosts):
        out[host] = {'advertise_addr': '10.0.0.%d' % (i + 1), 'labels': {}, 'availability': 'active'}
        out[host].update(overrides.get(host, {}))
    return out


def formed(workers=('w1', 'w2'), managers=('m1',), extra_nodes=()):
    """Looks of a Swarm formed by this role: managers m*, workers w*, m1 the leader."""
    nodes = [node('id-' + m, m, 'manager', leader=(m == 'm1')) for m in managers]
    nodes += [node('id-' + w, w) for w in workers] + list(extra_nodes)
    looks = {}
    for m in managers:
        looks[m] = look(m, 'active', 'id-' + m, True, 'c1', nodes)
    for w in workers:
        looks[w] = look(w, 'active', 'id-' + w, remote=['10.0.0.1:2377'])
    return looks


# ------------------------------------------------------------------------------------------- small rules
@pytest.mark.parametrize('text, expected', [
    ('20.10.24+dfsg1', (20, 10, 24)), ('26.1.5', (26, 1, 5)), ('v23.0', (23, 0, 0)), ('', None), ('dev', None)])
def test_version_tuple(text, expected):
    assert version_tuple(text) == expected


@pytest.mark.parametrize('managers, majority', [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4)])
def test_quorum(managers, majority):
    assert quorum(managers) == majority


@pytest.mark.parametrize('name, result', [('', 'open'), ('ECONNREFUSED', 'refused'), ('EHOSTUNREACH', 'blocked'),
                                          ('ETIMEDOUT', 'blocked')])
def test_classify_connect(name, result):
    assert classify_connect(name) == result


def test_parse_swarm_info_manager_and_inactive():
    info = {'Name': 'm1', 'Swarm': {'LocalNodeState': 'active', 'NodeID': 'abc', 'NodeAddr': '10.0.0.1',
                                    'ControlAvailable': True, 'Cluster': {'ID': 'c1'},
                                    'RemoteManagers': [{'NodeID': 'abc', 'Addr': '10.0.0.1:2377'}]}}
    assert parse_swarm_info(info) == {'state': 'active', 'node_id': 'abc', 'node_addr': '10.0.0.1', 'control': True,
                                      'cluster_id': 'c1', 'error': '', 'remote_managers': ['10.0.0.1:2377'],
                                      'hostname': 'm1'}
    empty = parse_swarm_info({'Name': 'x', 'Swarm': {'LocalNodeState': 'inactive', 'Cluster': None,
                                                     'RemoteManagers': None}})
    assert empty['state'] == 'inactive' and empty['cluster_id'] == '' and empty['remote_managers'] == []
    assert parse_swarm_info({})['state'] == 'inactive'


def test_parse_nodes_sorted_with_manager_status():
    rows = parse_nodes([node('b', 'w1'), node('a', 'm1', 'manager', leader=True, labels={'zone': 'a'})])
    assert [r['hostname'] for r in rows] == ['m1', 'w1']
    assert rows[0]['leader'] and rows[0]['reachability'] == 'reachable' and rows[0]['labels'] == {'zone': 'a'}
    assert not rows[1]['leader'] and rows[1]['reachability'] == ''


@pytest.mark.parametrize('config, modules, proc, available, words', [
    ('# CONFIG_IP_VS is not set\nCONFIG_VXLAN=y\n', '', False, False, 'CONFIG_IP_VS is not set'),
    ('CONFIG_IP_VS=m\n', '', False, True, 'CONFIG_IP_VS=m'),
    ('', 'ip_vs 180224 0 - Live 0x0\n', False, True, 'loaded'),
    ('', '', True, True, 'loaded'),
    ('', '', False, False, 'does not say'),
])
def test_ipvs_state(config, modules, proc, available, words):
    state = ipvs_state(config, modules, proc)
    assert state['available'] is available and words in state['reason']


BUSYBOX_NSLOOKUP = """Server:\t\t127.0.0.11
Address:\t127.0.0.11:53

Non-authoritative answer:
Name:\ttasks.fleetops-hello
Address: 10.0.1.4

Name:\ttasks.fleetops-hello
Address: 10.0.1.3
Name:\ttasks.fleetops-hello
Address: 10.0.1.10
"""
OLD_BUSYBOX_NSLOOKUP = """Server:    127.0.0.11
Address 1: 127.0.0.11

Name:      tasks.fleetops-hello
Address 1: 10.0.1.3 swarm-1.fleetops-hello
Address 2: 10.0.1.4 swarm-2.fleetops-hello
"""


@pytest.mark.parametrize('text, expected', [
    (BUSYBOX_NSLOOKUP, ['10.0.1.3', '10.0.1.4', '10.0.1.10']),
    (OLD_BUSYBOX_NSLOOKUP, ['10.0.1.3', '10.0.1.4']),
    ("** server can't find tasks.fleetops-hello: NXDOMAIN\n", []),
    ('', []),
])
def test_parse_nslookup_skips_the_server(text, expected):
    assert parse_nslookup(text, 'tasks.fleetops-hello') == expected


# ------------------------------------------------------------------------------------------- input
def test_even_managers_refused_naming_quorum_and_group():
    problems = input_problems(['a', 'b'], ['c'], settings('a', 'b', 'c'), ('ctl', 'wrk'))
    assert len(problems) == 1
    assert 'ctl has 2 hosts (a, b)' in problems[0] and 'raft quorum' in problems[0] and 'list 1 or 3' in problems[0]


@pytest.mark.parametrize('managers, workers, words', [
    (['a'], ['a'], 'in both swarm_managers and swarm_workers'),
    ([], ['a'], 'swarm_managers is empty'),
    (['h%d' % i for i in range(9)], [], 'at most 7 managers'),
])
def test_input_problems(managers, workers, words):
    hosts = sorted(set(managers) | set(workers))
    assert any(words in p for p in input_problems(managers, workers, settings(*hosts)))


def test_bad_availability_and_labels_named():
    problems = input_problems(['a'], [], {'a': {'availability': 'gone', 'labels': {'n': 3}}})
    assert any("swarm_node_availability is 'gone'" in p for p in problems)
    assert any('swarm_node_labels must map names to strings' in p for p in problems)


# ------------------------------------------------------------------------------------------- formation
def test_new_swarm_init_first_manager_then_joins():
    looks = {h: look(h) for h in ('m1', 'm2', 'm3', 'w1')}
    out = plan(['m1', 'm2', 'm3'], ['w1'], looks, settings('m1', 'm2', 'm3', 'w1'))
    assert out['problems'] == []
    assert out['hosts']['m1']['action'] == 'init'
    assert [out['hosts'][h]['action'] for h in ('m2', 'm3', 'w1')] == ['join'] * 3
    assert out['cluster']['bootstrap'] == 'm1' and out['cluster']['join_addr'] == '10.0.0.1:2377'
    assert out['cluster']['joins'] == ['m2', 'm3', 'w1'] and out['cluster']['fetch_tokens']
    assert not out['cluster']['exists'] and out['cluster']['listable'] and out['cluster']['verify']
    assert sorted(u['node'] for u in out['post_updates']) == ['m1', 'm2', 'm3', 'w1']


def test_formed_swarm_changes_nothing():
    looks = formed()
    out = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))
    assert out['problems'] == []
    assert all(s['action'] == 'none' and not s['leave'] and not s['update'] for s in out['hosts'].values())
    assert out['pre_updates'] == out['post_updates'] == out['remove_nodes'] == []
    assert out['cluster']['exists'] and out['cluster']['cluster_id'] == 'c1' and not out['cluster']['fetch_tokens']


def test_existing_swarm_adopted_on_a_later_manager_not_reinitialised():
    """m2 already leads a Swarm (made by hand); m1, first in the group, joins it instead of a second init."""
    nodes = [node('id-m2', 'm2', 'manager', leader=True)]
    looks = {'m1': look('m1'), 'm2': look('m2', 'active', 'id-m2', True, 'c9', nodes), 'm3': look('m3')}
    out = plan(['m1', 'm2', 'm3'], [], looks, settings('m1', 'm2', 'm3'))
    assert out['problems'] == []
    assert out['cluster']['bootstrap'] == 'm2' and out['cluster']['join_addr'] == '10.0.0.2:2377'
    assert out['hosts']['m1']['action'] == 'join' and out['hosts']['m2']['action'] == 'none'
    assert not any(s['action'] == 'init' for s in out['hosts'].values())


def test_labels_merge_only_missing_labels_change():
    nodes = [node('id-m1', 'm1', 'manager', leader=True, labels={'zone': 'a', 'foreign': 'x'})]
    looks = {'m1': look('m1', 'active', 'id-m1', True, 'c1', nodes)}
    same = plan(['m1'], [], looks, settings('m1', m1={'labels': {'zone': 'a'}}))
    assert same['post_updates'] == []
    changed = plan(['m1'], [], looks, settings('m1', m1={'labels': {'zone': 'b'}, 'availability': 'drain'}))
    assert changed['post_updates'] == [{'role': 'manager', 'labels': {'zone': 'b'}, 'availability': 'drain',
                                        'host': 'm1', 'node': 'id-m1'}]


# ------------------------------------------------------------------------------------------- repair
@pytest.mark.parametrize('state', ['pending', 'error'])
def test_half_joined_node_forced_out_then_joins(state):
    looks = formed(workers=('w1',))
    looks['w2'] = look('w2', state, 'id-half')
    out = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))
    step = out['hosts']['w2']
    assert (step['action'], step['leave'], step['leave_force']) == ('join', True, True)
    assert 'half-joined' in step['reason']


def test_stale_down_entry_removed_and_host_rejoins():
    """w2 dropped out (left locally); the manager still lists its old node as Down."""
    looks = formed(workers=('w1',), extra_nodes=[node('id-old', 'w2', state='down')])
    looks['w2'] = look('w2')
    out = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))
    assert out['hosts']['w2']['action'] == 'join' and not out['hosts']['w2']['leave']
    assert out['remove_nodes'] == [{'node': 'id-old', 'host': 'w2', 'why': 'stale (down)'}]


def test_node_whose_entry_is_gone_is_cleaned_and_rejoins():
    """Locally active, remote managers are ours, but the Swarm no longer lists it (removed by hand)."""
    looks = formed(workers=('w1',))
    looks['w2'] = look('w2', 'active', 'id-gone', remote=['10.0.0.1:2377'])
    out = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))
    assert (out['hosts']['w2']['action'], out['hosts']['w2']['leave_force']) == ('join', True)


def test_down_entry_of_an_unknown_host_is_kept():
    looks = formed(extra_nodes=[node('id-x', 'someone-else', state='down')])
    out = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))
    assert out['remove_nodes'] == []


def test_host_in_another_swarm_refused():
    looks = formed(workers=('w1',))
    looks['w2'] = look('w2', 'active', 'id-foreign', remote=['192.0.2.9:2377'])
    out = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))
    assert any('w2: its engine is in another Swarm' in p for p in out['problems'])


def test_managers_in_two_swarms_refused():
    looks = {'m1': look('m1', 'active', 'a', True, 'c1', [node('a', 'm1', 'manager', leader=True)]),
             'm2': look('m2', 'active', 'b', True, 'c2', [node('b', 'm2', 'manager', leader=True)]),
             'm3': look('m3')}
    out = plan(['m1', 'm2', 'm3'], [], looks, settings('m1', 'm2', 'm3'))
    assert any('lead different Swarms' in p for p in out['problems'])


def test_locked_swarm_refused():
    looks = formed()
    looks['w1']['swarm']['state'] = 'locked'
    assert any('locked' in p for p in plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))['problems'])


# ------------------------------------------------------------------------------------------- leaving, quorum
def test_worker_removed_from_groups_leaves_and_entry_removed():
    looks = formed()
    out = plan(['m1'], ['w1'], looks, settings('m1', 'w1', 'w2'))
    assert out['problems'] == []
    step = out['hosts']['w2']
    assert (step['role'], step['action'], step['leave'], step['leave_force']) == ('none', 'leave', True, False)
    assert out['pre_updates'] == []
    assert out['remove_nodes'] == [{'node': 'id-w2', 'host': 'w2', 'why': 'left'}]


def test_host_in_neither_group_and_not_a_member_untouched():
    looks = formed()
    looks['other'] = look('other')
    looks['own-swarm'] = look('own-swarm', 'active', 'z', True, 'c-own', [node('z', 'own-swarm', 'manager')])
    out = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2', 'other', 'own-swarm'))
    assert out['problems'] == []
    for host in ('other', 'own-swarm'):
        assert out['hosts'][host]['action'] == 'none' and not out['hosts'][host]['leave']
        assert not out['hosts'][host]['needs_packages']


def test_manager_removed_is_demoted_first_keeping_quorum():
    looks = formed(managers=('m1', 'm2', 'm3'), workers=())
    out = plan(['m1'], [], looks, settings('m1', 'm2', 'm3'))
    assert out['problems'] == []
    assert sorted(u['node'] for u in out['pre_updates']) == ['id-m2', 'id-m3']
    assert all(u['role'] == 'worker' and u['availability'] == 'drain' for u in out['pre_updates'])
    assert out['cluster']['leaving_managers'] == ['m2', 'm3']


def test_demotion_below_quorum_refused():
    """3 managers, m2 unreachable: demoting m3 leaves m1 and m2 with one reachable, below the quorum of 2."""
    nodes = [node('id-m1', 'm1', 'manager', leader=True), node('id-m2', 'm2', 'manager', reachability='unreachable'),
             node('id-m3', 'm3', 'manager')]
    looks = {'m1': look('m1', 'active', 'id-m1', True, 'c1', nodes), 'm3': look('m3', 'active', 'id-m3', True, 'c1')}
    out = plan(['m1', 'm2', 'm5'], [], looks, settings('m1', 'm3'))
    assert any('below the raft quorum of 2' in p and 'm3' in p for p in out['problems'])


def test_promotion_to_three_managers_and_demotion_back():
    looks = formed()
    up = plan(['m1', 'w1', 'w2'], [], looks, settings('m1', 'w1', 'w2'))
    assert up['problems'] == []
    assert sorted((u['node'], u['role']) for u in up['post_updates']) == [('id-w1', 'manager'), ('id-w2', 'manager')]
    nodes = [node('id-m1', 'm1', 'manager', leader=True), node('id-w1', 'w1', 'manager'),
             node('id-w2', 'w2', 'manager')]
    looks = {'m1': look('m1', 'active', 'id-m1', True, 'c1', nodes),
             'w1': look('w1', 'active', 'id-w1', True, 'c1', nodes), 'w2': look('w2', 'active', 'id-w2', True, 'c1')}
    down = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))
    assert down['problems'] == []
    assert sorted((u['node'], u['role']) for u in down['post_updates']) == [('id-w1', 'worker'), ('id-w2', 'worker')]


# ------------------------------------------------------------------------------------------- checks
def test_ports_blocked_refused_refused_only_once_the_manager_listens():
    fresh = {h: look(h) for h in ('m1', 'w1')}
    fresh['w1']['ports'] = [{'addr': '10.0.0.1', 'port': 2377, 'result': 'refused', 'error': 'refused'}]
    assert plan(['m1'], ['w1'], fresh, settings('m1', 'w1'))['problems'] == []
    fresh['w1']['ports'] = [{'addr': '10.0.0.1', 'port': 7946, 'result': 'blocked', 'error': 'timed out'}]
    problems = plan(['m1'], ['w1'], fresh, settings('m1', 'w1'))['problems']
    assert len(problems) == 1 and 'w1: 10.0.0.1:7946/tcp is blocked (timed out)' in problems[0]
    looks = formed(workers=('w1',))
    looks['w1']['ports'] = [{'addr': '10.0.0.1', 'port': 2377, 'result': 'refused', 'error': 'refused'}]
    assert any('refused the connection' in p for p in plan(['m1'], ['w1'], looks, settings('m1', 'w1'))['problems'])


def test_engine_checks():
    looks = {'m1': look('m1', version='26.1.5'), 'w1': look('w1', version='19.03.1'), 'w2': look('w2', version='27.0')}
    problems = plan(['m1'], ['w1', 'w2'], looks, settings('m1', 'w1', 'w2'))['problems']
    assert any('w1: Docker Engine 19.03.1 is older than 20.10' in p for p in problems)
    assert any('w2: worker engine 27.0.0 is newer than every manager' in p for p in problems)


def test_missing_engine_fails_unless_check_mode():
    looks = {'m1': look('m1', installed=False), 'w1': look('w1', installed=False, sdk=False)}
    assert any('Docker Engine is not installed' in p for p in plan(['m1'], ['w1'], looks, settings('m1', 'w1'))['problems'])
    out = plan(['m1'], ['w1'], looks, settings('m1', 'w1'), check_mode=True)
    assert out['problems'] == [] and not out['cluster']['act'] and out['cluster']['unable'] == ['m1', 'w1']


def test_check_mode_without_sdk_only_plans():
    looks = {'m1': look('m1', sdk=False), 'w1': look('w1')}
    out = plan(['m1'], ['w1'], looks, settings('m1', 'w1'), check_mode=True)
    assert out['hosts']['m1']['needs_packages'] and not out['cluster']['act']
    assert not out['cluster']['listable'] and not out['cluster']['verify'] and not out['hosts']['w1']['prove']
    real = plan(['m1'], ['w1'], looks, settings('m1', 'w1'))
    assert real['cluster']['act'] and real['hosts']['m1']['needs_packages'] and not real['hosts']['w1']['needs_packages']


def test_missing_advertise_address_named():
    looks = {'m1': look('m1')}
    out = plan(['m1'], [], looks, {'m1': {'advertise_addr': '', 'labels': {}, 'availability': 'active'}})
    assert any('m1: no advertise address' in p and 'swarm_advertise_addr' in p for p in out['problems'])


def test_first_manager_outside_the_run_without_a_swarm_refused():
    out = plan(['m1', 'm2', 'm3'], [], {'m2': look('m2')}, settings('m2'))
    assert any('m1, the first host of swarm_managers, is not in this run' in p for p in out['problems'])


# ------------------------------------------------------------------------------------------- after formation
def test_member_status_and_verify():
    nodes = [node('id-m1', 'm1', 'manager', leader=True), node('old', 'w1', state='down'), node('id-w1', 'w1')]
    assert member_status(nodes, 'w1') == {'member': True, 'node_id': 'id-w1', 'role': 'worker', 'ready': True,
                                          'leader': False, 'availability': 'active', 'labels': {}}
    assert member_status(nodes, 'm1')['leader']
    assert member_status(nodes, 'nobody') == {'member': False, 'node_id': '', 'role': 'none', 'ready': False,
                                              'leader': False, 'availability': '', 'labels': {}}
    assert verify_members(nodes, {'m1': 'manager', 'w1': 'worker'}) == []
    assert verify_members(nodes, {'m1': 'manager', 'w1': 'manager', 'w9': 'worker'}) == [
        'w1 is Ready worker, expected Ready manager', 'w9 is not listed by docker node ls']


@pytest.mark.parametrize('raw, expected', [
    ('HTTP/1.1 200 OK\r\nContent-type: text/html\r\n\r\nswarm-2\n', (True, 'swarm-2')),
    ('HTTP/1.1 404 Not Found\r\n\r\n<HTML>', (False, '<HTML>')),
    ('', (False, '')),
])
def test_http_body(raw, expected):
    assert http_body(raw) == expected


def test_read_ipvs_reads_the_kernels_files(tmp_path):
    proc = tmp_path / 'proc'
    (proc / 'net').mkdir(parents=True)
    assert read_ipvs(str(tmp_path))['available'] is False  # nothing to read: not claimed
    with gzip.open(str(proc / 'config.gz'), 'wt') as handle:
        handle.write('# CONFIG_IP_VS is not set\n')
    assert 'CONFIG_IP_VS is not set' in read_ipvs(str(tmp_path))['reason']
    (proc / 'modules').write_text('ip_vs 172032 0 - Live 0x0\n')
    assert read_ipvs(str(tmp_path))['available'] is True
