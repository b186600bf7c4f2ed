# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_docker_engine.py (the docker_engine_info probe's parsing)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_engine import (
    drop_fd_host,
    journal_summary,
    parse_exec_start_property,
    parse_systemctl_show,
    parse_unit_exec_start,
    parse_version,
    systemd_join,
    unit_state,
)


# ------------------------------------------------------------------------------------------- version
@pytest.mark.parametrize('text, line, version', [
    ('Docker version 20.10.24+dfsg1, build 297e128\n', 'Docker version 20.10.24+dfsg1, build 297e128', '20.10.24'),
    ('Docker version 26.1.5+dfsg1, build 411e817\n', 'Docker version 26.1.5+dfsg1, build 411e817', '26.1.5'),
    ('Docker version 24.0.7, build 311b9ff', 'Docker version 24.0.7, build 311b9ff', '24.0.7'),
    ('\nDocker version 28.0, build x\nmore', 'Docker version 28.0, build x', '28.0'),
    ('', '', ''),
    ('dockerd: unknown flag', 'dockerd: unknown flag', ''),
])
def test_parse_version(text, line, version):
    assert parse_version(text) == (line, version)


# ------------------------------------------------------------------------------------------- systemctl show
SHOW = """Id=docker.service
ExecStart={ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS ; ignore_errors=no ; \
start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled
FragmentPath=/lib/systemd/system/docker.service

Id=docker.socket
LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled
FragmentPath=/lib/systemd/system/docker.socket
"""


def test_parse_systemctl_show_two_units():
    shown = parse_systemctl_show(SHOW, ['docker.service', 'docker.socket'])
    assert shown['docker.service']['FragmentPath'] == '/lib/systemd/system/docker.service'
    assert shown['docker.socket']['SubState'] == 'running'
    assert unit_state(shown['docker.socket']) == {
        'load_state': 'loaded', 'active_state': 'active', 'sub_state': 'running',
        'unit_file_state': 'enabled', 'fragment_path': '/lib/systemd/system/docker.socket'}
    assert parse_exec_start_property(shown['docker.service']['ExecStart']) == [
        '/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS']


def test_parse_systemctl_show_missing_units_and_no_output():
    text = 'Id=docker.service\nLoadState=not-found\nActiveState=inactive\n\nId=docker.socket\nLoadState=not-found\n'
    shown = parse_systemctl_show(text, ['docker.service', 'docker.socket'])
    assert unit_state(shown['docker.service'])['load_state'] == 'not-found'
    assert parse_systemctl_show('', ['docker.service', 'docker.socket']) == {'docker.service': {}, 'docker.socket': {}}
    assert unit_state({}) == {'load_state': 'unknown', 'active_state': '', 'sub_state': '', 'unit_file_state': '',
                              'fragment_path': ''}
    assert parse_exec_start_property('') == []


# ------------------------------------------------------------------------------------------- unit file
DEBIAN_UNIT = """[Unit]
Description=Docker Application Container Engine
After=network-online.target docker.socket firewalld.service containerd.service
Requires=docker.socket

[Service]
Type=notify
# the default is not to use systemd for cgroups because the delegate issues still
# exists and systemd currently does not support the cgroup feature set required
# for containers run by docker
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID
"""


@pytest.mark.parametrize('text, argv', [
    (DEBIAN_UNIT, ['/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS']),
    ('[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n',
     ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock']),
    # continuation lines, a prefix, a quoted word
    ('[Service]\nExecStart=-/usr/bin/dockerd \\\n  -H fd:// \\\n  --label "a b"\n',
     ['/usr/bin/dockerd', '-H', 'fd://', '--label', 'a b']),
    # a reset, then the command that wins
    ('[Service]\nExecStart=/old\nExecStart=\nExecStart=/usr/bin/dockerd\n', ['/usr/bin/dockerd']),
    ('[Service]\nExecStart=\n', []),
    # ExecStart outside [Service] does not count
    ('[Unit]\nExecStart=/nope\n[Service]\nType=notify\n', None),
    ('', None),
    (None, None),
])
def test_parse_unit_exec_start(text, argv):
    assert parse_unit_exec_start(text) == argv


# ------------------------------------------------------------------------------------------- -H fd://
@pytest.mark.parametrize('argv, kept', [
    (['/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS'], ['/usr/sbin/dockerd', '$DOCKER_OPTS']),
    (['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'],
     ['/usr/bin/dockerd', '--containerd=/run/containerd/containerd.sock']),
    (['dockerd', '-H=fd://'], ['dockerd']),
    (['dockerd', '-Hfd://'], ['dockerd']),
    (['dockerd', '--host', 'fd://docker.socket', '-D'], ['dockerd', '-D']),
    (['dockerd', '--host=fd://'], ['dockerd']),
    # other hosts stay: only the packaged socket activation conflicts with the file
    (['dockerd', '-H', 'unix:///var/run/docker.sock'], ['dockerd', '-H', 'unix:///var/run/docker.sock']),
    (['dockerd', '-H'], ['dockerd', '-H']),
    ([], []),
])
def test_drop_fd_host(argv, kept):
    assert drop_fd_host(argv) == kept


@pytest.mark.parametrize('argv, line', [
    (['/usr/sbin/dockerd', '$DOCKER_OPTS'], '/usr/sbin/dockerd $DOCKER_OPTS'),
    (['dockerd', '--label', 'a b'], 'dockerd --label "a b"'),
    (['dockerd', 'say "hi"'], 'dockerd "say \\"hi\\""'),
    (['dockerd', ''], 'dockerd ""'),
    ([], ''),
])
def test_systemd_join(argv, line):
    assert systemd_join(argv) == line


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=('Cs', 'Cc')), min_size=1), min_size=1))
def test_join_then_parse_is_identity(argv):
    """What the hosts drop-in writes, systemd (and this parser) reads back as the same argv."""
    argv = [word for word in argv if word.strip() == word and word[0] not in '-@:+!#;'] or ['dockerd']
    assert parse_unit_exec_start('[Service]\nExecStart=%s\n' % systemd_join(argv)) == argv


# ------------------------------------------------------------------------------------------- journal
GRAPHDRIVER = """Stopping Docker Application Container Engine...
time="2026-01-01T12:00:00.000000000Z" level=info msg="Processing signal 'terminated'"
Stopped Docker Application Container Engine.
Starting Docker Application Container Engine...
time="2026-01-01T12:00:01.000000000Z" level=info msg="Starting up"
time="2026-01-01T12:00:01.100000000Z" level=error msg="failed to mount overlay: invalid argument" storage-driver=overlay2
failed to start daemon: error initializing graphdriver: driver not supported
docker.service: Main process exited, code=exited, status=1/FAILURE
failed to start daemon: error initializing graphdriver: driver not supported
"""

DIRECTIVES = """unable to configure the Docker daemon with file /etc/docker/daemon.json: \
the following directives don't match any configuration option: no-such-option
docker.service: Main process exited, code=exited, status=1/FAILURE
"""


def test_journal_fatal_line_is_the_reason():
    summary = journal_summary(GRAPHDRIVER)
    assert summary['reason'] == 'failed to start daemon: error initializing graphdriver: driver not supported'
    assert summary['fatal'] == ['failed to start daemon: error initializing graphdriver: driver not supported']
    assert summary['errors'] == ['level=error msg="failed to mount overlay: invalid argument" storage-driver=overlay2']
    assert summary['lines'][1] == 'level=info msg="Processing signal \'terminated\'"'


def test_journal_directives():
    reason = journal_summary(DIRECTIVES)['reason']
    assert "the following directives don't match any configuration option: no-such-option" in reason


def test_journal_errors_then_last_lines():
    errors = 'level=info msg=a\nlevel=error msg="one"\nlevel=error msg="two"\nlevel=error msg="three"\n'
    assert journal_summary(errors)['reason'] == 'level=error msg="two" | level=error msg="three"'
    plain = 'a\nb\nc\nd\n'
    assert journal_summary(plain)['reason'] == 'b | c | d'
    assert journal_summary('') == {'lines': [], 'fatal': [], 'errors': [], 'reason': ''}
