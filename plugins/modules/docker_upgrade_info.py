#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: docker_upgrade_info
short_description: Look at a Docker host before (and after) an engine upgrade, and plan it
version_added: 0.3.0
description:
  - Reports, without changing anything, what an engine upgrade decides from - the installed version and hold of
    each engine package (Debian family - C(dpkg-query) and apt's holds; EL family - C(rpm -q) and the versionlock
    plugin's list), the versions the configured repositories offer (C(apt-cache madison); C(dnf list
    --showduplicates) or C(yum list --showduplicates) with the versionlock plugin off for the look), whether dockerd
    answers, whether live restore is on, Swarm membership (C(docker info)), the running containers with their PID,
    C(StartedAt) and restart policy (C(docker inspect)), and the apt hold file.
  - From that look and the settings it returns the upgrade's RV(plan) - each package from and to, the jump
    (V(patch) within one YY.MM line, V(line) to another, V(downgrade)), the containers that would stop, whether
    live restore must be turned on first, and every refusal in C(plan.problems) (a version the repository
    lacks, a downgrade not asked for, a jump that stops containers without O(allow_container_restart)).
  - Given O(before) (this module's return from before the upgrade) it also judges the upgrade in RV(proof).
  - The C(fleetops.docker_host.docker_upgrade) role calls it once before and once after the packages move.
  - On the EL family the jump is classified in rpm's version order on the epoch-qualified versions dnf shows
    (C(3:26.1.5-1.el9)); O(version) takes them, or a prefix (C(26.1.5)).
author:
  - fleetops.docker_host developers (@fleetops)
extends_documentation_fragment:
  - fleetops.docker_host.read_only
options:
  version:
    description:
      - The engine version to move to, as apt or dnf shows it or a prefix of it (C(5:26.1.5-1~ubuntu.24.04~noble),
        C(3:26.1.5-1.el9), C(5:26.1.5), C(26.1.5)). Empty is refused in C(plan.problems), naming the versions offered.
    type: str
    default: ''
  packages:
    description: The packages that take O(version) (the first one is the engine whose version is classified).
    type: list
    elements: str
    default: [docker-ce, docker-ce-cli]
  companions:
    description: Other engine packages to move with them, to the version given for each (C(containerd.io) ...).
    type: dict
    default: {}
  hold_packages:
    description: Packages held after the upgrade where installed (with O(hold)), besides those that move.
    type: list
    elements: str
    default: [docker-ce, docker-ce-cli, containerd.io, docker-buildx-plugin, docker-compose-plugin]
  hold:
    description: Hold the engine packages after the upgrade. V(false) keeps the holds they had.
    type: bool
    default: true
  live_restore:
    description: Turn live restore on before a patch release (the plan's C(plan.enable_live_restore)).
    type: bool
    default: true
  allow_container_restart:
    description: Accept a jump that stops the running containers (another YY.MM line).
    type: bool
    default: false
  allow_downgrade:
    description: Accept a version older than the installed one.
    type: bool
    default: false
  installed_only:
    description:
      - Plan nothing and refuse nothing unless the engine package (the first of O(packages)) is installed at another
        version than O(version) and the repository offers that version - the site playbook's upgrade stage, which
        leaves a first install, an empty O(version) and local package files to the docker role.
    type: bool
    default: false
  manager:
    description:
      - The host's package manager (the role passes C(ansible_facts.pkg_mgr)). V(apt) reads dpkg and apt; V(dnf) and
        V(yum) read rpm, the versionlock list and the manager's list of versions. Any other value - V(auto) - picks
        V(apt) where C(dpkg-query) exists, else V(dnf), else V(yum); another manager is refused in C(plan.problems).
      - A host with both databases (an EL tooling host on a Debian userland) needs the manager named.
    type: str
    default: auto
  hold_file:
    description: The apt preferences file of the C(fleetops.docker_host.docker) role, whose pin moves with the engine.
    type: path
    default: /etc/apt/preferences.d/docker.pref
  before:
    description: This module's return from before the upgrade; then RV(proof) judges the upgrade.
    type: dict
  hello:
    description: The hello container's C(rc), C(stdout), C(stderr) and C(cmd), judged in RV(proof).
    type: dict
  expect:
    description: With O(before), what RV(proof) expects - the planned versions and holds (V(to)), or after a
      rollback those the host had (V(from)).
    type: str
    choices: [to, from]
    default: to
  failure:
    description: After a rollback, what failed; recorded in RV(result).
    type: str
    default: ''
requirements:
  - dpkg and apt (Debian, Ubuntu), or rpm and dnf or yum with the versionlock plugin for holds (the EL family).
notes:
  - Live restore keeps containers running across a dockerd restart for patch releases of one YY.MM line
    (Docker's documentation, "Live restore"); a bigger jump is planned as one that stops them.
'''

EXAMPLES = r'''
- name: Plan an engine upgrade
  fleetops.docker_host.docker_upgrade_info:
    version: 5:26.1.5-1~ubuntu.24.04~noble
  register: look

- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ look.plan.summary }}; containers that would stop: {{ look.plan.containers_stop }}"
'''

RETURN = r'''
packages:
  description: Installed engine packages, each with its C(version), C(held) (apt hold, or a versionlock entry) and
    C(state) (dpkg's; V(installed) on EL). On EL the version as dnf shows it (no C(0:) epoch).
  returned: always
  type: dict
  sample: {"docker-ce": {"version": "5:26.1.4-1~ubuntu.24.04~noble", "held": true, "state": "installed"}}
offered:
  description: The versions the configured repositories offer per package, newest first.
  returned: always
  type: dict
  sample: {"docker-ce": ["5:26.1.5-1~ubuntu.24.04~noble", "5:26.1.4-1~ubuntu.24.04~noble"]}
engine:
  description: Whether dockerd C(answers), C(live_restore), its C(version) and C(swarm) (C(member), C(state),
    C(node_id), C(manager)).
  returned: always
  type: dict
engine_error:
  description: What C(docker info) printed on stderr when dockerd did not answer.
  returned: always
  type: str
containers:
  description: The running containers, each with C(id), C(name), C(pid), C(started_at), C(running), C(restart_policy).
  returned: always
  type: list
  elements: dict
hold_file_text:
  description: The content of O(hold_file), V(null) when there is none (and on the EL family).
  returned: always
  type: str
plan:
  description:
    - The upgrade's plan. C(problems) (refusals, each naming host, variable, value and fix), C(jump), C(from), C(to),
      C(packages) (each C(name), C(from), C(to), C(held_before)), C(moves), C(specs) (C(name=version) to install),
      C(rollback_specs), C(hold) (held after), C(held_before), C(enable_live_restore), C(containers_stop),
      C(containers_keep), C(swarm), C(drain), C(hold_file) (the moved hold file text, or V(null)), C(summary).
    - 'The arguments of the package step (M(fleetops.docker_host.packages)): C(package_specs) (each C(name) and
      C(version), the moving packages at their target versions and the held ones without a version),
      C(rollback_packages) (the same back to the versions they had), C(rollback_hold) (held after a rollback - the
      holds the host had, and C(containerd.io) where installed) and C(rollback_unhold) (released by a rollback).'
  returned: always
  type: dict
proof:
  description: With O(before), the verdict after the upgrade - C(ok), C(problems), C(kept), C(restarted), C(lost).
  returned: when O(before) is given
  type: dict
result:
  description: The role's C(docker_upgrade_result) from this look (see the role's README, "Results").
  returned: always
  type: dict
manager:
  description: The package manager read - V(apt), V(dnf) or V(yum); an empty string where none was found.
  returned: always
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_upgrade import (
    C_ENV, DPKG_FORMAT, decide, parse_containers, parse_dpkg_status, parse_el_list, parse_info, parse_madison,
    parse_rpm_status, prove, result)
from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import RPM_FORMAT, VERSIONLOCK, parse_versionlock


def _manager(module, manager):
    if manager in ('apt', 'dnf', 'yum', 'dnf5'):
        return manager
    for found, binary in (('apt', 'dpkg-query'), ('dnf', 'dnf'), ('yum', 'yum')):
        if module.get_bin_path(binary):
            return found
    return ''


def _locked(manager):
    """The names the versionlock plugin's list locks (none where the plugin is not installed)."""
    conf, path = VERSIONLOCK.get(manager, (None, None))
    if not conf or not os.path.exists(conf) or not os.path.isfile(path):
        return set()
    with open(path) as handle:
        return set(entry['name'] for entry in parse_versionlock(handle.read()))


def look(module, names, hold_file, manager='auto', locked=None):
    """locked: the versionlock names (None: read from the plugin's list)."""
    packages, offered = {}, {}
    manager = _manager(module, manager)
    if manager == 'apt':
        packages = parse_dpkg_status(module.run_command(['dpkg-query', '-W', '-f', DPKG_FORMAT] + names,
                                                        environ_update=C_ENV)[1])
        offered = parse_madison(module.run_command(['apt-cache', 'madison'] + names, environ_update=C_ENV)[1])
    elif manager:
        locked = _locked(manager) if locked is None else set(locked)
        packages = parse_rpm_status(module.run_command(['rpm', '-q', '--qf', RPM_FORMAT] + names,
                                                       environ_update=C_ENV)[1], locked)
        # The versionlock plugin hides the versions a lock excludes: off for this look only (dnf5: not read).
        if manager != 'dnf5':
            offered = parse_el_list(module.run_command([manager, '-q', '--disableplugin=versionlock', 'list',
                                                        '--showduplicates'] + names, environ_update=C_ENV)[1])
    engine, engine_error, containers = parse_info(''), 'docker is not installed', []
    docker = module.get_bin_path('docker')
    if docker:
        rc, out, err = module.run_command([docker, 'info', '--format', '{{json .}}'], environ_update=C_ENV)
        engine, engine_error = parse_info(out if rc == 0 else ''), err
    if engine['answers']:
        rc, ids, err = module.run_command([docker, 'ps', '-q', '--no-trunc'], environ_update=C_ENV)
        if rc == 0 and ids.split():
            containers = parse_containers(module.run_command([docker, 'inspect'] + ids.split(),
                                                             environ_update=C_ENV)[1])
    text = None
    if manager == 'apt' and os.path.isfile(hold_file):
        with open(hold_file) as handle:
            text = handle.read()
    return {'manager': manager, 'packages': packages, 'offered': offered, 'engine': engine, 'engine_error': engine_error,
            'containers': containers, 'hold_file_text': text}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            version=dict(type='str', default=''),
            packages=dict(type='list', elements='str', default=['docker-ce', 'docker-ce-cli']),
            companions=dict(type='dict', default={}),
            hold_packages=dict(type='list', elements='str', default=[
                'docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin']),
            hold=dict(type='bool', default=True),
            live_restore=dict(type='bool', default=True),
            allow_container_restart=dict(type='bool', default=False),
            allow_downgrade=dict(type='bool', default=False),
            installed_only=dict(type='bool', default=False),
            manager=dict(type='str', default='auto'),
            hold_file=dict(type='path', default='/etc/apt/preferences.d/docker.pref'),
            before=dict(type='dict'),
            hello=dict(type='dict'),
            expect=dict(type='str', default='to', choices=['to', 'from']),
            failure=dict(type='str', default=''),
        ),
        supports_check_mode=True,
    )
    params = module.params
    names = list(params['packages'])
    names += [n for n in list(params['companions']) + params['hold_packages'] if n not in names]
    found = look(module, names, params['hold_file'], params['manager'])
    before = params['before']
    if before is None:
        found['plan'] = decide(found, params)
        found['result'] = result(found['plan'], found, check_mode=module.check_mode)
    else:
        # The plan made before the upgrade stays the yardstick (the packages have moved since).
        found['plan'] = before.get('plan') or decide(before, params)
        found['proof'] = prove(before, found, found['plan'], params['hello'], params['expect'])
        found['result'] = result(found['plan'], before, found, found['proof'], rolled_back=params['expect'] == 'from',
                                 msg=params['failure'])
    module.exit_json(changed=False, **found)


if __name__ == '__main__':
    main()
