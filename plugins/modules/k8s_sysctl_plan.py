#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: k8s_sysctl_plan
short_description: The k8s_sysctl role's decisions - what to do on a host, then its result
version_added: 0.3.0
description:
  - The decision step of the C(fleetops.docker_host.k8s_sysctl) role, run on the controller by the action plugin of
    the same name (no module process, no connection). The role calls it; it is documented for readers of the role.
  - Without O(applied) it plans from the role's variables (C(k8s_sysctl_settings), C(k8s_sysctl_modules),
    C(k8s_sysctl_file), C(k8s_sysctl_modules_file), C(k8s_sysctl_boot_dirs), C(k8s_sysctl_install_tools),
    C(k8s_sysctl_preflight_result); an option of the same name without the prefix overrides one) and the role's one
    look, a M(fleetops.docker_host.container_preflight_info) result - the caller's when it covers the role's modules
    and commands, else O(probe), else the action runs M(fleetops.docker_host.container_preflight_info) itself, once
    (read-only; not with O(look=false)). Bad input fails here, before anything on the host changes (and before the
    look), with one message naming the host, each variable and its fix.
  - With O(applied) (what M(fleetops.docker_host.sysctl_apply) returned, or C({check, changed}) with
    M(fleetops.docker_host.sysctl_info)'s verdict) and O(plan) it returns the role's result (RV(result), which the
    role keeps as C(k8s_sysctl_result)), what the run left out (RV(notes)) and the failure message, if any (RV(failure)).
  - The plan also carries the settings as key -> value text (booleans as 1/0) under the key C(values), which the
    role's template reads as C(__k8s_sysctl_plan['values']).
  - The rules are private Python of the collection (C(plugins/plugin_utils/_k8s_sysctl.py)), unit-tested.
options:
  probe:
    description:
      - A M(fleetops.docker_host.container_preflight_info) result to plan from, when the caller's does not cover the
        role; given, the action does not look itself.
    type: dict
  look:
    description:
      - Whether the action may run M(fleetops.docker_host.container_preflight_info) itself when neither the caller's
        result nor O(probe) covers the role. The read-only entry point gives V(false) (then every key is checked).
    type: bool
    default: true
  plan:
    description: This module's earlier result (the plan), with O(applied).
    type: dict
  applied:
    description: What M(fleetops.docker_host.sysctl_apply) returned (or C({check, changed})); asks for the result.
    type: dict
  settings:
    description: Overrides C(k8s_sysctl_settings).
    type: dict
  modules:
    description: Overrides C(k8s_sysctl_modules).
    type: list
    elements: str
  sysctl_file:
    description: Overrides C(k8s_sysctl_file).
    type: path
  modules_file:
    description: Overrides C(k8s_sysctl_modules_file).
    type: path
  boot_dirs:
    description: Overrides C(k8s_sysctl_boot_dirs).
    type: list
    elements: path
  install_tools:
    description: Overrides C(k8s_sysctl_install_tools) (the read-only entry point gives V(false)).
    type: bool
  preflight:
    description: Overrides C(k8s_sysctl_preflight_result).
    type: dict
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  action:
    description: Runs as an action plugin on the controller; it connects to the host only for its look.
    support: full
  check_mode:
    description: Decides the same in check mode (the outcome then says what the run would do).
    support: full
  diff_mode:
    description: Nothing to show; it changes nothing.
    support: none
  platform:
    description: The controller.
notes:
  - Changes nothing, on the hosts or the controller; its look is read-only.
'''

EXAMPLES = r'''
- name: Plan the run from the role's variables and the role's one look (fails on bad input)
  fleetops.docker_host.k8s_sysctl_plan:
  register: __k8s_sysctl_plan

- name: The result from what sysctl_apply did
  fleetops.docker_host.k8s_sysctl_plan:
    plan: "{{ __k8s_sysctl_plan }}"
    applied: "{{ __k8s_sysctl_applied }}"
  register: __k8s_sysctl_outcome
'''

RETURN = r'''
look:
  description: Whether the caller's look did not cover the role (then the action looked itself, or was given O(probe)).
  returned: without O(applied)
  type: bool
tools_missing:
  description: C(sysctl) or C(modprobe) when the look found them missing (and install_tools is true).
  returned: without O(applied)
  type: list
  elements: str
load_modules:
  description: The modules to load with modprobe (none in a container).
  returned: without O(applied)
  type: list
  elements: str
applicable:
  description: The keys this host can hold (in a container only C(net.*), and none with a read-only C(/proc/sys)).
  returned: without O(applied)
  type: dict
apply:
  description: V(system) (C(sysctl --system)) or V(keys) (key by key, in a container).
  returned: without O(applied)
  type: str
skipped_keys:
  description: The keys left out on this host.
  returned: without O(applied)
  type: list
  elements: str
run_apply:
  description: Whether the role must start C(fleetops.docker_host.sysctl_apply); false only when the look read the
    sysctl and modules-load.d files and every check C(sysctl_apply) makes already holds.
  returned: without O(applied)
  type: bool
run_apply_reason:
  description: Why C(sysctl_apply) must run (empty when it need not).
  returned: without O(applied)
  type: str
unchanged:
  description: The return a no-change C(sysctl_apply) run gives on this host, when RV(run_apply) is false; else empty.
  returned: without O(applied)
  type: dict
outcome:
  description: When RV(run_apply) is false, this action's answer with O(applied) set to RV(unchanged) (its RV(result),
    RV(notes) and RV(failure)), so the role needs no result step; else empty.
  returned: without O(applied)
  type: dict
result:
  description: The role's result, documented as C(k8s_sysctl_result) in the role's README.
  returned: with O(applied)
  type: dict
notes:
  description: What the run left out or could not do, one sentence each.
  returned: with O(applied)
  type: list
  elements: str
failure:
  description: Why the host fails (a module neither built in nor loadable, a key missing, wrong or overridden at boot), else empty.
  returned: with O(applied)
  type: str
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            probe=dict(type='dict'),
            look=dict(type='bool', default=True),
            plan=dict(type='dict'),
            applied=dict(type='dict'),
            settings=dict(type='dict'),
            modules=dict(type='list', elements='str'),
            sysctl_file=dict(type='path'),
            modules_file=dict(type='path'),
            boot_dirs=dict(type='list', elements='path'),
            install_tools=dict(type='bool'),
            preflight=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg='fleetops.docker_host.k8s_sysctl_plan runs on the controller through its action plugin; '
                         'this module file only documents it.')


if __name__ == '__main__':
    main()
