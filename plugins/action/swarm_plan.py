# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide the Swarm's changes on the controller, from every host's look: no module process is started.
The rules are in module_utils/_swarm.py (pure, unit-tested); this only gathers the hosts' looks and settings."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.docker_host.plugins.module_utils._swarm import (
    member_status, plan, verify_members)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('managers', 'workers', 'hosts', 'look_var', 'settings_var', 'min_engine_version',
                             'nodes', 'groups'))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = self._task.args
        for name in ('managers', 'workers', 'hosts'):
            if not isinstance(args.get(name, []), list):
                raise AnsibleActionFail('%s must be a list of inventory host names, got %r' % (name, args.get(name)))
        managers, workers = list(args.get('managers') or []), list(args.get('workers') or [])
        hostvars = task_vars.get('hostvars', {})
        me = task_vars.get('inventory_hostname')
        look_var = args.get('look_var', '__swarm_look')
        settings_var = args.get('settings_var', '__swarm_settings')
        looks, settings = {}, {}
        for host in args.get('hosts') or []:
            values = hostvars.get(host, {})
            if look_var in values and settings_var in values:
                looks[host] = values[look_var]
                settings[host] = values[settings_var]
        if me not in looks:
            raise AnsibleActionFail('%s: no look (%s) or settings (%s) of this host; run swarm_host_info first'
                                    % (me, look_var, settings_var))
        result['changed'] = False
        if 'nodes' in args:
            # After formation: this host's row of `docker node ls` and every member Ready with its role.
            hostname = looks[me].get('hostname') or me
            expected = dict(((looks[h].get('hostname') or h), 'manager' if h in managers else 'worker')
                            for h in looks if h in managers or h in workers)
            result['status'] = member_status(args['nodes'] or [], hostname)
            result['problems'] = verify_members(args['nodes'] or [], expected)
            return result
        decided = plan(managers, workers, looks, settings, check_mode=bool(self._play_context.check_mode),
                       min_engine=str(args.get('min_engine_version', '20.10')),
                       groups=tuple(args.get('groups') or ('swarm_managers', 'swarm_workers')))
        if decided['problems']:
            raise AnsibleActionFail('%s: the Swarm stage changes nothing on any host: %s'
                                    % (me, '; '.join(decided['problems'])))
        result.update(decided['hosts'][me])
        result['cluster'] = decided['cluster']
        result['pre_updates'] = decided['pre_updates']
        result['post_updates'] = decided['post_updates']
        result['remove_nodes'] = decided['remove_nodes']
        result['changes'] = bool(
            decided['cluster']['joins'] or decided['pre_updates'] or decided['post_updates']
            or decided['remove_nodes'] or any(s['action'] != 'none' for s in decided['hosts'].values()))
        return result
