#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: k8s_node_plan
short_description: The k8s_node role's decisions - the registry trust files to write or remove, then its result
version_added: 0.3.0
description:
  - The decision step of the C(fleetops.docker_host.k8s_node) role, run on the controller by the action plugin of
    the same name (no module process, no connection). The role calls it; it is documented for readers of the role.
  - With O(look) alone it plans from the role's variables (C(k8s_node_registries), C(k8s_node_cgroup_driver),
    C(k8s_node_sandbox_image), C(k8s_node_registry_config_path), C(k8s_node_docker_certs_dir),
    C(k8s_node_containerd_config_file), C(k8s_node_swap_off)) - the registry trust files of both engines, and what
    to remove of the directories the role wrote (O(look)'s C(registry_dirs)) that the list no longer holds. Bad input
    fails here, before anything on the host changes, with one message naming the host, each variable and its fix.
  - With O(plan) and O(steps) it returns the role's result (RV(result), which the role keeps as C(k8s_node_result)).
  - The rules are private Python of the collection (C(plugins/plugin_utils/_k8s_node.py)), unit-tested.
options:
  look:
    description: M(fleetops.docker_host.k8s_node_info)'s result (the first look for the plan, the last for the result).
    type: dict
    required: true
  plan:
    description: This module's earlier result (the plan), with O(steps).
    type: dict
  steps:
    description:
      - What each step registered, C({containerd, swap, restart, docker, files, removed, packages}) (skipped or
        missing steps count as not run); asks for the result.
    type: dict
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  action:
    description: Runs as an action plugin on the controller.
    support: full
  check_mode:
    description: Decides the same in check mode.
    support: full
  diff_mode:
    description: Nothing to show; it changes nothing.
    support: none
  platform:
    description: The controller.
notes:
  - Changes nothing, on the hosts or the controller.
'''

EXAMPLES = r'''
- name: Plan the run from the role's variables and the look (fails on bad input)
  fleetops.docker_host.k8s_node_plan:
    look: "{{ __k8s_node_look }}"
  register: __k8s_node_plan
'''

RETURN = r'''
problems:
  description: The input problems, one sentence each (empty; the task fails when there is one).
  returned: without O(steps)
  type: list
  elements: str
registry_dirs:
  description: The registry directories to create, C({path}) each.
  returned: without O(steps)
  type: list
  elements: dict
registry_files:
  description: The registry files to write, C({path, content}) each (the marker file among them).
  returned: without O(steps)
  type: list
  elements: dict
registry_remove:
  description: What to remove of the directories the role wrote whose entry is gone, C({path}) each.
  returned: without O(steps)
  type: list
  elements: dict
notes:
  description: What the plan leaves alone, one sentence each (a network only Docker trusts, an operator's files kept).
  returned: without O(steps)
  type: list
  elements: str
result:
  description: The role's result, documented as C(k8s_node_result) in the role's README.
  returned: with O(steps)
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            look=dict(type='dict', required=True),
            plan=dict(type='dict'),
            steps=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg='fleetops.docker_host.k8s_node_plan runs on the controller through its action plugin; '
                         'this module file only documents it.')


if __name__ == '__main__':
    main()
