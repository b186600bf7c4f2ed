# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The k8s_sysctl role's decisions, on the controller: the plan from the role's variables and the role's one look,
then the result and the outcome from what sysctl_apply did. The look is the caller's container_preflight_info result
when it covers the role's modules and commands (site.yml passes its preflight's); else this action takes it itself,
once, with the role's arguments (read-only, check mode safe). The rules are in plugins/plugin_utils/_k8s_sysctl.py
(pure, unit-tested); this only gathers the variables, runs the look, renders the role's two templates (the texts
sysctl_apply would write, so the rules can tell that nothing is to change and the role leaves sysctl_apply out)
and fails with the message."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader

from ansible_collections.fleetops.docker_host.plugins.plugin_utils._k8s_sysctl import (
    BOOT_DIRS,
    COMMANDS,
    chosen_look,
    k8s_sysctl_outcome,
    k8s_sysctl_plan,
    k8s_sysctl_result,
    k8s_sysctl_unchanged,
)

# The role's templates of the two files sysctl_apply writes (roles/k8s_sysctl/templates).
TEMPLATES = ('k8s-sysctl.conf.j2', 'modules-load.conf.j2')

# The role's variables the plan reads: argument name -> (variable, default when the role does not set it).
ROLE_VARIABLES = (
    ('settings', 'k8s_sysctl_settings', None),
    ('modules', 'k8s_sysctl_modules', []),
    ('sysctl_file', 'k8s_sysctl_file', ''),
    ('modules_file', 'k8s_sysctl_modules_file', ''),
    ('boot_dirs', 'k8s_sysctl_boot_dirs', list(BOOT_DIRS)),
    ('install_tools', 'k8s_sysctl_install_tools', True),
    ('preflight', 'k8s_sysctl_preflight_result', {}),
)
VALID_ARGS = frozenset(['probe', 'plan', 'applied', 'look'] + [name for name, _variable, _default in ROLE_VARIABLES])


def decide(args, variables, host, check_mode, render=None):
    """The action's result for ARGS (the task's) and VARIABLES (the role's, rendered): the plan (`failed` with one
    message naming every problem on bad input), or with `applied` the role's result, its notes and its failure.
    RENDER(plan) -> (sysctl text, modules text or None), or None, gives the texts sysctl_apply would write; with them
    the plan says whether sysctl_apply must run (k8s_sysctl_unchanged); without them, it must."""
    unknown = sorted(set(args) - VALID_ARGS)
    args = dict((name, value) for name, value in args.items() if name != 'look')
    if unknown:
        return {'failed': True, 'msg': '%s: k8s_sysctl_plan takes %s, not %s' % (
            host, ', '.join(sorted(VALID_ARGS)), ', '.join(unknown))}
    given = dict((name, args[name] if name in args else variables.get(variable, default))
                 for name, variable, default in ROLE_VARIABLES)
    if 'applied' in args:
        plan = args.get('plan')
        applied = args['applied']
        if not isinstance(plan, Mapping) or not isinstance(applied, Mapping):
            return {'failed': True, 'msg': '%s: k8s_sysctl_plan needs plan (its own earlier result) and applied '
                                           '(sysctl_apply\'s return) as dicts' % host}
        outcome = k8s_sysctl_outcome(applied, plan, host, check_mode)
        return {'changed': False, 'result': k8s_sysctl_result(applied, plan), 'notes': outcome['notes'],
                'failure': outcome['failure']}
    plan = k8s_sysctl_plan(given['settings'], given['modules'], given['sysctl_file'], given['modules_file'],
                           boot_dirs=given['boot_dirs'], preflight=given['preflight'], probe=args.get('probe'),
                           install_tools=bool(given['install_tools']))
    answer = dict(plan, changed=False, run_apply=True, run_apply_reason='not decided', unchanged={}, outcome={})
    if plan['problems']:
        # Bad input stops here, before anything on the host changes: one message naming every problem.
        answer.update(failed=True, msg='%s: %s' % (host, ' '.join(plan['problems'])))
    elif render is not None:
        look = chosen_look(given['preflight'], args.get('probe'), plan['modules'])
        texts = render(plan) if isinstance(look.get('sysctl'), Mapping) else None
        if texts is not None:
            answer.update(k8s_sysctl_unchanged(plan, look, texts[0], texts[1]))
            if not answer['run_apply']:
                # The result step's answer for that return, given now: the role skips sysctl_apply and that step.
                outcome = decide({'plan': answer, 'applied': answer['unchanged']}, {}, host, check_mode)
                if outcome['notes'] or outcome['failure']:
                    # Something to say or to fail on: the role's full path (apply.yml) says it, as on any other run.
                    answer.update(run_apply=True, unchanged={},
                                  run_apply_reason='the result has notes or a failure, which apply.yml reports')
                else:
                    answer['outcome'] = outcome
        else:
            answer.update(run_apply_reason='the look did not read the sysctl files, or the role\'s templates were not found')
    return answer


def look_args(plan):
    """The arguments of the role's one look (container_preflight_info), or None when no look is due: with `applied`
    (the result step), when the plan failed, when the caller's look covers the role, or when told not to look."""
    if plan.get('failed') or not plan.get('look') or 'result' in plan:
        return None
    return {'modules': list(plan['modules']), 'require': [], 'commands': list(COMMANDS), 'sysctl': True}


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = dict(self._task.args)
        host = task_vars.get('inventory_hostname', 'this host')
        check_mode = bool(self._play_context.check_mode)
        variables = dict((variable, self._templar.template(task_vars[variable]))
                         for _name, variable, _default in ROLE_VARIABLES if variable in task_vars)
        answer = decide(args, variables, host, check_mode)
        module_args = look_args(answer) if boolean(args.get('look', True)) and 'probe' not in args else None
        if module_args is not None:
            probe = self._execute_module(module_name='fleetops.docker_host.container_preflight_info',
                                         module_args=module_args, task_vars=task_vars)
            if probe.get('failed'):
                result.update(failed=True, msg='%s: container_preflight_info failed: %s' % (host, probe.get('msg')))
                return result
            args = dict(args, probe=probe)
        if 'applied' not in args:
            answer = decide(args, variables, host, check_mode, render=lambda plan: self._render(plan, task_vars))
        result.update(answer)
        return result

    def _render(self, plan, task_vars):
        """The texts sysctl_apply would write: the role's templates as the role's tasks render them (the template
        lookup, with the plan as __k8s_sysctl_plan); the modules file's only when the role has modules."""
        lookup = lookup_loader.get('ansible.builtin.template', loader=self._loader, templar=self._templar)
        variables = dict(task_vars, __k8s_sysctl_plan=plan)
        try:
            texts = [lookup.run([name], variables=variables)[0] for name in TEMPLATES]
        except AnsibleError:
            return None  # the action run outside the role (no templates): sysctl_apply decides, as before
        return texts[0], (texts[1] if plan['modules'] else None)
