# -*- coding: utf-8 -*-
"""The fleet report's decisions: the status rule, the report's shape, where it stands, its files' names."""

import datetime
import os
import re

import pytest

from ansible_collections.fleetops.docker_host.plugins.filter.fleet_report_rows import fleet_report_rows
from ansible_collections.fleetops.docker_host.plugins.plugin_utils._fleet_report import (
    MET, NONE, PENDING, STATUSES, UNMET, build_report, collection_version, histogram, host_status, redact_argv,
    render, report_paths, run_meta)

from .fleet_1000 import hostvars

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TEMPLATES = os.path.join(ROOT, 'playbooks', 'templates')
NOW = datetime.datetime(2026, 12, 6, 21, 30, 5, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize('failures, reached, verdicts, check_run, status', [
    ([{'stage': 'docker'}], True, {'sysctl': MET}, False, 'failed'),
    ([{'stage': 'docker'}], False, {}, False, 'failed'),
    ([], False, {'sysctl': MET}, False, 'failed or unreachable'),
    ([], True, {'sysctl': UNMET, 'k8s': MET}, False, 'unmet'),
    ([], True, {'sysctl': UNMET, 'k8s': PENDING}, True, 'unmet'),
    ([], True, {'sysctl': PENDING}, True, 'would change'),
    ([], True, {'sysctl': PENDING}, False, 'unmet'),
    ([], True, {'sysctl': MET, 'k8s': NONE, 'swarm': NONE}, False, 'ok'),
    ([], True, {}, True, 'ok'),
])
def test_the_status_rule(failures, reached, verdicts, check_run, status):
    assert host_status(failures, reached, verdicts, check_run) == status


def test_every_status_is_one_of_the_documented_ones_and_never_ok_next_to_a_bad_verdict():
    rows = fleet_report_rows(hostvars(), list(hostvars()))
    assert {row['status'] for row in rows} <= set(STATUSES)
    for row in rows:
        if row['sysctl'].startswith('bad') or row['k8s'].startswith('not ready'):
            assert row['status'] in ('unmet', 'failed', 'failed or unreachable'), row


def test_a_check_run_k8s_node_whose_stage_would_act():
    node = {'fleetops_reached_report': True, 'k8s_node_result': {
        'readiness': {'ready': False, 'unmet': [{'check': 'swap', 'msg': 'on', 'fix': 'off'}]}, 'changed': True,
        'machine_id': 'a', 'product_uuid': 'b'}}
    assert fleet_report_rows({'n': node}, ['n'], check_run=True)[0]['status'] == 'would change'
    assert fleet_report_rows({'n': node}, ['n'], check_run=False)[0]['status'] == 'unmet'


def test_a_check_run_on_a_fresh_host_where_another_stage_would_act():
    """The example inventory's case: docker would be installed (containerd with it), the k8s look says not ready."""
    node = {'fleetops_reached_report': True, 'docker_result': {'changed': True}, 'k8s_node_result': {
        'readiness': {'ready': False, 'unmet': [{'check': 'containerd', 'msg': 'absent', 'fix': 'install'}]},
        'changed': False, 'machine_id': 'a', 'product_uuid': 'b'},
        'k8s_sysctl_result': {'ok': False, 'mismatches': ['net.ipv4.ip_forward'], 'changed': False}}
    (row,) = fleet_report_rows({'n': node}, ['n'], check_run=True)
    assert (row['status'], row['sysctl']) == ('would change', 'bad: net.ipv4.ip_forward')
    # Nothing would change: the verdicts are settled, unmet.
    settled = dict(node, docker_result={'changed': False})
    assert fleet_report_rows({'n': settled}, ['n'], check_run=True)[0]['status'] == 'unmet'
    # A cloned machine-id is not something the run changes.
    clone = dict(node, k8s_sysctl_result={'ok': True})
    rows = fleet_report_rows({'n': clone, 'm': clone}, ['n', 'm'], check_run=True)
    assert [row['status'] for row in rows] == ['unmet', 'unmet']


def test_histogram_keeps_the_most_common_and_folds_the_rest():
    bars = histogram(['a'] * 5 + ['b'] * 3 + ['c', 'd', 'e'], bars=3)
    assert bars == [('a', 5, 45.5), ('b', 3, 27.3), ('other (3 values)', 3, 27.3)]
    assert histogram([]) == []


def test_redact_argv_hides_secrets_only():
    line = redact_argv(['ansible-playbook', '-i', 'inv', '-e', 'ansible_become_password=s3cret', '-e',
                        '{"vault_token": "x"}', '-e', 'kernel_ml_serial=1', 'fleetops.docker_host.site'])
    assert 's3cret' not in line and '"x"' not in line
    assert "ansible_become_password=********" in line and 'kernel_ml_serial=1' in line
    assert line.endswith('fleetops.docker_host.site')


def test_collection_version_from_manifest_or_galaxy_yml(tmp_path):
    assert collection_version(str(tmp_path)) == 'unknown'
    (tmp_path / 'galaxy.yml').write_text('namespace: fleetops\nversion: 0.2.0  # the release\n')
    assert collection_version(str(tmp_path)) == '0.2.0'
    (tmp_path / 'MANIFEST.json').write_text('{"collection_info": {"version": "0.3.1"}}')
    assert collection_version(str(tmp_path)) == '0.3.1'


def test_a_check_run_never_names_a_real_runs_files():
    assert report_paths('/r/fleet', ['md', 'html'], False) == ['/r/fleet.html', '/r/fleet.md']
    assert report_paths('/r/fleet', ['md', 'html'], True) == ['/r/fleet.check.html', '/r/fleet.check.md']


def _report(check_run=False):
    fleet = hostvars()
    meta = run_meta(check_run, ['ansible-playbook', '-i', 'inventory', 'fleetops.docker_host.site'],
                    playbooks=['fleetops.docker_host.site'], inventory_sources=['/srv/inventory'],
                    ansible_version='2.21.5', version='0.2.0', now=NOW)
    return build_report(fleet_report_rows(fleet, list(fleet), check_run=check_run), meta)


def test_the_report_at_1000_hosts():
    report = _report()
    counts = dict(report['counts'])
    assert sum(counts.values()) == 1000 and list(counts) == [s for s in STATUSES if s in counts]
    assert report['headline'].startswith('1000 hosts, %d ok, %d failed' % (counts['ok'], counts['failed']))
    assert len(report['failed']) == counts['failed'] + counts['failed or unreachable']
    assert [title for _key, title in report['columns']][-4:] == ['Docker before -> after', 'Containers', 'Sysctl', 'Hello']
    docker = dict((value, n) for value, n, _percent in report['charts'][0][1])
    assert docker['26.1.5'] > docker['27.5.1'] > docker['20.10.24'] and sum(docker.values()) == 1000


def test_the_markdown_places_itself_and_lists_failures_and_fixes():
    md = render(_report(), 'md', TEMPLATES)
    for line in ('- Run: real run', '- Generated: 2026-12-06 21:30:05 UTC',
                 '- Collection: fleetops.docker_host 0.2.0 (ansible-core 2.21.5)', '- Inventory: /srv/inventory',
                 '- Playbook: fleetops.docker_host.site', '## Failed hosts', '## What is unmet, and the fix'):
        assert line in md
    assert md.index('## Failed hosts') < md.index('| Host |')
    table = [line for line in md.splitlines() if line.startswith('| host-')]
    assert len(table) == 1000 and all(line.count(' | ') == table[0].count(' | ') for line in table)
    assert 'CHECK RUN' not in md
    check = render(_report(check_run=True), 'md', TEMPLATES)
    assert check.startswith('# Fleet report (check run)\n') and 'CHECK RUN (`--check`)' in check


def test_the_html_escapes_and_carries_the_fix_section():
    report = _report()
    report['rows'][0]['os'] = '<script>alert(1)</script>'
    html = render(report, 'html', TEMPLATES)
    assert '<script>alert(1)' not in html and '&lt;script&gt;alert(1)' in html
    assert 'What is unmet, and the fix' in html and '<pre' not in html
    assert not re.search(r'''(src|href)\s*=\s*["']?(https?:)?//''', html)


def test_the_bundle_column_shows_where_a_host_was_installed_from_a_bundle():
    fleet = hostvars()
    names = sorted(fleet)[:2]
    fleet = dict((name, fleet[name]) for name in names)
    fleet[names[0]] = dict(fleet[names[0]], docker_result={'source': 'bundle', 'bundle': {'id': 'docker-debian12-amd64-1'}})
    meta = run_meta(False, ['ansible-playbook', 'fleetops.docker_host.site'], playbooks=['fleetops.docker_host.site'],
                    inventory_sources=['/srv/inventory'], ansible_version='2.21.5', version='0.2.0', now=NOW)
    report = build_report(fleet_report_rows(fleet, names), meta)
    assert [title for _key, title in report['columns']][-3:] == ['Bundle', 'Sysctl', 'Hello']
    assert [row['docker_bundle'] for row in report['rows']] == ['docker-debian12-amd64-1', '-']
