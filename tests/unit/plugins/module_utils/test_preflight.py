# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_preflight.py on temporary trees."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._preflight import (
    PreflightError,
    build_report,
    cgroup_container_kind,
    cgroup_info,
    container_info,
    kernel_at_least,
    module_state,
    parse_modules_builtin,
    parse_modules_dep,
    parse_proc_cgroups,
    parse_proc_modules,
    parse_version,
    seccomp_info,
)

RELEASE = '6.1.0-18-amd64'

PROC_CGROUPS = """#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t4\t1
cpu\t1\t12\t1
memory\t4\t86\t0
pids\t8\t12\t1
"""


def write(root, relative, text=''):
    path = os.path.join(str(root), relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)


def test_parse_proc_cgroups_enabled_column():
    assert parse_proc_cgroups(PROC_CGROUPS) == {'cpuset': True, 'cpu': True, 'memory': False, 'pids': True}


def test_parse_modules_files():
    assert parse_modules_builtin('kernel/fs/overlayfs/overlay.ko\nkernel/net/bridge/br_netfilter.ko\n') == {
        'overlay', 'br_netfilter'}
    assert parse_modules_dep('kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz\n'
                             'kernel/fs/overlayfs/overlay.ko.zst:\n') == {'br_netfilter', 'overlay'}
    assert parse_proc_modules('br_netfilter 32768 0 - Live 0x0\nnf-nat 1 0 - Live 0x0\n') == {'br_netfilter', 'nf_nat'}
    assert parse_proc_modules(None) is None


@pytest.mark.parametrize('release, minimum, ok', [
    ('6.1.0-18-amd64', '3.10', True), ('3.10.0-1160.el7.x86_64', '3.10', True), ('3.9.5', '3.10', False),
    ('4.18.0-513.el8', '4.18.1', False), ('5.15.0', '5', True), ('6.18.44-fc-v657', '6.18.44', True),
])
def test_kernel_compare(release, minimum, ok):
    assert kernel_at_least(release, minimum) is ok


def test_bad_min_kernel():
    with pytest.raises(PreflightError, match='not a kernel version'):
        parse_version('latest')


def test_module_states(tmp_path):
    write(tmp_path, 'proc/modules', 'br_netfilter 32768 0 - Live 0x0\n')
    write(tmp_path, 'lib/modules/%s/modules.builtin' % RELEASE, 'kernel/fs/overlayfs/overlay.ko\n')
    write(tmp_path, 'lib/modules/%s/modules.dep' % RELEASE, 'kernel/net/ipv4/ipip.ko: \n')
    os.makedirs(str(tmp_path / 'sys/module/nf_conntrack'))
    root = str(tmp_path)
    assert module_state('br_netfilter', RELEASE, root) == 'loaded'
    assert module_state('overlay', RELEASE, root) == 'builtin'
    assert module_state('nf_conntrack', RELEASE, root) == 'builtin'  # in /sys/module, not in /proc/modules
    assert module_state('ipip', RELEASE, root) == 'available'
    assert module_state('dummy', RELEASE, root, modinfo_found=True) == 'available'
    assert module_state('dummy', RELEASE, root) == 'absent'


def test_builtin_br_netfilter_without_sys_module_entry(tmp_path):
    # As on this project's CI kernel: no /proc/modules, no /sys/module/br_netfilter, but the bridge sysctls exist.
    write(tmp_path, 'proc/sys/net/bridge/bridge-nf-call-iptables', '1\n')
    write(tmp_path, 'proc/filesystems', 'nodev\tproc\nnodev\toverlay\n')
    assert module_state('br_netfilter', RELEASE, str(tmp_path)) == 'builtin'
    assert module_state('overlay', RELEASE, str(tmp_path)) == 'builtin'


def test_cgroup_v2(tmp_path):
    write(tmp_path, 'sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids rdma misc\n')
    assert cgroup_info(str(tmp_path)) == {'version': 'v2', 'hybrid': False, 'controllers': [
        'cpu', 'cpuset', 'hugetlb', 'io', 'memory', 'misc', 'pids', 'rdma']}


def test_cgroup_v1_hybrid(tmp_path):
    write(tmp_path, 'proc/cgroups', PROC_CGROUPS)
    os.makedirs(str(tmp_path / 'sys/fs/cgroup/cpu'))
    write(tmp_path, 'sys/fs/cgroup/unified/cgroup.controllers', '')
    assert cgroup_info(str(tmp_path)) == {'version': 'v1', 'hybrid': True, 'controllers': ['cpu', 'cpuset', 'pids']}


def test_no_cgroups(tmp_path):
    assert cgroup_info(str(tmp_path))['version'] is None


def test_container_detection(tmp_path):
    assert not container_info(str(tmp_path), environ1='')['is_container']
    write(tmp_path, '.dockerenv')
    info = container_info(str(tmp_path), detect_virt_container='none', environ1='PATH=/bin\0container=docker\0')
    assert info['is_container'] and info['type'] == 'docker' and len(info['evidence']) == 2
    assert container_info(str(tmp_path), detect_virt_container='podman', environ1='')['type'] == 'podman'


# The cases Ansible's virtualization facts cover beyond /.dockerenv, PID 1's environment and
# systemd-detect-virt: the k8s_sysctl role once fell back to those facts, it reads container_info alone now.
@pytest.mark.parametrize('relative, text, kind', [
    ('run/systemd/container', 'systemd-nspawn\n', 'systemd-nspawn'),
    ('run/systemd/container', 'lxc\n', 'lxc'),
    ('.dockerinit', '', 'docker'),
    ('proc/1/cgroup', '12:pids:/docker/0123abcd\n0::/\n', 'docker'),
    ('proc/1/cgroup', '0::/system.slice/docker-0123abcdef.scope\n', 'docker'),
    ('proc/1/cgroup', '1:name=systemd:/lxc/web01\n', 'lxc'),
    ('proc/1/cgroup', '0::/machine.slice/machine-lxc\\x2dweb01.scope\n', 'lxc'),
    ('proc/1/cgroup', '0::/system.slice/containerd.service/kubepods/abc\n', 'containerd'),
    ('proc/vz/veinfo', '', 'openvz'),
])
def test_container_detection_beyond_dockerenv(tmp_path, relative, text, kind):
    write(tmp_path, relative, text)
    info = container_info(str(tmp_path), environ1='')
    assert info['is_container'] and info['type'] == kind and len(info['evidence']) == 1, info


@pytest.mark.parametrize('files', [
    {'proc/1/cgroup': '0::/init.scope\n'},  # a host's PID 1
    {'proc/1/cgroup': '12:pids:/\n11:memory:/user.slice\n'},
    {'proc/vz/veinfo': '', 'proc/bc/0/resources': ''},  # the OpenVZ host itself
    {'proc/vz/veinfo': '', 'proc/lve/list': ''},  # CloudLinux LVE, not OpenVZ
    {'run/systemd/container': ''},
])
def test_not_a_container(tmp_path, files):
    for relative, text in files.items():
        write(tmp_path, relative, text)
    info = container_info(str(tmp_path), environ1='')
    assert not info['is_container'] and info['type'] is None and info['evidence'] == [], info


def test_cgroup_container_kind_none():
    assert cgroup_container_kind(None) is None
    assert cgroup_container_kind('') is None


def test_seccomp(tmp_path):
    write(tmp_path, 'proc/self/status', 'Name:\tpython\nSeccomp:\t2\nSeccomp_filters:\t1\n')
    assert seccomp_info(str(tmp_path)) == {'supported': True, 'mode': 'filter', 'actions': []}
    assert seccomp_info(str(tmp_path / 'none'))['supported'] is False


def full_tree(root):
    for name in ('uts', 'ipc', 'mnt', 'pid', 'net', 'user', 'cgroup'):
        write(root, 'proc/self/ns/' + name)
    write(root, 'proc/sys/user/max_user_namespaces', '15000\n')
    write(root, 'sys/fs/cgroup/cgroup.controllers', 'cpu memory pids\n')
    write(root, 'proc/filesystems', 'nodev\toverlay\n')
    write(root, 'proc/modules', 'overlay 1 0 - Live 0x0\n')
    write(root, 'lib/modules/%s/modules.dep' % RELEASE, 'kernel/net/bridge/br_netfilter.ko.xz:\n')


def test_report_all_present(tmp_path):
    full_tree(tmp_path)
    report, problems = build_report(RELEASE, root=str(tmp_path), detect_virt_container='none', detect_virt_vm='none')
    assert problems == []
    assert report['modules'] == {'overlay': 'loaded', 'br_netfilter': 'available'}
    assert report['cgroup']['version'] == 'v2'
    assert report['capabilities']['cgroup.memory'] is True
    assert report['max_user_namespaces'] == 15000


def test_report_problems(tmp_path):
    full_tree(tmp_path)
    os.remove(str(tmp_path / 'proc/self/ns/cgroup'))
    report, problems = build_report('3.10.0-1160.el7.x86_64', min_kernel='4.0', root=str(tmp_path),
                                    require=['cgroupns', 'cgroup.blkio', 'user_namespaces'])
    assert report['missing'] == ['cgroupns', 'cgroup.blkio']
    assert problems[0].startswith('kernel 3.10.0-1160.el7.x86_64 is older than the minimum 4.0')
    assert 'cgroup namespace' in problems[1] and 'blkio' in problems[2]


def test_unknown_capability(tmp_path):
    with pytest.raises(PreflightError, match="unknown capability 'overlayfs'"):
        build_report(RELEASE, require=['overlayfs'], root=str(tmp_path))


# ------------------------------------------------------------------------ issue 18: hostile input
from ansible_collections.fleetops.docker_host.plugins.module_utils._preflight import (  # noqa: E402
    KNOWN_CAPABILITIES,
    validate_commands,
    validate_modules,
    validate_require,
)


def test_every_accepted_capability_is_one_the_report_checks(tmp_path):
    report, _problems = build_report('6.1.0', root=str(tmp_path), require=[])
    assert set(report['capabilities']) >= set(KNOWN_CAPABILITIES)
    assert {name for name in report['capabilities'] if not name.startswith('cgroup.')} == set(KNOWN_CAPABILITIES)
    for name in KNOWN_CAPABILITIES:
        validate_require([name])


@pytest.mark.parametrize('name, fragment', [
    ('cgroup', 'the cgroup namespace is "cgroupns"'),
    ('', "unknown capability ''"),
    ('cgroup.', "unknown capability 'cgroup.'"),
    ('Overlay', "unknown capability 'Overlay'"),
    (None, 'unknown capability None'),
])
def test_require_names_outside_the_list_are_refused(name, fragment):
    with pytest.raises(PreflightError) as info:
        validate_require([name])
    assert fragment in str(info.value)
    for known in KNOWN_CAPABILITIES:
        assert known in str(info.value)
    assert "'cgroup'," not in str(info.value).split('known:')[1]


@pytest.mark.parametrize('name', ['', ' ', 'br netfilter', '../../etc/passwd', 'overlay.ko', '-F', 'x' * 56,
                                  'kernel/fs/overlay', None, 'br_netfilter\n'])
def test_malformed_module_names_are_refused(name, tmp_path):
    with pytest.raises(PreflightError, match='is not a kernel module name'):
        validate_modules([name])
    with pytest.raises(PreflightError, match='is not a kernel module name'):
        build_report('6.1.0', root=str(tmp_path), require=[], modules=[name])


@pytest.mark.parametrize('name', ['br_netfilter', 'overlay', 'nf-conntrack', 'ip_vs_rr', 'x' * 55])
def test_module_names_are_accepted(name):
    validate_modules([name])


@pytest.mark.parametrize('name', ['', ' modprobe', '/sbin/modprobe', None])
def test_malformed_command_names_are_refused(name):
    with pytest.raises(PreflightError, match='is not a command name'):
        validate_commands([name])
