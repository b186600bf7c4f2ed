#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: docker_engine_info
short_description: Report the Docker engine of a host, its systemd units and drop-ins, and what the docker_daemon role would change
version_added: 0.2.0
description:
  - One look at a host's Docker engine, as data. Reports whether C(dockerd) is installed and its version
    (C(dockerd --version)), the state of C(docker.service) and C(docker.socket), the packaged C(ExecStart) of
    C(docker.service) as an argv list (and, computed from it, the command line without C(-H fd://) that a
    drop-in uses when C(daemon.json) sets C(hosts)), and the drop-ins named in O(dropins) with their content.
  - With O(settings), also reads C(daemon.json) (O(path)) and the record of the last configuration the
    P(fleetops.docker_host.docker_daemon#role) role applied (O(record_path)), merges the settings in memory and
    returns the role's decision in RV(plan) (what to write or remove, reload vs restart vs nothing, what a
    rollback restores) and the result of a run that changes nothing in C(result) of RV(plan). The decision is made in
    Python, once (C(module_utils/_docker_daemon.py)); a configuration that an earlier run wrote and never applied
    (the run was cut off before the reload or restart) is still reloaded or restarted, see C(pending) in RV(plan).
  - With O(journal_since), reads the journal of C(docker.service) since then and returns dockerd's fatal and
    error lines and a one-line reason in RV(journal), for a caller whose restart failed.
  - Read-only, and it never fails on what it finds; it runs no container (the hello proof is
    M(fleetops.docker_host.docker_hello)). The role runs it once per host; it is also usable alone, for an audit.
extends_documentation_fragment:
  - fleetops.docker_host.docker_engine_look
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Read-only, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  platform:
    description: Linux hosts with systemd.
notes:
  - The packaged C(ExecStart) is read from the unit file systemd loaded (C(FragmentPath)), so the role's own
    drop-in does not hide it; when that file cannot be read, from C(systemctl show).
seealso:
  - module: fleetops.docker_host.daemon_json
  - module: fleetops.docker_host.docker_hello
  - name: dockerd reference
    description: The daemon and its configuration.
    link: https://docs.docker.com/reference/cli/dockerd/
'''

EXAMPLES = r'''
- name: Audit the engine
  fleetops.docker_host.docker_engine_info:
  register: engine

- name: Say which hosts run an engine older than 23
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} runs dockerd {{ engine.engine_version }}"
  when: engine.installed and engine.engine_version is version('23', '<')

- name: What the docker_daemon role would do with these settings (nothing changes)
  fleetops.docker_host.docker_engine_info:
    settings:
      log-opts:
        max-size: 10m
  register: engine

- name: Say whether a reload or a restart is due, also one that a cut-off run left behind
  ansible.builtin.debug:
    msg: "{{ engine.plan.action }} {{ engine.plan.pending_reason }}"

- name: After a failed restart, say why dockerd stopped
  fleetops.docker_host.docker_engine_info:
    journal_since: "{{ engine.checked_at }}"
  register: after
- name: Show dockerd's reason
  ansible.builtin.debug:
    msg: "{{ after.journal.reason }}"
'''

RETURN = r'''
installed:
  description: Whether C(dockerd --version) ran and exited 0.
  returned: always
  type: bool
  sample: true
engine_version:
  description: The engine's version from C(dockerd --version), V("") when not installed.
  returned: always
  type: str
  sample: "20.10.24"
dockerd:
  description:
    - C(path) of C(dockerd) (null when not found), C(rc) of C(dockerd --version) (127 when not found) and its
      first line C(version_line).
    - C(main_pid) of C(docker.service) (0 when it does not run) and C(started_at), when it started (seconds since
      the epoch, null when it does not run).
  returned: always
  type: dict
  sample: {"path": "/usr/sbin/dockerd", "rc": 0, "version_line": "Docker version 20.10.24+dfsg1, build 297e128",
           "main_pid": 4242, "started_at": 1767225600.25}
units:
  description:
    - C(docker.service) and C(docker.socket), each with C(load_state) (V(loaded), V(not-found), ...; V(unknown)
      without systemctl), C(active_state), C(sub_state), C(unit_file_state) and C(fragment_path).
  returned: always
  type: dict
  sample:
    docker.service: {"load_state": "loaded", "active_state": "active", "sub_state": "running",
                     "unit_file_state": "enabled", "fragment_path": "/lib/systemd/system/docker.service"}
    docker.socket: {"load_state": "loaded", "active_state": "active", "sub_state": "running",
                    "unit_file_state": "enabled", "fragment_path": "/lib/systemd/system/docker.socket"}
exec_start:
  description: The packaged C(ExecStart) of C(docker.service) as an argv list (V([]) when there is none).
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/dockerd", "-H", "fd://", "$DOCKER_OPTS"]
exec_start_without_fd:
  description:
    - RV(exec_start) without C(-H fd://) (any spelling), as a systemd command line, for the drop-in used while
      C(daemon.json) sets C(hosts). V("") when there is no C(ExecStart).
  returned: always
  type: str
  sample: /usr/sbin/dockerd $DOCKER_OPTS
dropins:
  description:
    - Each name in O(dropins) -> C(path), C(exists) and C(content) (the text, null when absent).
    - Each name in O(masked_dropins) -> C(path), C(exists), C(content) (always null), C(sha256) and C(mode).
  returned: always
  type: dict
  sample:
    http-proxy.conf: {"path": "/etc/systemd/system/docker.service.d/http-proxy.conf", "exists": false, "content": null}
images:
  description: With O(hello_image), whether that image is on the host (C(docker image inspect)); V({}) without.
  returned: always
  type: dict
  sample: {"fleetops/hello:latest": true}
plan:
  description:
    - With O(settings), the docker_daemon role's decision; V({}) without.
    - C(problems), input refused or the engine missing outside check mode (the role fails with them before
      anything changes).
    - C(json_write), whether M(fleetops.docker_host.daemon_json) must run (content, mode or owner, or a temporary
      file a cut-off write left).
    - C(dropins_write) (each C(path) and C(content)), C(dropins_remove), C(proxy_env_write), C(proxy_env_path),
      C(proxy_env_header) and C(proxy_env_variables) (C([key, VARIABLE]) pairs; the role writes the values).
    - C(action) (V(reload), V(restart) or V(none)); C(pending) and C(pending_reason) (the files differ from the
      last recorded apply and changed after dockerd started, so an earlier run wrote them and was cut off).
    - C(steps), the systemd steps in order (C(daemon_reload), or C(name) and C(state)); C(apply).
    - C(rollback_restore) (each C(path) and C(content)), C(rollback_remove), C(rollback_from_backup) (each C(path)
      and C(backup), V(daemon_json) or V(proxy_env)), C(rollback_steps).
    - C(directories), C(record_path) and C(record), what to record after the apply (digests only).
    - C(prove) and C(prove_with_archive), whether the hello proof runs and whether its archive is copied first;
      C(hello_archive_path), where it is copied; C(remove_archive), whether a file there is removed after the
      proof (the copy, or one a cut-off run left).
    - C(result), the role's result when nothing else runs (see the role's README).
  returned: always
  type: dict
  sample: {"action": "reload", "pending": false, "json_write": true, "problems": []}
journal:
  description:
    - With O(journal_since), dockerd's journal since then. C(since), C(lines) (logrus timestamps removed),
      C(fatal) (C(failed to start daemon), C(unable to configure the Docker daemon), C(level=fatal)),
      C(errors) (C(level=error)) and C(reason), one line (the last two fatal lines, else the last two errors,
      else the last three lines). V({}) without O(journal_since).
  returned: always
  type: dict
  sample: {"since": "1767225600", "lines": ["failed to start daemon: error initializing graphdriver: driver not supported"],
           "fatal": ["failed to start daemon: error initializing graphdriver: driver not supported"], "errors": [],
           "reason": "failed to start daemon: error initializing graphdriver: driver not supported"}
checked_at:
  description: The host's clock (seconds since the epoch) at the end of the look, a mark for O(journal_since).
  returned: always
  type: int
  sample: 1767225600
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_engine import (
    LOOK_ARGUMENT_SPEC,
    look,
    shown_arguments,
)


def main():
    module = AnsibleModule(argument_spec=dict(LOOK_ARGUMENT_SPEC), supports_check_mode=True)
    result = look(module)
    result['invocation'] = {'module_args': shown_arguments(module.params)}
    module.exit_json(**result)


if __name__ == '__main__':
    main()
