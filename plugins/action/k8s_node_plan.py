# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The k8s_node role's decisions, on the controller in the action itself (no module process): the plan from the
role's variables and the look, then the role's result from the last look and what each step did. The rules are in
plugins/plugin_utils/_k8s_node.py (pure, unit-tested); this only gathers the variables and fails with the message."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

from collections.abc import Mapping

from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.docker_host.plugins.plugin_utils._k8s_node import k8s_node_plan, k8s_node_result

# The role's variables the plan reads: keyword -> (variable, default when the role does not set it).
ROLE_VARIABLES = (
    ('registries', 'k8s_node_registries', []),
    ('cgroup_driver', 'k8s_node_cgroup_driver', 'systemd'),
    ('sandbox_image', 'k8s_node_sandbox_image', ''),
    ('config_path', 'k8s_node_registry_config_path', '/etc/containerd/certs.d'),
    ('docker_certs_dir', 'k8s_node_docker_certs_dir', '/etc/docker/certs.d'),
    ('config_file', 'k8s_node_containerd_config_file', '/etc/containerd/config.toml'),
    ('swap_off', 'k8s_node_swap_off', True),
)
STEPS = ('containerd', 'swap', 'restart', 'docker', 'files', 'removed', 'packages')
VALID_ARGS = frozenset(('look', 'plan', 'steps'))


def decide(args, variables, host):
    """The action's result for ARGS (the task's) and VARIABLES (the role's, rendered): the plan (`failed` with one
    message naming every problem on bad input), or with `steps` the role's result."""
    unknown = sorted(set(args) - VALID_ARGS)
    look = args.get('look')
    if unknown or not isinstance(look, Mapping):
        return {'failed': True, 'msg': '%s: k8s_node_plan takes look (k8s_node_info\'s result), and plan and steps for '
                                       'the result%s' % (host, '; not %s' % ', '.join(unknown) if unknown else '')}
    if 'steps' in args:
        steps, plan = args.get('steps'), args.get('plan')
        if not isinstance(steps, Mapping) or not isinstance(plan, Mapping):
            return {'failed': True, 'msg': '%s: k8s_node_plan needs plan (its own earlier result) and steps '
                                           '({%s}, each a registered result) as dicts' % (host, ', '.join(STEPS))}
        kwargs = dict((name, steps.get(name)) for name in STEPS)
        return {'changed': False, 'result': k8s_node_result(look, notes=plan.get('notes'), **kwargs)}
    kwargs = dict((name, variables.get(variable, default)) for name, variable, default in ROLE_VARIABLES)
    swap_off = kwargs.pop('swap_off')
    # A string from an extra var (-e k8s_node_swap_off=false) is the bool Ansible would make of it.
    if isinstance(swap_off, str) and swap_off.lower() in ('true', 'false', 'yes', 'no', '1', '0'):
        swap_off = swap_off.lower() in ('true', 'yes', '1')
    plan = k8s_node_plan(kwargs.pop('registries'), swap_off=swap_off, managed=look.get('registry_dirs'), **kwargs)
    answer = dict(plan, changed=False)
    if plan['problems']:
        # Bad input stops here, before anything on the host changes: one message naming every problem.
        answer.update(failed=True, msg='%s: %s' % (host, ' '.join(plan['problems'])))
    return answer


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        variables = dict((variable, self._templar.template(task_vars[variable]))
                         for _name, variable, _default in ROLE_VARIABLES if variable in task_vars)
        result.update(decide(dict(self._task.args), variables, task_vars.get('inventory_hostname', 'this host')))
        return result
