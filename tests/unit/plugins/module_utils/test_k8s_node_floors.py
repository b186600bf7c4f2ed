# -*- coding: utf-8 -*-
"""_k8s_node's Kubernetes floors: each row against its source, the version rules, containerd's lines, and the verdict's fixes."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import (
    FLOORS,
    NEWEST,
    FloorsError,
    containerd_supported,
    floors_for,
    floors_unmet,
    parse_apt_policy,
    parse_dnf_list,
    release,
)

# containerd's RELEASES.md "Kubernetes Support" as the file states it (containerd/containerd@301026e5 for 1.32-1.36,
# the file's history for 1.28-1.31), copied row by row: the table must say the same.
CONTAINERD_MATRIX = {
    '1.28': '1.7.0+, 1.6.15+',
    '1.29': '1.7.11+, 1.6.27+',
    '1.30': '2.1.0+, 2.0.0+, 1.7.13+, 1.6.28+',
    '1.31': '2.1.0+, 2.0.0+, 1.7.20+, 1.6.34+',
    '1.32': '2.1.0+, 2.0.1+, 1.7.24+, 1.6.36+',
    '1.33': '2.1.0+, 2.0.4+, 1.7.24+, 1.6.36+',
    '1.34': '2.1.3+, 2.0.6+, 1.7.28+, 1.6.39+',
    '1.35': '2.2.0+, 2.1.5+, 1.7.28+',
    '1.36': '2.3.0+, 2.2.0+',
}
# kubeadm's SystemVerification kernel floor: 3.10+ before 1.32, 4.19+ from 1.32 (system-validators#37).
KERNEL = dict((version, '4.19' if version >= '1.32' else '3.10') for version in CONTAINERD_MATRIX)
# cgroup v1: supported until 1.30, maintenance mode 1.31-1.34 (KEP-4569), refused from 1.35 (KEP-5573).
CGROUP_V1 = {'1.28': 'supported', '1.29': 'supported', '1.30': 'supported', '1.31': 'maintenance',
             '1.32': 'maintenance', '1.33': 'maintenance', '1.34': 'maintenance', '1.35': 'refused', '1.36': 'refused'}
# kubeadm's PauseVersion per release (constants.go; `kubeadm config images list`).
PAUSE = {'1.28': '3.9', '1.29': '3.9', '1.30': '3.9', '1.31': '3.10', '1.32': '3.10', '1.33': '3.10',
         '1.34': '3.10.1', '1.35': '3.10.1', '1.36': '3.10.2'}

# This machine's engine: Debian 12's containerd 1.6 on cgroup v1, a 6.x kernel.
HERE = {
    'kernel': '6.1.0-18-amd64', 'cgroup': {'version': 'v1', 'hybrid': False}, 'in_container': True,
    'distribution': 'Debian GNU/Linux 12 (bookworm)',
    'containerd': {'installed': True, 'version': '1.6.20~ds1', 'effective_sandbox_image': 'registry.k8s.io/pause:3.6'},
    'containerd_offers': {'containerd': ['1.6.20~ds1-1+b1']},
}


@pytest.mark.parametrize('version', sorted(CONTAINERD_MATRIX))
def test_each_row_says_what_its_sources_say(version):
    row = FLOORS[version]
    assert ', '.join(item + '+' for item in row['containerd']) == CONTAINERD_MATRIX[version]
    assert row['kernel'] == KERNEL[version]
    assert row['cgroup_v1'] == CGROUP_V1[version]
    assert row['pause'] == 'registry.k8s.io/pause:' + PAUSE[version]
    assert any('containerd RELEASES.md' in source for source in row['sources'])
    assert any(PAUSE[version] in source for source in row['sources'])


def test_the_table_is_the_matrix_and_nothing_else():
    assert sorted(FLOORS) == sorted(CONTAINERD_MATRIX) and NEWEST == '1.36'


def test_1_35_is_the_last_release_with_containerd_1():
    assert any(item.startswith('1.') for item in FLOORS['1.35']['containerd'])
    assert not any(item.startswith('1.') for item in FLOORS['1.36']['containerd'])


@pytest.mark.parametrize('given, row, noted', [
    (None, NEWEST, False), ('', NEWEST, False), ('1.35', '1.35', False), (' 1.28 ', '1.28', False),
    ('1.37', NEWEST, True), ('2.0', NEWEST, True),
])
def test_versions(given, row, noted):
    version, floors, notes = floors_for(given)
    assert version == row and floors is FLOORS[row] and bool(notes) is noted
    if noted:
        assert 'newer than the floors this collection knows' in notes[0] and NEWEST in notes[0]


@pytest.mark.parametrize('given, words', [
    ('1.35.2', 'not a Kubernetes MAJOR.MINOR'), ('v1.35', 'not a Kubernetes MAJOR.MINOR'),
    ('latest', 'not a Kubernetes MAJOR.MINOR'), ('1.27', 'older than the floors'), ('1.9', 'older than the floors'),
])
def test_a_version_the_table_cannot_judge_is_refused(given, words):
    with pytest.raises(FloorsError) as error:
        floors_for(given)
    assert words in str(error.value) and repr(given.strip()) in str(error.value) or given in str(error.value)
    assert NEWEST in str(error.value)


@pytest.mark.parametrize('text, parsed', [
    ('6.1.0-18-amd64', (6, 1, 0)), ('4.18.0-553.el8_10.x86_64', (4, 18, 0)), ('1.6.20~ds1', (1, 6, 20)),
    ('1:1.7.24~ds1-1', (1, 7, 24)), ('v2.1.4', (2, 1, 4)), ('5.10', (5, 10, 0)), ('', None), ('unknown', None),
])
def test_release(text, parsed):
    assert release(text) == parsed


@pytest.mark.parametrize('version, row, supported', [
    ('1.6.20~ds1', '1.28', True), ('1.6.14', '1.28', False), ('2.1.4', '1.28', True),  # 2.x is newer than the row
    ('1.6.20~ds1', '1.29', False), ('1.7.28', '1.35', True), ('1.7.27', '1.35', False), ('1.6.39', '1.35', False),
    ('2.0.6', '1.35', False),  # 2.0 left the row: end of life when 1.35 came out
    ('2.1.5', '1.35', True), ('2.1.4', '1.35', False), ('1.7.29', '1.36', False), ('2.2.0', '1.36', True),
    ('2.4.0', '1.36', True), ('1.5.18', '1.28', False), ('garbage', '1.28', False),
])
def test_containerd_lines(version, row, supported):
    assert containerd_supported(version, FLOORS[row]['containerd']) is supported


def test_this_machine_is_not_ready_for_1_35_with_both_reasons():
    version, unmet, notes = floors_unmet(HERE, '1.35')
    assert version == '1.35'
    assert [item['check'] for item in unmet] == ['cgroup', 'containerd']
    cgroup, containerd = unmet
    assert 'cgroup v1' in cgroup['msg'] and 'failCgroupV1' in cgroup['msg']
    assert 'containerd 1.6.20~ds1' in containerd['msg'] and '2.2.0+, 2.1.5+, 1.7.28+' in containerd['msg']
    # Nothing newer is offered: said plainly, with the distribution release.
    assert containerd['fix'].startswith('none is available for Debian GNU/Linux 12 (bookworm)')
    assert 'containerd 1.6.20~ds1-1+b1' in containerd['fix']
    assert any('registry.k8s.io/pause:3.10.1' in note for note in notes)


def test_this_machine_is_ready_for_1_28_and_not_for_1_29():
    assert floors_unmet(HERE, '1.28')[1] == []
    assert [item['check'] for item in floors_unmet(HERE, '1.29')[1]] == ['containerd']


def test_the_cgroup_v2_fix_is_the_kernel_roll_out_on_a_host_and_the_machine_in_a_container():
    host = dict(HERE, in_container=False)
    (item,) = [item for item in floors_unmet(host, '1.36')[1] if item['check'] == 'cgroup']
    assert 'kernel_ml_cmdline_args: [systemd.unified_cgroup_hierarchy=1]' in item['fix']
    assert 'kernel_ml_hosts' in item['fix']
    (item,) = [item for item in floors_unmet(HERE, '1.36')[1] if item['check'] == 'cgroup']
    assert "the machine's" in item['msg'] and item['fix'].startswith('move the machine')


def test_cgroup_v1_is_a_note_in_maintenance_mode():
    version, unmet, notes = floors_unmet(HERE, '1.33')
    assert 'cgroup' not in [item['check'] for item in unmet]
    assert any('maintenance mode' in note for note in notes)


def test_an_old_kernel_points_at_kernel_ml():
    host = dict(HERE, in_container=False, kernel='4.18.0-553.el8_10.x86_64')
    (item,) = [item for item in floors_unmet(host, '1.32')[1] if item['check'] == 'kernel']
    assert '4.18.0-553.el8_10.x86_64 is older than 4.19' in item['msg'] and 'kernel_ml' in item['fix']
    assert [item for item in floors_unmet(host, '1.31')[1] if item['check'] == 'kernel'] == []


def test_a_newer_containerd_on_offer_is_named():
    host = dict(HERE, containerd_offers={'containerd': ['1.6.20~ds1-1+b1'], 'containerd.io': ['1.7.28-1', '2.2.1-1']})
    (item,) = [item for item in floors_unmet(host, '1.35')[1] if item['check'] == 'containerd']
    assert item['fix'].startswith('upgrade the engine packages: containerd.io 2.2.1-1')
    assert 'docker_package_source: repo' in item['fix']


def test_a_host_that_meets_every_floor():
    host = {'kernel': '6.12.0', 'cgroup': {'version': 'v2'},
            'containerd': {'installed': True, 'version': '2.2.1', 'effective_sandbox_image': 'registry.k8s.io/pause:3.10.2'}}
    assert floors_unmet(host, None) == (NEWEST, [], [])


APT_POLICY = """containerd:
  Installed: 1.6.20~ds1-1+b1
  Candidate: 1.6.20~ds1-1+b1
  Version table:
 *** 1.6.20~ds1-1+b1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
containerd.io:
  Installed: (none)
  Candidate: 1.7.28-1
  Version table:
     1.7.28-1 500
        500 https://download.docker.com/linux/debian bookworm/stable amd64 Packages
     1.7.27-1 500
        500 https://download.docker.com/linux/debian bookworm/stable amd64 Packages
"""

DNF_LIST = """Installed Packages
containerd.io.x86_64                 1.6.32-3.1.el9                 @docker-ce-stable
Available Packages
containerd.io.x86_64                 1.6.32-3.1.el9                 docker-ce-stable
containerd.io.x86_64                 1.7.28-1.el9                   docker-ce-stable
"""


def test_parse_apt_policy():
    assert parse_apt_policy(APT_POLICY) == {'containerd': ['1.6.20~ds1-1+b1'], 'containerd.io': ['1.7.28-1', '1.7.27-1']}
    assert parse_apt_policy('') == {}


def test_parse_dnf_list():
    assert parse_dnf_list(DNF_LIST, ('containerd', 'containerd.io')) == {'containerd.io': ['1.6.32-3.1.el9', '1.7.28-1.el9']}
