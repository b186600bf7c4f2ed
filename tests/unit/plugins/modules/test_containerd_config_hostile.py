# -*- coding: utf-8 -*-
"""containerd_config under hostile input (issue 27): links, file kinds, relative paths, a byte order mark,
Latin-1 bytes, nesting thousands deep, registry credentials, another default runtime. Real files in tmp_path."""

import os
import stat

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import loads
from ansible_collections.fleetops.docker_host.plugins.modules import containerd_config

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    KIND_WORDS,
    KINDS,
    RELATIVE,
    files_in,
    make_kind,
    runner,
)
from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import needs_module_testing

pytestmark = [
    pytest.mark.usefixtures('bounded'),
    needs_module_testing,
    pytest.mark.skipif(os.geteuid() != 0, reason='the module sets owner/group root'),
]
V2 = 'version = 2\n'
CRI = 'plugins."io.containerd.grpc.v1.cri"'
RUNTIMES = CRI + '.containerd.runtimes'


run = runner(containerd_config)


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


# ------------------------------------------------------------------------------------------ 1. links and kinds

@pytest.mark.parametrize('relative', RELATIVE)
def test_relative_path_refused_and_nothing_written(tmp_path, capsys, monkeypatch, relative):
    monkeypatch.chdir(str(tmp_path))
    result = run(capsys, {'path': relative})
    assert result['failed'] and 'relative path' in result['msg'] and relative in result['msg']
    assert 'absolute path such as /etc/containerd/config.toml' in result['msg']
    assert files_in(tmp_path) == []


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('kind', KINDS)
def test_not_a_regular_file_refused_naming_it(tmp_path, capsys, kind, check_mode):
    path = make_kind(tmp_path / 'config.toml', kind)
    before = files_in(tmp_path)
    result = run(capsys, {'path': path}, check_mode=check_mode)
    assert result['failed'] and path in result['msg'] and KIND_WORDS[kind] in result['msg']
    assert files_in(tmp_path) == before


@pytest.mark.parametrize('relative_link', [False, True])
def test_symlinked_config_written_through_the_link(tmp_path, capsys, relative_link):
    real = tmp_path / 'real' / 'config.toml'
    real.parent.mkdir()
    real.write_text(V2)
    os.chmod(str(real), 0o640)
    link = tmp_path / 'config.toml'
    os.symlink('real/config.toml' if relative_link else str(real), str(link))
    result = run(capsys, {'path': str(link), 'mode': '0640'})
    assert result['changed'] and result['target'] == str(real)
    assert os.path.islink(str(link)) and 'SystemdCgroup = true' in real.read_text()
    assert mode_of(real) == 0o640
    assert files_in(real.parent) == ['config.toml'] and files_in(tmp_path) == ['config.toml', 'real']
    assert run(capsys, {'path': str(link), 'mode': '0640'})['changed'] is False


def test_dangling_link_to_a_missing_directory_refused(tmp_path, capsys):
    os.symlink(str(tmp_path / 'gone' / 'config.toml'), str(tmp_path / 'config.toml'))
    result = run(capsys, {'path': str(tmp_path / 'config.toml')})
    assert result['failed'] and 'whose directory does not exist' in result['msg']
    assert not os.path.exists(str(tmp_path / 'gone'))


def test_file_changed_during_the_run_is_not_overwritten(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'config.toml'
    path.write_text(V2)
    real_merge = containerd_config.merge

    def merge_then_someone_edits(*args, **kwargs):
        outcome = real_merge(*args, **kwargs)
        path.write_text(V2 + '# edited by hand meanwhile\n')
        return outcome

    monkeypatch.setattr(containerd_config, 'merge', merge_then_someone_edits)
    result = run(capsys, {'path': str(path)})
    assert result['failed'] and 'changed while this run edited it' in result['msg'] and str(path) in result['msg']
    assert path.read_text() == V2 + '# edited by hand meanwhile\n'


# ------------------------------------------------------------------------------------------ 2. encodings

@pytest.mark.parametrize('body', [
    V2,
    V2 + '[%s.containerd.runtimes.runc.options]\n  SystemdCgroup = false\n' % CRI,
    '',
    '# only a comment\n',
    V2 + 'disabled_plugins = ["cri"]\n',
])
def test_a_byte_order_mark_is_kept_and_edits_land_in_place(tmp_path, capsys, body):
    path = tmp_path / 'config.toml'
    path.write_bytes(b'\xef\xbb\xbf' + body.encode())
    result = run(capsys, {'path': str(path)})
    data = path.read_bytes()
    assert result['changed'] and data.startswith(b'\xef\xbb\xbf') and not data[3:].startswith(b'\xef\xbb\xbf')
    config = loads(data.decode('utf-8'))
    runc = config['plugins']['io.containerd.grpc.v1.cri']['containerd']['runtimes']['runc']
    assert runc['options']['SystemdCgroup'] is True and config.get('disabled_plugins', []) == []
    assert run(capsys, {'path': str(path)})['changed'] is False


@pytest.mark.parametrize('raw', [
    b'# caf\xe9 (Latin-1)\n' + V2.encode(),
    V2.encode() + b'# \xff\xfe junk\n',
    V2.encode() + b'[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "pause\xe9"\n',
    b'\xef\xbb\xbf# \xe9\n' + V2.encode(),
])
@pytest.mark.parametrize('diff', [False, True])
def test_latin1_bytes_decided_before_writing_kept_and_result_valid_utf8(tmp_path, capsys, warned, raw, diff):
    path = tmp_path / 'config.toml'
    path.write_bytes(raw)
    result = run(capsys, {'path': str(path)}, diff=diff)
    assert not result.get('failed') and result['changed']
    assert any('not valid UTF-8' in warning and str(path) in warning for warning in warned)
    data = path.read_bytes()
    for line in raw.splitlines():
        assert line in data  # the odd bytes are still there, unchanged
    assert b'SystemdCgroup = true' in data
    if diff:
        assert '\ufffd' in result['diff']['before'] + result['diff']['after']
    assert '\ufffd' in result['previous_content']
    # previous_content cannot give the bytes back: the rollback takes the backup, byte for byte.
    assert result['previous_content_masked'] is True and open(result['backup_file'], 'rb').read() == raw


# ------------------------------------------------------------------------------------------ 3. depth

@pytest.mark.parametrize('text', [
    'a = ' + '[' * 5000 + ']' * 5000 + '\n',
    'a = ' + '{ b = ' * 3000 + '1' + ' }' * 3000 + '\n',
    '.'.join(['a'] * 5000) + ' = 1\n',
    '[' + '.'.join(['t'] * 5000) + ']\nx = 1\n',
    'a = ' + '[' * 200000 + '\n',
    V2 + '[plugins."io.containerd.grpc.v1.cri"]\n  x = ' + '[' * 101 + ']' * 101 + '\n',
])
def test_nesting_thousands_deep_fails_cleanly_naming_the_file(tmp_path, capsys, text):
    path = tmp_path / 'config.toml'
    path.write_text(text)
    result = run(capsys, {'path': str(path)})
    assert result['failed'] and str(path) in result['msg'] and 'deep' in result['msg']
    assert 'recursion' not in result['msg'] and path.read_text() == text


# ------------------------------------------------------------------------------------------ 4. secrets

AUTH_TABLE = '[%s.registry.configs."registry.example".auth]\n' % CRI
SECRET_FILES = [
    (AUTH_TABLE + '  username = "robot"\n  password = "Pa55-w0rd!"\n', ['Pa55-w0rd!', 'robot']),
    (AUTH_TABLE + '  auth = "cm9ib3Q6UGE1NS13MHJk"\n', ['cm9ib3Q6UGE1NS13MHJk']),
    (AUTH_TABLE + '  identitytoken = "eyJhbGciOiJSUzI1NiJ9.tok"\n', ['eyJhbGciOiJSUzI1NiJ9.tok']),
    (AUTH_TABLE + "  password = 'literal-secret-42'\n", ['literal-secret-42']),
    (AUTH_TABLE + '  password = """multi\nline-secret"""\n', ['line-secret']),
    ('[%s.registry.configs."r.example"]\n  auth = { username = "u1x", password = "inl1ne-secret" }\n' % CRI,
     ['inl1ne-secret']),
    ('[%s.registry.mirrors."docker.io"]\n  endpoint = ["https://mirror-user:m1rr0r-pass@mirror.example"]\n' % CRI,
     ['m1rr0r-pass']),
    ('[%s.registry.headers]\n  Authorization = ["Basic c2VjcmV0OnNlY3JldA=="]\n' % CRI,
     ['Basic c2VjcmV0OnNlY3JldA==']),
]


@pytest.mark.parametrize('section, secrets', SECRET_FILES)
def test_registry_credentials_kept_0600_and_masked_everywhere(tmp_path, capsys, section, secrets):
    path = tmp_path / 'config.toml'
    path.write_text(V2 + section)
    os.chmod(str(path), 0o644)
    check = run(capsys, {'path': str(path)}, check_mode=True, diff=True, secrets=secrets)
    assert check['changed'] and path.read_text() == V2 + section
    result = run(capsys, {'path': str(path)}, diff=True, secrets=secrets)
    assert result['changed'] and 'SystemdCgroup = true' in path.read_text()
    for secret in secrets:
        assert secret in path.read_text()  # the file keeps them; only what is shown is masked
    if secrets:
        assert '****' in result['diff']['before'] and '****' in result['previous_content']
        assert result['previous_content_masked'] is True
        assert mode_of(path) == 0o600 and mode_of(result['backup_file']) == 0o600
        assert open(result['backup_file']).read() == V2 + section
    again = run(capsys, {'path': str(path)}, secrets=secrets)
    assert again['changed'] is False


@pytest.mark.parametrize('asked', ['0644', '0664', '0666', 'u=rw,go=r'])
def test_a_mode_readable_by_others_is_not_given_to_credentials(tmp_path, capsys, warned, asked):
    path = tmp_path / 'config.toml'
    path.write_text(V2 + SECRET_FILES[0][0])
    os.chmod(str(path), 0o644)
    run(capsys, {'path': str(path), 'mode': asked}, secrets=SECRET_FILES[0][1])
    assert mode_of(path) == 0o600
    assert any('0600' in warning and str(path) in warning for warning in warned)


def test_credentials_unchanged_file_is_still_forced_0600(tmp_path, capsys):
    path = tmp_path / 'config.toml'
    run(capsys, {'path': str(path)})
    with open(str(path), 'a') as handle:
        handle.write(SECRET_FILES[0][0])
    os.chmod(str(path), 0o644)
    check = run(capsys, {'path': str(path)}, check_mode=True)
    assert check['changed'] is True and mode_of(path) == 0o644
    result = run(capsys, {'path': str(path)}, secrets=SECRET_FILES[0][1])
    assert result['changed'] is True and result['edits'] == [] and mode_of(path) == 0o600


def test_without_credentials_the_mode_stays_0644(tmp_path, capsys):
    path = tmp_path / 'config.toml'
    run(capsys, {'path': str(path)})
    assert mode_of(path) == 0o644


# ------------------------------------------------------------------------------------------ 6. the runtime pods use

@pytest.mark.parametrize('driver', ['systemd', 'cgroupfs'])
@pytest.mark.parametrize('case', [
    ('nvidia', {'nvidia': 'io.containerd.runc.v2'}, ['runc', 'nvidia'], True),
    ('nvidia', {'nvidia': None}, ['runc', 'nvidia'], True),
    ('crun', {'crun': 'io.containerd.runc.v2', 'gpu': 'io.containerd.runc.v2'}, ['runc', 'crun', 'gpu'], True),
    ('kata', {'kata': 'io.containerd.kata.v2'}, ['runc'], False),
    ('runc', {'nvidia': 'io.containerd.runc.v2'}, ['runc', 'nvidia'], True),
    (None, {}, ['runc'], True),
])
def test_the_cgroup_driver_reaches_the_runtime_the_pods_use(tmp_path, capsys, driver, case):
    default, runtimes, edited, reported = case
    text = V2 + '[%s.containerd]\n' % CRI
    if default:
        text += '  default_runtime_name = "%s"\n' % default
    for name, kind in sorted(runtimes.items()):
        text += '[%s.%s]\n' % (RUNTIMES, name)
        if kind:
            text += '  runtime_type = "%s"\n' % kind
        text += '[%s.%s.options]\n  BinaryName = "/usr/bin/%s"\n' % (RUNTIMES, name, name)
    path = tmp_path / 'config.toml'
    path.write_text(text)
    result = run(capsys, {'path': str(path), 'cgroup_driver': driver})
    data = loads(path.read_text())['plugins']['io.containerd.grpc.v1.cri']['containerd']['runtimes']
    for name in data:
        has = data[name].get('options', {}).get('SystemdCgroup')
        assert has == ((driver == 'systemd') if name in edited else None), name
    assert result['config']['default_runtime'] == (default or 'runc')
    assert result['config']['cgroup_driver'] == (driver if reported else None)
    assert run(capsys, {'path': str(path), 'cgroup_driver': driver})['changed'] is False


@pytest.mark.parametrize('line', [
    'password = s3cr3t-unquoted',
    'password = "unterminated-s3cr3t',
    'auth = YWRtaW46czNjcjN0',
    '"identitytoken" = tok-s3cr3t,',
    'endpoint = [https://u:s3cr3t-url@h]',
])
def test_a_credential_that_is_not_valid_toml_is_not_shown_in_the_failure(tmp_path, capsys, line):
    path = tmp_path / 'config.toml'
    text = V2 + '[%s.registry.configs."r".auth]\n  %s\n' % (CRI, line)
    path.write_text(text)
    secret = line.split('=', 1)[1].strip(' "[],')
    result = run(capsys, {'path': str(path)}, secrets=[secret, secret[:8]])
    assert result['failed'] and str(path) in result['msg'] and 'line 3' in result['msg']
    assert path.read_text() == text
