# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/daemon_json.py: real files in tmp_path, no host changes."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import daemon_json

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [
    needs_module_testing,
    pytest.mark.skipif(os.geteuid() != 0, reason='the module sets owner/group root'),
]


@pytest.fixture(autouse=True)
def no_dockerd(monkeypatch):
    """Never run the host's dockerd from unit tests."""
    monkeypatch.setattr(daemon_json, 'dockerd_validate', lambda module, text, directory: False)


run_module = module_runner(daemon_json)


def test_creates_missing_directory_and_file(tmp_path, capsys):
    path = tmp_path / 'docker' / 'daemon.json'
    result = run_module(capsys, {'path': str(path), 'settings': {'insecure-registries': ['10.0.0.0/8']}})
    assert result['changed'] is True
    assert result['changed_keys'] == ['insecure-registries']
    assert result['reload_required'] is True and result['restart_required'] is False
    assert path.read_text() == '{\n  "insecure-registries": [\n    "10.0.0.0/8"\n  ]\n}\n'
    assert oct(path.stat().st_mode & 0o7777) == '0o644'
    assert oct(path.parent.stat().st_mode & 0o7777) == '0o755'
    assert result['previous_content'] is None
    again = run_module(capsys, {'path': str(path), 'settings': {'insecure-registries': ['10.0.0.0/8']}})
    assert again['changed'] is False and again['changed_keys'] == []
    assert 'previous_content' not in again


def test_merge_keeps_foreign_keys_and_backup(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    path.write_text('{"log-level": "warn", "log-opts": {"max-size": "5m"}}')
    result = run_module(capsys, {'path': str(path), 'settings': {'log-opts': {'max-file': '3'}}, 'backup': True})
    assert result['config'] == {'log-level': 'warn', 'log-opts': {'max-size': '5m', 'max-file': '3'}}
    assert result['restart_required'] is True and result['reload_required'] is False
    assert result['previous_content'] == '{"log-level": "warn", "log-opts": {"max-size": "5m"}}'
    assert os.path.exists(result['backup_file'])
    with open(result['backup_file']) as handle:
        assert handle.read() == '{"log-level": "warn", "log-opts": {"max-size": "5m"}}'


def test_check_mode_and_diff_leave_file_alone(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    path.write_text('{"debug": false}')
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}}, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['diff']['before'] == '{"debug": false}'
    assert result['diff']['after'] == '{\n  "debug": true\n}\n'
    assert path.read_text() == '{"debug": false}'


@pytest.mark.parametrize('content, args, message', [
    ('{"a": 1,\n "b" 2}', {'settings': {'debug': True}}, 'is not valid JSON (line 2, column 6)'),
    ('["x"]', {'settings': {'debug': True}}, 'top level'),
    ('{}', {'settings': {'log-opts': {'max-file': 3}}}, '"log-opts.max-file" must be a string (got 3); write "3"'),
    ('{}', {'settings': {'insecure-registries': ['https://r:5000']}}, 'write "r:5000"'),
    ('{}', {'settings': {'debug': True}, 'remove': ['debug']}, 'both in settings and in remove'),
    ('{}', {'settings': {'bogus-key': 1}, 'strict': True}, 'unknown key "bogus-key"'),
])
def test_bad_input_fails_and_leaves_file_byte_for_byte(tmp_path, capsys, content, args, message):
    path = tmp_path / 'daemon.json'
    path.write_text(content)
    before = path.read_bytes()
    args = dict(args, path=str(path))
    result = run_module(capsys, args)
    assert result.get('failed') is True
    assert message in result['msg'], result['msg']
    assert path.read_bytes() == before
    assert sorted(os.listdir(str(tmp_path))) == ['daemon.json'], 'no temp files left behind'
