# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_sysctl.py on temporary trees (no host state read or changed)."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._sysctl import (
    SysctlError,
    boot_files,
    canonical_key,
    check,
    key_path,
    normalise_value,
    parse_sysctl_text,
    persisted_writes,
    validate_sysctl_file,
)


def write(root, relative, text):
    path = os.path.join(str(root), relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    return path


def runtime(root, key, value):
    write(root, os.path.join('proc/sys', key.replace('.', '/')), value + '\n')


@pytest.mark.parametrize('given, canonical', [
    ('net.ipv4.ip_forward', 'net.ipv4.ip_forward'),
    ('net/ipv4/ip_forward', 'net.ipv4.ip_forward'),
    ('net.ipv4.conf.eth0/100.forwarding', 'net.ipv4.conf.eth0/100.forwarding'),
    ('net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-iptables'),
    ('net/ipv4/conf/eth0.100/forwarding', 'net.ipv4.conf.eth0/100.forwarding'),
])
def test_canonical_key(given, canonical):
    assert canonical_key(given) == canonical


@pytest.mark.parametrize('bad', ['net.ipv4 .ip_forward', 'net ipv4', '', ' net.ipv4.ip_forward', 'ip_forward',
                                 'net..ipv4', 'net.ipv4.ip_forward=1', 'net.$x.y', 3,
                                 'kernel/../../../etc/passwd', '/etc/x', '/net/ipv4/ip_forward', 'net/./ipv4',
                                 'kernel.//.//etc.passwd', 'net.ipv4.conf.eth0/..', 'net.ipv4/', 'net.ipv4.conf./x.y'])
def test_malformed_keys_are_refused(bad):
    with pytest.raises(SysctlError, match='malformed|must be a string'):
        canonical_key(bad)


@pytest.mark.parametrize('value, text', [
    (1, '1'), (True, '1'), (False, '0'), ('32768 60999', '32768 60999'), ('32768\t60999', '32768 60999'),
    ('  4096   87380  6291456 ', '4096 87380 6291456'), (1.5, '1.5'),
])
def test_normalise_value(value, text):
    assert normalise_value(value) == text


@pytest.mark.parametrize('bad', [[1], {'a': 1}, None, '', '   ', 'a\nb'])
def test_non_scalar_or_empty_values_are_refused(bad):
    with pytest.raises(SysctlError, match='net.x.y'):
        normalise_value(bad, 'net.x.y')


def test_parse_odd_file():
    text = (
        '# comment\n'
        '; another comment\n'
        '\n'
        '   \n'
        'net.ipv4.ip_forward=1\n'
        '  net.ipv4.conf.all.rp_filter   =   2  \n'
        '-net.bridge.bridge-nf-call-iptables = 1\n'
        '- net.bridge.bridge-nf-call-ip6tables = 1\n'
        'a line without equals sign\n'
        'net/ipv4/ip_local_port_range = 32768\t60999\n'
        'bad key with spaces = 1\n'
        'kernel.domainname = example.com # not a comment\n'
    )
    assert parse_sysctl_text(text) == [
        (5, 'net.ipv4.ip_forward', '1'),
        (6, 'net.ipv4.conf.all.rp_filter', '2'),
        (7, 'net.bridge.bridge-nf-call-iptables', '1'),
        (8, 'net.bridge.bridge-nf-call-ip6tables', '1'),
        (10, 'net.ipv4.ip_local_port_range', '32768 60999'),
        (12, 'kernel.domainname', 'example.com # not a comment'),
    ]


def test_boot_files_order_and_hiding(tmp_path):
    write(tmp_path, 'usr/lib/sysctl.d/50-default.conf', '')
    write(tmp_path, 'usr/lib/sysctl.d/10-same.conf', 'net.ipv4.ip_forward = 0\n')
    write(tmp_path, 'etc/sysctl.d/10-same.conf', 'net.ipv4.ip_forward = 1\n')
    write(tmp_path, 'run/sysctl.d/60-run.conf', '')
    write(tmp_path, 'usr/local/lib/sysctl.d/05-local.conf', '')
    write(tmp_path, 'etc/sysctl.d/README', 'not a conf file')
    write(tmp_path, 'etc/sysctl.conf', '')
    names = [os.path.relpath(p, str(tmp_path)) for p in boot_files(str(tmp_path))]
    assert names == ['usr/local/lib/sysctl.d/05-local.conf', 'etc/sysctl.d/10-same.conf',
                     'usr/lib/sysctl.d/50-default.conf', 'run/sysctl.d/60-run.conf', 'etc/sysctl.conf']


def test_merged_usr_directory_is_read_once(tmp_path):
    write(tmp_path, 'usr/lib/sysctl.d/50-a.conf', 'net.ipv4.ip_forward = 1\n')
    os.symlink('usr/lib', str(tmp_path / 'lib'))
    assert [os.path.relpath(p, str(tmp_path)) for p in boot_files(str(tmp_path))] == ['usr/lib/sysctl.d/50-a.conf']
    writes = persisted_writes(['net.ipv4.ip_forward'], str(tmp_path))
    assert writes['net.ipv4.ip_forward'] == [('/usr/lib/sysctl.d/50-a.conf', 1, '1')]


def test_lib_only_file_is_found_when_not_merged(tmp_path):
    write(tmp_path, 'lib/sysctl.d/70-old.conf', 'net.ipv4.ip_forward = 1\n')
    assert persisted_writes(['net.ipv4.ip_forward'], str(tmp_path))['net.ipv4.ip_forward'][0][0] == '/lib/sysctl.d/70-old.conf'


def test_masked_by_dev_null(tmp_path):
    write(tmp_path, 'usr/lib/sysctl.d/50-x.conf', 'net.ipv4.ip_forward = 0\n')
    os.makedirs(str(tmp_path / 'etc/sysctl.d'))
    os.symlink(os.devnull, str(tmp_path / 'etc/sysctl.d/50-x.conf'))
    assert persisted_writes(['net.ipv4.ip_forward'], str(tmp_path))['net.ipv4.ip_forward'] == []


def test_sysctl_conf_applies_last(tmp_path):
    write(tmp_path, 'etc/sysctl.d/zz-last-name.conf', 'net.ipv4.ip_forward = 1\n')
    write(tmp_path, 'etc/sysctl.conf', 'net.ipv4.ip_forward = 0\n')
    runtime(tmp_path, 'net.ipv4.ip_forward', '1')
    result = check({'net.ipv4.ip_forward': 1}, root=str(tmp_path))
    item = result['results']['net.ipv4.ip_forward']
    assert item['status'] == 'shadowed'
    assert item['persisted_in'] == '/etc/sysctl.conf'
    assert item['shadowed_file'] == '/etc/sysctl.d/zz-last-name.conf'


def k8s_tree(root):
    for key in ('net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables', 'net.ipv4.ip_forward'):
        runtime(root, key, '1')
    write(root, 'etc/sysctl.d/k8s.conf', '# managed\nnet.bridge.bridge-nf-call-iptables = 1\n'
          'net.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n')
    write(root, 'usr/lib/sysctl.d/50-pid-max.conf', 'kernel.pid_max = 4194304\n')
    write(root, 'etc/sysctl.conf', '#net.ipv4.ip_forward=1\n')


K8S = {'net.bridge.bridge-nf-call-iptables': 1, 'net.bridge.bridge-nf-call-ip6tables': 1, 'net.ipv4.ip_forward': 1}


def test_all_ok(tmp_path):
    k8s_tree(tmp_path)
    result = check(K8S, root=str(tmp_path))
    assert result['ok'] and result['mismatches'] == [] and result['hints'] == []
    assert result['results']['net.ipv4.ip_forward'] == {
        'expected': '1', 'runtime': '1', 'persisted_value': '1', 'persisted_in': '/etc/sysctl.d/k8s.conf', 'status': 'ok'}
    assert 'all 3 keys' in result['msg']


def test_99_zz_sorts_before_k8s_conf(tmp_path):
    # strcmp order, as procps applies them: '9' < 'k' ("Applying /etc/sysctl.d/99-zz.conf" comes first).
    k8s_tree(tmp_path)
    write(tmp_path, 'etc/sysctl.d/99-zz.conf', 'net.ipv4.ip_forward = 0\n')
    result = check(K8S, root=str(tmp_path))
    assert result['ok'], result['msg']
    assert [w[0] for w in persisted_writes(['net.ipv4.ip_forward'], str(tmp_path))['net.ipv4.ip_forward']] == [
        '/etc/sysctl.d/99-zz.conf', '/etc/sysctl.d/k8s.conf']


def test_planted_later_file_shadows(tmp_path):
    k8s_tree(tmp_path)
    os.rename(str(tmp_path / 'etc/sysctl.d/k8s.conf'), str(tmp_path / 'etc/sysctl.d/60-k8s.conf'))
    write(tmp_path, 'etc/sysctl.d/99-zz.conf', 'net.ipv4.ip_forward = 0\n')
    result = check(K8S, root=str(tmp_path))
    assert not result['ok']
    assert result['mismatches'] == ['net.ipv4.ip_forward']
    assert result['results']['net.ipv4.ip_forward']['status'] == 'shadowed'
    assert '/etc/sysctl.d/99-zz.conf' in result['msg'] and 'runtime 1' in result['msg']
    assert any('99-zz.conf' in hint for hint in result['hints'])


def test_earlier_file_with_other_value_is_fine(tmp_path):
    k8s_tree(tmp_path)
    write(tmp_path, 'etc/sysctl.d/00-early.conf', 'net.ipv4.ip_forward = 0\n')
    assert check(K8S, root=str(tmp_path))['ok']


def test_missing_bridge_key_hints_br_netfilter(tmp_path):
    runtime(tmp_path, 'net.ipv4.ip_forward', '1')
    result = check({'net.bridge.bridge-nf-call-iptables': 1}, root=str(tmp_path))
    assert result['results']['net.bridge.bridge-nf-call-iptables']['status'] == 'missing'
    assert 'br_netfilter' in result['hints'][0]


def test_runtime_mismatch_and_not_persisted(tmp_path):
    runtime(tmp_path, 'net.ipv4.ip_forward', '0')
    runtime(tmp_path, 'net.ipv4.conf.all.rp_filter', '2')
    result = check({'net.ipv4.ip_forward': 1, 'net.ipv4.conf.all.rp_filter': 2}, root=str(tmp_path))
    assert result['results']['net.ipv4.ip_forward']['status'] == 'mismatch'
    assert result['results']['net.ipv4.conf.all.rp_filter']['status'] == 'not_persisted'
    assert check({'net.ipv4.conf.all.rp_filter': 2}, check_persisted=False, root=str(tmp_path))['ok']


def test_persisted_other_value_only_is_not_persisted(tmp_path):
    runtime(tmp_path, 'net.ipv4.ip_forward', '1')
    write(tmp_path, 'etc/sysctl.d/50-x.conf', 'net.ipv4.ip_forward = 0\n')
    item = check({'net.ipv4.ip_forward': 1}, root=str(tmp_path))['results']['net.ipv4.ip_forward']
    assert item['status'] == 'not_persisted' and item['persisted_in'] == '/etc/sysctl.d/50-x.conf'


def test_whitespace_normalised_both_sides(tmp_path):
    runtime(tmp_path, 'net.ipv4.ip_local_port_range', '32768\t60999')
    write(tmp_path, 'etc/sysctl.d/10-ports.conf', 'net.ipv4.ip_local_port_range=32768    60999\n')
    assert check({'net/ipv4/ip_local_port_range': '32768 60999'}, root=str(tmp_path))['ok']


def test_same_key_twice_in_two_spellings(tmp_path):
    with pytest.raises(SysctlError, match='twice'):
        check({'net.ipv4.ip_forward': 1, 'net/ipv4/ip_forward': 1}, root=str(tmp_path))


@pytest.mark.parametrize('bad', ['kernel/../../../etc/passwd', 'net..ipv4', '/etc/x', ''])
def test_hostile_keys_read_and_write_nothing(tmp_path, bad):
    """Path-like keys are refused by check() before any file is opened; the message names key, value and fix."""
    secret = tmp_path / 'etc' / 'passwd'
    secret.parent.mkdir(parents=True)
    secret.write_text('root:x:0:0\n')
    os.makedirs(str(tmp_path / 'proc' / 'sys' / 'kernel'))
    with pytest.raises(SysctlError) as info:
        check({bad: 'pwned'}, root=str(tmp_path))
    message = str(info.value)
    assert repr(bad) in message and "'pwned'" in message and 'dotted form' in message
    assert secret.read_text() == 'root:x:0:0\n'


def test_key_path_refuses_symlink_out_of_proc_sys(tmp_path):
    os.makedirs(str(tmp_path / 'proc' / 'sys'))
    (tmp_path / 'outside').mkdir()
    os.symlink(str(tmp_path / 'outside'), str(tmp_path / 'proc' / 'sys' / 'kernel'))
    with pytest.raises(SysctlError, match='outside /proc/sys'):
        key_path('kernel.x', str(tmp_path))


def test_vlan_key_maps_to_dotted_interface_dir(tmp_path):
    assert key_path('net.ipv4.conf.eth0/100.rp_filter', str(tmp_path)) == os.path.join(
        str(tmp_path), 'proc', 'sys', 'net', 'ipv4', 'conf', 'eth0.100', 'rp_filter')


@pytest.mark.parametrize('path, content, match', [
    ('sysctl.d/k8s.conf', 'a.b = 1\n', 'not absolute'),
    ('/etc/sysctl.d/k8s.conf', '# c\nnet.ipv4.ip_forward 1\n', 'line 2'),
])
def test_sysctl_file_refused(path, content, match):
    with pytest.raises(SysctlError, match=match):
        validate_sysctl_file(path, content)


def test_sysctl_file_warnings():
    assert validate_sysctl_file('/etc/sysctl.d/k8s.conf', '; x\n\na.b=1\n') == []
    assert validate_sysctl_file('/etc/sysctl.conf', 'a.b=1\n') == []
    assert 'do not read it at boot' in validate_sysctl_file('/etc/k8s.txt', 'a.b=1\n')[0]
