# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/packages.py: real dpkg/apt on this host (check mode and no-change runs,
a real lock held by another process), and dnf/yum through a fake manager that keeps state."""

import shutil
import subprocess
import sys
import time

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages as P
from ansible_collections.fleetops.docker_host.plugins.modules import packages

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing]
run_module = module_runner(packages)
needs_apt = pytest.mark.skipif(not (shutil.which('apt-get') and shutil.which('dpkg-query')), reason='needs dpkg and apt')
HOLDER = ('import fcntl, sys, time\n'
          'f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX)\n'
          'open(sys.argv[1] + ".held", "w").write("x"); time.sleep(float(sys.argv[2]))\n')


def _installed(name):
    out = subprocess.run(['dpkg-query', '-W', '-f', P.DPKG_FORMAT, name], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=False).stdout
    return P.parse_dpkg(out)[0].get(name)


def _absent_with_candidate():
    """A package this host has not installed but apt's lists carry (apt-get -s can install it)."""
    for name in ('hello', 'cowsay', 'sl', 'figlet'):
        madison = subprocess.run(['apt-cache', 'madison', name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True, check=False).stdout
        if _installed(name) is None and P.parse_madison(madison).get(name):
            return name, P.parse_madison(madison)[name][0]
    pytest.skip('apt has no lists with a package absent here')


@needs_apt
def test_real_apt_check_mode_simulates(capsys):
    name, candidate = _absent_with_candidate()
    result = run_module(capsys, {'manager': 'apt', 'packages': ['dpkg', name], 'hold': True}, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['packages'][name] == {'before': None, 'after': candidate}
    assert result['packages']['dpkg']['before'] == result['packages']['dpkg']['after'] == _installed('dpkg')
    assert result['holds'] == {'before': [], 'after': ['dpkg', name]}
    assert result['diff']['after'].startswith('dpkg %s\n%s %s\n' % (_installed('dpkg'), name, candidate))
    assert _installed(name) is None  # check mode changed nothing


@needs_apt
def test_real_apt_no_change(capsys):
    version = _installed('dpkg')
    result = run_module(capsys, {'manager': 'apt', 'packages': [{'name': 'dpkg', 'version': version.split('-')[0]}]})
    assert result['changed'] is False and result['msg'] == 'nothing to change' and result['recovered'] is False
    assert result['packages'] == {'dpkg': {'before': version, 'after': version}}


@needs_apt
def test_real_apt_refuses_an_unknown_version(capsys):
    result = run_module(capsys, {'manager': 'apt', 'packages': [{'name': 'dpkg', 'version': '0.0.1'}]})
    assert result['failed'] and "dpkg: no version matching 0.0.1* is in apt's lists" in result['msg']


@needs_apt
def test_real_lock_times_out_naming_the_holder(capsys, tmp_path, monkeypatch):
    name, _candidate = _absent_with_candidate()
    frontend = tmp_path / 'lock-frontend'
    frontend.write_text('')
    monkeypatch.setattr(P, 'APT_LOCKS', (str(frontend),))
    proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(frontend), '30'])
    try:
        for _attempt in range(100):
            if (tmp_path / 'lock-frontend.held').exists():
                break
            time.sleep(0.05)
        started = time.time()
        result = run_module(capsys, {'manager': 'apt', 'packages': [name], 'lock_timeout': 2,
                                     'lock_timeout_variable': 'docker_package_lock_timeout'})
        assert time.time() - started >= 2
        with open('/proc/%d/comm' % proc.pid) as handle:
            command = handle.read().strip()
    finally:
        proc.kill()
        proc.wait()
    assert result['failed'] and result['package_lock']['pid'] == proc.pid
    assert result['msg'] == ('the package manager stayed locked by process %d (%s) (%s) for more than 2 s '
                             '(docker_package_lock_timeout); let it finish or stop it, or raise '
                             'docker_package_lock_timeout.' % (proc.pid, command, frontend))
    assert _installed(name) is None


class FakeEL(object):
    """rpm, dnf/yum and versionlock as a dict of installed versions and a versionlock.list file."""

    def __init__(self, tmp_path, manager, installed, locks, lock_busy=0):
        self.manager = manager
        self.installed = dict(installed)
        self.conf = tmp_path / 'versionlock.conf'
        self.conf.write_text('[main]\nenabled = 1\n')
        self.list = tmp_path / 'versionlock.list'
        self.list.write_text(''.join('%s-%s.*\n' % (n, v) for n, v in locks.items()))
        self.calls = []
        self.lock_busy = lock_busy
        self.repo = {'docker-ce': ['3:26.1.4-1.el9', '3:28.0.1-1.el9'], 'containerd.io': ['1.7.27-3.1.el9']}

    def __call__(self, module, argv, environ_update=None, **_kwargs):
        if argv[:5] == ['dnf', '-q', '-C', 'check', '--duplicates']:
            return 0, '', ''  # the read-only look for an interrupted transaction: a clean rpm database, not counted
        self.calls.append(list(argv))
        assert environ_update['LANG'] == 'C'
        if argv[:2] == ['rpm', '-q']:
            names = argv[4:]
            return 0, ''.join('%s|%s\n' % (n, self.installed[n]) for n in names if n in self.installed), ''
        args = [a for a in argv[1:] if not a.startswith('-')]
        if self.lock_busy:
            self.lock_busy -= 1
            return 1, '', ('Existing lock /var/run/yum.pid: another copy is running as pid 3233.\n'
                           'Another app is currently holding the yum lock; exiting as configured by exit_on_lock\n')
        if args[:2] == ['versionlock', 'delete']:
            kept = [line for line in self.list.read_text().splitlines() if line not in args[2:]]
            self.list.write_text(''.join(line + '\n' for line in kept))
        elif args[:2] == ['versionlock', 'add']:
            self.list.write_text(self.list.read_text() + ''.join('%s-%s.*\n' % (n, self.installed[n]) for n in args[2:]))
        elif args[0] in ('install', 'downgrade', 'upgrade'):
            for spec in args[1:]:
                name = next(n for n in self.repo if spec == n or spec.startswith(n + '-'))
                wanted = spec[len(name) + 1:]
                self.installed[name] = next(v for v in reversed(self.repo[name]) if P.el_version_matches(v, wanted))
        elif args[0] == 'remove':
            for name in args[1:]:
                self.installed.pop(name, None)
        return 0, '', ''


@pytest.fixture
def fake_el(tmp_path, monkeypatch):
    def make(manager, installed, locks, lock_busy=0):
        fake = FakeEL(tmp_path, manager, installed, locks, lock_busy)
        monkeypatch.setattr(P, 'VERSIONLOCK', {manager: (str(fake.conf), str(fake.list))})

        def run_command(module, argv, **kwargs):
            return fake(module, argv, **kwargs)
        monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
        monkeypatch.setattr(packages, '_holders', lambda manager: [])
        monkeypatch.setattr(packages, 'LOCK_RETRY_DELAY', 0)
        return fake
    return make


def test_dnf_moves_the_version_lock_with_the_version(capsys, fake_el):
    fake = fake_el('dnf', {'docker-ce': '3:26.1.4-1.el9'}, {'docker-ce': '3:26.1.4-1.el9'})
    result = run_module(capsys, {'manager': 'dnf', 'packages': [{'name': 'docker-ce', 'version': '28.0.1'}],
                                 'enable_repos': ['docker-ce-test']})
    assert result['packages'] == {'docker-ce': {'before': '3:26.1.4-1.el9', 'after': '3:28.0.1-1.el9'}}
    assert result['holds'] == {'before': ['docker-ce'], 'after': ['docker-ce']} and result['changed']
    acting = [c for c in fake.calls if c[0] == 'dnf']
    assert acting == [['dnf', '-q', 'versionlock', 'delete', 'docker-ce-3:26.1.4-1.el9.*'],
                      ['dnf', '-y', '--enablerepo=docker-ce-test', 'install', 'docker-ce-28.0.1'],
                      ['dnf', '-q', 'versionlock', 'add', 'docker-ce']]
    assert fake.list.read_text() == 'docker-ce-3:28.0.1-1.el9.*\n'
    # The rerun changes nothing and runs nothing but rpm.
    fake.calls[:] = []
    again = run_module(capsys, {'manager': 'dnf', 'packages': [{'name': 'docker-ce', 'version': '28.0.1'}]})
    assert again['changed'] is False and [c[0] for c in fake.calls] == ['rpm']


def test_dnf_downgrade_and_hold(capsys, fake_el):
    fake = fake_el('dnf', {'docker-ce': '3:28.0.1-1.el9'}, {})
    result = run_module(capsys, {'manager': 'dnf', 'packages': [{'name': 'docker-ce', 'version': '26.1.4'},
                                                                'containerd.io'], 'hold': True, 'allow_downgrade': True})
    assert ['dnf', '-y', 'install', 'containerd.io'] in fake.calls
    assert ['dnf', '-y', 'downgrade', 'docker-ce-26.1.4'] in fake.calls
    assert result['holds']['after'] == ['containerd.io', 'docker-ce']
    assert result['msg'] == ('changed docker-ce 3:26.1.4-1.el9; installed containerd.io 1.7.27-3.1.el9; '
                             'held containerd.io; held docker-ce')


def test_yum_retries_its_lock_within_the_bound(capsys, fake_el):
    fake = fake_el('yum', {}, {}, lock_busy=2)
    result = run_module(capsys, {'manager': 'yum', 'packages': ['containerd.io'], 'lock_timeout': 30})
    installs = [c for c in fake.calls if 'install' in c]
    assert installs == [['yum', '--setopt=exit_on_lock=1', '-y', 'install', 'containerd.io']] * 3
    assert result['packages']['containerd.io']['after'] == '1.7.27-3.1.el9'


def test_yum_lock_failure_after_the_bound(capsys, fake_el, monkeypatch):
    fake_el('yum', {}, {}, lock_busy=100)
    monkeypatch.setattr(packages, 'LOCK_RETRY_DELAY', 0.4)
    result = run_module(capsys, {'manager': 'yum', 'packages': ['containerd.io'], 'lock_timeout': 1})
    assert result['failed'] and 'Existing lock /var/run/yum.pid' in result['stderr']
    assert result['package_lock']['held'] is False  # the fake's holder is gone; the action names it from stderr


def test_el_check_mode_compares_versions(capsys, fake_el):
    fake = fake_el('dnf', {'docker-ce': '3:26.1.4-1.el9'}, {})
    result = run_module(capsys, {'manager': 'dnf', 'packages': [{'name': 'docker-ce', 'version': '3:28.0.1-1.el9'}]},
                        check_mode=True)
    assert result['changed'] and result['packages']['docker-ce']['after'] == '3:28.0.1-1.el9'
    assert [c[0] for c in fake.calls] == ['rpm'] and fake.installed['docker-ce'] == '3:26.1.4-1.el9'


def test_bad_input(capsys):
    assert 'listed twice' in run_module(capsys, {'manager': 'apt', 'packages': ['a', 'a']})['msg']
    assert 'hold is not supported on dnf5' in run_module(capsys, {'manager': 'dnf5', 'packages': ['a'], 'hold': True})['msg']


class FakeApt(object):
    """dpkg-query and apt-get as a dict of installed versions; apt-get install takes the version of -t's release."""

    def __init__(self, installed, releases):
        self.installed, self.releases, self.calls = dict(installed), releases, []

    def __call__(self, module, argv, environ_update=None, **_kwargs):
        self.calls.append(list(argv))
        if argv[0] == 'dpkg-query':
            return 0, ''.join('ii |%s|%s\n' % (n, self.installed[n]) for n in argv[4:] if n in self.installed), ''
        if argv[0] == 'apt-get' and 'install' in argv:
            release = argv[argv.index('-t') + 1] if '-t' in argv else 'stable'
            for name in argv[argv.index('install') + 1:]:
                self.installed[name] = self.releases[release][name]
        return 0, '', ''


@pytest.mark.parametrize('default_release, after', [('bookworm-backports', '6.12.57-1~bpo12+1'), (None, '6.1.158-1')])
def test_apt_default_release_is_the_release_apt_installs_from(capsys, monkeypatch, default_release, after):
    fake = FakeApt({'linux-image-amd64': '6.1.140-1'},
                   {'stable': {'linux-image-amd64': '6.1.158-1'},
                    'bookworm-backports': {'linux-image-amd64': '6.12.57-1~bpo12+1'}})

    def run_command(module, argv, **kwargs):
        return fake(module, argv, **kwargs)
    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(packages, '_holders', lambda manager: [])
    args = {'manager': 'apt', 'packages': ['linux-image-amd64'], 'state': 'latest'}
    if default_release:
        args['default_release'] = default_release
    result = run_module(capsys, args)
    assert result['packages'] == {'linux-image-amd64': {'before': '6.1.140-1', 'after': after}}
    install = [c for c in fake.calls if c[0] == 'apt-get' and 'install' in c][0]
    assert (install[install.index('install') - 2:install.index('install')] == ['-t', default_release]) is bool(default_release)


@pytest.fixture
def offline_apt(monkeypatch):
    """apt whose repository does not answer: `apt-get update` exits 0 with apt's warnings (the old lists kept), an
    install exits 100 on the download; dpkg is clean. The calls are kept."""
    calls = []
    update_err = ("W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure "
                  "resolving 'deb.debian.org'\nW: Some index files failed to download. They have been ignored, or old "
                  "ones used instead.\n")
    install_err = ("E: Failed to fetch http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb  "
                   "Temporary failure resolving 'deb.debian.org'\nE: Unable to fetch some archives, maybe run "
                   "apt-get update or try with --fix-missing?\n")

    def run_command(module, argv, **kwargs):
        calls.append(argv)
        if argv[0] == 'apt-get' and 'update' in argv:
            return 0, 'Err:1 http://deb.debian.org/debian bookworm InRelease\n', update_err
        if argv[0] == 'apt-get' and 'install' in argv:
            return 100, 'Reading package lists...\n', install_err
        if argv[0] == 'apt-cache':
            return 0, ' hello | 2.10-3 | http://deb.debian.org/debian bookworm/main amd64 Packages\n', ''
        return 0, '', ''
    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(packages, '_holders', lambda manager: [])
    return calls


def test_apt_update_that_cannot_reach_a_repository_fails_naming_it(capsys, offline_apt):
    result = run_module(capsys, {'manager': 'apt', 'packages': ['hello'], 'update_cache': True})
    assert result['failed'] and not result.get('changed')
    assert ("apt could not reach the package repository http://deb.debian.org/debian (Temporary failure resolving "
            "'deb.debian.org'); the package lists were not refreshed") in result['msg']
    assert not [argv for argv in offline_apt if 'install' in argv]  # nothing installed after the failed refresh
    assert result['unreachable'] == [{'repository': 'http://deb.debian.org/debian',
                                      'reason': "Temporary failure resolving 'deb.debian.org'"}]


def test_apt_download_that_fails_names_the_repository_and_installs_nothing(capsys, offline_apt):
    result = run_module(capsys, {'manager': 'apt', 'packages': ['hello']})
    assert result['failed'] and result['rc'] == 100
    assert ('apt could not reach the package repository http://deb.debian.org/debian (Temporary failure resolving '
            "'deb.debian.org'); nothing was installed or removed") in result['msg']


def test_dnf_transaction_cut_off_is_recovered_first(capsys, fake_el, monkeypatch):
    """dnf killed between installing docker-ce 28 and erasing 26: both are in the rpm database; the step removes the
    older duplicate before anything else, says so, and then finds the package at the version asked."""
    fake = fake_el('dnf', {'docker-ce': '3:28.0.1-1.el9'}, {})
    duplicate = 'docker-ce-3:26.1.4-1.el9.x86_64 is a duplicate with docker-ce-3:28.0.1-1.el9.x86_64\n'
    state = {'duplicates': True}

    def run_command(module, argv, **kwargs):
        if argv[:5] == ['dnf', '-q', '-C', 'check', '--duplicates']:
            fake.calls.append(list(argv))
            return (1, duplicate, '') if state['duplicates'] else (0, '', '')
        if 'remove' in argv and '--duplicates' in argv:
            fake.calls.append(list(argv))
            state['duplicates'] = False
            return 0, '', ''
        return fake(module, argv, **kwargs)
    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    result = run_module(capsys, {'manager': 'dnf', 'packages': [{'name': 'docker-ce', 'version': '28.0.1'}]})
    assert result['recovered'] is True and result['duplicates'] == ['docker-ce-3:26.1.4-1.el9.x86_64']
    assert result['changed'] and result['msg'] == ('recovered an interrupted dnf transaction (removed the older '
                                                   'duplicates docker-ce-3:26.1.4-1.el9.x86_64)')
    assert fake.calls[:2] == [['dnf', '-q', '-C', 'check', '--duplicates'], ['dnf', '-y', '-q', 'remove', '--duplicates']]
    assert result['packages'] == {'docker-ce': {'before': '3:28.0.1-1.el9', 'after': '3:28.0.1-1.el9'}}
    again = run_module(capsys, {'manager': 'dnf', 'packages': [{'name': 'docker-ce', 'version': '28.0.1'}]})
    assert again['recovered'] is False and not again['changed'] and 'duplicates' not in again


def test_dnf_check_mode_says_it_would_recover_and_removes_nothing(capsys, fake_el, monkeypatch):
    fake = fake_el('dnf', {'docker-ce': '3:28.0.1-1.el9'}, {})

    def run_command(module, argv, **kwargs):
        if argv[:5] == ['dnf', '-q', '-C', 'check', '--duplicates']:
            return 1, 'docker-ce-3:26.1.4-1.el9.x86_64 is a duplicate with docker-ce-3:28.0.1-1.el9.x86_64\n', ''
        return fake(module, argv, **kwargs)
    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    result = run_module(capsys, {'manager': 'dnf', 'packages': ['docker-ce']}, check_mode=True)
    assert result['recovered'] is True and result['changed']
    assert not [argv for argv in fake.calls if 'remove' in argv]


def test_dnf_disables_repositories_before_it_enables_them(capsys, fake_el):
    """dnf applies --disablerepo/--enablerepo in order: '*' disabled after the one enabled would disable it too."""
    fake = fake_el('dnf', {}, {})
    result = run_module(capsys, {'manager': 'dnf', 'packages': ['containerd.io'], 'disable_repos': ['*'],
                                 'enable_repos': ['docker-ce-stable']})
    assert result['changed']
    assert [c for c in fake.calls if 'install' in c] == [
        ['dnf', '-y', '--disablerepo=*', '--enablerepo=docker-ce-stable', 'install', 'containerd.io']]


class FakeDpkgRace(FakeApt):
    """An interrupted dpkg (dpkg --audit prints something) whose lock is taken again, between the module's look at the
    lock and its command, by the next command of another package step still running (issue 31: apt-mark hold after
    the apt-get of a run that was cut off): dpkg and apt-mark fail at once on a held lock, they do not wait."""

    def __init__(self, busy):
        super(FakeDpkgRace, self).__init__({'docker.io': '20.10.24+dfsg1-1+deb12u1'}, {})
        self.busy, self.audited = busy, False

    def __call__(self, module, argv, environ_update=None, **_kwargs):
        if argv == ['dpkg', '--audit']:
            self.calls.append(list(argv))
            return 0, '' if self.audited else 'The following packages are only half configured\n docker.io\n', ''
        if argv[0] in ('dpkg', 'apt-mark') and self.busy:
            self.calls.append(list(argv))
            self.busy -= 1
            return 2, '', ('dpkg: error: dpkg frontend lock was locked by another process with pid 2199\n'
                           'Note: removing the lock file is always wrong\n')
        if argv[:2] == ['dpkg', '--force-confdef']:
            self.audited = True
        return super(FakeDpkgRace, self).__call__(module, argv, environ_update, **_kwargs)


@pytest.mark.parametrize('busy, lock_timeout, recovered', [(2, 30, True), (100, 1, False)])
def test_dpkg_recovery_runs_again_while_another_step_takes_the_lock(capsys, monkeypatch, busy, lock_timeout, recovered):
    fake = FakeDpkgRace(busy)

    def run_command(module, argv, **kwargs):
        return fake(module, argv, **kwargs)
    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(packages, '_holders', lambda manager: [])  # free whenever the module looks
    monkeypatch.setattr(packages, 'LOCK_RETRY_DELAY', 0.3)
    result = run_module(capsys, {'manager': 'apt', 'packages': ['docker.io'], 'lock_timeout': lock_timeout})
    configure = [c for c in fake.calls if c[:2] == ['dpkg', '--force-confdef']]
    if recovered:
        assert not result.get('failed') and result['recovered'] is True and fake.audited
        assert len(configure) == busy + 1  # run again after each "locked by another process", within the bound
    else:
        assert result['failed'] and 'locked by another process with pid 2199' in result['msg'] and not fake.audited
        assert 1 < len(configure) <= 5  # retried until lock_timeout, then the failure says who held it


def test_the_dpkg_lock_messages_are_lock_messages():
    assert P.said_lock('dpkg: error: dpkg frontend lock was locked by another process with pid 2199')
    assert P.said_lock('dpkg: error: dpkg status database is locked by another process')
    assert not P.said_lock('dpkg: error processing package docker.io (--configure)')
