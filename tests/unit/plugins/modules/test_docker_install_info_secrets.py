# -*- coding: utf-8 -*-
"""Credentials in what docker_install_info returns and in the repository file docker_repo_key writes for the docker
role (issue 27, family 4): real files in tmp_path, the package commands faked."""

import json
import os
import stat

import pytest
import yaml

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import repository_files
from ansible_collections.fleetops.docker_host.plugins.modules import docker_install_info, docker_repo_key

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing]

ROLE_VARS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'docker', 'defaults')
FACTS = {'os_family': 'Debian', 'distribution': 'Debian', 'distribution_version': '12', 'distribution_release': 'bookworm',
         'distribution_major_version': '12', 'nodename': 'host1'}
TOKEN = 'tok3n-NEW'
OLD_TOKEN = 'oldt0ken'

run_look = module_runner(docker_install_info)
run_key = module_runner(docker_repo_key)


def os_data(tmp_path, family='Debian'):
    with open(os.path.join(ROLE_VARS, 'main.yml')) as handle:
        data = yaml.safe_load(handle)['__docker_os_families'][family]
    data['repo_file'] = str(tmp_path / 'docker.sources')
    data['hold_file'] = str(tmp_path / 'docker.pref') if family == 'Debian' else None
    data['key_dest'] = str(tmp_path / 'docker.asc')
    return data


@pytest.fixture(autouse=True)
def no_package_commands(monkeypatch):
    """dpkg and systemctl are not asked: nothing installed, the service unknown, amd64."""
    def run(module, argv):
        return (0, 'amd64\n') if argv[:2] == ['dpkg', '--print-architecture'] else (1, '')
    monkeypatch.setattr(docker_install_info, 'run', run)
    monkeypatch.setattr(docker_install_info, 'apt_has_lists', lambda: True)


def test_a_plain_look_masks_what_the_repository_files_hold(tmp_path, capsys):
    source = tmp_path / 'docker.sources'
    source.write_text('Types: deb\nURIs: https://ci:%s@mirror.example/debian\nSuites: bookworm\n' % OLD_TOKEN)
    repo = tmp_path / 'docker-ce.repo'
    repo.write_text('[docker-ce-stable]\nbaseurl=https://%s@mirror.example/centos/9/$basearch/stable\n'
                    'username=ci\npassword = pa55-word\nproxy_password=pr0xy\n' % TOKEN)
    printed = run_look(capsys, {'files': [str(source), str(repo)], 'manager': 'apt'})
    text = json.dumps(printed)
    for secret in (OLD_TOKEN, TOKEN, 'pa55-word', 'pr0xy'):
        assert secret not in text
    assert 'URIs: https://ci:****@mirror.example/debian\n' in printed['files'][str(source)]
    assert 'password = ****\n' in printed['files'][str(repo)] and 'username=ci\n' in printed['files'][str(repo)]


def role_args(tmp_path, **extra):
    settings = {'docker_package_source': 'repo', 'docker_repo_url': 'https://download.docker.com/linux',
                'docker_repo_uri': 'https://ci:%s@mirror.example/debian' % TOKEN, 'docker_channel': 'stable',
                'docker_packages': ['docker-ce'], 'docker_version': '', 'docker_users': [], 'docker_gpg_fingerprint': ''}
    return dict({'settings': settings, 'os': os_data(tmp_path), 'facts': FACTS}, **extra)


def test_the_roles_look_returns_no_credential_and_leaves_the_repository_file_to_the_key_step(tmp_path, capsys):
    (tmp_path / 'docker.sources').write_text('URIs: https://ci:%s@mirror.example/debian\n' % OLD_TOKEN)
    printed = run_look(capsys, role_args(tmp_path))
    text = json.dumps(printed)
    assert TOKEN not in text and OLD_TOKEN not in text  # the settings in the logged arguments too
    plan = printed['plan']
    assert plan['repo_file_changed'] is True and str(tmp_path / 'docker.sources') not in plan['file_changes']
    assert plan['repository'] == 'https://ci:****@mirror.example/debian'
    assert plan['key']['url'] == 'https://ci:****@mirror.example/debian/gpg'
    assert printed['result']['repository'] == 'https://ci:****@mirror.example/debian'


def test_the_last_look_compares_with_the_masked_first_look(tmp_path, capsys):
    written = docker_repo_key_text(tmp_path)
    (tmp_path / 'docker.sources').write_text(written)
    first = run_look(capsys, role_args(tmp_path))
    assert first['plan']['repo_file_changed'] is False
    before = dict((key, value) for key, value in first.items() if key != 'invocation')
    assert run_look(capsys, role_args(tmp_path, before=before))['result']['changed'] is False
    # A rotated token: both looks mask the file the same, the first look's plan says it was rewritten.
    (tmp_path / 'docker.sources').write_text(written.replace(TOKEN, 'rotated'))
    first = run_look(capsys, role_args(tmp_path))
    assert first['plan']['repo_file_changed'] is True
    (tmp_path / 'docker.sources').write_text(written)
    before = dict((key, value) for key, value in first.items() if key != 'invocation')
    assert run_look(capsys, role_args(tmp_path, before=before))['result']['changed'] is True


def docker_repo_key_text(tmp_path):
    args = role_args(tmp_path)
    return repository_files(args['settings'], args['os'], FACTS, 'amd64')['repo_text']


@pytest.mark.skipif(os.geteuid() != 0, reason='the repository file is kept root-owned')
def test_the_key_step_writes_the_repository_file_0600_and_returns_no_credential(tmp_path, capsys):
    path = tmp_path / 'docker.sources'
    path.write_text('URIs: https://ci:%s@mirror.example/debian\n' % OLD_TOKEN)
    os.chmod(str(path), 0o644)
    args = role_args(tmp_path, install_key=False, architecture='amd64')
    check = run_key(capsys, args, check_mode=True, diff=True)
    assert check['changed'] is True and OLD_TOKEN in path.read_text()
    printed = run_key(capsys, args, diff=True)
    text = json.dumps(printed)
    assert TOKEN not in text and OLD_TOKEN not in text and 'ci:****@mirror.example' in text
    assert printed['repo_file'] == {'path': str(path), 'mode': '0600', 'changed': True}
    assert 'URIs: https://ci:%s@mirror.example/debian\n' % TOKEN in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert run_key(capsys, args)['changed'] is False


@pytest.mark.skipif(os.geteuid() != 0, reason='the repository file is kept root-owned')
def test_a_repository_file_without_credentials_stays_world_readable(tmp_path, capsys):
    args = role_args(tmp_path, install_key=False, architecture='amd64')
    args['settings']['docker_repo_uri'] = 'https://mirror.example/debian'
    assert run_key(capsys, args)['repo_file']['mode'] == '0644'
    assert stat.S_IMODE((tmp_path / 'docker.sources').stat().st_mode) == 0o644
