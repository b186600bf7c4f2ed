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
  - The one place where the collection judges a hello run. The P(fleetops.docker_host.docker_daemon#role) role
    proves the engine with it after a reload or restart, and P(fleetops.docker_host.k8s_node#role) after a
    containerd restart.
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

import json
import os

from ansible.module_utils.basic import AnsibleModule

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
SBIN = ['/usr/bin', '/usr/local/bin', '/bin']


def _trim(text):
    # As the command module does: the trailing newline is the stream's, not the text's.
    return (text or '').rstrip('\r\n')


def hello_result(cmd, rc, stdout, stderr, expect='hello'):
    """The hello container's run and its verdict, judged here only (this module returns it, roles read it).

    passed: exit 0 and the output, trimmed, is `expect`. reason: why not, in one line ('' when it passed).
    """
    stdout = _trim(stdout)
    stderr = _trim(stderr)
    # `docker run --pull never` with the image absent: "No such image: <name>".
    image_missing = rc != 0 and 'no such image' in stderr.lower()
    passed = rc == 0 and stdout.strip() == expect
    if passed:
        reason = ''
    elif image_missing:
        reason = 'the image is not on the host and was not pulled (%s)' % stderr.strip()
    elif rc != 0:
        reason = 'exited %s: %s' % (rc, (stderr or stdout).strip() or '(no output)')
    else:
        reason = 'printed %s, not %s' % (json.dumps(stdout.strip()), json.dumps(expect))
    return {
        'cmd': list(cmd),
        'rc': rc,
        'stdout': stdout,
        'stderr': stderr,
        'image_missing': image_missing,
        'passed': passed,
        'reason': reason,
    }


def hello_argv(docker, image, command, pull):
    """`docker run --rm [--pull never] IMAGE COMMAND...`; pull 'missing' leaves docker's default (no flag, so
    engines without --pull work too)."""
    return [docker, 'run', '--rm'] + (['--pull', 'never'] if pull == 'never' else []) + [image] + list(command)


def command(module):
    """(argv, docker CLI path or None)."""
    params = module.params
    docker = module.get_bin_path('docker', opt_dirs=SBIN)
    if params['argv']:
        return list(params['argv']), docker
    pull = params['pull'] or ('never' if params['image_archive'] else 'missing')
    return hello_argv(docker or 'docker', params['image'], params['command'], pull), docker


def run(module):
    params = module.params
    argv, docker = command(module)
    if module.check_mode or not docker:
        return {'changed': False, 'ran': False, 'passed': None if docker else False, 'cmd': argv,
                'reason': 'not run in check mode' if docker else 'the docker CLI is not installed (no docker in PATH)',
                'rc': None, 'stdout': '', 'stderr': '', 'image_missing': False, 'loaded': False}
    expect = params['expect']
    rc, out, err = module.run_command(argv, environ_update=C_ENV)
    result = hello_result(argv, rc, out, err, expect)
    result['loaded'] = False
    archive = params['image_archive']
    if result['image_missing'] and archive:
        if not os.path.exists(archive):
            result['reason'] += '; the image archive %s is not on the host' % archive
        else:
            rc, out, err = module.run_command([docker, 'load', '--input', archive], environ_update=C_ENV)
            if rc != 0:
                module.fail_json(msg='docker load --input %s failed (rc %s): %s' % (archive, rc, (err or out).strip()),
                                 changed=False, ran=True, **result)
            rc, out, err = module.run_command(argv, environ_update=C_ENV)
            result = hello_result(argv, rc, out, err, expect)
            result['loaded'] = True
    result['ran'] = True
    result['changed'] = result['loaded']
    return result


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
        module.fail_json(msg='`%s` did not pass: %s' % (' '.join(result['cmd']), result['reason']), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
