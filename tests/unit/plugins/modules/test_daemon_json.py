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
    """Never run the host's dockerd from unit tests (a test that wants one gives a fake)."""
    monkeypatch.setattr(daemon_json, 'dockerd_binary', lambda module: None)
    monkeypatch.setattr(daemon_json, 'dockerd_version', lambda module: None)


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
    ('{}', {'settings': {'insecure-registries': ['https://r:5000/']}}, 'entry "https://r:5000/" is neither a CIDR'),
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


# ------------------------------------------------------------------------ issue 18: hostile input

import fcntl  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import patch_module_args  # noqa: E402


def test_relative_path_is_refused_and_nothing_is_created(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_module(capsys, {'path': 'etc/docker/daemon.json', 'settings': {'debug': True}})
    assert result['failed'] is True
    assert "path 'etc/docker/daemon.json' is relative" in result['msg'] and 'remote user' in result['msg']
    assert os.listdir(str(tmp_path)) == []


def test_symlinked_file_is_written_through_the_link(tmp_path, capsys):
    real = tmp_path / 'srv' / 'daemon.json'
    real.parent.mkdir()
    real.write_text('{"debug": false}')
    link_dir = tmp_path / 'etc'
    link_dir.mkdir()
    link = link_dir / 'daemon.json'
    link.symlink_to(real)
    result = run_module(capsys, {'path': str(link), 'settings': {'debug': True}})
    assert result['changed'] is True and result['target'] == str(real)
    assert link.is_symlink() and os.readlink(str(link)) == str(real)
    assert json.loads(real.read_text()) == {'debug': True}
    assert run_module(capsys, {'path': str(link), 'settings': {'debug': True}})['changed'] is False


def test_dangling_symlink_creates_its_target(tmp_path, capsys):
    link = tmp_path / 'daemon.json'
    link.symlink_to(tmp_path / 'real.json')
    result = run_module(capsys, {'path': str(link), 'settings': {'debug': True}})
    assert result['changed'] is True and link.is_symlink()
    assert json.loads((tmp_path / 'real.json').read_text()) == {'debug': True}


@pytest.mark.parametrize('make, fragment', [
    (lambda p: p.mkdir(), 'is a directory'),
    (lambda p: os.mkfifo(str(p)), 'is not a regular file'),
    (lambda p: os.symlink(str(p), str(p)), 'symlink loop'),
    (lambda p: p.symlink_to(p.parent / 'missing' / 'x.json'), 'whose directory does not exist'),
])
def test_not_a_regular_file_is_refused_before_reading(tmp_path, capsys, make, fragment):
    path = tmp_path / 'daemon.json'
    make(path)
    listing = sorted(os.listdir(str(tmp_path)))
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert result['failed'] is True and fragment in result['msg'], result['msg']
    assert sorted(os.listdir(str(tmp_path))) == listing


def test_refusals_from_the_shared_file_checks_keep_this_modules_words(tmp_path):
    # resolve_target is _files.resolve_target: its refusal names the module, the option and daemon.json's fix.
    with pytest.raises(daemon_json.DaemonJsonError) as err:
        daemon_json.resolve_target('docker/daemon.json')
    assert str(err.value).startswith("daemon_json: path 'docker/daemon.json' is relative;")
    assert 'such as /etc/docker/daemon.json' in str(err.value)
    (tmp_path / 'daemon.json').mkdir()
    with pytest.raises(daemon_json.DaemonJsonError) as err:
        daemon_json.resolve_target(str(tmp_path / 'daemon.json'))
    assert 'is a directory, which is not a regular file; daemon.json must be one' in str(err.value)


def test_a_fifo_swapped_in_after_the_check_is_refused_not_read(tmp_path):
    path = tmp_path / 'daemon.json'
    os.mkfifo(str(path))
    # Without O_NONBLOCK and the check on the open descriptor this read would wait for a writer for ever.
    with pytest.raises(OSError, match='FIFO'):
        daemon_json.read_bytes(str(path))
    assert daemon_json.read_bytes(str(tmp_path / 'missing.json')) is None


@pytest.mark.parametrize('mode', ['0999', 'rw', '644x', True, 99999, '', 'u+q'])
def test_invalid_mode_is_refused_before_anything_is_written(tmp_path, capsys, mode):
    path = tmp_path / 'daemon.json'
    path.write_text('{"debug": false}')
    os.chmod(str(path), 0o640)
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}, 'mode': mode})
    assert result['failed'] is True and 'is not a file mode' in result['msg'] or 'out of range' in result['msg']
    assert path.read_text() == '{"debug": false}' and stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize('mode, expected', [('0600', 0o600), ('u=rw,go=r', 0o644), (0o640, 0o640), ('640', 0o640)])
def test_valid_modes_are_applied(tmp_path, capsys, mode, expected):
    path = tmp_path / 'daemon.json'
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}, 'mode': mode})
    assert result['changed'] is True
    assert stat.S_IMODE(path.stat().st_mode) == expected


def test_unusual_owner_and_mode_are_put_right(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    path.write_text('{}')
    os.chown(str(path), 65534, 65534)
    os.chmod(str(path), 0o666)
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert result['changed'] is True
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0, 0o644)


def test_attributes_failing_leaves_the_content_as_it_was(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'daemon.json'
    path.write_text('{"debug": false}')

    def refuse(self, file_args, changed, diff=None, expand=True):
        raise OSError(1, 'Operation not permitted (immutable)')
    monkeypatch.setattr(AnsibleModule, 'set_fs_attributes_if_different', refuse)
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert result['failed'] is True and 'Operation not permitted' in result['msg']
    assert path.read_text() == '{"debug": false}'
    assert sorted(os.listdir(str(tmp_path))) == ['daemon.json']


@pytest.mark.parametrize('content, fragment', [
    (b'{"labels": ["caf\xe9=1"]}', 'is not valid UTF-8 (byte 0xe9 at offset 16)'),
    (b'{"a":' * 3000 + b'1' + b'}' * 3000, 'nested'),
    (b'{"mtu": NaN}', 'NaN, which is not JSON'),
])
def test_unreadable_file_is_refused_and_kept_byte_for_byte(tmp_path, capsys, content, fragment):
    path = tmp_path / 'daemon.json'
    path.write_bytes(content)
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert result['failed'] is True and fragment in result['msg'], result['msg']
    assert 'Traceback' not in json.dumps(result)
    assert path.read_bytes() == content


@pytest.fixture
def warned(monkeypatch):
    """The module's warnings as text (how ansible-core returns them differs between versions and contexts)."""
    seen = []
    real = AnsibleModule.warn

    def warn(self, warning):
        seen.append(warning)
        return real(self, warning)
    monkeypatch.setattr(AnsibleModule, 'warn', warn)
    return seen


def test_duplicate_keys_warn_and_the_last_wins(tmp_path, capsys, warned):
    path = tmp_path / 'daemon.json'
    path.write_text('{"debug": true, "debug": false}')
    run_module(capsys, {'path': str(path), 'settings': {'log-level': 'warn'}})
    assert any('key "debug" appears more than once' in w for w in warned), warned
    assert json.loads(path.read_text()) == {'debug': False, 'log-level': 'warn'}


def test_nested_remove(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    path.write_text('{"log-opts": {"max-size": "10m", "max-file": "3"}}')
    result = run_module(capsys, {'path': str(path), 'remove': ['log-opts.max-size']})
    assert result['changed'] is True and result['restart_required'] is True
    assert json.loads(path.read_text()) == {'log-opts': {'max-file': '3'}}


def test_tcp_without_tls_refused_unless_allowed(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    args = {'path': str(path), 'settings': {'hosts': ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375']}}
    result = run_module(capsys, args)
    assert result['failed'] is True and 'root on this host' in result['msg'] and not path.exists()
    result = run_module(capsys, dict(args, allow_tcp_without_tls=True))
    assert result['changed'] is True


# concurrency: a flock on the directory around read-merge-write

def _child(args, queue, slow):
    """Run the module in a forked process; report its result."""
    if slow:
        real = daemon_json.compute

        def slow_compute(*a, **kw):
            time.sleep(slow)
            return real(*a, **kw)
        daemon_json.compute = slow_compute
    daemon_json.dockerd_binary = lambda module: None
    daemon_json.dockerd_version = lambda module: None
    out = io.StringIO()
    sys.stdout = out
    try:
        with patch_module_args(args):
            daemon_json.main()
    except SystemExit:
        pass
    finally:
        sys.stdout = sys.__stdout__
    queue.put(json.loads(out.getvalue()))


def _run_children(arg_list, slow=0.0):
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    children = [context.Process(target=_child, args=(args, queue, slow)) for args in arg_list]
    for child in children:
        child.start()
    results = [queue.get(timeout=60) for _child_process in children]
    for child in children:
        child.join(10)
    return results


def test_concurrent_runs_lose_no_update(tmp_path):
    path = tmp_path / 'daemon.json'
    path.write_text('{"debug": true}')
    keys = ['max-file', 'max-size', 'compress', 'labels', 'env', 'tag']
    values = {'max-file': '3', 'max-size': '1m', 'compress': 'true', 'labels': 'a', 'env': 'b', 'tag': 'c'}
    results = _run_children([{'path': str(path), 'settings': {'log-opts': {key: values[key]}}} for key in keys], slow=0.3)
    assert all(not r.get('failed') for r in results), results
    assert json.loads(path.read_text()) == {'debug': True, 'log-opts': values}


def test_lock_held_elsewhere_waits_then_fails_naming_the_holder(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    path.write_text('{}')
    holder = subprocess.Popen([sys.executable, '-c', (
        'import fcntl, os, sys, time\n'
        'fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX)\n'
        'print("locked", flush=True); time.sleep(float(sys.argv[2]))\n'), str(tmp_path), '1.5'],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        started = time.time()
        result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}, 'lock_timeout': 0.3})
        assert result['failed'] is True
        assert 'is locked by pid %d' % holder.pid in result['msg'] and 'Nothing was written' in result['msg']
        assert time.time() - started >= 0.3
        assert path.read_text() == '{}'
        # Released within lock_timeout: the run waits and succeeds.
        result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}, 'lock_timeout': 20})
        assert result['changed'] is True and json.loads(path.read_text()) == {'debug': True}
    finally:
        holder.kill()
        holder.wait()


def test_writer_without_the_lock_is_not_overwritten(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'daemon.json'
    path.write_text('{"debug": false}')
    real = daemon_json.compute

    def editor_saves_meanwhile(*args, **kwargs):
        path.write_text('{"log-level": "debug"}')
        return real(*args, **kwargs)
    monkeypatch.setattr(daemon_json, 'compute', editor_saves_meanwhile)
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert result['failed'] is True and 'changed while this run merged it' in result['msg']
    assert path.read_text() == '{"log-level": "debug"}'


def test_lock_is_on_the_directory_and_released(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    fd = os.open(str(tmp_path), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise if the module had kept it
    finally:
        os.close(fd)
    assert sorted(os.listdir(str(tmp_path))) == ['daemon.json'], 'no lock file left behind'


# check mode with dockerd --validate: the candidate goes to the module's temporary directory

def _fake_dockerd(tmp_path, verdict):
    log = tmp_path / 'dockerd.log'
    script = tmp_path / 'bin' / 'dockerd'
    script.parent.mkdir()
    script.write_text('#!/bin/sh\n'
                      'echo "$@" >> %s\n'
                      'for a in "$@"; do last="$a"; done\n'
                      'cp "$last" %s/seen.json 2>/dev/null\n'
                      '%s\n' % (log, tmp_path / 'bin', verdict))
    script.chmod(0o755)
    return str(script), log


def test_check_mode_validates_in_the_module_tmpdir(tmp_path, capsys, monkeypatch):
    conf = tmp_path / 'etc-docker'
    conf.mkdir()
    path = conf / 'daemon.json'
    path.write_text('{"debug": false}')
    dockerd, log = _fake_dockerd(tmp_path, 'echo "configuration OK" >&2; exit 0')
    monkeypatch.setattr(daemon_json, 'dockerd_binary', lambda module: dockerd)
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}}, check_mode=True)
    assert result['changed'] is True and result['validated_with_dockerd'] is True
    args = log.read_text().split()
    assert args[0] == '--validate' and args[1] == '--config-file'
    assert not args[2].startswith(str(conf)), 'the candidate must not go to the configuration directory'
    assert json.loads((tmp_path / 'bin' / 'seen.json').read_text()) == {'debug': True}
    assert sorted(os.listdir(str(conf))) == ['daemon.json'] and path.read_text() == '{"debug": false}'


def test_dockerd_validate_refusal_names_the_path(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'daemon.json'
    path.write_text('{}')
    dockerd, _log = _fake_dockerd(tmp_path, 'echo "unable to configure the Docker daemon with file $last: bad" >&2; exit 1')
    monkeypatch.setattr(daemon_json, 'dockerd_binary', lambda module: dockerd)
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert result['failed'] is True
    assert 'dockerd --validate refused the new daemon.json' in result['msg'] and str(path) in result['msg']
    assert path.read_text() == '{}'


def test_unknown_key_refused_without_dockerd_validate_and_judged_with_it(tmp_path, capsys, monkeypatch, warned):
    path = tmp_path / 'daemon.json'
    result = run_module(capsys, {'path': str(path), 'settings': {'shiny-new-option': True}})
    assert result['failed'] is True and 'unknown key "shiny-new-option"' in result['msg'] and not path.exists()
    dockerd, log = _fake_dockerd(tmp_path, 'exit 0')
    monkeypatch.setattr(daemon_json, 'dockerd_binary', lambda module: dockerd)
    result = run_module(capsys, {'path': str(path), 'settings': {'shiny-new-option': True}})
    assert result['changed'] is True and result['validated_with_dockerd'] is True
    assert any('shiny-new-option' in w for w in warned)
    result = run_module(capsys, {'path': str(path), 'settings': {'other-option': 1}, 'strict': True})
    assert result['failed'] is True


# secrets: a proxy URL with credentials

def test_credentials_land_0600_and_never_in_output(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    path.write_text('{"debug": true}')
    os.chmod(str(path), 0o644)
    secret = 'Sup3rS3cret'
    args = {'path': str(path), 'settings': {'proxies': {'http-proxy': 'http://ops:%s@proxy:3128' % secret}}}
    with patch_module_args(dict(args, _ansible_diff=True)), pytest.raises(SystemExit):
        daemon_json.main()
    out = capsys.readouterr().out
    assert secret not in out
    result = json.loads(out)
    assert result['changed'] is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret in path.read_text()
    assert 'ops:****@proxy' in result['diff']['after'] and result['config']['proxies']['http-proxy'].count('****') == 1
    assert stat.S_IMODE(os.stat(result['backup_file']).st_mode) == 0o600
    # Changing another key of a file with credentials: previous_content is masked, the backup is the rollback.
    args2 = {'path': str(path), 'settings': {'debug': False}}
    with patch_module_args(dict(args2, _ansible_diff=True)), pytest.raises(SystemExit):
        daemon_json.main()
    out = capsys.readouterr().out
    assert secret not in out
    result = json.loads(out)
    assert result['previous_content_masked'] is True and '****' in result['previous_content']
    with open(result['backup_file']) as handle:
        assert secret in handle.read()


def test_credentials_with_a_world_readable_mode_are_refused(tmp_path, capsys):
    path = tmp_path / 'daemon.json'
    args = {'path': str(path), 'settings': {'proxies': {'https-proxy': 'http://u:pw1234@p:3128'}}, 'mode': '0644'}
    with patch_module_args(args), pytest.raises(SystemExit):
        daemon_json.main()
    out = capsys.readouterr().out
    assert 'pw1234' not in out
    result = json.loads(out)
    assert result['failed'] is True and 'readable by every local user' in result['msg'] and not path.exists()


def test_key_newer_than_a_dockerd_without_validate_is_refused(tmp_path, capsys, monkeypatch):
    # Debian 12's docker.io 20.10 has no --validate and refuses "proxies" (Docker 23+) at start.
    monkeypatch.setattr(daemon_json, 'dockerd_version', lambda module: (20, 10))
    path = tmp_path / 'daemon.json'
    result = run_module(capsys, {'path': str(path), 'settings': {'proxies': {'no-proxy': 'localhost'}}})
    assert result['failed'] is True and 'new in Docker 23.0; the installed dockerd 20.10 refuses' in result['msg']
    assert not path.exists()
    monkeypatch.setattr(daemon_json, 'dockerd_version', lambda module: (24, 0))
    assert run_module(capsys, {'path': str(path), 'settings': {'proxies': {'no-proxy': 'localhost'}}})['changed'] is True


def test_temporary_files_of_a_cut_off_write_are_removed(tmp_path, capsys):
    """A run killed between write_atomic's write and its rename leaves .daemon.json.XXXXXXXX: the next write
    removes it under the lock (check mode only reports it), and a second run has nothing to do."""
    path = tmp_path / 'daemon.json'
    path.write_text('{\n  "debug": true\n}\n')
    os.chmod(str(path), 0o644)
    leftover = tmp_path / '.daemon.json.k2j4x9aa'
    leftover.write_text('{"debug": tr')
    other = tmp_path / '.key.json.k2j4x9aa'          # not this file's: kept
    other.write_text('x')
    checked = run_module(capsys, {'path': str(path), 'settings': {'debug': True}}, check_mode=True)
    assert checked['changed'] is True and checked['removed_temp_files'] == [str(leftover)] and leftover.exists()
    result = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert result['changed'] is True and result['removed_temp_files'] == [str(leftover)]
    assert not leftover.exists() and other.exists()
    assert path.read_text() == '{\n  "debug": true\n}\n'
    again = run_module(capsys, {'path': str(path), 'settings': {'debug': True}})
    assert again['changed'] is False and 'removed_temp_files' not in again
