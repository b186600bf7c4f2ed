# -*- coding: utf-8 -*-
"""fleet_report_rows: the report reads only the documented results, and says '-' for a stage not taken."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.filter.fleet_report_rows import fleet_report_rows, sysctl_column

FACTS = {'distribution': 'Debian', 'distribution_version': '12.8', 'kernel': '6.1.0-28-amd64'}
CONVERGED = {
    'ansible_facts': FACTS,
    'fleetops_preflight': {'preflight': {'kernel': {'release': '6.1.0-28-amd64'}}},
    'docker_daemon_result': {'installed': True, 'engine_version': '20.10.24', 'changed_keys': ['insecure-registries'],
                             'action': 'reload', 'hello': {'rc': 0, 'stdout': 'hello\n', 'stderr': ''}},
    'k8s_sysctl_result': {'ok': True, 'mismatches': []},
    'fleetops_reached_report': True,
}


def test_a_converged_host():
    (row,) = fleet_report_rows({'h1': CONVERGED}, ['h1'])
    assert row == {'host': 'h1', 'status': 'ok', 'os': 'Debian 12.8', 'kernel_before': '6.1.0-28-amd64', 'kernel_tried': '-',
                   'kernel_after': '6.1.0-28-amd64', 'docker': '20.10.24', 'daemon_keys': 'insecure-registries',
                   'daemon_action': 'reload', 'sysctl': 'ok', 'hello': 'hello', 'k8s': '-', 'k8s_unmet': [],
                   'swarm': '-', 'docker_upgrade': '-', 'containers': '-', 'docker_bundle': '-', 'unmet': [],
                   'verdicts': {'sysctl': 'met', 'k8s': 'none', 'swarm': 'none'}, 'failures': []}


def test_kernel_result_wins_over_preflight_and_facts():
    host = dict(CONVERGED, kernel_ml_result={'kernel_before': '6.1.0-28-amd64', 'kernel_after': '6.12.9+bpo-amd64'})
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert (row['kernel_before'], row['kernel_after']) == ('6.1.0-28-amd64', '6.12.9+bpo-amd64')


def test_a_kernel_that_fell_back_shows_before_tried_and_after():
    host = dict(CONVERGED, kernel_ml_result={'kernel_before': '6.1.0-28-amd64', 'kernel_tried': '6.12.9+bpo-amd64',
                                             'kernel_after': '6.1.0-28-amd64', 'status': 'fell_back'},
                fleetops_failures=[{'stage': 'kernel', 'msg': 'h1: booted kernel 6.12.9+bpo-amd64 once and ...'}])
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert (row['kernel_before'], row['kernel_tried'], row['kernel_after'], row['status']) == \
        ('6.1.0-28-amd64', '6.12.9+bpo-amd64', '6.1.0-28-amd64', 'failed')


def test_a_host_that_did_not_come_back_is_not_reported_on_its_old_kernel():
    host = dict(CONVERGED, kernel_ml_result={'kernel_before': '6.1.0-28-amd64', 'kernel_tried': '6.12.9+bpo-amd64',
                                             'kernel_after': '', 'status': 'not_back'})
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert (row['kernel_tried'], row['kernel_after']) == ('6.12.9+bpo-amd64', 'not back')


def test_a_host_that_failed_before_the_daemon_stage():
    host = {'ansible_facts': FACTS, 'fleetops_reached_report': True,
            'fleetops_failures': [{'stage': 'sysctl', 'msg': 'h1: bad key'}]}
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert row['status'] == 'failed'
    assert (row['docker'], row['daemon_keys'], row['daemon_action'], row['hello'], row['sysctl']) == \
        ('-', '-', '-', '-', 'not checked')
    assert row['failures'] == [{'stage': 'sysctl', 'msg': 'h1: bad key'}]


def test_nothing_changed_and_the_report_read_the_engine():
    host = dict(CONVERGED, docker_daemon_result=dict(CONVERGED['docker_daemon_result'], changed_keys=[], action='none'))
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert (row['daemon_keys'], row['daemon_action']) == ('none', '-')
    host = {'ansible_facts': FACTS, 'fleetops_report_engine': {'installed': True, 'engine_version': '26.1.5'}, 'fleetops_reached_report': True}
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert row['docker'] == '26.1.5'
    host['fleetops_report_engine'] = {'installed': False, 'engine_version': ''}
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert row['docker'] == '-'


def test_check_mode_on_a_fresh_host_shows_no_daemon_keys():
    host = dict(CONVERGED, docker_daemon_result={'installed': False, 'engine_version': '', 'hello': {}})
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert (row['docker'], row['daemon_keys'], row['hello']) == ('-', '-', '-')


def test_unreachable_and_unknown_hosts_and_order():
    rows = fleet_report_rows({'b': CONVERGED}, ['b', 'a'])
    assert [r['host'] for r in rows] == ['a', 'b']
    assert rows[0]['status'] == 'failed or unreachable' and rows[0]['os'] == '?'


@pytest.mark.parametrize('result, text', [
    ({}, 'not checked'),
    ({'ok': True, 'mismatches': []}, 'ok'),
    ({'ok': False, 'mismatches': ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables']},
     'bad: net.ipv4.ip_forward, net.bridge.bridge-nf-call-iptables'),
    # A check run whose sysctl stage would set them: not yet bad, the stage acts on them in a real run.
    ({'ok': False, 'mismatches': ['net.ipv4.ip_forward'], 'changed': True}, 'would set: net.ipv4.ip_forward'),
])
def test_sysctl_column(result, text):
    assert sysctl_column(result) == text


# The case: the read-only preflight found a bad sysctl; the status said ok next to it.
BAD_SYSCTL = {'ok': False, 'mismatches': ['net.ipv4.ip_forward'], 'changed': False,
              'msg': 'net.ipv4.ip_forward: runtime 0, expected 1', 'hints': ['set it with sysctl -w net.ipv4.ip_forward=1']}


@pytest.mark.parametrize('check_run', [False, True])
def test_a_bad_sysctl_verdict_is_never_ok(check_run):
    (row,) = fleet_report_rows({'h1': dict(CONVERGED, k8s_sysctl_result=BAD_SYSCTL)}, ['h1'], check_run=check_run)
    assert (row['status'], row['sysctl']) == ('unmet', 'bad: net.ipv4.ip_forward')
    assert row['unmet'] == [{'stage': 'sysctl', 'check': 'sysctl', 'msg': BAD_SYSCTL['msg'],
                             'fix': 'set it with sysctl -w net.ipv4.ip_forward=1'}]


def test_a_check_run_that_would_set_the_sysctls_would_change():
    would = dict(BAD_SYSCTL, changed=True)
    (row,) = fleet_report_rows({'h1': dict(CONVERGED, k8s_sysctl_result=would)}, ['h1'], check_run=True)
    assert (row['status'], row['sysctl']) == ('would change', 'would set: net.ipv4.ip_forward')
    # A real run whose stage changed them and still found them wrong: unmet (the stage would have failed).
    (row,) = fleet_report_rows({'h1': dict(CONVERGED, k8s_sysctl_result=would)}, ['h1'], check_run=False)
    assert row['status'] == 'unmet'


def test_a_failure_outranks_every_verdict():
    host = dict(CONVERGED, k8s_sysctl_result=BAD_SYSCTL, fleetops_failures=[{'stage': 'docker', 'msg': 'm'}])
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert row['status'] == 'failed'


def test_swarm_and_upgrade_columns_when_their_results_exist():
    host = dict(CONVERGED, swarm_result={'role': 'manager', 'ready': True, 'leader': True},
                docker_upgrade_result={'before': '20.10.24', 'after': '26.1.5', 'containers': ['a', 'b']})
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert (row['swarm'], row['docker_upgrade'], row['containers'], row['status']) == \
        ('manager, ready, leader', '20.10.24 -> 26.1.5', '2', 'ok')
    host = dict(CONVERGED, swarm_result={'role': 'worker', 'ready': False, 'leader': False})
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert (row['swarm'], row['status'], row['unmet'][0]['check']) == ('worker, not ready', 'unmet', 'swarm')
    host = dict(CONVERGED, docker_upgrade_result={'before': '20.10.24', 'after': '20.10.24',
                                                  'containers': {'running_before': 3, 'running_after': 3}})
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert row['containers'] == 'running_after=3, running_before=3'


def test_the_bundle_a_host_was_installed_from():
    host = dict(CONVERGED, docker_result={'source': 'bundle', 'bundle': {'id': 'docker-rocky9-x86_64-20261207T044500Z',
                                                                         'fingerprint': 'F' * 40}})
    (row,) = fleet_report_rows({'h1': host}, ['h1'])
    assert row['docker_bundle'] == 'docker-rocky9-x86_64-20261207T044500Z'
    (row,) = fleet_report_rows({'h1': dict(CONVERGED, docker_result={'source': 'repo'})}, ['h1'])
    assert row['docker_bundle'] == '-'


def test_hosts_must_be_a_list():
    with pytest.raises(AnsibleFilterError, match='hosts must be a list'):
        fleet_report_rows({}, 'h1')


def _node(machine_id, product_uuid='', *, ready=True, unmet=(), in_container=False, key='k8s_node_result'):
    verdict = {'ready': ready, 'unmet': list(unmet), 'notes': []}
    return dict(CONVERGED, **{key: {'readiness': verdict, 'machine_id': machine_id, 'product_uuid': product_uuid,
                                    'in_container': in_container}})


def test_k8s_column_ready_unready_and_not_a_node():
    swap = {'check': 'swap', 'msg': 'swap is on: /swapfile', 'fix': 'swapoff -a'}
    rows = fleet_report_rows({'a': _node('m1'), 'b': _node('m2', ready=False, unmet=[swap]), 'c': CONVERGED},
                             ['a', 'b', 'c'])
    assert [r['k8s'] for r in rows] == ['k8s ready', 'not ready: swap (swap is on: /swapfile)', '-']
    assert rows[1]['k8s_unmet'] == [swap] and rows[2]['k8s_unmet'] == []
    assert [r['status'] for r in rows] == ['ok', 'unmet', 'ok']
    assert rows[1]['unmet'] == [dict(swap, stage='k8s')]


def test_k8s_column_from_the_reports_own_look():
    host = _node('m1', key='fleetops_report_k8s')
    (row,) = fleet_report_rows({'a': host}, ['a'])
    assert row['k8s'] == 'k8s ready'


def test_k8s_duplicate_machine_id_and_product_uuid_across_the_fleet():
    rows = fleet_report_rows({'a': _node('same', 'u1'), 'b': _node('same', 'u2'), 'c': _node('other', 'u1'),
                              'd': _node('d', 'box', in_container=True), 'e': _node('e', 'box', in_container=True)},
                             ['a', 'b', 'c', 'd', 'e'])
    by_host = {r['host']: r for r in rows}
    assert by_host['a']['k8s'] == ('not ready: machine_id (machine-id is the same as on b); '
                                   'product_uuid (product-uuid is the same as on c)')
    assert by_host['b']['k8s'] == 'not ready: machine_id (machine-id is the same as on a)'
    assert 'systemd-machine-id-setup' in by_host['b']['k8s_unmet'][0]['fix']
    # Containers share the machine's product UUID: not a cloned image.
    assert by_host['d']['k8s'] == by_host['e']['k8s'] == 'k8s ready'
