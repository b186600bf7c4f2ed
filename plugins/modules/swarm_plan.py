#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: swarm_plan
short_description: Decide a Docker Swarm's changes from every host's look, or read a host's node after formation
version_added: 0.3.0
description:
  - Runs on the controller (an action plugin; no module process is started). Reads, for every host of O(hosts),
    its look (the registered return of M(fleetops.docker_host.swarm_host_info), in the variable O(look_var)) and
    its settings (in O(settings_var), with C(advertise_addr), C(labels), C(availability)), and decides what this host
    and the Swarm must do.
  - Fails, on every host and naming host, variable, value and fix, when the inventory or a look says the Swarm
    must not be touched. That is an even number of managers (raft quorum), a host in both groups, a missing advertise
    address, an engine older than O(min_engine_version) or a worker newer than every manager, a manager's
    2377/tcp or 7946/tcp that a member cannot reach, managers in different Swarms, a host in another Swarm, a
    locked Swarm, or a demotion that would leave fewer reachable managers than the quorum.
  - An existing Swarm led by a manager of O(managers) is adopted, never initialised again. A host in neither
    group leaves only when it is a member of that Swarm (a manager is demoted and drained first).
  - With O(nodes) (the C(nodes) of M(community.docker.docker_node_info) on a manager), returns this host's node
    instead (RV(status)) and the members that are not Ready with their intended role (RV(problems)).
  - The role P(fleetops.docker_host.swarm#role) runs it; the rules are unit-tested in C(module_utils/_swarm.py).
options:
  managers:
    description: The hosts of the managers' group, in inventory order (the first one initialises a new Swarm).
    type: list
    elements: str
    default: []
  workers:
    description: The hosts of the workers' group.
    type: list
    elements: str
    default: []
  hosts:
    description: The hosts of this run (C(ansible_play_hosts)); hosts without a look are left out.
    type: list
    elements: str
    required: true
  groups:
    description: The names of the managers' and the workers' groups, for the messages.
    type: list
    elements: str
    default: [swarm_managers, swarm_workers]
  look_var:
    description: The host variable holding each host's look.
    type: str
    default: __swarm_look
  settings_var:
    description: The host variable holding each host's settings (C(advertise_addr), C(labels), C(availability)).
    type: str
    default: __swarm_settings
  min_engine_version:
    description: The oldest Docker Engine version accepted.
    type: str
    default: "20.10"
  nodes:
    description: The node list of M(community.docker.docker_node_info); switches to reading this host's node.
    type: list
    elements: dict
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  action:
    description: Runs as an action plugin on the controller.
    support: full
  check_mode:
    description: Decides the same in check mode; a fleet whose hosts lack the Docker SDK is then only planned (C(cluster.act) false).
    support: full
  diff_mode:
    description: Changes nothing, so there is no diff.
    support: none
  platform:
    description: The controller.
seealso:
  - module: fleetops.docker_host.swarm_host_info
  - module: community.docker.docker_swarm
'''

EXAMPLES = r'''
- name: Look at each host
  fleetops.docker_host.swarm_host_info:
  register: __swarm_look

- name: Keep the settings
  ansible.builtin.set_fact:
    __swarm_settings: {advertise_addr: "{{ ansible_facts.default_ipv4.address }}", labels: {}, availability: active}

- name: Decide
  fleetops.docker_host.swarm_plan:
    managers: "{{ groups['swarm_managers'] }}"
    workers: "{{ groups['swarm_workers'] }}"
    hosts: "{{ ansible_play_hosts }}"
  register: plan
'''

RETURN = r'''
role:
  description: This host's intended role, V(manager), V(worker) or V(none) (in neither group).
  returned: without O(nodes)
  type: str
action:
  description: V(init), V(join), V(leave) or V(none).
  returned: without O(nodes)
  type: str
reason:
  description: Why the action (V(half-joined (pending)), V(not in the Swarm), ...).
  returned: without O(nodes)
  type: str
leave:
  description: Whether this host leaves first (a host that goes, or a half-joined node before it joins again).
  returned: without O(nodes)
  type: bool
leave_force:
  description: Whether the leave is forced (half-joined nodes only).
  returned: without O(nodes)
  type: bool
member:
  description: Whether this host is, before any change, an active member of the managed Swarm.
  returned: without O(nodes)
  type: bool
node_id:
  description: This host's node id before any change (V("") when not active in a Swarm).
  returned: without O(nodes)
  type: str
advertise_addr:
  description: The address this host advertises.
  returned: without O(nodes)
  type: str
needs_packages:
  description: Whether the Docker SDK for Python must be installed first.
  returned: without O(nodes)
  type: bool
prove:
  description: Whether this host takes part in the proof (a member, outside check mode).
  returned: without O(nodes)
  type: bool
changes:
  description: Whether anything in the Swarm changes.
  returned: without O(nodes)
  type: bool
cluster:
  description:
    - C(exists), C(cluster_id), C(bootstrap) (the manager that initialises or that the delegated steps run on),
      C(join_addr), C(joins), C(leaving_managers), C(act), C(unable), C(fetch_tokens), C(listable), C(verify),
      C(member_addrs), C(udp_untested).
  returned: without O(nodes)
  type: dict
pre_updates:
  description: Nodes to demote and drain before anything leaves (C(node), C(host), C(role), C(labels), C(availability)).
  returned: without O(nodes)
  type: list
  elements: dict
post_updates:
  description: Nodes whose role, labels or availability to set after the joins.
  returned: without O(nodes)
  type: list
  elements: dict
remove_nodes:
  description: Node entries a manager removes (C(node), C(host), C(why)).
  returned: without O(nodes)
  type: list
  elements: dict
status:
  description: This host's node (C(member), C(node_id), C(role), C(ready), C(leader), C(availability), C(labels)).
  returned: with O(nodes)
  type: dict
problems:
  description: Members missing from the node list, not Ready, or with another role.
  returned: with O(nodes)
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            managers=dict(type='list', elements='str', default=[]),
            workers=dict(type='list', elements='str', default=[]),
            hosts=dict(type='list', elements='str', required=True),
            groups=dict(type='list', elements='str', default=['swarm_managers', 'swarm_workers']),
            look_var=dict(type='str', default='__swarm_look'),
            settings_var=dict(type='str', default='__swarm_settings'),
            min_engine_version=dict(type='str', default='20.10'),
            nodes=dict(type='list', elements='dict'),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg='fleetops.docker_host.swarm_plan runs on the controller through its action plugin; '
                         'this module file only documents it.')


if __name__ == '__main__':
    main()
