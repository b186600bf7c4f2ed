#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: packages
short_description: The collection's one package step - versions, holds and a bounded wait for the lock
version_added: 0.2.0
description:
  - Brings a set of packages to the given versions with C(apt), C(dnf) (C(dnf5) without holds) or C(yum) -
    installs, upgrades, downgrades or removes them in one transaction, and sets or moves their holds
    (C(apt-mark hold)/C(unhold); C(dnf|yum versionlock add)/C(delete)).
  - A hold moves with its package - when the version of a held package changes, C(apt-get) is allowed to change
    it (C(--allow-change-held-packages)) and the hold is set again after the transaction (C(apt-get) drops it); a
    version lock is deleted before the transaction and added again after it, at the new version.
  - Before each step that takes the package manager's lock the module waits up to O(lock_timeout) seconds for it
    to be free (the same look as M(fleetops.docker_host.package_lock_info)); apt-get also gets
    C(DPkg::Lock::Timeout), and C(yum) (EL7, which has no timeout) runs with C(exit_on_lock=1) and is retried every
    5 seconds within O(lock_timeout). On timeout it fails naming the holder (pid and command), the lock file,
    O(lock_timeout_variable) and the fix; nothing has been changed by that step.
  - On C(apt), an interrupted dpkg (C(dpkg --audit) prints something) is first recovered with
    C(dpkg --configure -a), reported in RV(recovered). On C(dnf), a transaction cut off between installing a new
    version and erasing the old one (both in the rpm database, C(dnf check --duplicates)) is first recovered with
    C(dnf remove --duplicates), which removes the older ones, reported in RV(recovered).
  - Runs through the action plugin of the same name, which fills O(manager) from the host's facts and, on a lock
    timeout, writes the failure message with the host's name and the task's name.
  - 'Interface (stable): the options below and the return values RV(packages), RV(holds), RV(recovered),
    RV(cache_updated), C(changed) and RV(msg). Other roles of the collection call it for every package step.'
options:
  packages:
    description:
      - The packages, each a name or a dict with C(name) and C(version).
      - 'A version is matched as the managers read it: on C(apt) as C(name=<version>*) (the newest version in
        the lists that starts with it is installed, e.g. V(5:28.0.1) picks V(5:28.0.1-1~debian.12~bookworm)); on
        C(dnf)/C(yum) as C(name-<version>) (whole fields: V(28.0.1) or V(3:28.0.1-1.el9)).'
      - Ignored for O(state=absent) except for the names.
    type: list
    elements: raw
    default: []
  files:
    description:
      - Local package files on the host (C(.deb) or C(.rpm)), installed in the same transaction; their names and
        versions come from the files, their dependencies from the configured repositories.
    type: list
    elements: path
    default: []
  state:
    description:
      - V(present) installs what is missing and moves what is at another version than asked;
        V(latest) brings every named package to the newest version; V(absent) removes them.
    type: str
    choices: [present, latest, absent]
    default: present
  hold:
    description:
      - V(true) holds the named packages after the step (a version lock at the installed version on EL);
        V(false) releases their holds; unset leaves holds as they are (a hold moves with its package's version).
    type: bool
  hold_names:
    description:
      - The packages O(hold) applies to; unset means every named package. The others keep their holds as they are.
      - The docker role holds the packages its apt preferences file does not pin.
    type: list
    elements: str
    version_added: 0.2.0
  allow_downgrade:
    description: Allow going back to an older version (C(apt-get --allow-downgrades), C(dnf downgrade)).
    type: bool
    default: false
  manager:
    description: The package manager; the action plugin fills it from C(ansible_facts.pkg_mgr) when unset.
    type: str
    choices: [apt, dnf, dnf5, yum]
    required: true
  lock_timeout:
    description: Seconds to wait for the package manager's lock before each step that takes it.
    type: int
    default: 300
  lock_timeout_variable:
    description: The variable that set O(lock_timeout), named in the failure message with the fix.
    type: str
    default: lock_timeout
  update_cache:
    description:
      - Refresh the package lists first (C(apt-get update); C(--refresh) for dnf/yum). Also in check mode on
        C(apt), since a simulation without lists cannot tell what would be installed. Not counted as a change.
      - On C(apt) the step fails when a repository could not be reached (C(apt-get update) itself exits 0 then,
        keeping the old lists), naming the repository and apt's reason; a download that fails during an install
        fails the same way, with nothing installed or removed.
    type: bool
    default: false
  cache_valid_time:
    description: With O(update_cache) on C(apt), skip the refresh when the lists are younger than this (seconds).
    type: int
    default: 0
  install_recommends:
    description: C(apt) only. V(false) adds C(--no-install-recommends), V(true) C(--install-recommends); unset keeps apt's setting.
    type: bool
  default_release:
    description:
      - C(apt) only. The release installs and upgrades take their versions from (C(apt-get -t), e.g.
        V(bookworm-backports)), and the dependencies that need it; unset takes apt's candidates.
    type: str
    version_added: 0.3.0
  enable_repos:
    description: C(dnf)/C(yum) only. Repositories to enable for this step (C(--enablerepo)), e.g. V(elrepo-kernel).
    type: list
    elements: str
    default: []
  disable_repos:
    description:
      - C(dnf)/C(yum) only. Repositories to disable for this step (C(--disablerepo)), applied before
        O(enable_repos), so V(['*']) with O(enable_repos) uses those repositories alone.
    type: list
    elements: str
    default: []
  bundle:
    description:
      - Install from an offline bundle written by the C(fleetops.docker_host.bundle) playbook (a stage's
        C(package_source=bundle)), handled by the action on the controller before the module runs - it reads the
        controller's copy of the bundle, refuses (before anything changes) a bundle without O(bundle.stage)'s packages
        or without an image of O(bundle.images), naming it; copies the files the host's copy lacks or holds
        otherwise; has the host verify its copy (M(fleetops.docker_host.bundle_verify) - signature, platform, every
        file's sha256; a failure stops the step before any package change); makes the bundle's repository the source
        (M(fleetops.docker_host.bundle_repository)); imports O(bundle.images) into containerd (C(ctr -n NAMESPACE images
        import)) where containerd lacks them; then installs O(packages) at the bundle's versions from its repository
        alone (O(update_cache) and O(default_release) do not apply). The result adds C(bundle) (C(id), C(fingerprint),
        C(path) - the host's copy, C(archives) - each bundled image's name -> its archive on the controller) and
        C(images).
    type: dict
    suboptions:
      path:
        description: The bundle directory on the controller (C(docker_bundle)).
        type: path
        required: true
      stage:
        description:
          - The stage whose packages (the manifest's C(stages)) O(packages) are, e.g. V(k8s_node), V(kernel_ml).
          - V(engine) - the manifest's engine (the docker role's); O(packages) empty installs all of its packages, with
            the engine's C(install_recommends).
        type: str
        required: true
      dir:
        description: Where the host keeps its copy (one subdirectory per bundle id; C(docker_bundle_dir)).
        type: path
        default: /var/cache/fleetops-docker-bundle
      fingerprint:
        description: The bundle key's fingerprint the host requires (C(docker_bundle_fingerprint)); empty - the manifest's.
        type: str
        default: ''
      images:
        description: The bundle's images this stage needs in containerd, each a name (namespace V(k8s.io)) or C(name), C(namespace).
        type: list
        elements: raw
        default: []
    version_added: 0.3.0
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Simulates (C(apt-get -s)) or compares versions (C(dnf|yum check-update) for V(latest)).
    support: full
  diff_mode:
    description: Each package's version and the holds, before and after.
    support: full
  platform:
    description: Debian, Ubuntu and the EL family (C(apt), C(dnf), C(dnf5), C(yum)).
    platforms: posix
'''

EXAMPLES = r'''
- name: Install Docker Engine at 28.0.1 and hold it, containerd.io included
  fleetops.docker_host.packages:
    packages:
      - {name: docker-ce, version: "5:28.0.1"}
      - {name: docker-ce-cli, version: "5:28.0.1"}
      - containerd.io
    hold: true
    allow_downgrade: true
    update_cache: true
    cache_valid_time: 3600
    lock_timeout: "{{ docker_package_lock_timeout }}"
    lock_timeout_variable: docker_package_lock_timeout

- name: Install the mainline kernel from ELRepo's kernel repository
  fleetops.docker_host.packages:
    packages: [kernel-ml]
    state: latest
    enable_repos: [elrepo-kernel]

- name: Follow Debian's backports kernel line
  fleetops.docker_host.packages:
    packages: [linux-image-amd64]
    state: latest
    default_release: bookworm-backports
    update_cache: true

- name: Remove the packages that conflict with Docker's engine
  fleetops.docker_host.packages:
    packages: [docker.io, podman-docker]
    state: absent
  register: removed
'''

RETURN = r'''
packages:
  description: Each named package (and each package file's package) with its version before and after, null where absent.
  returned: always
  type: dict
  sample: {"docker-ce": {"before": "5:27.5.1-1~debian.12~bookworm", "after": "5:28.0.1-1~debian.12~bookworm"}}
holds:
  description: Which of the named packages were held (apt) or version-locked (dnf, yum) before and after.
  returned: always
  type: dict
  sample: {"before": [], "after": ["containerd.io", "docker-ce", "docker-ce-cli"]}
recovered:
  description:
    - Whether an interrupted dpkg (C(dpkg --configure -a)) or dnf transaction (C(dnf remove --duplicates)) was
      recovered first; in check mode, whether it would be.
  returned: always
  type: bool
unreachable:
  description: On C(apt), the repositories apt could not reach (C(Failed to fetch)), each with apt's reason; the step
    failed naming them.
  returned: failure, when apt could not reach a repository
  type: list
  elements: dict
  sample: [{"repository": "http://deb.debian.org/debian", "reason": "Temporary failure resolving 'deb.debian.org'"}]
duplicates:
  description: On C(dnf), the older versions an interrupted transaction left installed beside the newer ones (removed
    first, outside check mode).
  returned: when an interrupted dnf transaction was recovered
  type: list
  elements: str
  sample: ["docker-ce-3:26.1.4-1.el9.x86_64"]
cache_updated:
  description: Whether the package lists were refreshed.
  returned: always
  type: bool
msg:
  description: What was done, in one line.
  returned: always
  type: str
  sample: "installed docker-ce 5:28.0.1-1~debian.12~bookworm; held docker-ce"
package_lock:
  description: On a lock timeout, the lock as M(fleetops.docker_host.package_lock_info) returns it (C(held), C(lock), C(pid), C(command), C(holder)).
  returned: failure
  type: dict
'''

import os
import stat
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages as P

ENV = {'LANG': 'C', 'LC_ALL': 'C', 'DEBIAN_FRONTEND': 'noninteractive'}
# yum (exit_on_lock), dpkg and apt-mark do not wait for a lock: the command is run again while it says it could not
# get it (a lock free when looked at can be taken again before the command starts: another package step's next
# command, e.g. apt-mark after apt-get).
LOCK_RETRY_DELAY = 2
APT_STAMPS = ('/var/lib/apt/periodic/update-success-stamp', '/var/lib/apt/lists')


def _read(path, size=-1):
    try:
        with open(path) as handle:
            return handle.read(size)
    except OSError:
        return None


def _stat_key(path):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)


def _read_bytes(path, size):
    """A pid file's or comm's first bytes; None for anything but a readable regular file (a FIFO never blocks)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return None
    try:
        return os.read(fd, size) if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _holders(manager):
    return P.find_holders(manager, _read('/proc/locks') or '', stat_key=_stat_key, read_file=lambda p: _read_bytes(p, 64),
                          alive=lambda pid: os.path.exists('/proc/%d/stat' % pid),
                          command_of=lambda pid: P.comm_text(_read_bytes('/proc/%d/comm' % pid, 64)), own_pid=os.getpid(),
                          kernel_holder=P.kernel_holder)


class Step(object):
    """One run of the module: the manager's commands, the lock waits, the failures."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.manager = module.params['manager']
        self.timeout = module.params['lock_timeout']
        self.result = {'changed': False, 'packages': {}, 'holds': {'before': [], 'after': []}, 'recovered': False,
                       'cache_updated': False}
        self.said = ''

    def run(self, argv, check=False):
        rc, out, err = self.module.run_command(argv, environ_update=ENV)
        if check and rc != 0:
            self.fail(argv, rc, out, err)
        return rc, out, err

    def fail(self, argv, rc, out, err, holders=None):
        text = (err or out or '').strip()
        said = ' '.join(text.splitlines()[-3:]) or 'no output'
        unreachable = P.unreachable_repositories(out + '\n' + err) if self.manager == 'apt' else []
        extra = {}
        if unreachable:
            extra['unreachable'] = [{'repository': repository, 'reason': reason} for repository, reason in unreachable]
            self.module.fail_json(msg=P.unreachable_message(unreachable, 'update' if 'update' in argv else 'install'),
                                  rc=rc, stdout=out, stderr=err, cmd=argv, **extra)
        if holders is None and P.said_lock(out + err):
            holders = _holders(self.manager)
        if holders is not None:
            extra['package_lock'] = P.lock_state(holders, self.timeout)
        self.module.fail_json(msg='%s failed (rc %s): %s' % (' '.join(argv), rc, said), rc=rc, stdout=out, stderr=err,
                              cmd=argv, **extra)

    def wait_for_lock(self):
        """Wait up to lock_timeout for the manager's locks; fail naming the holder when they stay held."""
        started = time.time()
        holders = _holders(self.manager)
        while holders and time.time() - started < self.timeout:
            time.sleep(1)
            holders = _holders(self.manager)
        if holders:
            state = P.lock_state(holders, int(round(time.time() - started)))
            self.module.fail_json(msg=P.lock_message(state['holder'], state['lock'], self.timeout,
                                                     self.params['lock_timeout_variable']),
                                  package_lock=state, **self.result)
        return max(1, int(self.timeout - (time.time() - started)))

    def transaction(self, argv):
        """Run a command that takes the lock: wait first; yum is retried while its lock is held."""
        remaining = self.wait_for_lock()
        if self.manager == 'apt' and argv[0] == 'apt-get':
            argv = argv[:1] + ['-o', 'DPkg::Lock::Timeout=%d' % remaining] + argv[1:]
        if self.manager == 'yum':
            argv = argv[:1] + ['--setopt=exit_on_lock=1'] + argv[1:]
        deadline = time.time() + remaining
        while True:
            rc, out, err = self.run(argv)
            self.said = out + '\n' + err
            if rc == 0:
                return out
            if not (P.said_lock(out + err) and time.time() + LOCK_RETRY_DELAY < deadline):
                self.fail(argv, rc, out, err)
            time.sleep(LOCK_RETRY_DELAY)

    # The host's state ----------------------------------------------------------------------------------------------
    def installed(self, names):
        if not names:
            return {}, []
        if self.manager == 'apt':
            _rc, out, _err = self.run(['dpkg-query', '-W', '-f', P.DPKG_FORMAT] + names)
            installed, held = P.parse_dpkg(out)
            return installed, sorted(n for n in held if n in names)
        _rc, out, _err = self.run(['rpm', '-q', '--qf', P.RPM_FORMAT] + names)
        entries = self.versionlock_entries()
        return P.parse_rpm(out), sorted(set(e['name'] for e in entries or [] if e['name'] in names))

    def versionlock_entries(self):
        """The version locks, or None where the plugin is not installed (dnf5: not read)."""
        conf, path = P.VERSIONLOCK.get(self.manager, (None, None))
        if not conf or not os.path.exists(conf):
            return None
        return P.parse_versionlock(_read(path) or '')

    def file_packages(self, files):
        found = []
        for path in files:
            if self.manager == 'apt':
                argv = ['dpkg-deb', '-W', '--showformat', '${Package}|${Version}', path]
            else:
                argv = ['rpm', '-qp', '--nosignature', '--qf', P.RPM_FORMAT.replace('\\n', ''), path]
            _rc, out, _err = self.run(argv, check=True)
            fields = out.strip().split('|')
            if len(fields) != 2:
                self.module.fail_json(msg='%s: cannot read the package name and version (%r)' % (path, out))
            found.append({'name': fields[0], 'version': fields[1], 'file': path})
        return found

    # The steps ------------------------------------------------------------------------------------------------------
    def recover_dpkg(self):
        _rc, out, _err = self.run(['dpkg', '--audit'])
        if not out.strip():
            return
        self.result['recovered'] = True
        if not self.module.check_mode:
            self.transaction(['dpkg', '--force-confdef', '--force-confold', '--configure', '-a'])

    def recover_rpm(self):
        """dnf: a transaction cut off between installing the new version of a package and erasing the old one leaves
        both in the rpm database; the older ones go first (dnf remove --duplicates), reported in recovered."""
        _rc, out, err = self.run(['dnf', '-q', '-C', 'check', '--duplicates'])
        duplicates = P.parse_dnf_duplicates(out + '\n' + err)
        if not duplicates:
            return
        self.result['recovered'] = True
        self.result['duplicates'] = duplicates
        if not self.module.check_mode:
            self.transaction(['dnf', '-y', '-q'] + self.repo_options() + ['remove', '--duplicates'])

    def update_cache(self):
        if self.manager != 'apt':
            return
        valid = self.params['cache_valid_time']
        if valid > 0:
            ages = [time.time() - os.stat(p).st_mtime for p in APT_STAMPS if os.path.exists(p)]
            if ages and min(ages) < valid:
                return
        self.transaction(['apt-get', '-q', 'update'])
        # apt-get update exits 0 when a repository could not be reached ("W: Failed to fetch ...", the old lists
        # kept): the step fails here, naming the repository, rather than later as a package apt cannot locate.
        if P.unreachable_repositories(self.said):
            self.fail(['apt-get', '-q', 'update'], 0, self.said, '')
        self.result['cache_updated'] = True

    def repo_options(self):
        # dnf and yum apply these in order: disabling first lets disable_repos: ['*'] keep enable_repos' alone.
        return (['--disablerepo=%s' % r for r in self.params['disable_repos']]
                + ['--enablerepo=%s' % r for r in self.params['enable_repos']])

    def el_options(self):
        argv = self.repo_options()
        if self.params['update_cache'] and not self.result['cache_updated']:
            argv.append('--refresh')
            self.result['cache_updated'] = not self.module.check_mode
        return argv

    def apt_argv(self, verb, held_moves):
        argv = ['apt-get', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold']
        if self.params['allow_downgrade']:
            argv.append('--allow-downgrades')
        if held_moves:
            argv.append('--allow-change-held-packages')
        recommends = self.params['install_recommends']
        if recommends is not None and verb == 'install':
            argv.append('--install-recommends' if recommends else '--no-install-recommends')
        if self.params['default_release'] and verb == 'install':
            argv += ['-t', self.params['default_release']]
        return argv + [verb]


def _specs(step):
    try:
        specs = P.normalize(step.params['packages'])
    except ValueError as err:
        step.module.fail_json(msg=str(err))
    files = step.file_packages(step.params['files'])
    for found in files:
        if found['name'] in [s['name'] for s in specs]:
            step.module.fail_json(msg='%s is named in packages and in files (%s); name it once' % (found['name'], found['file']))
    return specs, files


def main():  # noqa: C901, PLR0912, PLR0915 - one step, told in order
    module = AnsibleModule(
        argument_spec=dict(
            packages=dict(type='list', elements='raw', default=[]),
            files=dict(type='list', elements='path', default=[]),
            state=dict(type='str', default='present', choices=list(P.STATES)),
            hold=dict(type='bool'),
            hold_names=dict(type='list', elements='str'),
            allow_downgrade=dict(type='bool', default=False),
            manager=dict(type='str', required=True, choices=list(P.MANAGERS)),
            lock_timeout=dict(type='int', default=300),
            lock_timeout_variable=dict(type='str', default='lock_timeout'),
            update_cache=dict(type='bool', default=False),
            cache_valid_time=dict(type='int', default=0),
            install_recommends=dict(type='bool'),
            default_release=dict(type='str'),
            enable_repos=dict(type='list', elements='str', default=[]),
            disable_repos=dict(type='list', elements='str', default=[]),
            # Handled by the action (plugins/action/packages.py) before the module runs; never reaches it.
            bundle=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    step = Step(module)
    params, manager, result = module.params, step.manager, step.result
    if params['lock_timeout'] < 0:
        module.fail_json(msg='lock_timeout must be 0 or more seconds, got %d' % params['lock_timeout'])
    if params['files'] and params['state'] != 'present':
        module.fail_json(msg='files are installed with state=present only (got state=%s)' % params['state'])
    if manager == 'dnf5' and params['hold'] is not None:
        module.fail_json(msg='hold is not supported on dnf5 by this module; leave hold unset on dnf5 hosts')
    specs, files = _specs(step)
    names = [s['name'] for s in specs] + [f['name'] for f in files]

    if manager == 'dnf':
        step.recover_rpm()
    if manager == 'apt':
        step.recover_dpkg()
        if params['update_cache']:
            step.update_cache()
    before, held = step.installed(names)
    wanted = specs + [{'name': f['name'], 'version': f['version']} for f in files]
    candidates = {}
    if manager == 'apt' and params['state'] == 'present':
        pinned = [s['name'] for s in specs if s['version'] and not P.apt_version_matches(before.get(s['name']), s['version'])]
        if pinned:
            _rc, out, _err = step.run(['apt-cache', 'madison'] + pinned)
            candidates = P.parse_madison(out)
    todo = P.plan(manager, wanted, params['state'], before, held, hold=params['hold'], candidates=candidates,
                  allow_downgrade=params['allow_downgrade'], local=[f['name'] for f in files],
                  hold_names=params['hold_names'])
    by_file = dict((f['name'], f['file']) for f in files)
    if todo['problems']:
        module.fail_json(msg='; '.join(todo['problems']), **result)
    if manager in ('dnf', 'yum') and (todo['hold_after'] or todo['unhold_first']) and step.versionlock_entries() is None:
        plugin = P.VERSIONLOCK_PACKAGE[manager]
        if plugin not in before:
            todo['install'].insert(0, (plugin, ''))

    def spec(item):
        name, version = item
        return by_file.get(name) or P.spec_text(manager, name, version)

    after = dict(before)
    held_after = list(held)
    done = []
    if module.check_mode:
        if manager == 'apt' and (todo['install'] or todo['remove']):
            verb, items = ('remove', [(n, '') for n in todo['remove']]) if todo['remove'] else ('install', todo['install'])
            argv = step.apt_argv(verb, bool(held)) + ['-s'] + [spec(i) for i in items]
            rc, out, err = step.run(argv)
            if rc != 0:
                step.fail(argv, rc, out, err)
            for name, version in P.parse_apt_simulation(out).items():
                if name in names:
                    after[name] = version
        elif manager != 'apt':
            newer = {}
            if params['state'] == 'latest':
                _rc, out, _err = step.run([manager, '-q'] + step.el_options() + ['check-update'] + names)
                newer = P.parse_check_update(out)
            for name, version in todo['install'] + todo['downgrade']:
                if params['state'] == 'latest':
                    after[name] = newer.get(name) or before.get(name) or 'newest (check mode)'
                else:
                    after[name] = version or before.get(name) or 'any version (check mode)'
            for name in todo['remove']:
                after[name] = None
        held_after = sorted((set(held) - set(todo['unhold_after'])) | set(todo['hold_after']))
    else:
        entries = step.versionlock_entries() or []
        if todo['unhold_first']:
            raws = [e['raw'] for e in entries if e['name'] in todo['unhold_first']]
            step.transaction([manager, '-q', 'versionlock', 'delete'] + raws)
        if manager == 'apt':
            moving = [n for n, _v in todo['install']] + todo['remove']
            held_moves = bool(set(held) & set(moving))
            if todo['install']:
                step.transaction(step.apt_argv('install', held_moves) + [spec(i) for i in todo['install']])
            if todo['remove']:
                step.transaction(step.apt_argv('remove', held_moves) + todo['remove'])
        else:
            options = step.el_options()
            fresh = [i for i in todo['install'] if i[0] not in before or params['state'] != 'latest']
            upgrade = [i for i in todo['install'] if i not in fresh]
            for verb, items in (('install', fresh), ('upgrade', upgrade), ('downgrade', todo['downgrade'])):
                if items:
                    step.transaction([manager, '-y'] + options + [verb] + [spec(i) for i in items])
                    options = [o for o in options if o != '--refresh']
            if todo['remove']:
                step.transaction([manager, '-y'] + options + ['remove'] + todo['remove'])
        if todo['hold_after']:
            argv = ['apt-mark', 'hold'] if manager == 'apt' else [manager, '-q', 'versionlock', 'add']
            step.transaction(argv + todo['hold_after'])
        if todo['unhold_after']:
            if manager == 'apt':
                step.transaction(['apt-mark', 'unhold'] + todo['unhold_after'])
            else:
                raws = [e['raw'] for e in step.versionlock_entries() or [] if e['name'] in todo['unhold_after']]
                step.transaction([manager, '-q', 'versionlock', 'delete'] + raws)
        if any(todo[key] for key in ('install', 'downgrade', 'remove', 'unhold_first', 'hold_after', 'unhold_after')):
            after, held_after = step.installed(names)

    for name in names:
        result['packages'][name] = {'before': before.get(name), 'after': after.get(name)}
        old, new = before.get(name), after.get(name)
        if old != new:
            done.append('%s %s' % ('removed' if new is None else 'installed' if old is None else 'changed', name)
                        + ('' if new is None else ' %s' % new))
    result['holds'] = {'before': sorted(held), 'after': sorted(held_after)}
    for name in sorted(set(held_after) - set(held)):
        done.append('held %s' % name)
    for name in sorted(set(held) - set(held_after)):
        done.append('released %s' % name)
    if result['recovered']:
        done.insert(0, 'recovered an interrupted dpkg (dpkg --configure -a)' if manager == 'apt' else
                    'recovered an interrupted dnf transaction (removed the older duplicates %s)' % ', '.join(result['duplicates']))
    result['changed'] = bool(done)
    result['msg'] = '; '.join(done) or 'nothing to change'
    if module._diff:
        old_text, new_text = P.diff_text(result['packages'], result['holds'])
        result['diff'] = {'before_header': 'packages', 'after_header': 'packages', 'before': old_text, 'after': new_text}
    module.exit_json(**result)


if __name__ == '__main__':
    main()
