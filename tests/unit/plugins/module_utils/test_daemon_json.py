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


def test_reload_list_matches_docker():
    assert RELOADABLE_KEYS == {
        'debug', 'labels', 'live-restore', 'max-concurrent-downloads', 'max-concurrent-uploads',
        'max-download-attempts', 'default-runtime', 'runtimes', 'authorization-plugins', 'insecure-registries',
        'registry-mirrors', 'shutdown-timeout', 'features', 'default-shm-size', 'default-cgroupns-mode',
        'default-ipc-mode', 'network-diagnostic-port'}
    assert RELOADABLE_KEYS <= set(KNOWN_KEYS)


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
    ({'insecure-registries': ['http://reg.lab:5000']}, 'must not carry a scheme; write "reg.lab:5000"'),
    ({'insecure-registries': ['ftp://reg.lab']}, "must not contain '://'"),
    ({'insecure-registries': ['-bad.lab']}, 'is not valid'),
    ({'insecure-registries': ['reg.lab:99999']}, 'is not valid'),
    ({'insecure-registries': ['10.0.0.0/33']}, 'neither a CIDR'),
    ({'registry-mirrors': ['mirror.lab']}, 'must be an http:// or https:// URL'),
    ({'registry-mirrors': ['https://u:p@mirror.lab']}, 'must not contain credentials'),
    ({'registry-mirrors': ['https://mirror.lab/?x=1']}, 'must not contain a query'),
    ({'registry-mirrors': ['https://mirror.lab/#f']}, 'must not contain a fragment'),
    ({'exec-opts': ['native.cgroupdriver']}, "must be formatted 'opt=value'"),
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
    assert validate(config, strict=True) == ([], [])


def test_unknown_key_warns_or_fails_in_strict_mode():
    errors, warnings = validate({'log-levl': 'info'})
    assert errors == [] and 'unknown key "log-levl"' in warnings[0]
    errors, warnings = validate({'log-levl': 'info'}, strict=True)
    assert warnings == [] and 'unknown key "log-levl"' in errors[0]


@pytest.mark.parametrize('entry, ok', [
    ('10.0.0.0/8', True), ('reg:5000', True), ('reg', True), ('https://reg', False), ('reg-:5', False),
    ('reg:abc', False), ('a..b', False),
])
def test_check_insecure_registry(entry, ok):
    assert (check_insecure_registry(entry) is None) is ok


@pytest.mark.parametrize('entry, ok', [
    ('https://m.lab', True), ('ftp://m.lab', False), ('https://', False), ('https://m.lab?', False),
])
def test_check_registry_mirror(entry, ok):
    assert (check_registry_mirror(entry) is None) is ok


def test_exec_opt_unknown_option_is_a_warning():
    error, warning = check_exec_opt('isolation=hyperv')
    assert error is None and 'isolation' in warning


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
