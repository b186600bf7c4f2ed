# -*- coding: utf-8 -*-
"""Tests for plugins/modules/docker_install_info.py with the commands faked (no dpkg or rpm needed)."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import docker_install_info
from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import Keys, needs_gpg

DEFAULTS = {
    'manager': 'apt', 'packages': [], 'conflicts': [], 'files': [], 'keyrings': [], 'docker_cli': False, 'legacy': False,
    'package_dir': '/nonexistent', 'package_files': [], 'users': [], 'group': 'docker', 'versionlock': False,
    'service': 'docker.service',
}


class FakeModule:
    """Answers run_command from a table of argv prefixes; records what was asked."""

    def __init__(self, answers, **params):
        self.params = dict(DEFAULTS, **params)
        self.answers = answers
        self.calls = []

    def get_bin_path(self, name, *args, **kwargs):
        return '/usr/bin/' + name if name in ('systemctl', 'dpkg-query') else None

    def run_command(self, argv, environ_update=None):
        assert environ_update and environ_update.get('LC_ALL') == 'C'
        self.calls.append(argv)
        for prefix, answer in self.answers.items():
            if ' '.join(argv).startswith(prefix):
                return answer
        return 1, '', 'not faked'


SYSTEMCTL = ('/usr/bin/systemctl show docker.service', (0, 'UnitFileState=enabled\nActiveState=active\nLoadState=loaded\n', ''))


def test_apt_look(tmp_path):
    hold = tmp_path / 'docker.pref'
    hold.write_text('Package: docker.io\n')
    answers = dict([
        ('dpkg-query --show', (1, 'ii |docker.io|26.1.5|containerd, docker-cli (= 26.1.5)|\nii |docker-doc|26.1.5||\n', '')),
        ('dpkg --print-architecture', (0, 'amd64\n', '')),
        SYSTEMCTL,
        ('/usr/bin/systemctl show containerd.service', (0, 'UnitFileState=enabled\nActiveState=inactive\nLoadState=loaded\n', '')),
    ])
    module = FakeModule(answers, packages=['docker.io', 'docker-compose'], conflicts=['docker-doc', 'podman-docker'],
                        files=[str(hold), str(tmp_path / 'missing')], docker_cli=True, users=['root', 'nobody-fleetops'])
    result = docker_install_info.look(module)
    assert result['packages'] == {'docker.io': '26.1.5', 'docker-compose': None, 'docker-doc': '26.1.5', 'podman-docker': None}
    assert result['conflicts_installed'] == ['docker-doc']
    assert result['docker_cli'] is True  # from docker.io's Depends: apt-cache not asked
    assert not any(call[0] == 'apt-cache' for call in module.calls)
    assert result['files'] == {str(hold): 'Package: docker.io\n', str(tmp_path / 'missing'): None}
    assert result['architecture'] == 'amd64'
    assert result['service'] == {'name': 'docker.service', 'enabled': True, 'active': True, 'exists': True}
    # containerd stopped beside a running dockerd: the look says so (the plan starts it again).
    assert result['containerd'] == {'name': 'containerd.service', 'enabled': True, 'active': False, 'exists': True}
    assert result['users']['root']['exists'] and not result['users']['nobody-fleetops']['exists']


def test_apt_docker_cli_asked_of_apt_cache_only_without_docker_io(monkeypatch):
    monkeypatch.setattr(docker_install_info, 'apt_has_lists', lambda: True)
    answers = dict([('apt-cache show', (0, 'Package: docker-cli\n', '')), SYSTEMCTL])
    module = FakeModule(answers, packages=['docker.io'], docker_cli=True)
    assert docker_install_info.look(module)['docker_cli'] is True
    monkeypatch.setattr(docker_install_info, 'apt_has_lists', lambda: False)
    module = FakeModule(answers, packages=['docker.io'], docker_cli=True)
    assert docker_install_info.look(module)['docker_cli'] is None


def test_rpm_look_with_versionlock(monkeypatch, tmp_path):
    conf, listing = tmp_path / 'versionlock.conf', tmp_path / 'versionlock.list'
    conf.write_text('[main]\nenabled = 1\n')
    listing.write_text('# Added lock\ndocker-ce-3:28.0.0-1.el9.*\n')
    monkeypatch.setattr(docker_install_info, 'VERSIONLOCK', (('dnf', str(conf), str(listing)),))
    answers = dict([
        ('rpm -q --qf', (1, 'docker-ce|3:28.0.0-1.el9\npackage podman is not installed\n', '')),
        ('rpm -q gpg-pubkey', (0, '621e9f35\nfd431d51\n', '')),
        SYSTEMCTL,
    ])
    module = FakeModule(answers, manager='rpm', packages=['docker-ce'], conflicts=['podman'], versionlock=True)
    result = docker_install_info.look(module)
    assert result['packages'] == {'docker-ce': '3:28.0.0-1.el9', 'podman': None}
    assert result['versionlock']['tool'] == 'dnf' and result['versionlock']['entries'][0]['name'] == 'docker-ce'
    assert result['rpm_keys'] == ['621e9f35', 'fd431d51'] and result['apt_lists'] is None


def test_package_files_are_read_on_the_host(tmp_path):
    deb = tmp_path / 'docker.io_1_amd64.deb'
    deb.write_bytes(b'!<arch>')
    answers = dict([
        ('dpkg-deb --show', (0, 'docker.io|1', '')),
        ('dpkg-query --show', (0, 'ii |docker.io|1||\n', '')),
        SYSTEMCTL,
    ])
    module = FakeModule(answers, package_dir=str(tmp_path), package_files=['/controller/docker.io_1_amd64.deb', '/c/runc_1.deb'])
    result = docker_install_info.look(module)
    assert result['package_files'] == {'docker.io_1_amd64.deb': {'name': 'docker.io', 'version': '1', 'path': str(deb)},
                                       'runc_1.deb': None}
    assert result['packages'] == {'docker.io': '1'}


@pytest.mark.parametrize('output, expected', [
    ('UnitFileState=disabled\nActiveState=inactive\nLoadState=loaded\n', {'enabled': False, 'active': False, 'exists': True}),
    ('UnitFileState=\nActiveState=inactive\nLoadState=not-found\n', {'enabled': False, 'active': False, 'exists': False}),
])
def test_service_state(output, expected):
    module = FakeModule({'/usr/bin/systemctl show': (0, output, '')})
    state = docker_install_info.service_state(module, 'docker.service')
    assert dict((k, state[k]) for k in expected) == expected


def test_the_look_reports_the_form_of_each_key_file(tmp_path):
    # On real files: apt reads a .asc file as ASCII-armoured and ignores a binary key in it, so the plan needs the form.
    armored, binary, fifo = tmp_path / 'a.asc', tmp_path / 'b.asc', tmp_path / 'fifo.asc'
    armored.write_bytes(b'\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n')
    binary.write_bytes(b'\x98\x33\x04\x65\x00\xff')
    os.mkfifo(str(fifo))
    paths = [str(armored), str(binary), str(fifo), str(tmp_path / 'missing.asc'), str(tmp_path)]
    module = FakeModule(dict([SYSTEMCTL]), keyrings=paths)
    result = docker_install_info.look(module)
    assert result['key_forms'] == dict(zip(paths, ['armor', 'binary', None, None, None]))


class RealGpgModule(FakeModule):
    """gpg runs for real (keys made in the test); everything else is answered from the table."""

    def get_bin_path(self, name, *args, **kwargs):
        return shutil.which(name) if name == 'gpg' else FakeModule.get_bin_path(self, name)

    def run_command(self, argv, environ_update=None):
        if argv[0].endswith('/gpg'):
            done = subprocess.run(argv, env=dict(os.environ, **environ_update), capture_output=True, text=True, check=False)
            return done.returncode, done.stdout, done.stderr
        return FakeModule.run_command(self, argv, environ_update)


@needs_gpg
def test_the_look_reports_when_each_key_expires(tmp_path):
    # On real keys made with gpg: the role warns when the expected key already in place has expired.
    (tmp_path / 'gnupg').mkdir()
    made = Keys(tmp_path / 'gnupg')
    old = made.make('expired', expire='1d', faked_time='20200101T000000')
    current = made.make('current')
    expired_file, current_file = tmp_path / 'old.asc', tmp_path / 'current.asc'
    expired_file.write_bytes(made.export(old))
    current_file.write_bytes(made.export(current))
    paths = [str(expired_file), str(current_file), str(tmp_path / 'missing.asc')]
    result = docker_install_info.look(RealGpgModule(dict([SYSTEMCTL]), keyrings=paths))
    assert result['keyrings'] == {paths[0]: [old], paths[1]: [current], paths[2]: None}
    expires = result['key_expires'][paths[0]][old]
    assert 1577836800 < expires <= 1577836800 + 2 * 86400  # 2020-01-01 plus the day it was made for
    assert result['key_expires'][paths[1]] == {} and result['key_expires'][paths[2]] == {}
