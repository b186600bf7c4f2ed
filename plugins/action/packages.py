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
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

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
        result.update(self._execute_module(module_name='fleetops.docker_host.packages', module_args=args,
                                           task_vars=task_vars))
        if result.get('failed') and result.get('msg'):
            result['msg'] = failure_message(result, host, self._task.name or self._task.action, args)
        return result
