# -*- coding: utf-8 -*-
"""Unit tests for boot_state and judge (plugins/module_utils/_sysctl.py): the look container_preflight_info takes
with `sysctl: true`, judged on the controller, gives exactly what check() gives on the host, on temporary trees."""

import hashlib
import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._sysctl import boot_state, check, judge, normalise_expected

K8S = '# managed\nnet.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\n'


def write(root, relative, text, mode=0o644):
    path = os.path.join(str(root), relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    os.chmod(path, mode)
    return path


def runtime(root, key, value):
    write(root, os.path.join('proc/sys', key.replace('.', '/')), value + '\n')


def tree(root):
    write(root, 'etc/sysctl.d/k8s.conf', K8S)
    write(root, 'usr/lib/sysctl.d/50-default.conf', 'net.ipv4.conf.*.rp_filter = 2\nkernel.pid_max = 4194304\n')
    write(root, 'etc/modules-load.d/k8s.conf', 'overlay\nbr_netfilter\n', mode=0o600)
    write(root, 'etc/sysctl.d/README', 'not a conf file')
    os.makedirs(str(root / 'usr/lib/modules-load.d'))
    os.symlink('usr/lib', str(root / 'lib'))
    for key, value in (('net.ipv4.ip_forward', '1'), ('net.bridge.bridge-nf-call-iptables', '1'),
                       ('kernel.pid_max', '32768'), ('net.ipv4.conf.all.rp_filter', '2')):
        runtime(root, key, value)


def judged(state, expected):
    wanted = normalise_expected(expected)
    keys = state['by_key']
    return judge(wanted, dict((key, (keys[key]['runtime'], keys[key]['error'])) for key in wanted),
                 dict((key, keys[key]['writes']) for key in wanted), set(state['unlinked_keys']))


def test_boot_state_reports_the_files_and_the_keys_they_set(tmp_path):
    tree(tmp_path)
    state = boot_state(str(tmp_path))
    assert sorted(state['files']) == ['/etc/modules-load.d/k8s.conf', '/etc/sysctl.d/k8s.conf',
                                      '/usr/lib/sysctl.d/50-default.conf']  # /lib is /usr/lib: listed once
    assert state['files']['/etc/sysctl.d/k8s.conf'] == {
        'sha1': hashlib.sha1(K8S.encode()).hexdigest(), 'size': len(K8S), 'mode': '0644',
        'uid': os.getuid(), 'gid': os.getgid()}
    assert state['files']['/etc/modules-load.d/k8s.conf']['mode'] == '0600'
    # Explicit keys only (a glob names no key); their live value and what sets them at boot.
    assert sorted(state['by_key']) == ['kernel.pid_max', 'net.bridge.bridge-nf-call-iptables', 'net.ipv4.ip_forward']
    assert state['by_key']['kernel.pid_max'] == {
        'runtime': '32768', 'error': None, 'writes': [['/usr/lib/sysctl.d/50-default.conf', 2, '4194304']]}
    assert state['unlinked_keys'] == []


def test_a_link_is_not_a_file_of_the_state(tmp_path):
    tree(tmp_path)
    os.symlink('k8s.conf', str(tmp_path / 'etc/sysctl.d/99-link.conf'))
    assert '/etc/sysctl.d/99-link.conf' not in boot_state(str(tmp_path))['files']


@pytest.mark.parametrize('change', [
    None,
    lambda root: runtime(root, 'net.ipv4.ip_forward', '0'),  # mismatch
    lambda root: write(root, 'etc/sysctl.d/99-x.conf', 'net.ipv4.ip_forward = 0\n'),  # shadowed
    lambda root: os.remove(os.path.join(str(root), 'proc/sys/net/bridge/bridge-nf-call-iptables')),  # missing
    lambda root: write(root, 'etc/sysctl.conf', 'net.ipv4.ip_forward = 1\n'),  # unlinked /etc/sysctl.conf
    lambda root: write(root, 'etc/sysctl.d/99-x.conf', 'net.ipv4.ip_forward = 1\n-net.ipv4.ip_forward\n'),
])
def test_judging_the_state_gives_what_check_gives_on_the_host(tmp_path, change):
    tree(tmp_path)
    if change:
        change(tmp_path)
    expected = {'net.ipv4.ip_forward': 1, 'net.bridge.bridge-nf-call-iptables': '1'}
    state = boot_state(str(tmp_path))
    assert judged(state, expected) == check(expected, root=str(tmp_path))
