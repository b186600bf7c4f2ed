# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The packages step on the controller: fill the manager from the host's facts, run the module, and on a
failure write the message with the host and the task (plugins/plugin_utils/_package_lock_message.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.docker_host.plugins.plugin_utils._package_lock_message import package_lock_message

MANAGERS = ('apt', 'dnf', 'dnf5', 'yum')


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
            result['msg'] = failure_message(result, host, self._task.get_name(), args)
        return result
