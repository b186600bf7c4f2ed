# -*- coding: utf-8 -*-
"""_k8s_node: swap in fstab and /proc/swaps, unit names, ports, and the readiness verdict with its fixes."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import NEWEST
from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import (
    FSTAB_MARK,
    comment_fstab_swap,
    fleet_duplicates,
    fstab_swap_lines,
    listening_ports,
    parse_proc_swaps,
    parse_unit_list,
    readiness,
    verdict_text,
)

FSTAB = """# /etc/fstab
UUID=1234 / ext4 errors=remount-ro 0 1
/swapfile none swap sw 0 0
  UUID=abcd  none  swap  sw,pri=5  0  0
# /dev/sdb1 none swap sw 0 0
tmpfs /swap tmpfs defaults 0 0
"""


def test_fstab_swap_lines_are_found_and_commented_once():
    assert fstab_swap_lines(FSTAB) == [2, 3]
    new, commented = comment_fstab_swap(FSTAB)
    assert commented == ['/swapfile none swap sw 0 0', '  UUID=abcd  none  swap  sw,pri=5  0  0']
    lines = new.splitlines()
    assert lines[2] == FSTAB_MARK + '/swapfile none swap sw 0 0'
    assert lines[1] == 'UUID=1234 / ext4 errors=remount-ro 0 1' and lines[5] == 'tmpfs /swap tmpfs defaults 0 0'
    assert len(lines) == len(FSTAB.splitlines())
    assert comment_fstab_swap(new) == (new, [])
    assert comment_fstab_swap('') == ('', [])
    assert comment_fstab_swap('/swap none swap sw 0 0') == (FSTAB_MARK + '/swap none swap sw 0 0', ['/swap none swap sw 0 0'])


def test_proc_swaps():
    text = ('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t2097148\t\t0\t\t-2\n'
            '/dev/zram0                              partition\t4046844\t\t1024\t\t100\n/my\\040swap file 10 0 -3\n')
    entries = parse_proc_swaps(text)
    assert entries[0] == {'filename': '/swapfile', 'type': 'file', 'size_kib': 2097148, 'used_kib': 0, 'priority': -2}
    assert entries[1]['filename'] == '/dev/zram0' and entries[1]['priority'] == 100
    assert entries[2]['filename'] == '/my swap'
    assert parse_proc_swaps('Filename Type Size Used Priority\n') == []


def test_unit_list():
    out = 'dev-zram0.swap loaded active active Compressed Swap on /dev/zram0\n● swapfile.swap not-found inactive dead swapfile.swap\n'
    assert parse_unit_list(out) == ['dev-zram0.swap', 'swapfile.swap']


def test_listening_ports():
    tcp = ('  sl  local_address rem_address   st tx_queue\n'
           '   0: 00000000:192A 00000000:0000 0A 00000000:00000000\n'
           '   1: 0100007F:2808 0100007F:9C40 01 00000000:00000000\n')
    tcp6 = '  sl  local_address\n   0: 00000000000000000000000000000000:2808 00000000000000000000000000000000:0000 0A 0\n'
    assert listening_ports(tcp, tcp6) == [6442, 10248]
    assert listening_ports('', None) == []


READY = {
    'kernel': '6.1.0-18-amd64', 'cgroup': {'version': 'v2', 'hybrid': False, 'controllers': ['cpu', 'memory']},
    'distribution': 'Debian GNU/Linux 12 (bookworm)', 'containerd_offers': {},
    'containerd': {'installed': True, 'active': True, 'cri': 'ok', 'socket': '/run/containerd/containerd.sock',
                   'version': '2.2.1', 'effective_sandbox_image': 'registry.k8s.io/pause:3.10.2',
                   'effective_cgroup_driver': 'systemd', 'config': {'cgroup_driver': 'systemd'}},
    'cri_call': {'client': 'python-grpc', 'proof': 'python-grpc', 'runtime_name': 'containerd', 'runtime_ready': True,
                 'conditions': {'RuntimeReady': True, 'NetworkReady': True}, 'not_ready_reason': '', 'error': None},
    'swap': {'active': [], 'fstab_lines': [], 'units_active': []},
    'sysctls': {'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1'},
    'modules': {'overlay': 'loaded', 'br_netfilter': 'builtin'},
    'commands': {'conntrack': '/usr/sbin/conntrack', 'socat': '/usr/bin/socat'},
    'ports_in_use': [],
    'hostname': {'name': 'node-1', 'resolves': True},
    'machine_id': 'abc', 'product_uuid': 'uuid-1', 'in_container': False, 'init': 'systemd',
}


def _with(**changes):
    facts = copy.deepcopy(READY)
    for path, value in changes.items():
        node = facts
        parts = path.split('__')
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return facts


def test_a_ready_node():
    verdict = readiness(READY)
    assert (verdict['ready'], verdict['unmet'], verdict['notes']) == (True, [], [])
    assert verdict['kubernetes_version'] == verdict['floors_version'] == NEWEST
    assert verdict_text(verdict) == 'ready for %s' % NEWEST


def test_a_verdict_from_before_the_floors_keeps_its_text():
    assert verdict_text({'ready': True, 'unmet': [], 'notes': []}) == 'k8s ready'
    assert verdict_text({'ready': False, 'unmet': [{'check': 'swap', 'msg': 'on'}]}) == 'not ready: swap (on)'


@pytest.mark.parametrize('changes, check, words', [
    ({'containerd__cri': 'skip'}, 'cri', 'remove "cri" from disabled_plugins'),
    ({'containerd__cri': None}, 'cri', 'CRI plugin is not loaded'),
    ({'containerd__active': False}, 'cri', 'systemctl enable --now containerd'),
    ({'containerd__installed': False}, 'cri', 'install containerd'),
    ({'cri_call__error': 'runtime.v1: StatusCode.UNAVAILABLE connect: refused'}, 'cri', 'connect: refused'),
    ({'cri_call__runtime_ready': False, 'cri_call__not_ready_reason': 'NoShim'}, 'cri', 'RuntimeReady is false (NoShim)'),
    ({'cri_call__runtime_ready': None}, 'cri', 'RuntimeReady is missing'),
    ({'containerd__effective_cgroup_driver': 'cgroupfs'}, 'cgroup_driver', 'SystemdCgroup = true'),
    ({'containerd__effective_cgroup_driver': None, 'containerd__config': {}}, 'cgroup_driver', 'SystemdCgroup unset'),
    ({'init': 'init'}, 'cgroup_driver', 'k8s_node_cgroup_driver: cgroupfs'),
    ({'swap__active': [{'filename': '/swapfile'}]}, 'swap', 'swapoff -a'),
    ({'swap__fstab_lines': ['/swapfile none swap sw 0 0']}, 'swap', 'comment those lines'),
    ({'swap__units_active': ['dev-zram0.swap']}, 'swap', 'systemctl mask dev-zram0.swap'),
    ({'sysctls__net.ipv4.ip_forward': '0'}, 'sysctl', 'net.ipv4.ip_forward = 1'),
    ({'sysctls__net.bridge.bridge-nf-call-iptables': None}, 'sysctl', 'modprobe br_netfilter'),
    ({'modules__br_netfilter': 'available'}, 'kernel_module', 'modprobe br_netfilter'),
    ({'commands__socat': None}, 'commands', 'socat'),
    ({'commands__conntrack': None}, 'commands', 'k8s_node_install_packages: true'),  # the role's variable, as named
    ({'ports_in_use': [6443]}, 'ports', "sport = :6443"),
    ({'hostname__resolves': False}, 'hostname', '/etc/hosts'),
    ({'hostname__name': 'Node_1'}, 'hostname', 'lowercase'),
    ({'machine_id': ''}, 'machine_id', 'systemd-machine-id-setup'),
])
def test_each_unmet_prerequisite_has_its_fix(changes, check, words):
    verdict = readiness(_with(**changes))
    assert verdict['ready'] is False
    assert [item['check'] for item in verdict['unmet']] == [check]
    item = verdict['unmet'][0]
    assert words in item['fix'] or words in item['msg'], item
    assert verdict_text(verdict).startswith('not ready for %s: %s (' % (NEWEST, check))


def test_swap_in_a_container_is_the_machines():
    verdict = readiness(_with(in_container=True, swap__active=[{'filename': '/swapfile'}]))
    (item,) = verdict['unmet']
    assert "the machine's: this host is a container" in item['msg']
    assert item['fix'].startswith('turn swap off on the machine')


def test_swap_allowed_is_a_note():
    verdict = readiness(_with(swap__active=[{'filename': '/swapfile'}]), allow_swap=True)
    assert verdict['ready'] is True
    assert 'NodeSwap' in verdict['notes'][0]


def test_without_a_cri_client_the_proof_is_ctr():
    verdict = readiness(_with(cri_call={'client': None, 'proof': 'ctr plugins ls', 'error': None}))
    assert verdict['ready'] is True and 'crictl' in verdict['notes'][0] and 'ctr plugins ls' in verdict['notes'][0]


def test_no_cni_yet_is_a_note_not_unmet():
    verdict = readiness(_with(cri_call__conditions={'RuntimeReady': True, 'NetworkReady': False}))
    assert verdict['ready'] is True and 'NetworkReady false' in verdict['notes'][0]


def test_a_cri_plugin_not_loaded_is_one_unmet_item_not_two():
    verdict = readiness(_with(containerd__cri='skip', cri_call={'client': None, 'proof': None, 'error': None}))
    assert [item['check'] for item in verdict['unmet']] == ['cri'] and verdict['notes'] == []


def test_cgroupfs_expected():
    assert readiness(_with(containerd__effective_cgroup_driver='cgroupfs'), cgroup_driver='cgroupfs')['ready'] is True
    assert readiness(_with(), cgroup_driver='cgroupfs')['unmet'][0]['check'] == 'cgroup_driver'


def test_fleet_duplicates():
    identities = {
        'a': {'machine_id': 'm1', 'product_uuid': 'u1'},
        'b': {'machine_id': 'm1', 'product_uuid': 'u2'},
        'c': {'machine_id': 'm3', 'product_uuid': 'u1'},
        'd': {'machine_id': 'm4', 'product_uuid': 'u9', 'in_container': True},
        'e': {'machine_id': 'm5', 'product_uuid': 'u9', 'in_container': True},
        'f': {'machine_id': '', 'product_uuid': ''},
        'g': {'machine_id': '', 'product_uuid': ''},
    }
    problems = fleet_duplicates(identities)
    assert sorted(problems) == ['a', 'b', 'c']
    assert [p['check'] for p in problems['a']] == ['machine_id', 'product_uuid']
    assert problems['b'][0]['msg'] == 'machine-id is the same as on a'
    assert 'systemd-machine-id-setup' in problems['b'][0]['fix']
    assert problems['c'][0]['msg'] == 'product-uuid is the same as on a'


def test_verdict_text_without_a_verdict():
    assert verdict_text({}) == '-' and verdict_text(None) == '-'


FSTAB_LINES = st.one_of(
    st.just('/swapfile none swap sw 0 0'), st.just('UUID=1 / ext4 defaults 0 1'), st.just('# a comment'),
    st.just(''), st.just('  /dev/sdb2   none   swap   defaults   0 0'), st.just('tmpfs /swap tmpfs defaults 0 0'),
    st.text(alphabet='abc /#\t', max_size=20))


@settings(max_examples=200, deadline=None)
@given(st.lists(FSTAB_LINES, max_size=8), st.sampled_from(['\n', '\r\n']), st.booleans())
def test_fstab_property(lines, newline, final_newline):
    text = newline.join(lines) + (newline if final_newline and lines else '')
    new, commented = comment_fstab_swap(text)
    # Every line stays (swap lines behind the mark), nothing else changes, no swap line is left, and again is a no-op.
    assert len(new.splitlines()) == len(text.splitlines())
    for before, after in zip(text.splitlines(), new.splitlines()):
        assert after == before or after == FSTAB_MARK + before
    assert fstab_swap_lines(new) == []
    assert len(commented) == len(fstab_swap_lines(text))
    assert comment_fstab_swap(new) == (new, [])
