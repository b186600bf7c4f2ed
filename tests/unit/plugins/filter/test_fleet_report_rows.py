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
                   'daemon_action': 'reload', 'sysctl': 'ok', 'hello': 'hello', 'failures': []}


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
])
def test_sysctl_column(result, text):
    assert sysctl_column(result) == text


def test_hosts_must_be_a_list():
    with pytest.raises(AnsibleFilterError, match='hosts must be a list'):
        fleet_report_rows({}, 'h1')
