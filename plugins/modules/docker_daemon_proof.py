#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: docker_daemon_proof
short_description: Decide what the docker_daemon role changes and, when nothing, prove the engine with the hello container
version_added: 0.3.0
description:
  - The look of M(fleetops.docker_host.docker_engine_info) (the same options, the same return values), and then,
    when its decision in RV(plan) leaves nothing to do on the host, the hello proof of
    M(fleetops.docker_host.docker_hello) in the same module run, returned in RV(hello).
  - Nothing to do means O(settings) (or O(legacy_options)) given, no C(problems), no C(json_write), no C(apply),
    C(prove) true (O(hello_image) given, the engine installed), no C(prove_with_archive) (the archive is on the
    controller, so a run that must copy it proves after the copy) and no C(remove_archive). Then it runs
    C(docker run --rm [--pull never] IMAGE echo hello) (C(--pull never) with O(hello_archive)), judged in the one
    place the collection judges a hello (C(module_utils/_files.py), shared with M(fleetops.docker_host.docker_hello)).
  - Otherwise it runs nothing and RV(hello) is V({}); the caller makes its changes and proves the engine after them
    with M(fleetops.docker_host.docker_hello), as the P(fleetops.docker_host.docker_daemon#role) role does. So a
    host that is already right costs that role one module run instead of two.
  - Not an C(_info) module because it runs a container; it changes nothing on the host.
extends_documentation_fragment:
  - fleetops.docker_host.docker_engine_look
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: The look runs the same in check mode; the hello does not run (RV(hello) says C(ran=false)).
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  platform:
    description: Linux hosts with systemd and the Docker CLI.
notes:
  - A hello that does not pass fails the task, with the reason in the message (as M(fleetops.docker_host.docker_hello)
    does by default).
seealso:
  - module: fleetops.docker_host.docker_engine_info
  - module: fleetops.docker_host.docker_hello
  - module: fleetops.docker_host.daemon_json
'''

EXAMPLES = r'''
- name: Decide, and prove the engine when nothing is to change
  fleetops.docker_host.docker_daemon_proof:
    settings:
      log-opts:
        max-size: 10m
    hello_image: fleetops/hello:latest
  register: daemon

- name: Prove it after the changes where the look did not
  fleetops.docker_host.docker_hello:
    image: fleetops/hello:latest
  when: daemon.plan.prove and daemon.hello == {}
'''

RETURN = r'''
installed:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: bool
  sample: true
engine_version:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: str
  sample: "20.10.24"
dockerd:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: dict
  sample: {"path": "/usr/sbin/dockerd", "rc": 0, "version_line": "Docker version 20.10.24+dfsg1, build 297e128",
           "main_pid": 4242, "started_at": 1767225600.25}
units:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: dict
  sample: {}
exec_start:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: list
  elements: str
  sample: ["/usr/sbin/dockerd", "-H", "fd://", "$DOCKER_OPTS"]
exec_start_without_fd:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: str
  sample: /usr/sbin/dockerd $DOCKER_OPTS
dropins:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: dict
  sample: {}
images:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: dict
  sample: {"fleetops/hello:latest": true}
plan:
  description: The docker_daemon role's decision, as M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: dict
  sample: {"action": "none", "apply": false, "json_write": false, "problems": [], "prove": true}
journal:
  description: As M(fleetops.docker_host.docker_engine_info) returns it.
  returned: always
  type: dict
  sample: {}
checked_at:
  description: As M(fleetops.docker_host.docker_engine_info) returns it (the end of the look, before the hello).
  returned: always
  type: int
  sample: 1767225600
hello:
  description:
    - When the plan left nothing to do, the hello proof as M(fleetops.docker_host.docker_hello) returns it
      (C(ran), C(passed), C(reason), C(cmd), C(rc), C(stdout), C(stderr), C(image_missing), C(loaded));
      C(ran=false) in check mode. V({}) when the hello is left to the caller (after its changes).
  returned: always
  type: dict
  sample: {"ran": true, "passed": true, "reason": "", "rc": 0, "stdout": "hello", "stderr": "",
           "cmd": ["docker", "run", "--rm", "--pull", "never", "fleetops/hello:latest", "echo", "hello"],
           "image_missing": false, "loaded": false}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_engine import (
    LOOK_ARGUMENT_SPEC,
    look,
    shown_arguments,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import docker_cli, hello_argv, hello_failure, run_hello

HELLO_KEYS = ('ran', 'passed', 'reason', 'cmd', 'rc', 'stdout', 'stderr', 'image_missing', 'loaded')


def proves_here(plan):
    """Whether the plan leaves nothing to do on the host before the hello: no input refused, nothing to write or
    apply, no archive to copy from the controller first and none to remove after (the caller's hello, in a block
    whose `always` removes it, keeps that removal when the hello fails)."""
    work = plan and (plan['problems'] or plan['json_write'] or plan['apply'] or plan['prove_with_archive']
                     or plan['remove_archive'])
    return bool(plan) and plan['prove'] and not work


def prove(module, result):
    """The look's result with `hello`: the proof's run and verdict when the plan leaves nothing to do, else {}."""
    params = module.params
    result['hello'] = {}
    if not proves_here(result['plan']):
        return result
    docker = docker_cli(module)
    argv = hello_argv(docker or 'docker', params['hello_image'], ['echo', 'hello'],
                      'never' if params['hello_archive'] else 'missing')
    hello = run_hello(module, argv, docker)
    result['hello'] = dict((key, hello[key]) for key in HELLO_KEYS)
    return result


def main():
    module = AnsibleModule(argument_spec=dict(LOOK_ARGUMENT_SPEC), supports_check_mode=True)
    result = prove(module, look(module))
    result['invocation'] = {'module_args': shown_arguments(module.params)}
    if result['hello'].get('passed') is False:
        module.fail_json(msg=hello_failure(result['hello']), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
