# -*- coding: utf-8 -*-
"""fleet_report_summary: what set_stats publishes for AWX/AAP, from the report's rows."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.filter.fleet_report_rows import fleet_report_rows
from ansible_collections.fleetops.docker_host.plugins.filter.fleet_report_summary import fleet_report_summary

FACTS = {'distribution': 'Debian', 'distribution_version': '12.8', 'kernel': '6.1.0-28-amd64'}
HOSTVARS = {
    'web1': {'ansible_facts': FACTS, 'fleetops_reached_report': True, 'k8s_sysctl_result': {'ok': True},
             'docker_daemon_result': {'installed': True, 'engine_version': '20.10.24', 'changed_keys': []}},
    'web2': {'ansible_facts': FACTS, 'fleetops_reached_report': True,
             'fleetops_failures': [{'stage': 'docker', 'msg': 'web2: no package'}]},
    'web3': {},
}
FILES = ['/home/me/fleet-report.html', '/home/me/fleet-report.md']


def test_summary_of_a_fleet_with_a_failed_and_an_unreachable_host():
    summary = fleet_report_summary(fleet_report_rows(HOSTVARS, list(HOSTVARS)), FILES)
    assert summary['files'] == FILES
    assert summary['hosts'] == 3
    assert summary['ok'] == ['web1']
    assert summary['failed'] == {'web2': ['docker'], 'web3': ['unreachable']}
    assert summary['per_host']['web1'] == {'status': 'ok', 'os': 'Debian 12.8', 'kernel': '6.1.0-28-amd64',
                                           'docker': '20.10.24', 'sysctl': 'ok'}
    assert summary['per_host']['web3']['status'] == 'failed or unreachable'
    assert summary['unmet'] == {}
    assert summary['counts'] == {'ok': 1, 'failed': 1, 'failed or unreachable': 1}
    assert 'check_run' not in summary


def test_summary_names_the_unmet_checks_and_the_run():
    host = {'ansible_facts': FACTS, 'fleetops_reached_report': True,
            'k8s_sysctl_result': {'ok': False, 'mismatches': ['net.ipv4.ip_forward'], 'changed': False}}
    meta = {'check_run': True, 'generated': '2026-12-06 21:00:00 UTC', 'collection': 'fleetops.docker_host 0.2.0'}
    summary = fleet_report_summary(fleet_report_rows({'web4': host}, ['web4']), [], meta)
    assert summary['unmet'] == {'web4': ['sysctl']} and summary['ok'] == []
    assert (summary['check_run'], summary['generated']) == (True, '2026-12-06 21:00:00 UTC')


def test_an_empty_fleet():
    assert fleet_report_summary([], None) == {'files': [], 'hosts': 0, 'ok': [], 'failed': {}, 'unmet': {},
                                              'counts': {'ok': 0}, 'per_host': {}}


@pytest.mark.parametrize('rows', ['web1', [{'status': 'ok'}], None])
def test_not_rows(rows):
    with pytest.raises(AnsibleFilterError, match='rows of fleet_report_rows'):
        fleet_report_summary(rows)
