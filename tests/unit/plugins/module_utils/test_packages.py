# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_packages.py on what apt 2.6 (Debian 12), dnf 4 and yum print."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages as P

# dpkg-query -W -f DPKG_FORMAT docker-ce docker-ce-cli containerd.io hello (Debian 12): a held, an installed,
# a removed-with-config package; hello is absent (no line, exit 1).
DPKG = ('hi |docker-ce|5:27.5.1-1~debian.12~bookworm\n'
        'ii |docker-ce-cli|5:27.5.1-1~debian.12~bookworm\n'
        'rc |containerd.io|1.7.25-1\n'
        'hi |libfoo:amd64|1.0\n')
# apt-cache madison hello apt (Debian 12 with bookworm and bookworm-security): newest first.
MADISON = ('     hello |     2.10-3 | http://deb.debian.org/debian bookworm/main amd64 Packages\n'
           '       apt |      2.6.2 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages\n'
           '       apt |      2.6.1 | http://deb.debian.org/debian bookworm/main amd64 Packages\n')
# apt-get -s -y install apt hello, and apt-get -s -y remove build-essential (apt 2.6.1).
APT_SIM = ('NOTE: This is only a simulation!\n'
           'Inst libapt-pkg6.0 [2.6.1] (2.6.2 Debian-Security:12/oldstable-security [amd64])\n'
           'Conf libapt-pkg6.0 (2.6.2 Debian-Security:12/oldstable-security [amd64])\n'
           'Inst apt [2.6.1] (2.6.2 Debian-Security:12/oldstable-security [amd64])\n'
           'Inst hello (2.10-3 Debian:12.15/oldstable [amd64])\n'
           'Remv build-essential [12.9]\n')
# rpm -q --qf RPM_FORMAT docker-ce containerd.io podman (EL 9).
RPM = 'docker-ce|3:27.5.1-1.el9\ncontainerd.io|1.7.25-3.1.el9\npackage podman is not installed\n'
# dnf -q check-update docker-ce containerd.io (exit 100).
CHECK_UPDATE = ('\ndocker-ce.x86_64                 3:28.0.1-1.el9                  docker-ce-stable\n'
                'containerd.io.x86_64             1.7.27-3.1.el9                  docker-ce-stable\n'
                'Obsoleting Packages\n')


def test_normalize():
    assert P.normalize(['a', {'name': 'b', 'version': '1.0'}]) == [
        {'name': 'a', 'version': ''}, {'name': 'b', 'version': '1.0'}]


@pytest.mark.parametrize('packages, word', [
    ([''], 'not a package name'), ([{'name': 'a', 'versoin': '1'}], 'unknown key(s) versoin'),
    (['a', 'a'], 'listed twice'), ([{'name': 'a', 'version': '1 2'}], 'white space'), ([3], 'not a package name'),
])
def test_normalize_refuses(packages, word):
    with pytest.raises(ValueError, match=word.replace('(', r'\(').replace(')', r'\)')):
        P.normalize(packages)


def test_parse_dpkg():
    installed, held = P.parse_dpkg(DPKG)
    assert installed == {'docker-ce': '5:27.5.1-1~debian.12~bookworm', 'docker-ce-cli': '5:27.5.1-1~debian.12~bookworm',
                         'libfoo': '1.0'}
    assert held == ['docker-ce', 'libfoo']


def test_parse_rpm_madison_simulation_check_update():
    assert P.parse_rpm(RPM) == {'docker-ce': '3:27.5.1-1.el9', 'containerd.io': '1.7.25-3.1.el9'}
    assert P.parse_madison(MADISON) == {'hello': ['2.10-3'], 'apt': ['2.6.2', '2.6.1']}
    assert P.parse_apt_simulation(APT_SIM) == {'libapt-pkg6.0': '2.6.2', 'apt': '2.6.2', 'hello': '2.10-3',
                                               'build-essential': None}
    assert P.parse_check_update(CHECK_UPDATE) == {'docker-ce': '3:28.0.1-1.el9', 'containerd.io': '1.7.27-3.1.el9'}


@pytest.mark.parametrize('versions, wanted, found', [
    (['2.6.2', '2.6.1'], '2.6.1', '2.6.1'), (['2.6.2', '2.6.1'], '2.6', '2.6.2'), (['2.6.2'], '2.7', None),
    (['5:28.0.1-1~debian.12~bookworm'], '5:28.0.1', '5:28.0.1-1~debian.12~bookworm'), ([], '1', None),
])
def test_apt_candidate(versions, wanted, found):
    assert P.apt_candidate(versions, wanted) == found


@pytest.mark.parametrize('left, right, order', [
    ('1.0', '1.0', 0), ('1.10', '1.9', 1), ('1.0~rc1', '1.0', -1), ('1.0^git1', '1.0', 1), ('1.0a', '1.0', 1),
    ('2.0', '10.0', -1), ('1.0.1', '1.0', 1), ('a', '1', -1),
])
def test_rpmvercmp(left, right, order):
    assert P.rpmvercmp(left, right) == order
    newer, older = left, right
    assert P.rpmvercmp(older, newer) == -order


@pytest.mark.parametrize('left, right, order', [
    ('3:27.5.1-1.el9', '28.0.1', 1), ('3:27.5.1-1.el9', '3:28.0.1', -1), ('28.0.1-2.el9', '28.0.1-10.el9', -1),
    ('28.0.1-1.el9', '28.0.1', 0),
])
def test_el_compare(left, right, order):
    assert P.el_compare(left, right) == order


def test_plan_apt_install_version_and_hold():
    installed, held = P.parse_dpkg(DPKG)
    specs = P.normalize([{'name': 'docker-ce', 'version': '5:28.0.1'}, {'name': 'docker-ce-cli', 'version': '5:27.5.1'},
                         'containerd.io'])
    todo = P.plan('apt', specs, 'present', installed, held, hold=True,
                  candidates={'docker-ce': ['5:28.0.1-1~debian.12~bookworm', '5:27.5.1-1~debian.12~bookworm']})
    assert todo['install'] == [('docker-ce', '5:28.0.1-1~debian.12~bookworm'), ('containerd.io', '')]
    # apt moves a held package with --allow-change-held-packages (nothing to release first) but drops its hold
    # (apt 2.6 sets it back to install): held again after.
    assert todo['unhold_first'] == [] and todo['hold_after'] == ['docker-ce', 'docker-ce-cli', 'containerd.io']
    # A held package that does not move keeps its hold; with hold unset a moved one is held again too.
    same = P.plan('apt', P.normalize(['docker-ce']), 'present', installed, held, hold=True)
    assert same['hold_after'] == [] and same['install'] == []
    kept = P.plan('apt', specs[:1], 'present', installed, held,
                  candidates={'docker-ce': ['5:28.0.1-1~debian.12~bookworm']})
    assert kept['hold_after'] == ['docker-ce'] and kept['unhold_after'] == []
    assert todo['problems'] == []


def test_plan_apt_refuses_a_version_not_in_the_lists():
    todo = P.plan('apt', P.normalize([{'name': 'hello', 'version': '9'}]), 'present', {}, [], candidates={'hello': ['2.10-3']})
    assert todo['install'] == [] and todo['problems'] == [
        "hello: no version matching 9* is in apt's lists (apt-cache madison hello shows 2.10-3); check the version, "
        'or set update_cache']


def test_plan_el_moves_the_lock():
    installed = P.parse_rpm(RPM)
    specs = P.normalize([{'name': 'docker-ce', 'version': '28.0.1'}, {'name': 'containerd.io', 'version': '1.7.25'}])
    todo = P.plan('dnf', specs, 'present', installed, ['docker-ce', 'containerd.io'])
    assert todo['install'] == [('docker-ce', '28.0.1')]
    # containerd.io does not move, but its lock could block docker-ce's dependencies: it moves too.
    assert todo['unhold_first'] == ['docker-ce', 'containerd.io'] and todo['hold_after'] == ['docker-ce', 'containerd.io']
    assert todo['unhold_after'] == []


def test_plan_el_downgrade_needs_allow_downgrade():
    installed = P.parse_rpm(RPM)
    specs = P.normalize([{'name': 'docker-ce', 'version': '26.1.4'}])
    assert 'set allow_downgrade' in P.plan('dnf', specs, 'present', installed, [])['problems'][0]
    todo = P.plan('dnf', specs, 'present', installed, [], allow_downgrade=True)
    assert todo['downgrade'] == [('docker-ce', '26.1.4')] and todo['install'] == []


def test_plan_absent_and_release():
    installed = P.parse_rpm(RPM)
    todo = P.plan('yum', P.normalize(['docker-ce', 'podman']), 'absent', installed, ['docker-ce', 'podman'], hold=False)
    assert todo['remove'] == ['docker-ce'] and todo['unhold_first'] == ['docker-ce'] and todo['unhold_after'] == ['podman']
    assert P.plan('apt', P.normalize(['docker-ce']), 'absent', {}, [])['remove'] == []


def test_plan_nothing_to_do_and_latest():
    installed, held = P.parse_dpkg(DPKG)
    specs = P.normalize([{'name': 'docker-ce', 'version': '5:27.5.1'}])
    todo = P.plan('apt', specs, 'present', installed, held)
    assert not any(todo.values())
    assert P.plan('apt', specs, 'latest', installed, held)['install'] == [('docker-ce', '')]


def test_messages_and_diff():
    assert P.lock_message('process 12 (apt-get)', '/var/lib/dpkg/lock-frontend', 5, 'docker_package_lock_timeout') == (
        'the package manager stayed locked by process 12 (apt-get) (/var/lib/dpkg/lock-frontend) for more than 5 s '
        '(docker_package_lock_timeout); let it finish or stop it, or raise docker_package_lock_timeout.')
    assert P.said_lock('E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1 (x)')
    assert not P.said_lock('E: Unable to locate package nosuch')
    before, after = P.diff_text({'a': {'before': None, 'after': '1'}}, {'before': [], 'after': ['a']})
    assert before == 'a (absent)\nheld: (none)\n' and after == 'a 1\nheld: a\n'


def test_versionlock_entries():
    entries = P.parse_versionlock('# added\ndocker-ce-3:28.0.1-1.el9.*\n3:docker-ce-cli-26.1.4-1.el7.*\n!podman-0:4-1.*\n')
    assert [(e['name'], P.versionlock_evr(e)) for e in entries] == [
        ('docker-ce', '3:28.0.1-1.el9'), ('docker-ce-cli', '3:26.1.4-1.el7')]


def test_plan_package_files_need_no_candidate():
    # dpkg-deb -W of the copied file gave tini 0.19.0-1+b3: its version is the file's, not one of apt's lists.
    specs = P.normalize([{'name': 'tini', 'version': '0.19.0-1+b3'}, {'name': 'runc', 'version': '1.1.5+ds1-1+deb12u1'}])
    todo = P.plan('apt', specs, 'present', {'runc': '1.1.5+ds1-1+deb12u1'}, [], candidates={}, local=['tini', 'runc'])
    assert todo['install'] == [('tini', '0.19.0-1+b3')] and todo['problems'] == []


def test_plan_hold_names_limits_the_hold():
    installed = {'docker-ce': '5:28.0.0-1', 'containerd.io': '1.7.25-1'}
    todo = P.plan('apt', P.normalize(['docker-ce', 'containerd.io']), 'present', installed, ['docker-ce'], hold=True,
                  hold_names=['containerd.io'])
    assert todo['hold_after'] == ['containerd.io'] and todo['unhold_after'] == []
    todo = P.plan('apt', P.normalize(['docker-ce', 'containerd.io']), 'present', installed, ['docker-ce', 'containerd.io'],
                  hold=False, hold_names=['containerd.io'])
    assert todo['unhold_after'] == ['containerd.io']


APT_UPDATE_OFFLINE = '''Err:1 http://deb.debian.org/debian bookworm InRelease
  Temporary failure resolving 'deb.debian.org'
Err:2 http://deb.debian.org/debian-security bookworm-security InRelease
  Temporary failure resolving 'deb.debian.org'
W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'
W: Failed to fetch http://deb.debian.org/debian/dists/bookworm-updates/InRelease  Temporary failure resolving 'deb.debian.org'
W: Failed to fetch http://deb.debian.org/debian-security/dists/bookworm-security/InRelease  Temporary failure resolving 'deb.debian.org'
W: Some index files failed to download. They have been ignored, or old ones used instead.
'''
APT_INSTALL_OFFLINE = (
    'E: Failed to fetch http://deb.debian.org/debian/pool/main/r/runc/runc_1.1.5+ds1-1+deb12u1_amd64.deb  '
    'Could not connect to deb.debian.org:80 (151.101.2.132), connection timed out\n'
    'E: Failed to fetch https://download.docker.com/linux/debian/dists/bookworm/pool/stable/amd64/docker-ce_28.0.1-1_amd64.deb\n'
    'E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?\n')


def test_unreachable_repositories_are_named_once_each_with_apts_reason():
    assert P.unreachable_repositories(APT_UPDATE_OFFLINE) == [
        ('http://deb.debian.org/debian', "Temporary failure resolving 'deb.debian.org'"),
        ('http://deb.debian.org/debian-security', "Temporary failure resolving 'deb.debian.org'")]
    assert P.unreachable_repositories(APT_INSTALL_OFFLINE) == [
        ('http://deb.debian.org/debian', 'Could not connect to deb.debian.org:80 (151.101.2.132), connection timed out'),
        ('https://download.docker.com/linux/debian', 'no reason given')]
    assert P.unreachable_repositories('Hit:1 http://deb.debian.org/debian bookworm InRelease\nReading package lists...\n'
                                      'W: Target Packages is configured multiple times\n') == []


def test_unreachable_message_says_what_was_not_done():
    update = P.unreachable_message(P.unreachable_repositories(APT_UPDATE_OFFLINE), 'update')
    assert update.startswith("apt could not reach the package repository http://deb.debian.org/debian (Temporary "
                             "failure resolving 'deb.debian.org'); http://deb.debian.org/debian-security (")
    assert 'the package lists were not refreshed' in update
    install = P.unreachable_message(P.unreachable_repositories(APT_INSTALL_OFFLINE), 'install')
    assert 'nothing was installed or removed' in install and 'https://download.docker.com/linux/debian' in install


def test_parse_dnf_duplicates_names_the_older_of_each_pair():
    text = ('docker-ce-3:26.1.4-1.el9.x86_64 is a duplicate with docker-ce-3:28.0.1-1.el9.x86_64\n'
            'containerd.io-1.6.33-3.1.el9.x86_64 is a duplicate with containerd.io-1.7.27-3.1.el9.x86_64\n'
            'socat-1.7.4.1-5.el9.x86_64 has missing requires of libssl.so.3()(64bit)\n')
    assert P.parse_dnf_duplicates(text) == ['containerd.io-1.6.33-3.1.el9.x86_64', 'docker-ce-3:26.1.4-1.el9.x86_64']
    assert P.parse_dnf_duplicates('') == []
