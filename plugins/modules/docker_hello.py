#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: docker_hello
short_description: Prove a Docker engine by running a hello container, loading its image from an archive when missing
version_added: 0.2.0
description:
  - Runs C(docker run --rm IMAGE echo hello) (or the command in O(argv)) and says whether it passed in
    RV(passed) (exit code 0 and the output, trimmed, equal to O(expect)). When it did not, RV(reason) says why in
    one line (the image is missing, the exit code with docker's message, or what it printed instead).
  - With O(image_archive) (a C(docker save) archive on the host), a missing image is loaded with C(docker load)
    and the container runs again; RV(loaded) says so and the task reports C(changed). A present image is never
    loaded again.
  - The collection judges a hello run in one place (C(module_utils/_files.py)), which this module and
    M(fleetops.docker_host.docker_daemon_proof) share. The P(fleetops.docker_host.docker_daemon#role) role proves
    the engine with it after a reload or restart, and P(fleetops.docker_host.k8s_node#role) after a containerd
    restart.
options:
  image:
    description:
      - The image to run. One of O(image) and O(argv) is required.
    type: str
  command:
    description: The command run in O(image).
    type: list
    elements: str
    default: [echo, hello]
  pull:
    description:
      - V(missing) leaves pulling to docker (no C(--pull) flag, so engines without it work too); V(never) adds
        C(--pull never), so a missing image is reported (and loaded from O(image_archive)) instead of pulled.
      - Default V(never) with O(image_archive), else V(missing).
    type: str
    choices: [missing, never]
  argv:
    description:
      - The whole command instead of O(image), O(command) and O(pull), for example the C(cmd) of an earlier run
        (V(docker_daemon_result.hello.cmd)).
    type: list
    elements: str
  expect:
    description: What the container must print (compared with its output without surrounding white space).
    type: str
    default: hello
  image_archive:
    description:
      - Path on the host of an archive made by C(docker save), loaded when the run reports its image missing
        (C(No such image)). Empty or absent loads nothing.
    type: path
  fail_on_error:
    description:
      - Fail the task when the hello did not pass, with RV(reason) in the message. V(false) only reports it in
        RV(passed) and RV(reason).
      - A C(docker load) that fails always fails the task.
    type: bool
    default: true
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: In check mode nothing runs (a run may load an image); RV(ran) is V(false) and RV(passed) V(null).
    support: full
  diff_mode:
    description: Nothing is written, so there is no diff.
    support: none
  platform:
    description: Hosts with the Docker CLI and a running engine.
notes:
  - The container is started with C(--rm); the module leaves no container behind.
seealso:
  - module: fleetops.docker_host.docker_engine_info
  - module: fleetops.docker_host.docker_daemon_proof
'''

EXAMPLES = r'''
- name: Prove the engine, loading the image from an archive when it is not there
  fleetops.docker_host.docker_hello:
    image: fleetops/hello:latest
    image_archive: /var/tmp/hello.tar

- name: Run the command an earlier proof ran, and decide yourself
  fleetops.docker_host.docker_hello:
    argv: "{{ docker_daemon_result.hello.cmd }}"
    fail_on_error: false
  register: hello

- name: Say why it did not pass
  ansible.builtin.debug:
    msg: "{{ hello.reason }}"
  when: hello.passed is false
'''

RETURN = r'''
ran:
  description: Whether the container ran (V(false) in check mode and without the docker CLI).
  returned: always
  type: bool
  sample: true
passed:
  description: Exit code 0 and the output (trimmed) equal to O(expect); V(null) when it did not run (check mode).
  returned: always
  type: bool
  sample: true
reason:
  description: Why it did not pass, in one line; V("") when it passed.
  returned: always
  type: str
  sample: "exited 125: docker: Error response from daemon: No such image: fleetops/hello:latest."
cmd:
  description: The command run, as an argv list (what O(argv) takes to run it again).
  returned: always
  type: list
  elements: str
  sample: [docker, run, --rm, --pull, never, "fleetops/hello:latest", echo, hello]
rc:
  description: Its exit code (V(null) when it did not run).
  returned: always
  type: int
  sample: 0
stdout:
  description: Its output, trailing newlines removed.
  returned: always
  type: str
  sample: hello
stderr:
  description: Its error output, trailing newlines removed.
  returned: always
  type: str
  sample: ""
image_missing:
  description: The run exited non-zero with C(No such image) (after a load from O(image_archive), the second run's answer).
  returned: always
  type: bool
  sample: false
loaded:
  description: The image was loaded from O(image_archive) before the run that is reported.
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import docker_cli, hello_argv, hello_failure, run_hello


def command(module):
    """(argv, docker CLI path or None)."""
    params = module.params
    docker = docker_cli(module)
    if params['argv']:
        return list(params['argv']), docker
    pull = params['pull'] or ('never' if params['image_archive'] else 'missing')
    return hello_argv(docker or 'docker', params['image'], params['command'], pull), docker


def run(module):
    argv, docker = command(module)
    return run_hello(module, argv, docker, module.params['expect'], module.params['image_archive'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            image=dict(type='str'),
            command=dict(type='list', elements='str', default=['echo', 'hello']),
            pull=dict(type='str', choices=['missing', 'never']),
            argv=dict(type='list', elements='str'),
            expect=dict(type='str', default='hello'),
            image_archive=dict(type='path'),
            fail_on_error=dict(type='bool', default=True),
        ),
        required_one_of=[('image', 'argv')],
        mutually_exclusive=[('image', 'argv'), ('pull', 'argv')],
        supports_check_mode=True,
    )
    result = run(module)
    if result['passed'] is False and module.params['fail_on_error']:
        module.fail_json(msg=hello_failure(result), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
