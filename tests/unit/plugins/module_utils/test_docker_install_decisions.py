# -*- coding: utf-8 -*-
"""Unit tests for the docker role's decisions in plugins/module_utils/_docker_install.py, on both families.

The family data is the role's own (__docker_os_families in roles/docker/defaults/main.yml), so a change there is tested here too.
EL cannot run in this project's Molecule (no EL image), so its logic is covered here in detail.
"""

import json
import os

import pytest
import yaml

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    docker_install_decide,
    docker_install_look,
    docker_install_plan,
    docker_install_problems,
    docker_install_result,
    key_expiry,
    package_specs,
    repository,
    resolve_settings,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ROLE = os.path.join(ROOT, 'roles', 'docker')
DOCKER_APT = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88'
DOCKER_RPM = '060A61C51B558A7F742B77AAC52FEB6B621E9F35'
OTHER = 'AAAABBBBCCCCDDDDEEEEFFFF0000111122223333'


def _yaml(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


DEBIAN = _yaml('defaults', 'main.yml')['__docker_os_families']['Debian']
REDHAT = _yaml('defaults', 'main.yml')['__docker_os_families']['RedHat']
OTHER_OS = {}  # any other os_family: no vars file is loaded
DEFAULTS = {k: v for k, v in _yaml('defaults', 'main.yml').items() if not k.startswith('__')}  # the options alone

FACTS = {
    'debian12': {'os_family': 'Debian', 'distribution': 'Debian', 'distribution_release': 'bookworm',
                 'distribution_major_version': '12', 'distribution_version': '12.8'},
    'debian13': {'os_family': 'Debian', 'distribution': 'Debian', 'distribution_release': 'trixie',
                 'distribution_major_version': '13', 'distribution_version': '13.1'},
    'ubuntu2404': {'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_release': 'noble',
                   'distribution_major_version': '24', 'distribution_version': '24.04'},
    'mint': {'os_family': 'Debian', 'distribution': 'Linux Mint', 'distribution_release': 'wilma',
             'distribution_major_version': '22', 'distribution_version': '22'},
    'rocky9': {'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_release': 'Blue Onyx',
               'distribution_major_version': '9', 'distribution_version': '9.5'},
    'centos9': {'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_release': 'Stream',
                'distribution_major_version': '9', 'distribution_version': '9'},
    'rhel7': {'os_family': 'RedHat', 'distribution': 'RedHat', 'distribution_release': 'Maipo',
              'distribution_major_version': '7', 'distribution_version': '7.9'},
    'centos7': {'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_release': 'Core',
                'distribution_major_version': '7', 'distribution_version': '7.9'},
    'oracle7': {'os_family': 'RedHat', 'distribution': 'OracleLinux', 'distribution_release': '',
                'distribution_major_version': '7', 'distribution_version': '7.9'},
    'oracle9': {'os_family': 'RedHat', 'distribution': 'OracleLinux', 'distribution_release': '',
                'distribution_major_version': '9', 'distribution_version': '9.4'},
    'centos10': {'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_release': 'Coughlan',
                 'distribution_major_version': '10', 'distribution_version': '10'},
    'alma10': {'os_family': 'RedHat', 'distribution': 'AlmaLinux', 'distribution_release': 'Purple Lion',
               'distribution_major_version': '10', 'distribution_version': '10.0'},
    'rocky10': {'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_release': 'Red Quartz',
                'distribution_major_version': '10', 'distribution_version': '10.0'},
    'alma8': {'os_family': 'RedHat', 'distribution': 'AlmaLinux', 'distribution_release': 'x',
              'distribution_major_version': '8', 'distribution_version': '8.10'},
    'rhel10': {'os_family': 'RedHat', 'distribution': 'RedHat', 'distribution_release': 'x',
               'distribution_major_version': '10', 'distribution_version': '10.0'},
    'fedora41': {'os_family': 'RedHat', 'distribution': 'Fedora', 'distribution_release': '',
                 'distribution_major_version': '41', 'distribution_version': '41'},
    'alpine': {'os_family': 'Alpine', 'distribution': 'Alpine', 'distribution_release': '',
               'distribution_major_version': '3', 'distribution_version': '3.20'},
}


def settings(**overrides):
    values = dict(DEFAULTS)
    values.update(overrides)
    return values


def probe(**overrides):
    """A look at a fresh apt host with package lists, in the shape docker_install_info returns."""
    base = {
        'manager': 'apt', 'architecture': 'amd64', 'packages': {}, 'conflicts_installed': [], 'apt_lists': True,
        'docker_cli': None, 'files': {}, 'keyrings': {}, 'legacy': {'lists': [], 'keyrings': {}},
        'package_files': {}, 'users': {}, 'group_exists': False,
        'versionlock': {'tool': None, 'path': None, 'entries': []}, 'rpm_keys': [],
        'service': {'name': 'docker.service', 'enabled': False, 'active': False, 'exists': False},
    }
    base.update(overrides)
    return base


RUNNING = {'name': 'docker.service', 'enabled': True, 'active': True, 'exists': True}


def test_defaults_have_no_problems():
    assert docker_install_problems(settings(), DEBIAN, FACTS['debian12']) == []
    assert docker_install_problems(settings(), REDHAT, FACTS['rocky9']) == []


@pytest.mark.parametrize('overrides, os_data, facts, needles', [
    ({'docker_gpg_fingerprint': '9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD8'}, DEBIAN, 'debian12',
     ['docker_gpg_fingerprint="9DC8 5822', '40 hex digits']),
    ({'docker_repo_url': 'download.docker.com/linux'}, DEBIAN, 'debian12', ['docker_repo_url="download.docker.com/linux"']),
    ({'docker_version': '5:28.0.0 '}, DEBIAN, 'debian12', ['docker_version="5:28.0.0 "', 'whitespace']),
    ({'docker_package_source': 'files'}, DEBIAN, 'debian12', ['docker_package_files']),
    ({'docker_packages': []}, DEBIAN, 'debian12', ['docker_packages']),
    ({'docker_package_source': 'files', 'docker_package_files': ['a.rpm']}, DEBIAN, 'debian12', ['.deb files', 'a.rpm']),
    ({'docker_package_source': 'files', 'docker_package_files': ['a.deb']}, REDHAT, 'rocky9', ['.rpm files', 'a.deb']),
    ({'docker_package_source': 'distro'}, REDHAT, 'rocky9', ['docker_package_source="distro"', 'only podman']),
    ({}, REDHAT, 'fedora41', ['Fedora 41 is not supported', 'EL 7, 8, 9, 10']),
    ({}, DEBIAN, 'mint', ['Linux Mint', 'docker_repo_uri']),
    ({}, OTHER_OS, 'alpine', ['Alpine 3.20 (os_family Alpine) is not supported']),
])
def test_problems_name_variable_value_and_fix(overrides, os_data, facts, needles):
    problems = docker_install_problems(settings(**overrides), os_data, FACTS[facts])
    text = '; '.join(problems)
    assert problems, overrides
    for needle in needles:
        assert needle in text, text


def test_a_bad_fingerprint_is_the_only_problem_reported():
    problems = docker_install_problems(settings(docker_gpg_fingerprint='9DC8'), DEBIAN, FACTS['debian12'])
    assert len(problems) == 1 and 'docker_repo_url' not in problems[0]


def test_a_derivative_with_its_own_mirror_is_fine():
    assert docker_install_problems(settings(docker_repo_uri='http://m/x'), DEBIAN, FACTS['mint']) == []
    assert docker_install_problems(settings(docker_package_source='distro'), DEBIAN, FACTS['mint']) == []


# --- repository URL per distribution ----------------------------------------------------------------------------

@pytest.mark.parametrize('facts, os_data, overrides, url, key_url', [
    ('debian12', DEBIAN, {}, 'https://download.docker.com/linux/debian', 'https://download.docker.com/linux/debian/gpg'),
    ('ubuntu2404', DEBIAN, {}, 'https://download.docker.com/linux/ubuntu', 'https://download.docker.com/linux/ubuntu/gpg'),
    ('debian12', DEBIAN, {'docker_repo_url': 'http://127.0.0.1:8765/'}, 'http://127.0.0.1:8765/debian', 'http://127.0.0.1:8765/debian/gpg'),
    ('debian12', DEBIAN, {'docker_repo_uri': 'http://m/d/', 'docker_gpg_key_url': 'http://k'},
     'http://m/d', 'http://k'),
    ('rocky9', REDHAT, {}, 'https://download.docker.com/linux/rhel', 'https://download.docker.com/linux/rhel/gpg'),
    ('alma8', REDHAT, {}, 'https://download.docker.com/linux/rhel', 'https://download.docker.com/linux/rhel/gpg'),
    ('rhel10', REDHAT, {}, 'https://download.docker.com/linux/rhel', 'https://download.docker.com/linux/rhel/gpg'),
    ('centos9', REDHAT, {}, 'https://download.docker.com/linux/centos', 'https://download.docker.com/linux/centos/gpg'),
    ('rhel7', REDHAT, {}, 'https://download.docker.com/linux/centos', 'https://download.docker.com/linux/centos/gpg'),
    # Docker's rhel/7 tree has s390x packages only: RHEL 7 and Oracle 7 take centos/7; Oracle 8+ takes rhel.
    ('oracle7', REDHAT, {}, 'https://download.docker.com/linux/centos', 'https://download.docker.com/linux/centos/gpg'),
    ('centos7', REDHAT, {}, 'https://download.docker.com/linux/centos', 'https://download.docker.com/linux/centos/gpg'),
    ('oracle9', REDHAT, {}, 'https://download.docker.com/linux/rhel', 'https://download.docker.com/linux/rhel/gpg'),
    # EL10: CentOS Stream 10 has Docker's centos/10 tree, RHEL 10 and its rebuilds rhel/10.
    ('centos10', REDHAT, {}, 'https://download.docker.com/linux/centos', 'https://download.docker.com/linux/centos/gpg'),
    ('alma10', REDHAT, {}, 'https://download.docker.com/linux/rhel', 'https://download.docker.com/linux/rhel/gpg'),
    ('rocky10', REDHAT, {}, 'https://download.docker.com/linux/rhel', 'https://download.docker.com/linux/rhel/gpg'),
    ('rocky9', REDHAT, {'docker_repo_uri': 'http://m/el/'}, 'http://m/el', 'http://m/el/gpg'),
])
def test_repository_per_distribution(facts, os_data, overrides, url, key_url):
    repo = repository(settings(**overrides), os_data, FACTS[facts])
    assert (repo['url'], repo['key_url']) == (url, key_url)


def test_no_repository_for_other_sources():
    assert repository(settings(docker_package_source='distro'), DEBIAN, FACTS['debian12']) == {}
    assert repository(settings(docker_package_source='files'), REDHAT, FACTS['rocky9']) == {}


# --- package specs ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('manager, version, expected', [
    ('apt', '', ['docker-ce', 'docker-ce-cli', 'containerd.io']),
    ('apt', '5:28.0.0', ['docker-ce=5:28.0.0*', 'docker-ce-cli=5:28.0.0*', 'containerd.io']),
    ('rpm', '28.0.0', ['docker-ce-28.0.0', 'docker-ce-cli-28.0.0', 'containerd.io']),
])
def test_package_specs(manager, version, expected):
    assert package_specs(['docker-ce', 'docker-ce-cli', 'containerd.io'], ['docker-ce', 'docker-ce-cli'], version, manager) == expected


# --- the look's options ----------------------------------------------------------------------------------------

def test_look_for_the_apt_repository():
    look = docker_install_look(settings(docker_users=['deploy']), DEBIAN, FACTS['debian12'])
    assert look['manager'] == 'apt' and look['legacy'] and not look['docker_cli'] and not look['versionlock']
    assert {'docker-ce', 'containerd.io', 'gpg', 'ca-certificates'} <= set(look['packages'])
    assert 'docker.io' in look['conflicts']
    assert look['files'] == ['/etc/apt/sources.list.d/docker.sources', '/etc/apt/keyrings/docker.asc', '/etc/apt/preferences.d/docker.pref']
    assert look['keyrings'] == ['/etc/apt/keyrings/docker.asc'] and look['users'] == ['deploy']


def test_look_for_the_archive_engine():
    look = docker_install_look(settings(docker_package_source='distro'), DEBIAN, FACTS['debian13'])
    assert look['docker_cli'] and not look['legacy'] and look['conflicts'] == []
    assert {'docker.io', 'docker-cli', 'docker-compose'} <= set(look['packages'])
    assert look['files'] == ['/etc/apt/preferences.d/docker.pref'] and look['keyrings'] == []


def test_look_for_el():
    look = docker_install_look(settings(), REDHAT, FACTS['rocky9'])
    assert look['manager'] == 'rpm' and look['versionlock'] and not look['legacy']
    assert 'dnf-plugins-core' in look['packages'] and 'podman' in look['conflicts']
    assert look['files'] == ['/etc/yum.repos.d/docker-ce.repo', '/etc/pki/rpm-gpg/docker-ce.gpg']
    look7 = docker_install_look(settings(), REDHAT, FACTS['rhel7'])
    assert 'lvm2' in look7['packages'] and 'podman' not in look7['conflicts']


def test_look_for_files():
    look = docker_install_look(settings(docker_package_source='files', docker_package_files=['/ctl/a.deb']), DEBIAN, FACTS['debian12'])
    assert look['package_files'] == ['/ctl/a.deb'] and look['keyrings'] == [] and 'docker.io' in look['conflicts']


# --- the plan: apt repository ----------------------------------------------------------------------------------

def _apt_repo_right(version='', **extra):
    """A look at a Debian 12 host where the repository install is complete (as the plan would write it)."""
    s = settings(docker_version=version, **extra)
    fresh = docker_install_plan(probe(), s, DEBIAN, FACTS['debian12'])
    files = dict((path, text) for path, text in fresh['file_changes'].items())
    installed = dict((name, '5:28.0.0-1~debian.12~bookworm') for name in s['docker_packages'])
    installed.update({'gpg': '2.2.40-1.1', 'ca-certificates': '20230311'})
    return s, probe(packages=installed, files=files, keyrings={'/etc/apt/keyrings/docker.asc': [DOCKER_APT]},
                    service=RUNNING, held=sorted(s['docker_packages']) if version else [])


def test_fresh_apt_host_needs_everything():
    plan = docker_install_plan(probe(), settings(docker_users=['deploy']), DEBIAN, FACTS['debian12'])
    assert plan['work'] and plan['install'] and plan['key']['install'] and plan['service_work']
    assert plan['key'] == {'url': 'https://download.docker.com/linux/debian/gpg', 'fingerprint': DOCKER_APT,
                           'dest': '/etc/apt/keyrings/docker.asc', 'install': True, 'rpm_import': False,
                           'rpm_import_now': False}
    assert plan['tools'] == ['ca-certificates', 'gpg']
    assert plan['repository'] == 'https://download.docker.com/linux/debian'
    assert plan['users_to_add'] == ['deploy'] and plan['users_missing'] == ['deploy']
    source = plan['file_changes']['/etc/apt/sources.list.d/docker.sources']
    for line in ['Types: deb', 'URIs: https://download.docker.com/linux/debian', 'Suites: bookworm', 'Components: stable',
                 'Architectures: amd64', 'Signed-By: /etc/apt/keyrings/docker.asc']:
        assert line + '\n' in source
    assert '/etc/apt/preferences.d/docker.pref' not in plan['file_changes']  # no version, no hold to remove
    assert plan['repo_file_changed'] and plan['hold'] == ''


def test_apt_host_already_right_needs_nothing():
    s, look = _apt_repo_right()
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert not plan['work'], plan['changes']
    s, look = _apt_repo_right(version='5:28.0.0')
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert not plan['work'], plan['changes']
    assert plan['hold'] == '5:28.0.0'


def test_apt_hold_file_and_pin():
    s, look = _apt_repo_right()
    plan = docker_install_plan(look, settings(docker_version='5:28.0.1'), DEBIAN, FACTS['debian12'])
    hold = plan['file_changes']['/etc/apt/preferences.d/docker.pref']
    assert 'Package: docker-ce docker-ce-cli\n' in hold and 'Pin: version 5:28.0.1*\n' in hold and 'Pin-Priority: 1001\n' in hold
    assert plan['to_change'] == ['docker-ce', 'docker-ce-cli']
    assert plan['specs'][:2] == ['docker-ce=5:28.0.1*', 'docker-ce-cli=5:28.0.1*']


def test_apt_hold_removed_when_version_is_emptied():
    s, look = _apt_repo_right(version='5:28.0.0')
    plan = docker_install_plan(look, settings(), DEBIAN, FACTS['debian12'])
    assert plan['file_changes'] == {'/etc/apt/preferences.d/docker.pref': None}
    assert plan['work'] and not plan['install']


def test_apt_missing_package_and_conflicts():
    s, look = _apt_repo_right()
    look['packages']['docker-compose-plugin'] = None
    look['conflicts_installed'] = ['docker-doc', 'podman-docker']
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['to_change'] == ['docker-compose-plugin'] and plan['conflicts_to_remove'] == ['docker-doc', 'podman-docker']


def test_a_wanted_package_is_never_removed_as_a_conflict():
    look = probe(conflicts_installed=['docker.io', 'docker-doc'])
    plan = docker_install_plan(look, settings(docker_packages=['docker.io']), DEBIAN, FACTS['debian12'])
    assert plan['conflicts_to_remove'] == ['docker-doc']


def test_a_key_with_another_fingerprint_is_reinstalled():
    s, look = _apt_repo_right()
    look['keyrings'] = {'/etc/apt/keyrings/docker.asc': [OTHER]}
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['key']['install'] and plan['tools'] == []


def test_legacy_layouts():
    s, look = _apt_repo_right()
    look['legacy'] = {'lists': ['/etc/apt/sources.list.d/docker.list'], 'keyrings': {
        '/etc/apt/trusted.gpg.d/docker.gpg': [DOCKER_APT],
        '/etc/apt/trusted.gpg.d/debian-archive-bookworm-automatic.asc': ['B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8'],
        '/etc/apt/trusted.gpg': [DOCKER_APT, OTHER],
        '/etc/apt/trusted.gpg.d/shared.gpg': [OTHER, DOCKER_APT],
        '/etc/apt/trusted.gpg.d/shared.asc': [OTHER, DOCKER_APT],
        '/etc/apt/trusted.gpg.d/unreadable.gpg': None,
    }}
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['legacy'] == {'lists': ['/etc/apt/sources.list.d/docker.list'],
                              'remove': ['/etc/apt/trusted.gpg.d/docker.gpg'],
                              'delete_key': ['/etc/apt/trusted.gpg', '/etc/apt/trusted.gpg.d/shared.gpg']}
    assert plan['work']


def test_apt_trusted_gpg_with_only_dockers_key_loses_the_key_not_the_file():
    s, look = _apt_repo_right()
    look['legacy'] = {'lists': [], 'keyrings': {'/etc/apt/trusted.gpg': [DOCKER_APT]}}
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['legacy']['remove'] == [] and plan['legacy']['delete_key'] == ['/etc/apt/trusted.gpg']


def test_no_lists_means_fetch_even_if_all_else_is_right():
    s, look = _apt_repo_right()
    look['apt_lists'] = False
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['work'] and plan['fetch_lists'] and plan['changes'] == []


def test_mirror_layout_suite_and_channel():
    s = settings(docker_repo_uri='http://m/d', docker_install_ubuntu_suite='stable-x', docker_channel='test')
    source = docker_install_plan(probe(architecture='arm64'), s, DEBIAN, FACTS['ubuntu2404'])['file_changes'][
        '/etc/apt/sources.list.d/docker.sources']
    assert 'URIs: http://m/d\n' in source and 'Suites: stable-x\n' in source and 'Components: test\n' in source
    assert 'Architectures: arm64\n' in source


# --- the plan: the archive's engine ----------------------------------------------------------------------------

@pytest.mark.parametrize('facts, docker_cli, packages, pinned', [
    ('debian12', False, ['docker.io', 'docker-compose'], ['docker.io']),
    ('debian13', True, ['docker.io', 'docker-cli', 'docker-compose'], ['docker.io', 'docker-cli']),
    ('ubuntu2404', False, ['docker.io', 'docker-compose-v2'], ['docker.io']),
])
def test_distro_packages(facts, docker_cli, packages, pinned):
    plan = docker_install_plan(probe(docker_cli=docker_cli), settings(docker_package_source='distro'), DEBIAN, FACTS[facts])
    assert plan['packages'] == packages and plan['pinned'] == pinned and plan['to_change'] == packages
    assert plan['repository'] == '' and plan['conflicts_to_remove'] == [] and not plan['key']['install']


def test_distro_without_compose_and_installed():
    s = settings(docker_package_source='distro', docker_install_ubuntu_distro_compose=False)
    look = probe(docker_cli=False, packages={'docker.io': '20.10.24+dfsg1-1+b3'}, service=RUNNING)
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['packages'] == ['docker.io'] and not plan['work'], plan['changes']


def test_distro_hold_removed():
    s = settings(docker_package_source='distro', docker_install_ubuntu_distro_compose=False)
    look = probe(docker_cli=False, packages={'docker.io': '20.10.24'}, service=RUNNING,
                 files={'/etc/apt/preferences.d/docker.pref': 'Package: docker.io\n'})
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['changes'] == ['remove /etc/apt/preferences.d/docker.pref']


def test_users():
    look = probe(users={'a': {'exists': True, 'member': True}, 'b': {'exists': True, 'member': False},
                        'c': {'exists': False, 'member': False}}, group_exists=True)
    plan = docker_install_plan(look, settings(docker_users=['a', 'b', 'c']), DEBIAN, FACTS['debian12'])
    assert plan['users_to_add'] == ['b', 'c'] and plan['users_missing'] == ['c'] and plan['group_exists']


# --- the plan: package files -----------------------------------------------------------------------------------

def test_files_not_yet_on_the_host():
    s = settings(docker_package_source='files', docker_package_files=['/ctl/docker.io_1_amd64.deb', '/ctl/runc_1_amd64.deb'],
                 docker_install_ubuntu_install_recommends=False, docker_package_lock_timeout=45)
    look = probe(package_files={'docker.io_1_amd64.deb': None, 'runc_1_amd64.deb': None})
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['install'] and plan['packages'] == []
    assert plan['file_paths'] == ['/var/cache/fleetops-docker-packages/docker.io_1_amd64.deb',
                                  '/var/cache/fleetops-docker-packages/runc_1_amd64.deb']
    assert plan['install_step'] == {'packages': [], 'files': plan['file_paths'], 'allow_downgrade': True,
                                    'update_cache': True, 'cache_valid_time': 3600, 'install_recommends': False}
    assert plan['install_now']
    # In check mode the files were not copied: the step is left out, and the plan says what it would install.
    checked = docker_install_plan(look, s, DEBIAN, FACTS['debian12'], check_mode=True)
    assert not checked['install_now'] and checked['warnings'] == [
        'Check mode: would install docker.io_1_amd64.deb runc_1_amd64.deb from the package files']
    assert '/etc/apt/preferences.d/docker.pref' not in plan['file_changes']  # the files decide the version: no hold


def test_files_installed():
    s = settings(docker_package_source='files', docker_package_files=['/ctl/docker.io_1_amd64.deb'])
    info = {'path': '/var/cache/fleetops-docker-packages/docker.io_1_amd64.deb', 'name': 'docker.io', 'version': '1'}
    look = probe(package_files={'docker.io_1_amd64.deb': info}, packages={'docker.io': '1'}, service=RUNNING)
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['packages'] == ['docker.io'] and not plan['work'], plan['changes']
    look['packages'] = {'docker.io': '0.9'}
    assert docker_install_plan(look, s, DEBIAN, FACTS['debian12'])['to_change'] == ['docker.io']


# --- the plan: EL --------------------------------------------------------------------------------------------------

def el_probe(**overrides):
    values = dict(manager='rpm', architecture='x86_64', apt_lists=None)
    values.update(overrides)
    return probe(**values)


def _el_right(version='', lock_entries=None, facts='rocky9', **extra):
    s = settings(docker_version=version, **extra)
    fresh = docker_install_plan(el_probe(), s, REDHAT, FACTS[facts])
    locked = sorted(set(e['name'] for e in lock_entries or []))
    installed = dict((name, '3:28.0.0-1.el9') for name in s['docker_packages'])
    installed.update({'dnf-plugins-core': '4.3.0-16.el9', 'yum-utils': '1', 'device-mapper-persistent-data': '1', 'lvm2': '1'})
    lock = {'tool': 'dnf', 'path': '/etc/dnf/plugins/versionlock.list', 'entries': lock_entries or []}
    return s, el_probe(packages=installed, files=dict(fresh['file_changes']), service=RUNNING, versionlock=lock, held=locked,
                       keyrings={'/etc/pki/rpm-gpg/docker-ce.gpg': [DOCKER_RPM]}, rpm_keys=['621e9f35'])


def _lock(name, evr):
    epoch, rest = evr.split(':') if ':' in evr else ('', evr)
    version, release = rest.split('-')
    raw = '%s-%s%s.*' % (name, epoch + ':' if epoch else '', rest)
    return {'raw': raw, 'name': name, 'epoch': epoch, 'version': version, 'release': release, 'arch': '*'}


def test_fresh_el_host():
    plan = docker_install_plan(el_probe(), settings(), REDHAT, FACTS['rocky9'])
    assert plan['prerequisites'] == ['dnf-plugins-core'] and plan['tools'] == []
    assert plan['key'] == {'url': 'https://download.docker.com/linux/rhel/gpg', 'fingerprint': DOCKER_RPM,
                           'dest': '/etc/pki/rpm-gpg/docker-ce.gpg', 'install': True, 'rpm_import': True,
                           'rpm_import_now': True}
    repo = plan['file_changes']['/etc/yum.repos.d/docker-ce.repo']
    assert '[docker-ce-stable]\n' in repo and 'baseurl=https://download.docker.com/linux/rhel/9/$basearch/stable\n' in repo
    assert 'gpgcheck=1\n' in repo and 'gpgkey=file:///etc/pki/rpm-gpg/docker-ce.gpg\n' in repo and '[docker-ce-test]' not in repo
    assert plan['specs'] == settings()['docker_packages'] and plan['repo_file_changed']


def test_el_test_channel_and_el7():
    plan = docker_install_plan(el_probe(), settings(docker_channel='test'), REDHAT, FACTS['rhel7'])
    repo = plan['file_changes']['/etc/yum.repos.d/docker-ce.repo']
    assert 'baseurl=https://download.docker.com/linux/centos/7/$basearch/stable\n' in repo
    assert '[docker-ce-test]\n' in repo and 'baseurl=https://download.docker.com/linux/centos/7/$basearch/test\n' in repo
    assert plan['prerequisites'] == ['yum-utils', 'device-mapper-persistent-data', 'lvm2']


def test_el_host_already_right():
    s, look = _el_right()
    plan = docker_install_plan(look, s, REDHAT, FACTS['rocky9'])
    assert not plan['work'], plan['changes']


ENGINE = ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin']


def test_el_locked_at_the_version_is_right():
    locks = [_lock(name, '3:28.0.0-1.el9') for name in ENGINE]
    s, look = _el_right(version='28.0.0', lock_entries=locks)
    plan = docker_install_plan(look, s, REDHAT, FACTS['rocky9'])
    assert not plan['work'], plan['changes']
    assert plan['hold'] == '28.0.0'


def test_el_every_engine_package_is_held_containerd_included():
    s, look = _el_right(version='28.0.0')
    plan = docker_install_plan(look, s, REDHAT, FACTS['rocky9'])
    assert plan['hold_changes'] == ENGINE and plan['install_now'] and not plan['install'] and plan['work']
    assert plan['install_step']['hold'] is True
    assert plan['install_step']['packages'][:3] == [{'name': 'docker-ce', 'version': '28.0.0'},
                                                    {'name': 'docker-ce-cli', 'version': '28.0.0'},
                                                    {'name': 'containerd.io', 'version': ''}]


def test_el_version_change_is_one_step_that_moves_the_locks():
    locks = [_lock(name, '3:28.0.0-1.el9') for name in ENGINE]
    s, look = _el_right(version='27.5.1', lock_entries=locks)
    plan = docker_install_plan(look, s, REDHAT, FACTS['rocky9'])
    assert plan['to_change'] == ['docker-ce', 'docker-ce-cli'] and plan['hold_changes'] == []
    assert plan['install_now'] and plan['install_step']['allow_downgrade']


def test_el_locks_released_when_version_is_emptied():
    s, look = _el_right(lock_entries=[_lock('docker-ce', '3:28.0.0-1.el9')])
    plan = docker_install_plan(look, s, REDHAT, FACTS['rocky9'])
    assert plan['hold_changes'] == ['docker-ce'] and plan['install_step']['hold'] is False and plan['install_now']


def test_el_key_not_in_rpm_database():
    s, look = _el_right()
    look['rpm_keys'] = ['fd431d51']
    plan = docker_install_plan(look, s, REDHAT, FACTS['rocky9'])
    assert plan['key']['rpm_import'] and not plan['key']['install'] and plan['work']


def test_el_conflicts_and_custom_conflicts():
    s, look = _el_right()
    look['conflicts_installed'] = ['podman', 'runc']
    assert docker_install_plan(look, s, REDHAT, FACTS['rocky9'])['conflicts_to_remove'] == ['podman', 'runc']
    custom = docker_install_look(settings(docker_conflicting_packages=['podman']), REDHAT, FACTS['rocky9'])
    assert custom['conflicts'] == ['podman']


def test_el_files():
    s = settings(docker_package_source='files', docker_package_files=['/ctl/docker-ce-28.0.0-1.el9.x86_64.rpm'],
                 docker_package_dir='/srv/rpms')
    info = {'path': '/srv/rpms/docker-ce-28.0.0-1.el9.x86_64.rpm', 'name': 'docker-ce', 'version': '3:28.0.0-1.el9'}
    look = el_probe(package_files={'docker-ce-28.0.0-1.el9.x86_64.rpm': info}, packages={'docker-ce': None}, service=RUNNING)
    plan = docker_install_plan(look, s, REDHAT, FACTS['rocky9'])
    assert plan['file_paths'] == ['/srv/rpms/docker-ce-28.0.0-1.el9.x86_64.rpm'] and plan['to_change'] == ['docker-ce']
    assert plan['install_step']['files'] == plan['file_paths'] and 'hold' not in plan['install_step']
    assert plan['repository'] == '' and not plan['key']['install'] and plan['hold_changes'] == []


def test_plan_needs_a_look():
    with pytest.raises(Exception, match='docker_install_info'):
        docker_install_plan({'skipped': True}, settings(), DEBIAN, FACTS['debian12'])


# --- the result ----------------------------------------------------------------------------------------------------

def test_result_fast_path():
    s, look = _apt_repo_right(version='5:28.0.0')
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    result = docker_install_result(plan, look, look, False)
    assert result == {
        'family': 'Debian', 'source': 'repo',
        'packages': dict((name, '5:28.0.0-1~debian.12~bookworm') for name in s['docker_packages']),
        'changed_packages': [], 'removed_conflicts': [], 'repository': 'https://download.docker.com/linux/debian',
        'held': '5:28.0.0', 'service': {'enabled': True, 'active': True}, 'changed': False}


def test_result_after_an_install():
    s, after = _apt_repo_right()
    before = probe(conflicts_installed=['docker-doc'], packages={'docker-doc': '1'})
    after['packages']['docker-doc'] = None
    plan = docker_install_plan(before, s, DEBIAN, FACTS['debian12'])
    result = docker_install_result(plan, before, after, False)
    assert result['changed'] and result['removed_conflicts'] == ['docker-doc']
    assert result['changed_packages'] == sorted(s['docker_packages'])
    assert result['service'] == {'enabled': True, 'active': True} and result['held'] == ''


def test_result_in_check_mode_says_what_would_change():
    before = probe(conflicts_installed=['docker-doc'], packages={'docker-doc': '1'})
    plan = docker_install_plan(before, settings(docker_version='5:28.0.0'), DEBIAN, FACTS['debian12'])
    result = docker_install_result(plan, before, {'skipped': True}, True)
    assert result['changed'] and result['changed_packages'] == settings()['docker_packages']
    assert result['removed_conflicts'] == ['docker-doc'] and result['held'] == '5:28.0.0'
    assert result['packages'] == dict((name, None) for name in settings()['docker_packages'])
    assert result['service'] == {'enabled': False, 'active': False}


def test_result_fields_are_the_contract():
    look = probe()
    plan = docker_install_plan(look, settings(), DEBIAN, FACTS['debian12'])
    assert set(docker_install_result(plan, look, look)) == {
        'family', 'source', 'packages', 'changed_packages', 'removed_conflicts', 'repository', 'held', 'service', 'changed'}


# --- EL facts: the trees per release, EL7's last Docker, EL10, SELinux ---------------------------------------------

@pytest.mark.parametrize('facts, baseurl', [
    ('rhel7', 'https://download.docker.com/linux/centos/7/$basearch/stable'),
    ('oracle7', 'https://download.docker.com/linux/centos/7/$basearch/stable'),
    ('centos7', 'https://download.docker.com/linux/centos/7/$basearch/stable'),
    ('centos9', 'https://download.docker.com/linux/centos/9/$basearch/stable'),
    ('centos10', 'https://download.docker.com/linux/centos/10/$basearch/stable'),
    ('rhel10', 'https://download.docker.com/linux/rhel/10/$basearch/stable'),
    ('alma10', 'https://download.docker.com/linux/rhel/10/$basearch/stable'),
    ('rocky10', 'https://download.docker.com/linux/rhel/10/$basearch/stable'),
    ('oracle9', 'https://download.docker.com/linux/rhel/9/$basearch/stable'),
])
def test_el_repo_file_points_at_the_tree_with_packages(facts, baseurl):
    plan = docker_install_plan(el_probe(), settings(), REDHAT, FACTS[facts])
    assert 'baseurl=%s\n' % baseurl in plan['file_changes']['/etc/yum.repos.d/docker-ce.repo']


@pytest.mark.parametrize('facts, version, refused', [
    ('centos7', '27.0.3', True),
    ('centos7', '3:27.5.1-1.el7', True),
    ('rhel7', '28.0.0', True),
    ('oracle7', '26.2.0', True),
    ('centos7', '26.1.4', False),
    ('centos7', '3:26.1.4-1.el7', False),
    ('centos7', '25.0.5', False),
    ('centos7', '', False),
    ('rocky9', '28.0.0', False),
    ('centos10', '29.1.0', False),
])
def test_el7_refuses_a_docker_newer_than_26_1(facts, version, refused):
    problems = docker_install_problems(settings(docker_version=version), REDHAT, FACTS[facts])
    text = '; '.join(problems)
    assert bool(problems) == refused, text
    if refused:
        assert 'docker_version=%s' % json.dumps(version) in text
        assert 'no EL 7 packages after 26.1' in text and 'docker-ce-packaging#1028' in text and 'pin 26.1.x or older' in text


def test_el7_package_files_are_not_capped():
    s = settings(docker_package_source='files', docker_package_files=['docker-ce-27.0.3-1.el7.x86_64.rpm'], docker_version='27.0.3')
    assert docker_install_problems(s, REDHAT, FACTS['centos7']) == []


@pytest.mark.parametrize('facts, version, warned', [
    ('centos7', '', True),
    ('centos7', '26.1.4', True),
    ('rhel7', '', True),
    ('rocky9', '', False),
    ('centos10', '', False),
])
def test_el7_install_is_warned_about(facts, version, warned):
    plan = docker_install_plan(el_probe(), settings(docker_version=version), REDHAT, dict(FACTS[facts], nodename='h1'))
    cap = [w for w in plan['warnings'] if 'at most' in w]
    assert bool(cap) == warned, plan['warnings']
    if warned:
        assert cap[0].startswith('h1: ') and 'Docker 26.1 at most' in cap[0] and 'EL 8 or later' in cap[0]


def test_el7_warning_stays_on_a_host_that_is_already_right():
    s, look = _el_right(facts='centos7')
    plan = docker_install_plan(look, s, REDHAT, FACTS['centos7'])
    assert not plan['work'], plan['changes']
    assert any('at most' in w for w in plan['warnings'])


SELINUX_ENFORCING = {'status': 'enabled', 'mode': 'enforcing', 'config_mode': 'enforcing', 'type': 'targeted'}
SELINUX_PERMISSIVE = {'status': 'enabled', 'mode': 'permissive', 'config_mode': 'permissive', 'type': 'targeted'}


@pytest.mark.parametrize('facts, selinux, source, wanted, repo_warning', [
    ('rocky9', SELINUX_ENFORCING, 'repo', ['dnf-plugins-core', 'container-selinux'], False),
    ('rocky9', SELINUX_PERMISSIVE, 'repo', ['dnf-plugins-core', 'container-selinux'], False),
    ('rocky9', {'status': 'disabled'}, 'repo', ['dnf-plugins-core'], False),
    ('rocky9', {'status': 'Missing selinux Python library'}, 'repo', ['dnf-plugins-core'], False),
    ('rocky9', None, 'repo', ['dnf-plugins-core'], False),
    ('centos10', SELINUX_ENFORCING, 'repo', ['dnf-plugins-core', 'container-selinux'], False),
    ('rocky9', SELINUX_ENFORCING, 'files', ['container-selinux'], False),
    ('centos7', SELINUX_ENFORCING, 'repo', ['yum-utils', 'device-mapper-persistent-data', 'lvm2', 'container-selinux'], False),
    ('rhel7', SELINUX_ENFORCING, 'repo', ['yum-utils', 'device-mapper-persistent-data', 'lvm2', 'container-selinux'], True),
])
def test_selinux_hosts_get_container_selinux_before_the_engine(facts, selinux, source, wanted, repo_warning):
    host_facts = dict(FACTS[facts])
    if selinux is not None:
        host_facts['selinux'] = selinux
    extra = {'docker_package_files': ['docker-ce-28.0.0-1.el9.x86_64.rpm']} if source == 'files' else {}
    s = settings(docker_package_source=source, **extra)
    look = docker_install_look(s, REDHAT, host_facts)
    assert ('container-selinux' in look['packages']) == ('container-selinux' in wanted)
    plan = docker_install_plan(el_probe(), s, REDHAT, host_facts)
    assert plan['prerequisites'] == wanted
    warned = [w for w in plan['warnings'] if 'rhel-7-server-extras-rpms' in w]
    assert bool(warned) == repo_warning, plan['warnings']


def test_selinux_package_already_installed_is_no_work():
    s, look = _el_right()
    look['packages']['container-selinux'] = '4:2.232.1-1.el9'
    facts = dict(FACTS['rocky9'], selinux=SELINUX_ENFORCING)
    plan = docker_install_plan(look, s, REDHAT, facts)
    assert not plan['work'] and plan['prerequisites'] == [], plan['changes']


# --- the settings: deprecated per-family names and geerlingguy.docker's variables ------------------------------

def test_deprecated_family_names_fill_the_neutral_option_with_a_warning():
    raw = dict(DEFAULTS, docker_install_ubuntu_conflicting_packages=['docker-doc'], docker_install_centos_package_dir='/x')
    s, warnings, problems = resolve_settings(raw, 'Debian')
    assert s['docker_conflicting_packages'] == ['docker-doc'] and s['docker_package_dir'] == ''
    assert warnings == [
        'docker_install_centos_package_dir is deprecated and will be removed in 0.3.0: set docker_package_dir instead',
        'docker_install_ubuntu_conflicting_packages is deprecated and will be removed in 0.3.0: set '
        'docker_conflicting_packages instead']
    assert problems == []
    # The neutral name wins over the old one.
    s = resolve_settings(dict(raw, docker_conflicting_packages=['runc']), 'Debian')[0]
    assert s['docker_conflicting_packages'] == ['runc']


@pytest.mark.parametrize('theirs, ours', [
    ({'docker_add_repo': False}, {'docker_add_repo': False}),
    ({'docker_service_manage': False}, {'docker_service_manage': False}),
    ({'docker_apt_release_channel': 'test'}, {'docker_channel': 'test'}),
    ({'docker_yum_repo_enable_test': '1'}, {'docker_channel': 'test'}),
    ({'docker_apt_gpg_key': 'http://k/gpg'}, {'docker_gpg_key_url': 'http://k/gpg'}),
    ({'docker_yum_gpg_key': 'http://k/gpg'}, {'docker_gpg_key_url': 'http://k/gpg'}),
    ({'docker_obsolete_packages': ['docker.io']}, {'docker_conflicting_packages': ['docker.io']}),
    ({'docker_install_compose_plugin': False},
     {'docker_packages': ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin']}),
    ({'docker_install_compose_plugin': True, 'docker_compose_package': 'docker-compose-v2'},
     {'docker_packages': ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin',
                          'docker-compose-v2']}),
    ({'docker_edition': 'ce', 'docker_service_state': 'started', 'docker_service_enabled': True,
      'docker_restart_handler_state': 'restarted', 'docker_install_compose': False, 'docker_package_state': 'present'}, {}),
])
def test_geerlingguy_variables_with_a_meaning_here_are_mapped(theirs, ours):
    s, warnings, problems = resolve_settings(dict(DEFAULTS, **theirs), 'Debian')
    assert problems == [] and warnings == []
    for key, value in ours.items():
        assert s[key] == value
    assert not set(theirs) - set(ours) & set(s)  # their names are not passed on


@pytest.mark.parametrize('theirs, needles', [
    ({'docker_edition': 'ee'}, ['docker_edition="ee"', 'Docker CE']),
    ({'docker_package_state': 'latest'}, ['docker_package_state="latest"', 'docker_version']),
    ({'docker_service_state': 'stopped'}, ['docker_service_state', 'docker_service_manage']),
    ({'docker_install_compose': True}, ['docker_install_compose', 'docker-compose-plugin']),
    ({'docker_compose_version': 'v2.4.1'}, ['docker_compose_version is not supported', 'docker_packages']),
    ({'docker_apt_repository': 'deb x y z'}, ['docker_apt_repository', 'docker_repo_uri']),
    ({'docker_apt_ignore_key_error': True}, ['docker_apt_ignore_key_error', 'docker_gpg_fingerprint']),
    ({'docker_apt_arch': 'arm64'}, ['docker_apt_arch', 'architecture']),
    ({'docker_yum_repo_url': 'https://x/docker-ce.repo'}, ['docker_yum_repo_url', 'docker_repo_uri']),
    ({'docker_apt_release_channel': 'nightly'}, ['docker_apt_release_channel', 'docker_channel']),
])
def test_geerlingguy_variables_without_a_meaning_here_are_refused_by_name(theirs, needles):
    problems = resolve_settings(dict(DEFAULTS, **theirs), 'Debian')[2]
    assert len(problems) == 1 and "geerlingguy.docker's variable" in problems[0]
    for needle in needles:
        assert needle in problems[0], problems[0]


def test_decide_refuses_before_planning_and_plans_otherwise():
    bad = docker_install_decide(probe(), dict(DEFAULTS, docker_edition='ee', docker_users=['ghost']), DEBIAN,
                                FACTS['debian12'])
    assert bad['plan'] == {'work': False} and len(bad['problems']) == 2
    assert 'docker_users lists ghost, which do not exist' in bad['problems'][1]
    s, look = _apt_repo_right()
    good = docker_install_decide(look, s, DEBIAN, FACTS['debian12'])
    assert good['problems'] == [] and not good['plan']['work'] and good['result']['changed'] is False


def test_add_repo_false_writes_no_repository():
    s = settings(docker_add_repo=False)
    plan = docker_install_plan(probe(), s, DEBIAN, FACTS['debian12'])
    assert '/etc/apt/sources.list.d/docker.sources' not in plan['file_changes'] and not plan['key']['install']
    assert plan['install']


def test_apt_holds_what_the_pin_file_does_not_containerd_included():
    s, look = _apt_repo_right(version='5:28.0.0')
    look['held'] = []
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    # docker-ce and docker-ce-cli are pinned by /etc/apt/preferences.d/docker.pref; the rest by apt-mark hold.
    assert plan['hold_changes'] == ['containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin']
    assert plan['install_step']['hold'] is True and plan['install_now']
    assert plan['install_step']['hold_names'] == ['containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin']
    # Only the engine pinned (the distro mirror of docker_install_repo): the pin file holds it all.
    s = settings(docker_version='20.10.24', docker_packages=['docker.io'], docker_pinned_packages=['docker.io'])
    plan = docker_install_plan(probe(packages={'docker.io': '20.10.24+dfsg1-1'}), s, DEBIAN, FACTS['debian12'])
    assert 'hold' not in plan['install_step'] and plan['hold_changes'] == []


# --- containerd left stopped beside a running dockerd (issue 31: a run cut off between a stop and a start) ---------

CONTAINERD = {'name': 'containerd.service', 'enabled': True, 'active': True, 'exists': True}


@pytest.mark.parametrize('containerd, manage, services', [
    (dict(CONTAINERD, active=False), True, ['containerd']),       # stopped: started again, before anything else
    (dict(CONTAINERD, enabled=False, active=False), True, []),  # a unit the packages left disabled: not the engine's
    (CONTAINERD, True, []),                                        # running: nothing to do
    (dict(CONTAINERD, exists=False, enabled=False, active=False), True, []),  # an engine without the unit
    (dict(CONTAINERD, active=False), False, []),                   # docker_service_manage: false leaves it alone
])
def test_a_stopped_containerd_is_started_beside_a_running_dockerd(containerd, manage, services):
    s = settings(docker_package_source='distro', docker_install_ubuntu_distro_compose=False, docker_service_manage=manage)
    look = probe(docker_cli=False, packages={'docker.io': '20.10.24+dfsg1-1+b3'}, service=RUNNING, containerd=containerd)
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['services'] == services
    assert plan['work'] == bool(services)
    assert plan['changes'] == (['start containerd.service (enabled, stopped)'] if services else [])


def test_containerd_starts_before_dockerd_and_the_result_says_changed():
    s = settings(docker_package_source='distro', docker_install_ubuntu_distro_compose=False)
    stopped = dict(CONTAINERD, active=False)
    look = probe(docker_cli=False, packages={'docker.io': '20.10.24+dfsg1-1+b3'}, containerd=stopped)
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['services'] == ['containerd', 'docker']
    after = dict(look, service=RUNNING, containerd=CONTAINERD)
    assert docker_install_result(plan, look, after)['changed'] is True
    running = dict(look, service=RUNNING, containerd=CONTAINERD)
    assert docker_install_result(plan, running, running)['changed'] is False


@pytest.mark.parametrize('expires, now, warned', [
    (1578009600, 1800000000, True),     # expired on 2020-01-03: kept (it is the expected key), but named
    (1900000000, 1800000000, False),    # expires later
    (None, 1800000000, False),          # never expires
])
def test_the_expected_key_in_place_but_expired_is_warned_about(expires, now, warned):
    s, look = _apt_repo_right()
    look['key_expires'] = {'/etc/apt/keyrings/docker.asc': {DOCKER_APT: expires} if expires else {}}
    look['now'] = now
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert not plan['key']['install']
    said = [text for text in plan['warnings'] if 'expired on 2020-01-03' in text]
    assert bool(said) == warned
    if warned:
        assert DOCKER_APT in said[0] and '/etc/apt/keyrings/docker.asc' in said[0] and 'docker_gpg_key_url' in said[0]


def test_key_expiry_reads_the_primary_keys_expiry_from_gpg_colons():
    colons = ('pub:e:4096:1:8D81803C0EBFCD88:1490000000:1578009600::-:::sc::::::23::0:\n'
              'fpr:::::::::9DC858229FC7DD38854AE2D88D81803C0EBFCD88:\n'
              'uid:e::::1490000000::AAAA::Docker Release (CE deb) <docker@docker.com>::::::::::0:\n'
              'sub:e:4096:1:7EA0A9C3F273FCD8:1490000000:1578009600:::::s::::::23:\n'
              'fpr:::::::::D3306A018370199E527AE7997EA0A9C3F273FCD8:\n'
              'pub:-:255:22:1111222233334444:1700000000:::-:::scESC::::::23::0:\n'
              'fpr:::::::::%s:\n' % OTHER)
    assert key_expiry(colons) == {DOCKER_APT: 1578009600}
    assert key_expiry('') == {}


def test_a_key_file_holding_another_key_too_is_reinstalled():
    # apt trusts every key in a Signed-By file: an operator's docker.asc with the expected key and another one is
    # not right, though it holds the expected key (docker_repo_key then installs the expected key alone).
    s, look = _apt_repo_right()
    look['keyrings'] = {'/etc/apt/keyrings/docker.asc': [DOCKER_APT, OTHER]}
    plan = docker_install_plan(look, s, DEBIAN, FACTS['debian12'])
    assert plan['work'] and plan['key']['install']
    assert 'install the signing key %s at /etc/apt/keyrings/docker.asc' % DOCKER_APT in plan['changes']


@pytest.mark.parametrize('dest, form, install', [
    ('/etc/apt/keyrings/docker.asc', 'binary', True),    # apt ignores a binary key in a .asc file
    ('/etc/apt/keyrings/docker.asc', 'armor', False),
    ('/etc/apt/keyrings/docker.gpg', 'armor', True),     # and an armoured one in a .gpg file
    ('/etc/apt/keyrings/docker.gpg', 'binary', False),
    ('/etc/apt/keyrings/docker.asc', None, False),       # an older look without the form: as before
])
def test_a_key_in_the_form_apt_ignores_is_reinstalled(dest, form, install):
    os_data = dict(DEBIAN, key_dest=dest)
    s = settings()
    fresh = docker_install_plan(probe(), s, os_data, FACTS['debian12'])
    installed = dict((name, '5:28.0.0-1~debian.12~bookworm') for name in s['docker_packages'])
    installed.update({'gpg': '2.2.40-1.1', 'ca-certificates': '20230311'})
    look = probe(packages=installed, files=dict(fresh['file_changes']), keyrings={dest: [DOCKER_APT]},
                 key_forms={dest: form} if form else {}, service=RUNNING)
    plan = docker_install_plan(look, s, os_data, FACTS['debian12'])
    assert plan['key']['install'] is install and plan['work'] is install, plan['changes']
