# -*- coding: utf-8 -*-
"""Tests for plugins/modules/docker_upgrade_info.py's look with the commands faked (no dpkg or dockerd needed)."""

import json

from ansible_collections.fleetops.docker_host.plugins.modules import docker_upgrade_info

P1 = '5:26.1.4-1~ubuntu.24.04~noble'
P2 = '5:26.1.5-1~ubuntu.24.04~noble'
NAMES = ['docker-ce', 'docker-ce-cli', 'containerd.io']


class FakeModule:
    """Answers run_command from a table of argv prefixes; records what was asked."""

    def __init__(self, answers, binaries=('dpkg-query', 'docker')):
        self.answers = answers
        self.binaries = binaries
        self.calls = []

    def get_bin_path(self, name, *args, **kwargs):
        return '/usr/bin/' + name if name in self.binaries else None

    def run_command(self, argv, environ_update=None):
        assert environ_update and environ_update.get('LC_ALL') == 'C'
        self.calls.append(argv)
        for prefix, answer in self.answers.items():
            if ' '.join(argv).startswith(prefix):
                return answer
        return 1, '', 'not faked'


INFO = json.dumps({'ServerVersion': '20.10.24', 'LiveRestoreEnabled': False, 'Swarm': {'LocalNodeState': 'inactive'}})
INSPECT = json.dumps([{'Id': 'c1', 'Name': '/web', 'State': {'Pid': 7, 'StartedAt': 't', 'Running': True},
                       'HostConfig': {'RestartPolicy': {'Name': 'always'}}}])


def test_look_reads_packages_offers_engine_containers_and_the_hold_file(tmp_path):
    hold = tmp_path / 'docker.pref'
    hold.write_text('Pin: version %s*\n' % P1)
    module = FakeModule({
        'dpkg-query -W': (0, 'docker-ce|%s|hold ok installed\ncontainerd.io|1.6.33-1|install ok installed\n' % P1, ''),
        'apt-cache madison': (0, ' docker-ce | %s | http://x noble/stable amd64 Packages\n docker-ce | %s | x\n'
                              % (P2, P1), ''),
        '/usr/bin/docker info': (0, INFO, ''),
        '/usr/bin/docker ps -q --no-trunc': (0, 'c1\n', ''),
        '/usr/bin/docker inspect c1': (0, INSPECT, ''),
    })
    found = docker_upgrade_info.look(module, NAMES, str(hold))
    assert found['manager'] == 'apt'
    assert found['packages']['docker-ce'] == {'version': P1, 'held': True, 'state': 'installed'}
    assert found['packages']['containerd.io']['held'] is False
    assert found['offered'] == {'docker-ce': [P2, P1]}
    assert found['engine']['answers'] and not found['engine']['live_restore']
    assert found['containers'] == [{'id': 'c1', 'name': 'web', 'pid': 7, 'started_at': 't', 'running': True,
                                    'restart_policy': 'always'}]
    assert found['hold_file_text'] == 'Pin: version %s*\n' % P1


def test_look_never_fails_without_dockerd_or_dpkg(tmp_path):
    module = FakeModule({'/usr/bin/docker info': (1, '', 'Cannot connect to the Docker daemon')}, binaries=('docker',))
    found = docker_upgrade_info.look(module, NAMES, str(tmp_path / 'none'))
    assert found['manager'] == '' and found['packages'] == {} and found['containers'] == []
    assert not found['engine']['answers'] and 'Cannot connect' in found['engine_error']
    assert found['hold_file_text'] is None
    assert not any('ps' in call for call in module.calls)


def test_el_look_reads_rpm_the_versionlocks_and_dnfs_offers_with_the_plugin_off(tmp_path):
    # A host with both databases (an EL tooling host on a Debian userland): the manager named wins over dpkg-query.
    hold = tmp_path / 'docker.pref'
    hold.write_text('Pin: version 26.1.5*\n')
    module = FakeModule({
        'rpm -q --qf': (0, 'docker-ce|3:26.1.5-1.el9\ncontainerd.io|0:1.6.20-1.el9\n'
                           'package docker-ce-cli is not installed\n', ''),
        'dnf -q --disableplugin=versionlock list --showduplicates': (
            0, 'Installed Packages\ndocker-ce.x86_64  3:26.1.5-1.el9  @docker-ce-stable\nAvailable Packages\n'
               'docker-ce.x86_64  3:26.1.5-1.el9  docker-ce-stable\ndocker-ce.x86_64  3:26.1.6-1.el9  docker-ce-stable\n', ''),
        '/usr/bin/docker info': (1, '', 'Cannot connect'),
    }, binaries=('dpkg-query', 'dnf', 'docker'))
    found = docker_upgrade_info.look(module, NAMES, str(hold), 'dnf', locked=['docker-ce', 'containerd.io'])
    assert found['manager'] == 'dnf'
    assert found['packages'] == {'docker-ce': {'version': '3:26.1.5-1.el9', 'held': True, 'state': 'installed'},
                                 'containerd.io': {'version': '1.6.20-1.el9', 'held': True, 'state': 'installed'}}
    assert found['offered'] == {'docker-ce': ['3:26.1.6-1.el9', '3:26.1.5-1.el9']}
    assert found['hold_file_text'] is None  # apt's pin file is not the EL family's hold
    assert not any(call[0] in ('dpkg-query', 'apt-cache') for call in module.calls)


def test_auto_picks_dpkg_then_dnf_then_yum():
    assert docker_upgrade_info._manager(FakeModule({}, binaries=('dpkg-query', 'dnf')), 'auto') == 'apt'
    assert docker_upgrade_info._manager(FakeModule({}, binaries=('dnf', 'yum')), 'auto') == 'dnf'
    assert docker_upgrade_info._manager(FakeModule({}, binaries=('yum',)), 'unknown') == 'yum'
    assert docker_upgrade_info._manager(FakeModule({}, binaries=()), 'auto') == ''
