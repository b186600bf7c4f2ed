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
    # systemd-sysctl reads no unlinked /etc/sysctl.conf (see test_debian_99_sysctl_link_sorts_by_its_name).
    assert names == ['usr/local/lib/sysctl.d/05-local.conf', 'etc/sysctl.d/10-same.conf',
                     'usr/lib/sysctl.d/50-default.conf', 'run/sysctl.d/60-run.conf']


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


def test_unlinked_sysctl_conf_is_not_read_at_boot(tmp_path):
    # Debian 13: no 99-sysctl.conf link; systemd-sysctl ignores /etc/sysctl.conf (procps `sysctl --system` would
    # read it last). The key is persisted by the sysctl.d file; a hint says where the sysctl.conf line is lost.
    write(tmp_path, 'etc/sysctl.d/zz-last-name.conf', 'net.ipv4.ip_forward = 1\n')
    write(tmp_path, 'etc/sysctl.conf', 'net.ipv4.ip_forward = 0\n')
    runtime(tmp_path, 'net.ipv4.ip_forward', '1')
    result = check({'net.ipv4.ip_forward': 1}, root=str(tmp_path))
    item = result['results']['net.ipv4.ip_forward']
    assert item['status'] == 'ok' and item['persisted_in'] == '/etc/sysctl.d/zz-last-name.conf'
    assert any('systemd-sysctl does not read at boot' in hint for hint in result['hints'])


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


# ------------------------------------------------------------------------ issue 18: precedence as systemd-sysctl
from ansible_collections.fleetops.docker_host.plugins.module_utils._sysctl import (  # noqa: E402
    glob_matches,
    parse_sysctl_globs,
    read_runtime,
    unlinked_sysctl_conf,
)

RP = 'net.ipv4.conf.eth0.rp_filter'


def test_glob_line_sets_matching_keys_at_boot(tmp_path):
    write(tmp_path, 'usr/lib/sysctl.d/50-default.conf', 'net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.lo.rp_filter\n')
    runtime(tmp_path, RP, '2')
    result = check({RP: 2}, root=str(tmp_path))
    item = result['results'][RP]
    assert item['status'] == 'ok', item
    assert item['persisted_in'] == '/usr/lib/sysctl.d/50-default.conf' and item['persisted_value'] == '2'
    # "-key" without "=" excludes a key from the globs (systemd 250+).
    assert persisted_writes(['net.ipv4.conf.lo.rp_filter'], str(tmp_path))['net.ipv4.conf.lo.rp_filter'] == []


def test_explicit_line_wins_over_a_later_glob(tmp_path):
    write(tmp_path, 'etc/sysctl.d/10-explicit.conf', 'net.ipv4.conf.eth0.rp_filter = 1\n')
    write(tmp_path, 'usr/lib/sysctl.d/50-default.conf', 'net.ipv4.conf.*.rp_filter = 2\n')
    runtime(tmp_path, RP, '1')
    item = check({RP: 1}, root=str(tmp_path))['results'][RP]
    assert item['status'] == 'ok' and item['persisted_in'] == '/etc/sysctl.d/10-explicit.conf'
    # ... and a glob cannot shadow it: expecting the glob's value reports the explicit line as the winner.
    item = check({RP: 2}, root=str(tmp_path))['results'][RP]
    assert item['status'] == 'shadowed' and item['persisted_in'] == '/etc/sysctl.d/10-explicit.conf'


def test_later_glob_wins_over_an_earlier_glob(tmp_path):
    write(tmp_path, 'usr/lib/sysctl.d/10-a.conf', 'net.ipv4.conf.*.rp_filter = 1\n')
    write(tmp_path, 'usr/lib/sysctl.d/20-b.conf', 'net/ipv4/conf/eth*/rp_filter = 0\n')
    writes = persisted_writes([RP], str(tmp_path))[RP]
    assert [w[2] for w in writes] == ['1', '0']


@pytest.mark.parametrize('pattern, key, match', [
    ('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0.rp_filter', True),
    ('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter', True),   # VLAN eth0.100 is one component
    ('net.ipv4.conf.eth0*.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter', True),
    ('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.all.forwarding', False),
    ('net.ipv4.*', 'net.ipv4.conf.all.forwarding', False),                     # * does not cross a separator
    ('net/ipv4/conf/eth0.100/rp_filter', 'net.ipv4.conf.eth0/100.rp_filter', None),  # no glob characters
])
def test_glob_matching(pattern, key, match):
    globs, _excluded = parse_sysctl_globs('%s = 1\n' % pattern)
    if match is None:
        assert globs == []
        return
    assert glob_matches(globs[0][1], key) is match


def test_glob_with_dot_dot_is_ignored():
    assert parse_sysctl_globs('net.ipv4.conf.*/../../x = 1\nkernel/../*/x = 1\n')[0] == []


def test_debian_99_sysctl_link_sorts_by_its_name(tmp_path):
    # Debian 12: /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf. It applies where "99-sysctl.conf" sorts, once:
    # a zz-*.conf file applies after it.
    write(tmp_path, 'etc/sysctl.conf', 'net.ipv4.ip_forward = 0\n')
    os.makedirs(str(tmp_path / 'etc/sysctl.d'), exist_ok=True)
    os.symlink('../sysctl.conf', str(tmp_path / 'etc/sysctl.d/99-sysctl.conf'))
    write(tmp_path, 'etc/sysctl.d/zz-k8s.conf', 'net.ipv4.ip_forward = 1\n')
    write(tmp_path, 'etc/sysctl.d/10-early.conf', 'net.ipv4.ip_forward = 0\n')
    names = [os.path.relpath(p, str(tmp_path)) for p in boot_files(str(tmp_path))]
    assert names == ['etc/sysctl.d/10-early.conf', 'etc/sysctl.d/99-sysctl.conf', 'etc/sysctl.d/zz-k8s.conf']
    assert unlinked_sysctl_conf(str(tmp_path)) is None
    runtime(tmp_path, 'net.ipv4.ip_forward', '1')
    item = check({'net.ipv4.ip_forward': 1}, root=str(tmp_path))['results']['net.ipv4.ip_forward']
    assert item['status'] == 'ok' and item['persisted_in'] == '/etc/sysctl.d/zz-k8s.conf'
    # A file that sorts before 99-sysctl.conf is overridden by /etc/sysctl.conf through the link.
    os.rename(str(tmp_path / 'etc/sysctl.d/zz-k8s.conf'), str(tmp_path / 'etc/sysctl.d/90-k8s.conf'))
    item = check({'net.ipv4.ip_forward': 1}, root=str(tmp_path))['results']['net.ipv4.ip_forward']
    assert item['status'] == 'shadowed' and item['persisted_in'] == '/etc/sysctl.d/99-sysctl.conf'
    assert validate_sysctl_file('/etc/sysctl.conf', 'a.b=1\n', root=str(tmp_path)) == []


def test_sysctl_conf_without_link_warns_as_sysctl_path(tmp_path):
    write(tmp_path, 'etc/sysctl.conf', '')
    warnings = validate_sysctl_file('/etc/sysctl.conf', 'a.b=1\n', root=str(tmp_path))
    assert warnings and 'not read at boot by systemd-sysctl' in warnings[0]


def test_write_only_key_is_present_not_missing():
    # The real kernel: net.ipv4.route.flush is mode 0200, EACCES even for root. Read only, never written.
    if not os.path.exists('/proc/sys/net/ipv4/route/flush'):
        pytest.skip('no /proc/sys/net/ipv4/route/flush here')
    assert read_runtime('net.ipv4.route.flush') == (None, 'write-only')
    result = check({'net.ipv4.route.flush': 1}, check_persisted=False)
    item = result['results']['net.ipv4.route.flush']
    assert item['status'] == 'write_only'
    assert result['ok'] is True and result['mismatches'] == []
    assert any('write-only' in hint for hint in result['hints'])


def test_vlan_key_reads_the_dotted_interface(tmp_path):
    write(tmp_path, 'proc/sys/net/ipv4/conf/eth0.100/rp_filter', '1\n')
    assert read_runtime('net.ipv4.conf.eth0/100.rp_filter', str(tmp_path)) == ('1', None)
    assert canonical_key('net/ipv4/conf/eth0.100/rp_filter') == 'net.ipv4.conf.eth0/100.rp_filter'
