# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The packages step on the controller: fill the manager from the host's facts, run the module, and on a
failure write the message with the host and the task. Private helpers:

package_lock_holder: who held the lock, from a failed apt/dnf/yum/package task result. apt-get (apt 2.6, 3.0)
prints "Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (unattended-upgr)" while it
waits (DPkg::Lock::Timeout), then fails with "Unable to acquire the dpkg frontend lock" alone; apt 2.2 (Debian 11)
prints only the latter, so the holder comes from package_lock_info's look. python-apt (the apt module's cache
update) fails "Failed to lock apt for exclusive operation: ... Could not get lock /var/lib/apt/lists/lock. It is
held by process 34 (python3)". dnf 4 prints "Waiting for process with pid 1234 to finish." (dnf/lock.py), or with
exit_on_lock "RPMDB already locked by 1234"; yum (yummain.py, yum/__init__.py doLock) "Existing lock
/var/run/yum.pid: another copy is running as pid 3233." and, with exit_on_lock, "Another app is currently holding
the yum lock; exiting as configured by exit_on_lock".

package_lock_message: the failure message of a package step: on a lock timeout the holder, the lock, the
timeout variable and the fix; any other failure keeps its own message.

With `bundle` (a stage installing from an offline bundle, docker_package_source=bundle): bundle_plan decides from the
controller's copy of the bundle what the step installs (the stage's packages at the bundle's versions, or a refusal
naming what the bundle lacks); the action copies the files the host lacks, has the host verify its copy
(bundle_verify, before any package step), makes the bundle's repository the source (bundle_repository), imports the
stage's images into containerd, then runs the package step from that repository alone. The stage `engine` is the
manifest's engine (the docker role's): with no packages named, all of them, with the engine's install_recommends.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import hashlib
import json
import os
import re

from ansible.errors import AnsibleFilterError
from ansible.plugins.action import ActionBase

MANAGERS = ('apt', 'dnf', 'dnf5', 'yum')

_APT_RE = re.compile(r'Could not get lock (\S+?)\.? It is held by process (\d+) \(([^)]*)\)')
_DNF_RE = re.compile(r'Waiting for process with pid (\d+) to finish|already locked by (\d+)')
_YUM_RE = re.compile(r'Existing lock (\S+?): another copy is running as pid (\d+)')
_YUM_APP_RE = re.compile(r'The other application is: (\S+)')
_APT_LOCK_RE = re.compile(r'lock \((/var/\S+?)\)')
_LOCK_WORDS = ('Could not get lock', 'Unable to acquire the dpkg', 'Unable to lock', 'Failed to lock apt',
               'Waiting for process with pid', 'already locked by', 'lock-frontend', 'rpmdb lock',
               'is locked by another process', 'holding the yum lock', 'Existing lock ')


def _texts(result):
    for key in ('msg', 'stdout', 'stderr', 'module_stdout', 'module_stderr'):
        value = result.get(key)
        if isinstance(value, str):
            yield value
    for key in ('stdout_lines', 'stderr_lines', 'results'):
        value = result.get(key)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    yield item
                elif isinstance(item, dict):
                    yield from _texts(item)


def _result(result, name):
    if not isinstance(result, dict):
        raise AnsibleFilterError('%s: expects a task result (a dict), got %s' % (name, type(result).__name__))
    return result


def package_lock_holder(result):
    """{'locked': bool, 'holder': 'process 1234 (unattended-upgr)' or '', 'lock': path or ''} for a task result."""
    texts = list(_texts(_result(result, 'package_lock_holder')))
    look = result.get('package_lock')
    if isinstance(look, dict) and look.get('held'):
        return {'locked': True, 'lock': look.get('lock') or '', 'holder': look.get('holder') or ''}
    for text in texts:
        match = _APT_RE.search(text)
        if match:
            return {'locked': True, 'lock': match.group(1), 'holder': 'process %s (%s)' % (match.group(2), match.group(3))}
    for text in texts:
        match = _YUM_RE.search(text)
        if match:
            app = next((m.group(1) for m in map(_YUM_APP_RE.search, texts) if m), '')
            return {'locked': True, 'lock': match.group(1),
                    'holder': 'process %s%s' % (match.group(2), ' (%s)' % app if app else '')}
    for text in texts:
        match = _DNF_RE.search(text)
        if match:
            return {'locked': True, 'lock': 'the rpm/dnf lock', 'holder': 'process %s' % (match.group(1) or match.group(2))}
    locked = any(word in text for text in texts for word in _LOCK_WORDS)
    lock = next((m.group(1) for m in map(_APT_LOCK_RE.search, texts) if m), '') if locked else ''
    return {'locked': locked, 'lock': lock, 'holder': ''}


def _said(result):
    """What the step said: a command's own output (its msg is only "non-zero return code"), else the module's msg;
    the module's msg where it named the repositories apt could not reach (it read them from that output)."""
    msg = str(result.get('msg') or '').strip()
    if 'cmd' in result and not result.get('unreachable'):
        output = str(result.get('stderr') or result.get('stdout') or '').strip()
        if output:
            return ' '.join(output.split('\n')[-3:])
    return msg


def package_lock_message(result, host, variable, timeout, step, look=None):  # noqa: PLR0917 - a filter's arguments
    """The message a failed package step fails with.

    result: the step's failed result (ansible_failed_result); look: package_lock_info's result taken in the
    rescue (it names the holder where the manager's message does not), or None.
    """
    _result(result, 'package_lock_message')
    msg = _said(result)
    found = package_lock_holder(result)
    if not found['locked']:
        return '%s: %s failed: %s' % (host, step, msg or 'no message')
    now = (look or {}).get('package_lock') if isinstance(look, dict) else None
    now = now if isinstance(now, dict) and now.get('held') else {}
    # yum names the pid only; the look adds its command while the holder still runs.
    if now.get('pid') and found['holder'] == 'process %s' % now.get('pid'):
        found['holder'] = now.get('holder') or found['holder']
    holder = found['holder'] or now.get('holder') or 'another process (it let go before the role could name it)'
    lock = found['lock'] or now.get('lock') or 'its lock'
    text = ('%s: %s: the package manager stayed locked by %s (%s) for more than %s s (%s); let it finish or stop it, '
            'or raise %s.' % (host, step, holder, lock, timeout, variable, variable))
    if msg and 'package_lock' not in result:
        text += ' The package manager said: %s' % msg
    return text


def manager_from_facts(task_vars):
    """apt, dnf, dnf5 or yum from ansible_facts.pkg_mgr; None when the facts do not name one of them."""
    facts = (task_vars or {}).get('ansible_facts') or {}
    manager = facts.get('pkg_mgr') or (task_vars or {}).get('ansible_pkg_mgr')
    return manager if manager in MANAGERS else None


def failure_message(result, host, step, args):
    """The message a failed package step fails with: on a lock timeout the holder, the lock, the timeout
    variable and the fix; any other failure keeps the module's own message, prefixed with host and step."""
    variable = args.get('lock_timeout_variable') or 'lock_timeout'
    timeout = args.get('lock_timeout', 300)
    look = {'package_lock': result['package_lock']} if isinstance(result.get('package_lock'), dict) else None
    return package_lock_message(result, host, variable, timeout, step, look)


BUNDLE_DIR = '/var/cache/fleetops-docker-bundle'
BUNDLE_SIGNED = ('manifest.json', 'manifest.json.sig')
# The stage whose packages are the manifest's `engine` (bundle_packages), not one of its `stages`.
ENGINE = 'engine'


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b''):
            digest.update(block)
    return digest.hexdigest()


def bundle_plan(manifest, bundle, names, present):
    """What a package step given `bundle` does, from the controller's manifest (pure; unit-tested).

    bundle: the step's `bundle` option ({path, stage, dir, fingerprint, images}); names: the package names the role
    asks for (stage `engine`: none - the manifest's engine packages, all of them); present: the manifest's files that
    exist on the controller. Returns {problems, host_path, packages ([{name, version}] at the bundle's versions),
    images ([{name, file, namespace}]), archives (every bundled image's name -> its archive on the controller), id,
    want, install_recommends (stage `engine`: the engine's; else None)}. `want` is what the host's copy is compared
    with: path -> sha256 of the listed files the controller has (their digests as the manifest says: the host's full
    check compares them with the files).
    """
    ident = str(manifest.get('id', ''))
    stage = str(bundle.get('stage') or '')
    where = '%s (bundle %s)' % (bundle.get('path'), ident)
    problems = []
    stages = dict(manifest.get('stages') or {})
    engine = manifest.get('engine') or {}
    install_recommends = None
    if stage == ENGINE:
        stages[ENGINE] = engine
        names = list(names or list(engine.get('packages') or {}))
        install_recommends = bool(engine.get('install_recommends'))
        if not names:
            problems.append('%s names no engine packages: build it with bundle_packages naming them' % where)
    packages = []
    if names and stage not in stages:
        problems.append('%s has no packages for stage %s (it has: %s): build it with bundle_stages naming %s'
                        % (where, stage, ', '.join(sorted(stages)) or 'none', stage))
    elif names:
        versions = (stages[stage] or {}).get('packages') or {}
        missing = [name for name in names if name not in versions]
        if missing:
            problems.append('%s lacks %s of stage %s: build it with bundle_stages naming them'
                            % (where, ', '.join(missing), stage))
        packages = [{'name': name, 'version': versions[name]} for name in names if name in versions]
    images = []
    bundled = dict((image.get('name'), image.get('file')) for image in manifest.get('images') or [])
    for image in bundle.get('images') or []:
        name = image.get('name') if isinstance(image, dict) else image
        if name not in bundled:
            problems.append('%s lacks the image %s: build it where the controller has that image (bundle_optional_images)'
                            % (where, name))
        else:
            images.append({'name': name, 'file': bundled[name],
                           'namespace': (image.get('namespace') if isinstance(image, dict) else None) or 'k8s.io'})
    files = manifest.get('files') or {}
    path = str(bundle.get('path') or '').rstrip('/')
    return {'problems': problems, 'id': ident, 'packages': packages, 'images': images,
            'archives': dict((name, '%s/%s' % (path, rel)) for name, rel in bundled.items() if name and rel),
            'install_recommends': install_recommends,
            'host_path': '%s/%s' % (str(bundle.get('dir') or BUNDLE_DIR).rstrip('/'), ident),
            'want': dict((rel, files[rel]) for rel in files if rel in present)}


def bundle_simulates(check_mode, source):
    """Whether the package step runs after bundle_repository returned `source` (pure; unit-tested). In check mode not
    where the repository is new or its index never read: apt's list or dnf's .repo file is not written, nothing to
    simulate with (dnf would be pointed at a repository it does not know)."""
    return not check_mode or not (source.get('changed') or not source.get('index_ready', True))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        host = (task_vars or {}).get('inventory_hostname', 'this host')
        if not args.get('manager'):
            manager = manager_from_facts(task_vars)
            if manager is None:
                facts = (task_vars or {}).get('ansible_facts') or {}
                result.update(failed=True, msg=(
                    '%s: fleetops.docker_host.packages handles apt, dnf, dnf5 and yum, but ansible_facts.pkg_mgr is %r; '
                    'gather facts first or set manager' % (host, facts.get('pkg_mgr'))))
                return result
            args['manager'] = manager
        bundle = args.pop('bundle', None)
        ready = {}
        if bundle:
            # A refusal, or nothing left to run (no packages; check mode before the bundle's index is read), ends here.
            ready = self._from_bundle(bundle, args, host, task_vars)
            if ready.pop('done', False):
                result.update(ready)
                return result
        result.update(self._execute_module(module_name='fleetops.docker_host.packages', module_args=args,
                                           task_vars=task_vars))
        if bundle:
            result.update(changed=bool(result.get('changed') or ready['changed']), bundle=ready['bundle'],
                          images=ready['images'])
        if result.get('failed') and result.get('msg'):
            result['msg'] = failure_message(result, host, self._task.name or self._task.action, args)
        return result

    def _run(self, name, args, task_vars, check_mode=None):
        """Runs a module; check_mode=False runs it for real in check mode too (a read, the host's copy of the bundle)."""
        keep = self._task.check_mode
        if check_mode is not None:
            self._task.check_mode = check_mode
        try:
            return self._execute_module(module_name=name, module_args=args, task_vars=task_vars)
        finally:
            self._task.check_mode = keep

    def _from_bundle(self, bundle, args, host, task_vars):
        """Readies the host for a package step from `bundle` and sets args for it. Returns {changed, bundle, images}, or
        with done=True what the step returns without running the module (a refusal: failed=True)."""
        path = str(bundle.get('path') or '').rstrip('/')
        try:
            if not path:
                raise ValueError('no directory named')
            with open(os.path.join(path, 'manifest.json')) as handle:
                manifest = json.load(handle)
        except (OSError, ValueError) as exc:
            return dict(done=True, failed=True, msg='%s: the bundle %s cannot be read (%s): set docker_bundle to a directory '
                                                    'written by the fleetops.docker_host.bundle playbook' % (host, path, exc))
        files = manifest.get('files') or {}
        present = [rel for rel in files if os.path.isfile(os.path.join(path, rel))]
        names = [pkg['name'] if isinstance(pkg, dict) else str(pkg) for pkg in args.get('packages') or []]
        plan = bundle_plan(manifest, bundle, names, present)
        if plan['problems']:
            return dict(done=True, failed=True, msg='%s: refused before any package step: %s' % (host, '; '.join(plan['problems'])))
        want = dict(plan['want'])
        for name in BUNDLE_SIGNED:
            if os.path.isfile(os.path.join(path, name)):
                want[name] = _sha256(os.path.join(path, name))
        copy = self._run('fleetops.docker_host.bundle_verify',
                         dict(path=plan['host_path'], want=want, fail_on_error=False, platform=manifest.get('platform') or {}),
                         task_vars)
        if copy.get('failed'):
            return dict(copy, done=True, msg='%s: %s' % (host, copy.get('msg')))
        copied = self._copy(path, plan['host_path'], copy.get('stale') or [], task_vars)
        if copied:
            return dict(copied, done=True)
        # Before any package step: signature, platform, every file's sha256, the packages the bundle assumes.
        check = self._run('fleetops.docker_host.bundle_verify',
                          dict(path=plan['host_path'], fingerprint=bundle.get('fingerprint') or ''), task_vars)
        if check.get('failed'):
            return dict(done=True, failed=True, msg='%s: %s' % (host, check.get('msg')), problems=check.get('problems'))
        said = {'id': check.get('id'), 'fingerprint': check.get('fingerprint'), 'path': plan['host_path'],
                'archives': plan['archives']}
        source = self._run('fleetops.docker_host.bundle_repository', dict(path=plan['host_path']), task_vars)
        if source.get('failed'):
            return dict(source, done=True, msg='%s: %s' % (host, source.get('msg')))
        imported = self._import_images(plan, task_vars)
        if imported.get('failed'):
            return dict(imported, done=True)
        ready = dict(changed=bool(source.get('changed') or imported.get('changed')), bundle=said, images=imported['images'])
        args.update(packages=plan['packages'], update_cache=False)
        args.pop('default_release', None)
        if plan['install_recommends'] is not None:
            args['install_recommends'] = plan['install_recommends']
        if source.get('repository'):
            args.update(disable_repos=['*'], enable_repos=[source['repository']])
        if not plan['packages'] or not bundle_simulates(self._task.check_mode, source):
            # Nothing to install, or (check mode) nothing to simulate with: say what would change.
            return dict(ready, done=True, packages={}, msg='from bundle %s%s' % (
                plan['id'], ' (check mode: the bundle index is read on the real run)' if plan['packages'] else ''))
        return ready

    def _copy(self, path, host_path, stale, task_vars):
        """Copies each stale file of the controller's bundle to the host's copy (also in check mode, as the docker
        role does: the host can only verify what it holds); a failed result or None."""
        for rel in stale:
            tmp = self._make_tmp_path()
            remote = self._connection._shell.join_path(tmp, 'source')
            self._transfer_file(os.path.join(path, rel), remote)
            self._fixup_perms2((tmp, remote))
            # dest ends with '/': the copy module creates the directories a fresh host lacks (apt/, images/, ...).
            folder = '/'.join([host_path] + [part for part in [os.path.dirname(rel)] if part]) + '/'
            done = self._run('ansible.legacy.copy', dict(src=remote, dest=folder, mode='0644', directory_mode='0755',
                                                         _original_basename=os.path.basename(rel), remote_src=True),
                             task_vars, check_mode=False)
            self._remove_tmp_path(tmp)
            if done.get('failed'):
                return dict(failed=True, msg='copying %s of the bundle to the host failed: %s' % (rel, done.get('msg')))
        return None

    def _import_images(self, plan, task_vars):
        """Imports each of the plan's images into its containerd namespace (ctr) unless containerd has it."""
        said = {'changed': False, 'images': []}
        for image in plan['images']:
            ctr = ['ctr', '-n', image['namespace']]
            have = self._run('ansible.legacy.command', dict(argv=ctr + ['images', 'ls', '-q', 'name==' + image['name']]),
                             task_vars, check_mode=False)
            if have.get('failed') and self._task.check_mode:
                # Check mode before containerd is installed (the install stage only pretended): it would be imported.
                said['changed'] = True
                said['images'].append(dict(image, imported=False))
                continue
            if have.get('failed'):
                return dict(failed=True, msg='ctr could not list the images of namespace %s (%s): containerd must be installed '
                                             'and running before the bundle images are imported (run the docker stage first)'
                                             % (image['namespace'], (have.get('stderr') or have.get('msg') or '').strip()))
            if image['name'] in (have.get('stdout') or '').split():
                said['images'].append(dict(image, imported=False))
                continue
            said['changed'] = True
            said['images'].append(dict(image, imported=not self._task.check_mode))
            if self._task.check_mode:
                continue
            done = self._run('ansible.legacy.command', dict(
                argv=ctr + ['images', 'import', '%s/%s' % (plan['host_path'], image['file'])]), task_vars)
            if done.get('failed'):
                return dict(failed=True, msg='ctr could not import %s: %s' % (image['file'], done.get('stderr') or done.get('msg')))
        return said
