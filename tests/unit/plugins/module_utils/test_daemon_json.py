# -*- coding: utf-8 -*-
"""Unit and property tests for plugins/module_utils/_daemon_json.py."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import (
    KNOWN_KEYS,
    RELOADABLE_KEYS,
    DaemonJsonError,
    changed_keys,
    check_exec_opt,
    check_insecure_registry,
    check_registry_mirror,
    classify,
    compute,
    merge,
    parse,
    render,
    validate,
)


# ------------------------------------------------------------------------------------------- parse
@pytest.mark.parametrize('text, expected', [
    (None, {}),
    ('', {}),
    ('  \n', {}),
    ('{}', {}),
    ('{"debug": true}', {'debug': True}),
    ('{\n  "log-opts": {"max-file": "3"}\n}\n', {'log-opts': {'max-file': '3'}}),
])
def test_parse_ok(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize('text, fragments', [
    ('{\n "a": 1,\n "b" 2}', ['/etc/docker/daemon.json', 'not valid JSON', 'line 3, column 6']),
    ('{"a": 1,}', ['not valid JSON', 'line 1']),
    ('[1, 2]', ['top level', 'a list']),
    ('"text"', ['top level', 'a string']),
    ('3', ['top level', 'an integer']),
    ('null', ['top level', 'null']),
])
def test_parse_errors_name_path_and_position(text, fragments):
    with pytest.raises(DaemonJsonError) as info:
        parse(text, '/etc/docker/daemon.json')
    for fragment in fragments:
        assert fragment in str(info.value)


def test_render_is_stable_sorted_indented_with_final_newline():
    text = render({'b': 1, 'a': {'d': [1, 2], 'c': 'x'}})
    assert text == '{\n  "a": {\n    "c": "x",\n    "d": [\n      1,\n      2\n    ]\n  },\n  "b": 1\n}\n'
    assert render(parse(text)) == text


def test_render_empty():
    assert render({}) == '{}\n'


# ------------------------------------------------------------------------------------------- merge

@pytest.mark.parametrize('current, settings_, remove, list_merge, expected', [
    ({}, {'debug': True}, [], 'replace', {'debug': True}),
    ({'log-level': 'info'}, {'debug': True}, [], 'replace', {'log-level': 'info', 'debug': True}),
    ({'log-opts': {'max-size': '10m'}}, {'log-opts': {'max-file': '3'}}, [], 'replace',
     {'log-opts': {'max-size': '10m', 'max-file': '3'}}),
    ({'log-opts': {'max-size': '10m'}}, {'log-opts': {'max-size': '20m'}}, [], 'replace',
     {'log-opts': {'max-size': '20m'}}),
    ({'runtimes': {'a': {'path': '/a'}}}, {'runtimes': {'b': {'path': '/b'}}}, [], 'replace',
     {'runtimes': {'a': {'path': '/a'}, 'b': {'path': '/b'}}}),
    ({'runtimes': {'a': {'path': '/a', 'runtimeArgs': ['x']}}}, {'runtimes': {'a': {'path': '/z'}}}, [], 'replace',
     {'runtimes': {'a': {'path': '/z', 'runtimeArgs': ['x']}}}),
    ({'features': {'buildkit': True}}, {'features': {'cdi': True}}, [], 'replace',
     {'features': {'buildkit': True, 'cdi': True}}),
    ({'insecure-registries': ['a:1']}, {'insecure-registries': ['b:2']}, [], 'replace', {'insecure-registries': ['b:2']}),
    ({'insecure-registries': ['a:1']}, {'insecure-registries': ['b:2', 'a:1']}, [], 'append_unique',
     {'insecure-registries': ['a:1', 'b:2']}),
    ({'dns': ['1.1.1.1']}, {'dns': []}, [], 'append_unique', {'dns': ['1.1.1.1']}),
    ({'dns': ['1.1.1.1']}, {'dns': []}, [], 'replace', {'dns': []}),
    ({'debug': True, 'log-level': 'info'}, {}, ['debug'], 'replace', {'log-level': 'info'}),
    ({'log-level': 'info'}, {}, ['not-there'], 'replace', {'log-level': 'info'}),
    ({'log-opts': 'oops'}, {'log-opts': {'max-file': '3'}}, [], 'replace', {'log-opts': {'max-file': '3'}}),
])
def test_merge_table(current, settings_, remove, list_merge, expected):
    before = json.dumps(current, sort_keys=True)
    assert merge(current, settings_, remove, list_merge) == expected
    assert json.dumps(current, sort_keys=True) == before, 'merge must not modify its input'


def test_merge_refuses_key_in_settings_and_remove():
    with pytest.raises(DaemonJsonError, match='"debug" both in settings and in remove'):
        merge({}, {'debug': True}, ['debug'])


def test_merge_refuses_unknown_list_merge():
    with pytest.raises(DaemonJsonError, match='list_merge'):
        merge({}, {}, [], 'prepend')


@pytest.mark.parametrize('before, after, expected', [
    ({}, {}, []),
    ({'a': 1}, {'a': 1}, []),
    ({'a': 1}, {'a': 2}, ['a']),
    ({'a': 1}, {}, ['a']),
    ({}, {'b': 1, 'a': 2}, ['a', 'b']),
    ({'x': {'k': '1'}}, {'x': {'k': '2'}}, ['x']),
])
def test_changed_keys(before, after, expected):
    assert changed_keys(before, after) == expected


@pytest.mark.parametrize('keys, reload_, restart', [
    ([], False, False),
    (['insecure-registries'], True, False),
    (['registry-mirrors', 'debug', 'labels', 'live-restore'], True, False),
    (['default-shm-size', 'network-diagnostic-port'], True, False),
    (['log-opts'], False, True),
    (['insecure-registries', 'log-opts'], False, True),
    (['storage-driver'], False, True),
    (['hosts'], False, True),
])
def test_classify(keys, reload_, restart):
    assert classify(keys) == (reload_, restart)


def test_reload_list_matches_moby_reload_code():
    # moby daemon/reload.go Reload(), reload_unix.go reloadPlatform, daemon/command reloadConfig (authz).
    assert RELOADABLE_KEYS == {
        'debug', 'labels', 'live-restore', 'max-concurrent-downloads', 'max-concurrent-uploads',
        'max-download-attempts', 'default-runtime', 'runtimes', 'authorization-plugins', 'insecure-registries',
        'registry-mirrors', 'allow-nondistributable-artifacts', 'shutdown-timeout', 'default-stop-timeout',
        'default-shm-size', 'default-cgroupns-mode', 'default-ipc-mode', 'network-diagnostic-port', 'nri-opts'}
    assert RELOADABLE_KEYS <= set(KNOWN_KEYS)
    # reloadFeatures swaps the map, but every feature is read at start (the image store above all).
    assert 'features' not in RELOADABLE_KEYS


# ---------------------------------------------------------------------------------------- validate

@pytest.mark.parametrize('config, message', [
    ({'log-opts': {'max-file': 3}}, 'daemon.json: "log-opts.max-file" must be a string (got 3); write "3"'),
    ({'log-opts': 'max-size=10m'}, '"log-opts" must be an object whose values are strings (got "max-size=10m")'),
    ({'live-restore': 'true'}, '"live-restore" must be a boolean (true or false) (got "true"); write true'),
    ({'debug': 1}, '"debug" must be a boolean (true or false) (got 1); write true'),
    ({'max-concurrent-downloads': '3'}, '"max-concurrent-downloads" must be an integer (got "3"); write 3'),
    ({'mtu': True}, '"mtu" must be an integer (got true)'),
    ({'insecure-registries': '10.0.0.0/8'}, '"insecure-registries" must be a list of strings (got "10.0.0.0/8"); write ["10.0.0.0/8"]'),
    ({'dns': ['1.1.1.1', 8]}, '"dns[1]" must be a string (got 8); write "8"'),
    ({'log-driver': None}, '"log-driver" must be a string (got null)'),
    ({'features': {'buildkit': 'yes'}}, '"features.buildkit" must be a boolean (true or false) (got "yes"); write true'),
    ({'default-address-pools': ['172.30.0.0/16']}, '"default-address-pools[0]" must be an object'),
    ({'default-address-pools': [{'base': '172.30.0.0/16', 'size': '24'}]}, '"default-address-pools[0].size" must be an integer'),
    ({'insecure-registries': ['http://reg.lab:5000/']}, 'is neither a CIDR'),
    ({'insecure-registries': ['ftp://reg.lab']}, "must not contain '://'"),
    ({'insecure-registries': ['-bad.lab']}, 'is not valid'),
    ({'insecure-registries': ['reg.lab:99999']}, 'is not valid'),
    ({'insecure-registries': ['10.0.0.0/33']}, 'neither a CIDR'),
    ({'registry-mirrors': ['mirror.lab']}, 'must be an http:// or https:// URL'),
    ({'registry-mirrors': ['https://u:p@mirror.lab']}, 'must not contain credentials'),
    ({'registry-mirrors': ['https://mirror.lab/?x=1']}, 'must not contain a query'),
    ({'registry-mirrors': ['https://mirror.lab/#f']}, 'must not contain a fragment'),
    ({'exec-opts': ['native.cgroupdriver=']}, "must be formatted 'opt=value'"),
    ({'exec-opts': ['native.cgroupdriver=cgroup2']}, 'cgroup driver must be one of cgroupfs, systemd (got "cgroup2")'),
])
def test_validate_errors(config, message):
    errors, _warnings = validate(config)
    assert any(message in error for error in errors), errors


@pytest.mark.parametrize('config', [
    {},
    {'log-driver': 'json-file', 'log-opts': {'max-size': '10m', 'max-file': '3'}},
    {'insecure-registries': ['10.100.0.0/24', 'reg.lab', 'reg.lab:5000', 'localhost:5000', '192.168.1.10:5000',
                             '[::1]:5000', 'fd00::/8', 'a-b.c-d.lab']},
    {'registry-mirrors': ['https://mirror.lab', 'http://10.0.0.1:5000/', 'https://mirror.lab/path']},
    {'exec-opts': ['native.cgroupdriver=systemd']},
    {'exec-opts': ['native.cgroupdriver=cgroupfs']},
    {'live-restore': True, 'max-concurrent-downloads': 3, 'features': {'buildkit': True}},
    {'default-address-pools': [{'base': '172.30.0.0/16', 'size': 24}]},
    {'runtimes': {'crun': {'path': '/usr/bin/crun'}}, 'proxies': {'http-proxy': 'http://p:3128'}},
])
def test_validate_accepts(config):
    assert validate(config, strict=True, changed=[]) == ([], [])


def test_unknown_key_warns_or_fails_in_strict_mode():
    errors, warnings = validate({'log-levl': 'info'})
    assert errors == [] and 'unknown key "log-levl"' in warnings[0]
    errors, warnings = validate({'log-levl': 'info'}, strict=True)
    assert warnings == [] and 'unknown key "log-levl"' in errors[0]


@pytest.mark.parametrize('entry, ok', [
    ('10.0.0.0/8', True), ('reg:5000', True), ('reg', True), ('https://reg', True), ('https://reg/', False), ('http://ftp://reg', False), ('reg-:5', False),
    ('reg:abc', False), ('a..b', False),
])
def test_check_insecure_registry(entry, ok):
    assert (check_insecure_registry(entry) is None) is ok


@pytest.mark.parametrize('entry, ok', [
    ('https://m.lab', True), ('ftp://m.lab', False), ('https://', False), ('https://m.lab?', False),
])
def test_check_registry_mirror(entry, ok):
    assert (check_registry_mirror(entry) is None) is ok


def test_exec_opt_unknown_option_is_an_error():
    # dockerd 28+ refuses it at start (validatePlatformExecOpt: "unknown option").
    error, warning = check_exec_opt('isolation=hyperv')
    assert warning is None and 'isolation' in error and 'delete it' in error


def test_compute_reports_and_raises():
    outcome = compute({'log-level': 'info'}, {'insecure-registries': ['10.0.0.0/8']})
    assert outcome['config'] == {'log-level': 'info', 'insecure-registries': ['10.0.0.0/8']}
    assert outcome['changed_keys'] == ['insecure-registries']
    assert (outcome['reload_required'], outcome['restart_required']) == (True, False)
    with pytest.raises(DaemonJsonError, match='max-file'):
        compute({}, {'log-opts': {'max-file': 3}})
    # validate=False lets a wrong type through
    assert compute({}, {'log-opts': {'max-file': 3}}, validate_result=False)['restart_required'] is True


# ---------------------------------------------------------------------------------------- properties

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
_keys = st.text(alphabet='abcdefgh-', min_size=1, max_size=6)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=10,
)
_configs = st.dictionaries(_keys, _values, max_size=6)
_modes = st.sampled_from(['replace', 'append_unique'])


@settings(max_examples=200, deadline=None)
@given(current=_configs, new=_configs, mode=_modes)
def test_merging_twice_equals_merging_once(current, new, mode):
    once = merge(current, new, [], mode)
    assert merge(once, new, [], mode) == once


@settings(max_examples=200, deadline=None)
@given(current=_configs, new=_configs, remove=st.lists(_keys, max_size=3), mode=_modes)
def test_untouched_keys_survive(current, new, remove, mode):
    remove = [key for key in remove if key not in new]
    result = merge(current, new, remove, mode)
    for key, value in current.items():
        if key not in new and key not in remove:
            assert result[key] == value
    for key in remove:
        assert key not in result


@settings(max_examples=200, deadline=None)
@given(config=_configs)
def test_render_parse_round_trip(config):
    text = render(config)
    assert parse(text) == config
    assert render(parse(text)) == text
    assert text.endswith('}\n')


@settings(max_examples=100, deadline=None)
@given(current=_configs, new=_configs, mode=_modes)
def test_rerun_changes_nothing(current, new, mode):
    first = compute(current, new, [], mode, validate_result=False)
    second = compute(first['config'], new, [], mode, validate_result=False)
    assert second['changed_keys'] == []
    assert (second['reload_required'], second['restart_required']) == (False, False)


# ------------------------------------------------------------------------ issue 18: hostile input
# Each case is a configuration dockerd refuses (moby daemon/config Validate, validatePlatformConfig, the option
# parsers, the checks at start); the module must refuse it too, naming key, value and fix.

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import (  # noqa: E402
    MAX_DEPTH,
    check_values,
    decode,
    mask,
    mask_url,
    parse_docker_version,
    parse_document,
    restart_reasons,
    secrets,
)

TLS = {'tlsverify': True, 'tlscacert': '/etc/docker/ca.pem', 'tlscert': '/etc/docker/cert.pem',
       'tlskey': '/etc/docker/key.pem'}


@pytest.mark.parametrize('config, fragments', [
    ({'bip': 'x'}, ['"bip" "x" is not an IPv4 address with prefix length', 'write e.g. "172.26.0.1/16"']),
    ({'bip': '172.26.0.1'}, ['"bip" "172.26.0.1"']),
    ({'bip': '172.26.0.1/33'}, ['"bip"']),
    ({'bip': 'fd00::1/64'}, ['"bip"']),
    ({'bip6': '10.0.0.1/24'}, ['"bip6"', 'IPv6']),
    ({'fixed-cidr': '10.0.0.0/abc'}, ['"fixed-cidr"']),
    ({'fixed-cidr-v6': 'fd00::/129'}, ['"fixed-cidr-v6"']),
    ({'default-address-pools': [{'base': '172.30.0.0', 'size': 24}]}, ['"default-address-pools[0].base" "172.30.0.0" is not a CIDR']),
    ({'default-address-pools': [{'base': '172.30.0.0/16', 'size': 8}]},
     ['"default-address-pools[0].size" 8 is not between the base prefix length (16) and 32']),
    ({'default-address-pools': [{'base': '172.30.0.0/16', 'size': 33}]}, ['size" 33']),
    ({'default-address-pools': [{'base': '172.30.0.0/16', 'size': -1}]}, ['size" -1']),
    ({'default-address-pools': [{'base': '172.30.0.0/16'}]}, ['"default-address-pools[0].size" must be an integer prefix length (got null)']),
    ({'mtu': -1}, ['"mtu" -1 is out of range', 'write a number 0 or more']),
    ({'max-concurrent-downloads': -3}, ['"max-concurrent-downloads" -3']),
    ({'max-concurrent-uploads': -1}, ['"max-concurrent-uploads"']),
    ({'max-download-attempts': -1}, ['"max-download-attempts"']),
    ({'network-diagnostic-port': 70000}, ['"network-diagnostic-port" 70000', 'between 0 and 65535']),
    ({'labels': ['rack']}, ['"labels" "rack" is not a label', 'write "key=value"']),
    ({'labels': ['com.docker.x=1']}, ['reserves']),
    ({'labels': ['a=1', 'a=2']}, ['conflicts with "a=1"']),
    ({'log-level': 'verbose'}, ['"log-level" "verbose" is not a value dockerd accepts', 'panic, fatal, error, warn, info, debug, trace']),
    ({'log-level': 'warning'}, ['"log-level" "warning"']),
    ({'log-format': 'xml'}, ['"log-format" "xml"']),
    ({'data-root': 'var/lib/docker'}, ['"data-root" "var/lib/docker" is a relative path', 'write an absolute path, e.g. "/var/lib/docker"']),
    ({'exec-root': './run'}, ['"exec-root"']),
    ({'pidfile': 'docker.pid'}, ['"pidfile"']),
    ({'default-shm-size': '-64m'}, ['"default-shm-size" "-64m" is not a size']),
    ({'default-shm-size': 'big'}, ['"default-shm-size"']),
    ({'log-opts': {'max-size': '-10m'}}, ['"log-opts.max-size" "-10m" is not a size']),
    ({'log-opts': {'max-size': '0'}}, ['"log-opts.max-size" "0"']),
    ({'log-opts': {'max-file': '0'}}, ['"log-opts.max-file" "0" is not a positive whole number']),
    ({'log-opts': {'max-file': '-1'}}, ['"log-opts.max-file"']),
    ({'log-opts': {'max_size': '10m'}}, ['"log-opts.max_size" is not an option of the json-file log driver']),
    ({'log-driver': 'local', 'log-opts': {'tag': 'x'}}, ['"log-opts.tag" is not an option of the local log driver']),
    ({'log-opts': {'compress': 'yes'}}, ['"log-opts.compress"']),
    ({'default-cgroupns-mode': 'shared'}, ['"default-cgroupns-mode" "shared"', 'host, private']),
    ({'default-ipc-mode': 'host'}, ['"default-ipc-mode" "host"', 'private, shareable']),
    ({'firewall-backend': 'ipfw'}, ['"firewall-backend"']),
    ({'ip': '0.0.0'}, ['"ip" "0.0.0" is not an IP address']),
    ({'default-gateway': 'fd00::1'}, ['"default-gateway" "fd00::1" is not an IPv4 address']),
    ({'default-gateway-v6': '10.0.0.1'}, ['"default-gateway-v6"']),
    ({'dns': ['8.8.8']}, ['"dns" "8.8.8" is not an IP address']),
    ({'dns': ['dns.google']}, ['"dns" "dns.google"']),
    ({'host-gateway-ips': ['x']}, ['"host-gateway-ips" "x"']),
    ({'dns-search': ['-bad.example']}, ['"dns-search" "-bad.example" is not a DNS domain']),
    ({'node-generic-resources': ['gpu']}, ['"node-generic-resources" "gpu"']),
    ({'hosts': ['tcp://0.0.0.0:2375']}, ['"hosts" "tcp://0.0.0.0:2375" opens the Docker API on the network without TLS',
                                         'root on this host', 'allow_tcp_without_tls']),
    ({'hosts': ['tcp://0.0.0.0:2376'], 'tlsverify': True, 'tlscert': '/c.pem'}, ['without TLS client verification']),
    ({'hosts': ['tcp://0.0.0.0:2376'], 'tls': True}, ['without TLS client verification']),
    ({'hosts': ['0.0.0.0:2375']}, ['"hosts" "0.0.0.0:2375" opens the Docker API']),  # no scheme is TCP, as dockerd
    ({'hosts': ['']}, ['"hosts" "" is empty']),
    ({'hosts': ['http://0.0.0.0:2375']}, ['"hosts" "http://0.0.0.0:2375" uses a scheme']),
    ({'hosts': ['unix://docker.sock']}, ['relative socket path']),
    ({'hosts': ['tcp://0.0.0.0:99999'], **TLS}, ['invalid port']),
    ({'runtimes': {'runc': {'path': '/usr/bin/runc'}}}, ['runtime name "runc" is reserved']),
    ({'runtimes': {'crun': {}}}, ['"runtimes.crun" needs "path"']),
    ({'runtimes': {'crun': {'path': '/usr/bin/crun', 'runtimeType': 'io.containerd.runc.v2'}}}, ['both "path" and "runtimeType"']),
    ({'runtimes': {'crun': 'crun'}}, ['"runtimes.crun" must be an object']),
    ({'default-ulimits': {'nofile': {'Name': 'nofile', 'Soft': 2048, 'Hard': 1024}}}, ['Soft 2048 above Hard 1024']),
    ({'default-ulimits': {'files': {'Name': 'files', 'Soft': 1, 'Hard': 1}}}, ['"default-ulimits.files" is not a ulimit']),
    ({'default-ulimits': {'nofile': 1024}}, ['"default-ulimits.nofile" must be {"Name"']),
    ({'proxies': {'http_proxy': 'http://p:3128'}}, ['"proxies.http_proxy" is not a proxy setting', 'write "http-proxy"']),
    ({'exec-opts': ['isolation=hyperv']}, ['"exec-opts" entry "isolation=hyperv"', 'delete it']),
    ({'exec-opts': ['native.cgroupdriver=']}, ["'opt=value'"]),
    ({'features': {'embedded-containerd': True}, 'cri-containerd': True}, ['cannot both be true']),
    ({'default-network-opts': {'bridge': {'com.docker.network.driver.mtu': 1400}}},
     ['"default-network-opts.bridge.com.docker.network.driver.mtu" must be a string (got 1400); write "1400"']),
    ({'cluster-store': 'consul://x'}, ['"cluster-store"', 'removed in Docker 23']),
    ({'graph': '/var/lib/docker'}, ['write "data-root" instead']),
    ({'insecure-registry': ['r:5000']}, ['"insecure-registry" is the command-line flag', 'write "insecure-registries"']),
    ({'label': ['a=b']}, ['write "labels"']),
    ({'http-proxy': 'http://p:3128'}, ['write "proxies.http-proxy"']),
    ({'config-file': '/etc/docker/daemon.json'}, ['a command-line option of dockerd']),
    ({'swarm-raft-heartbeat-tick': 1}, ['"swarm-raft-heartbeat-tick"']),
])
def test_values_dockerd_refuses_are_refused(config, fragments):
    errors, _warnings = validate(config, strict=True)
    text = ' | '.join(errors)
    assert errors, config
    for fragment in fragments:
        assert fragment in text, text
    # Every refusal names the key.
    assert all('daemon.json' in error for error in errors)


@pytest.mark.parametrize('config', [
    {'bip': '172.26.0.1/16', 'fixed-cidr': '172.26.1.0/24', 'bip6': 'fd00:1::1/64', 'fixed-cidr-v6': 'fd00:1::/80'},
    {'default-address-pools': [{'base': '172.30.0.0/16', 'size': 24}, {'base': 'fd00:2::/48', 'size': 64},
                               {'base': '10.10.0.0/16', 'size': 16}]},
    {'mtu': 1450, 'network-control-plane-mtu': 1400}, {'mtu': 0},
    {'max-concurrent-downloads': 0, 'max-concurrent-uploads': 10, 'max-download-attempts': 5},
    {'network-diagnostic-port': 0}, {'network-diagnostic-port': 65535},
    {'labels': ['rack=r12', 'env=prod', 'rack=r12', 'empty=']},
    {'log-level': 'WARN'}, {'log-level': 'trace'}, {'log-format': 'json'},
    {'data-root': '/srv/docker', 'exec-root': '/run/docker', 'pidfile': '/run/docker.pid'},
    {'default-shm-size': '64M'}, {'default-shm-size': '1.5g'}, {'default-shm-size': '512 MiB'},
    {'log-driver': 'json-file', 'log-opts': {'max-size': '10m', 'max-file': '3', 'compress': 'true', 'tag': '{{.Name}}'}},
    {'log-driver': 'journald', 'log-opts': {'tag': 'x', 'anything': 'y'}},
    {'default-cgroupns-mode': 'private', 'default-ipc-mode': 'shareable', 'firewall-backend': 'nftables'},
    {'ip': '127.0.0.1', 'default-gateway': '172.26.0.254', 'default-gateway-v6': 'fd00:1::fe'},
    {'dns': ['1.1.1.1', '2606:4700:4700::1111'], 'dns-search': ['example.com', 'lab.example.com.'],
     'host-gateway-ips': ['172.26.0.1']},
    {'hosts': ['unix:///var/run/docker.sock', 'fd://']},
    dict(TLS, hosts=['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376']),
    {'runtimes': {'crun': {'path': '/usr/bin/crun', 'runtimeArgs': ['--debug']},
                  'kata': {'runtimeType': 'io.containerd.kata.v2', 'options': {'ConfigPath': '/etc/kata.toml'}}}},
    {'default-ulimits': {'nofile': {'Name': 'nofile', 'Soft': 1024, 'Hard': 4096}}},
    {'proxies': {'http-proxy': 'http://proxy:3128', 'https-proxy': 'proxy:3128', 'no-proxy': 'localhost,.lab'}},
    {'log-opts': {'compress': 'True', 'max-size': '1m', 'max-file': '2'}},
    {'default-address-pools': [{'base': '172.30.0.0/16', 'size': 24, 'scope': 'ignored by dockerd'}]},
    {'network-control-plane-mtu': 1300},
    {'features': {'containerd-snapshotter': True, 'buildkit': True, 'cdi': True}},
    {'network-control-plane-mtu': 1400, 'cri-containerd': True, 'rootless': False},
    {'default-network-opts': {'bridge': {'com.docker.network.driver.mtu': '1400'}}},
    {'nri-opts': {'enable': True}, 'min-api-version': '1.24', 'default-stop-timeout': 10},
    {'builder': {'gc': {'enabled': True, 'defaultKeepStorage': '20GB'}}},
])
def test_values_dockerd_accepts_are_accepted(config):
    errors, _warnings = validate(config, strict=True)
    assert errors == []


def test_tcp_without_tls_is_allowed_only_on_request():
    config = {'hosts': ['tcp://127.0.0.1:2375']}
    assert validate(config)[0]
    assert validate(config, allow_tcp_without_tls=True)[0] == []


def test_every_key_of_todays_dockerd_is_known():
    # The keys dockerd 29 (moby master) matches against its flags and named options, as in the config struct.
    for key in ('network-control-plane-mtu', 'cri-containerd', 'rootless', 'features', 'bip6', 'firewall-backend',
                'allow-direct-routing', 'ip-forward-no-drop', 'bridge-accept-fwmark', 'nri-opts', 'cdi-spec-dirs',
                'host-gateway-ips', 'default-network-opts', 'containerd-plugins-namespace', 'min-api-version',
                'default-stop-timeout', 'proxies', 'builder', 'log-format', 'seccomp-profile'):
        assert key in KNOWN_KEYS, key


def test_versioned_and_feature_warnings():
    _errors, warnings = validate({'api-cors-header': '*', 'features': {'containerd-snapshoter': True}})
    text = ' '.join(warnings)
    assert 'removed in Docker 29' in text
    assert '"features.containerd-snapshoter" is not a feature' in text


def test_unknown_key_suggests_the_spelling():
    errors, _warnings = validate({'log-levl': 'info', 'insecure_registries': []}, strict=True)
    text = ' '.join(errors)
    assert 'did you mean "log-level"' in text
    assert 'did you mean "insecure-registries"' in text
    assert "don't match any configuration option" in text


# reading what is there

def test_duplicate_keys_keep_the_last_and_warn():
    config, warnings = parse_document('{"debug": false, "log-opts": {"max-size": "1m", "max-size": "5m"}, "debug": true}',
                                      '/etc/docker/daemon.json')
    assert config == {'debug': True, 'log-opts': {'max-size': '5m'}}
    text = ' '.join(warnings)
    assert 'key "debug" appears more than once' in text and 'the earlier value false is dropped' in text
    assert 'key "max-size"' in text and '"1m"' in text
    assert '/etc/docker/daemon.json' in text


@pytest.mark.parametrize('data, fragment', [
    ('{"labels": ["caf\u00e9=1"]}'.encode('latin-1'), 'is not valid UTF-8 (byte 0xe9 at offset 16)'),
    (b'\xff\xfe{\x00}\x00', 'is not valid UTF-8 (byte 0xff at offset 0)'),
])
def test_invalid_utf8_is_refused_naming_file_and_encoding(data, fragment):
    with pytest.raises(DaemonJsonError) as info:
        parse_document(data, '/etc/docker/daemon.json')
    assert fragment in str(info.value)
    assert '/etc/docker/daemon.json' in str(info.value) and 'iconv' in str(info.value)


def test_utf8_bom_is_dropped_as_dockerd_does():
    assert decode(b'\xef\xbb\xbf{"debug": true}') == '{"debug": true}'
    assert parse_document(b'\xef\xbb\xbf{"debug": true}')[0] == {'debug': True}


@pytest.mark.parametrize('depth', [MAX_DEPTH + 1, 5000, 100000])
def test_deep_nesting_is_refused_with_a_message(depth):
    text = '{"builder": ' + '[' * depth + ']' * depth + '}'
    with pytest.raises(DaemonJsonError, match='nested'):
        parse_document(text, 'x.json')


def test_nesting_within_the_limit_is_read():
    text = '{"builder": ' + '{"a": ' * (MAX_DEPTH - 2) + '1' + '}' * (MAX_DEPTH - 2) + '}'
    assert parse_document(text)[0]['builder']['a']


@pytest.mark.parametrize('text', ['{"mtu": NaN}', '{"mtu": Infinity}', '{"mtu": -Infinity}'])
def test_nan_and_infinity_in_the_file_are_refused(text):
    with pytest.raises(DaemonJsonError, match='not JSON'):
        parse_document(text, 'x.json')


@pytest.mark.parametrize('settings_, fragment', [
    ({'mtu': float('nan')}, '"mtu" is nan'),
    ({'log-opts': {'max-size': float('inf')}}, '"log-opts.max-size" is inf'),
    ({'log-opts': {3: 'x'}}, "key 3 in \"log-opts\" must be a string"),
    ({'labels': [{1, 2}]}, '"labels[0]" is a set'),
])
def test_values_json_cannot_hold_are_refused(settings_, fragment):
    assert any(fragment in error for error in check_values(settings_)), check_values(settings_)
    with pytest.raises(DaemonJsonError, match='daemon.json'):
        compute({}, settings_)


def test_deep_settings_are_refused_before_merging():
    deep = {}
    node = deep
    for _level in range(5000):
        node['a'] = {}
        node = node['a']
    with pytest.raises(DaemonJsonError, match='nested more than'):
        compute({}, {'builder': deep})


# remove of nested keys

@pytest.mark.parametrize('current, remove, expected', [
    ({'log-opts': {'max-size': '10m', 'max-file': '3'}}, ['log-opts.max-size'], {'log-opts': {'max-file': '3'}}),
    ({'log-opts': {'max-size': '10m'}}, ['log-opts.max-size'], {'log-opts': {}}),
    ({'log-opts': {'max-size': '10m'}}, ['log-opts.absent', 'absent.key', 'absent'], {'log-opts': {'max-size': '10m'}}),
    ({'features': {'buildkit': True}, 'debug': True}, ['features.buildkit', 'debug'], {'features': {}}),
    ({'runtimes': {'nvidia.v2': {'path': '/x'}, 'crun': {'path': '/y'}}}, ['runtimes.nvidia.v2'],
     {'runtimes': {'crun': {'path': '/y'}}}),
    ({'default-network-opts': {'bridge': {'a.b': '1', 'c': '2'}}}, ['default-network-opts.bridge.a.b'],
     {'default-network-opts': {'bridge': {'c': '2'}}}),
    ({'a.b': 1, 'a': {'b': 2}}, ['a.b'], {'a': {'b': 2}}),
])
def test_remove_nested_keys(current, remove, expected):
    assert merge(current, {}, remove) == expected


def test_remove_through_a_scalar_is_refused_clearly():
    with pytest.raises(DaemonJsonError, match='"log-driver" is a string, not an object; remove "log-driver" itself'):
        merge({'log-driver': 'json-file'}, {}, ['log-driver.max-size'])


@pytest.mark.parametrize('remove', [[''], ['.debug'], ['log-opts.']])
def test_remove_entry_that_is_no_key_is_refused(remove):
    with pytest.raises(DaemonJsonError, match='is not a key'):
        merge({}, {}, remove)


def test_nested_remove_and_setting_of_the_same_key_is_refused():
    with pytest.raises(DaemonJsonError, match='"log-opts.max-size" both in settings and in remove'):
        merge({}, {'log-opts': {'max-size': '1m'}}, ['log-opts.max-size'])


def test_nested_remove_restarts():
    outcome = compute({'log-opts': {'max-size': '10m', 'max-file': '3'}}, {}, ['log-opts.max-file'])
    assert outcome['changed_keys'] == ['log-opts'] and outcome['restart_required'] is True


@settings(max_examples=200, deadline=None)
@given(current=st.dictionaries(_keys, st.dictionaries(_keys, _scalars, max_size=4), max_size=4), data=st.data())
def test_nested_remove_removes_exactly_that_key(current, data):
    paths = [(top, inner) for top, value in current.items() for inner in value]
    if not paths:
        return
    top, inner = data.draw(st.sampled_from(paths))
    result = merge(current, {}, ['%s.%s' % (top, inner)])
    expected = json.loads(json.dumps(current))
    del expected[top][inner]
    assert result == expected


# reload vs restart

@pytest.mark.parametrize('before, after, restart', [
    ({}, {'allow-nondistributable-artifacts': ['r:5000']}, False),
    ({}, {'authorization-plugins': ['authz']}, False),
    ({}, {'default-runtime': 'crun'}, False),
    ({'default-runtime': 'crun'}, {}, True),
    ({'default-cgroupns-mode': 'host'}, {}, True),
    ({'default-ipc-mode': 'shareable'}, {'default-ipc-mode': 'private'}, False),
    ({}, {'features': {'containerd-snapshotter': True}}, True),
    ({'features': {'buildkit': True}}, {'features': {'buildkit': False}}, True),
    ({}, {'nri-opts': {'enable': True}}, False),
    ({}, {'data-root': '/srv/docker'}, True),
    ({}, {'runtimes': {'crun': {'path': '/usr/bin/crun'}}}, False),
])
def test_reload_or_restart_as_moby_does(before, after, restart):
    keys = changed_keys(before, after)
    assert classify(keys, before, after) == (not restart, restart)
    reasons = restart_reasons(keys, before, after)
    assert bool(reasons) is restart
    for key in reasons:
        assert key in reasons[key]


# secrets

def test_secrets_are_found_and_masked():
    config = {'proxies': {'http-proxy': 'http://user:s3cr3t@proxy:3128', 'https-proxy': 'http://tok@proxy:3128',
                          'no-proxy': 'localhost'}}
    assert secrets(config) == ['s3cr3t', 'tok']
    masked = mask(config, secrets(config))
    assert masked['proxies']['http-proxy'] == 'http://user:****@proxy:3128'
    assert 's3cr3t' not in json.dumps(masked) and 'tok' not in json.dumps(masked)
    assert mask_url('http://user:pw@proxy:3128/') == 'http://user:****@proxy:3128/'
    assert mask_url('http://proxy:3128') == 'http://proxy:3128'
    assert secrets({'proxies': {'http-proxy': 'http://proxy:3128'}}) == []


def test_secrets_of_a_proxy_without_a_scheme():
    # dockerd takes user:pw@proxy:3128 as a proxy: its password is a secret like the one in http://...; elsewhere
    # a bare user@host (a label, an e-mail address) is not a URL and stays visible.
    assert secrets({'proxies': {'http-proxy': 'user:pw@proxy:3128', 'https-proxy': 'tok@proxy:3128'}}) == ['tok', 'pw']
    assert secrets({'labels': ['owner=me@example.com']}) == []


@pytest.mark.parametrize('text, version', [
    ('Docker version 20.10.24+dfsg1, build 5d6db84', (20, 10)), ('Docker version 26.1.5+dfsg1, build 411e817', (26, 1)),
    ('Docker version v29.0.0-rc.1', (29, 0)), ('garbage', None),
])
def test_parse_docker_version(text, version):
    assert parse_docker_version(text) == version


@pytest.mark.parametrize('config, version, refused', [
    ({'proxies': {}}, (20, 10), True), ({'proxies': {}}, (23, 0), False),
    ({'api-cors-header': '*'}, (29, 1), True), ({'api-cors-header': '*'}, (28, 5), False),
    ({'nri-opts': {}}, (29, 1), True), ({'log-level': 'info'}, (20, 10), False),
])
def test_keys_the_installed_dockerd_refuses(config, version, refused):
    errors, _warnings = validate(config, strict=True, dockerd_version=version)
    assert bool(errors) is refused, errors


def test_exec_opt_without_equals_is_a_warning_as_dockerd_ignores_it():
    # dockerd 26 starts with ["native.cgroupdriver"] and runs containers (tests/differential exec-opts-no-equals):
    # the cgroup driver lookup fails on it and that error is dropped, so the entry sets nothing.
    error, warning = check_exec_opt('native.cgroupdriver')
    assert error is None and 'ignores it' in warning and 'native.cgroupdriver=systemd' in warning
    outcome = compute({}, {'exec-opts': ['native.cgroupdriver']}, strict=True)
    assert outcome['config'] == {'exec-opts': ['native.cgroupdriver']}
    assert any('"native.cgroupdriver" is not \'opt=value\'' in w for w in outcome['warnings'])
    # An empty value or a driver dockerd does not know stays an error.
    assert check_exec_opt('native.cgroupdriver=')[0] and check_exec_opt('native.cgroupdriver=magic')[0]


@pytest.mark.parametrize('driver, warned', [
    ('json-file', False), ('journald', False), ('none', False), ('syslog', False),
    ('loki', True), ('no-such-driver', True), ('grafana/loki-docker-driver:latest', True),
])
def test_log_driver_outside_the_built_in_ones_is_accepted_with_a_warning(driver, warned):
    # dockerd 26 starts with any name and refuses only container starts while no plugin of that name is
    # installed; a plugin (or an alias such as loki) may be installed after the file, so warn, do not refuse.
    outcome = compute({}, {'log-driver': driver}, strict=True)
    assert outcome['config'] == {'log-driver': driver}
    found = [w for w in outcome['warnings'] if '"log-driver"' in w]
    assert bool(found) is warned
    if warned:
        assert '"%s"' % driver in found[0] and 'json-file' in found[0] and 'docker plugin install' in found[0]
