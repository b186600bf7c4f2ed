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
short_description: Report the Docker engine of a host, its systemd units and drop-ins, and prove it with a hello container
version_added: 0.2.0
description:
  - One look at a host's Docker engine, as data. Reports whether C(dockerd) is installed and its version
    (C(dockerd --version)), the state of C(docker.service) and C(docker.socket), the packaged C(ExecStart) of
    C(docker.service) as an argv list (and, computed from it, the command line without C(-H fd://) that a
    drop-in uses when C(daemon.json) sets C(hosts)), and the drop-ins named in O(dropins) with their content.
  - With O(hello), runs that command (for example C(docker run --rm <image> echo hello)) and reports its exit
    code and output in RV(hello), and whether its image is missing (C(--pull never) and C(No such image)).
  - With O(journal_since), reads the journal of C(docker.service) since then and returns dockerd's fatal and
    error lines and a one-line reason in RV(journal), for a caller whose restart failed.
  - Read-only, except with O(hello_image_archive), see there. The
    P(fleetops.docker_host.docker_daemon#role) role runs it once per host; it is also usable alone, for an audit.
options:
  dropin_dir:
    description: The directory of the C(docker.service) drop-ins.
    type: path
    default: /etc/systemd/system/docker.service.d
  dropins:
    description: File names in O(dropin_dir) to report in RV(dropins), with their content.
    type: list
    elements: str
    default: [http-proxy.conf, daemon-json-hosts.conf]
  masked_dropins:
    description:
      - File names in O(dropin_dir) that hold credentials (the proxy environment file), reported in RV(dropins)
        with C(sha256) and C(mode) instead of their content, so the secrets never appear in a task result.
    type: list
    elements: str
    default: [http-proxy.env]
    version_added: 0.2.0
  hello:
    description:
      - A command (argv list) that proves the engine, e.g. V([docker, run, --rm, --pull, never, ubuntu, echo, hello]).
      - Empty runs nothing. Not run in check mode (it may pull an image); RV(hello) is then V({}).
    type: list
    elements: str
    default: []
  hello_image_archive:
    description:
      - A C(docker save) archive on the host. When the O(hello) run reports its image missing, the archive is
        loaded with C(docker load) and the hello run again; C(loaded) in RV(hello) says so and the module reports
        C(changed).
      - Empty loads nothing.
    type: path
  journal_since:
    description:
      - When set, read C(journalctl --unit docker) since this time (seconds since the epoch, as RV(checked_at),
        or any time C(journalctl --since) accepts) and summarise it in RV(journal).
    type: str
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Runs the same in check mode, except that the hello container is not run.
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

- name: Prove the engine with a hello container, never pulling
  fleetops.docker_host.docker_engine_info:
    hello: [docker, run, --rm, --pull, never, ubuntu, echo, hello]
  register: engine

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
  description: C(path) of C(dockerd) (null when not found), C(rc) of C(dockerd --version) (127 when not found) and its first line C(version_line).
  returned: always
  type: dict
  sample: {"path": "/usr/sbin/dockerd", "rc": 0, "version_line": "Docker version 20.10.24+dfsg1, build 297e128"}
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
hello:
  description:
    - The O(hello) run, V({}) when O(hello) is empty or in check mode.
    - C(cmd), C(rc), C(stdout), C(stderr) (trailing newlines removed), C(image_missing) (non-zero exit with
      C(No such image)) and C(loaded) (the image was loaded from O(hello_image_archive) before this run).
  returned: always
  type: dict
  sample: {"cmd": ["docker", "run", "--rm", "ubuntu", "echo", "hello"], "rc": 0, "stdout": "hello", "stderr": "",
           "image_missing": false, "loaded": false}
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

import hashlib
import os
import stat
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import look_bytes, look_text, mask_userinfo
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_engine import (
    UNIT_PROPERTIES,
    drop_fd_host,
    hello_result,
    journal_summary,
    parse_exec_start_property,
    parse_systemctl_show,
    parse_unit_exec_start,
    parse_version,
    systemd_join,
    unit_state,
)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
SBIN = ['/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin']
UNITS = ['docker.service', 'docker.socket']


def read_text(path):
    """A file's text, or None when it does not exist (or is no regular file: a FIFO is never read)."""
    return look_text(path)


def look_dockerd(module):
    dockerd = module.get_bin_path('dockerd', opt_dirs=SBIN)
    if not dockerd:
        return {'path': None, 'rc': 127, 'version_line': ''}, ''
    rc, out, err = module.run_command([dockerd, '--version'], environ_update=C_ENV)
    line, version = parse_version(out if rc == 0 else (err or out))
    return {'path': dockerd, 'rc': rc, 'version_line': line}, (version if rc == 0 else '')


def look_units(module):
    """The units' state and docker.service's packaged ExecStart (argv)."""
    systemctl = module.get_bin_path('systemctl', opt_dirs=SBIN)
    if not systemctl:
        return dict((unit, unit_state({})) for unit in UNITS), []
    properties = ','.join(['Id', 'ExecStart'] + [prop for prop, dummy in UNIT_PROPERTIES])
    rc, out, err = module.run_command([systemctl, 'show'] + UNITS + ['--property', properties],
                                      environ_update=C_ENV)
    shown = parse_systemctl_show(out if rc == 0 else '', UNITS)
    units = dict((unit, unit_state(shown[unit])) for unit in UNITS)
    service = shown['docker.service']
    exec_start = None
    fragment = service.get('FragmentPath')
    if fragment:
        exec_start = parse_unit_exec_start(read_text(fragment))
    if exec_start is None:
        exec_start = parse_exec_start_property(service.get('ExecStart', ''))
    return units, exec_start


def look_dropins(directory, names, masked_names=()):
    """The drop-ins with their text; files in `masked_names` (credentials) with their SHA-256 and mode only,
    so that their content never lands in a task result."""
    dropins = {}
    for name in names:
        path = os.path.join(directory, name)
        content = read_text(path)
        # An http-proxy.conf written as Docker's documentation shows it carries user:password in its URLs.
        dropins[name] = {'path': path, 'exists': content is not None, 'content': mask_userinfo(content)}
    for name in masked_names:
        path = os.path.join(directory, name)
        data = look_bytes(path)
        try:
            mode = '%04o' % stat.S_IMODE(os.stat(path).st_mode) if data is not None else None
        except OSError:
            data, mode = None, None
        dropins[name] = {'path': path, 'exists': data is not None, 'content': None,
                         'sha256': hashlib.sha256(data).hexdigest() if data is not None else None, 'mode': mode}
    return dropins


def run_hello(module, argv, archive):
    rc, out, err = module.run_command(argv, environ_update=C_ENV)
    hello = hello_result(argv, rc, out, err)
    hello['loaded'] = False
    if hello['image_missing'] and archive and os.path.exists(archive):
        docker = module.get_bin_path('docker', opt_dirs=SBIN, required=True)
        rc, out, err = module.run_command([docker, 'load', '--input', archive], environ_update=C_ENV)
        if rc != 0:
            module.fail_json(msg='docker load --input %s failed (rc %s): %s' % (archive, rc, (err or out).strip()),
                             hello=hello)
        rc, out, err = module.run_command(argv, environ_update=C_ENV)
        hello = hello_result(argv, rc, out, err)
        hello['loaded'] = True
    return hello


def read_journal(module, since):
    journalctl = module.get_bin_path('journalctl', opt_dirs=SBIN)
    mark = since if not since.isdigit() else '@' + since
    if not journalctl:
        summary = journal_summary('')
    else:
        rc, out, err = module.run_command(
            [journalctl, '--unit', 'docker', '--no-pager', '--output', 'cat', '--since', mark],
            environ_update=C_ENV)
        summary = journal_summary(out)
    summary['since'] = since
    return summary


def run(module):
    params = module.params
    dockerd, engine_version = look_dockerd(module)
    units, exec_start = look_units(module)
    result = {
        'changed': False,
        'installed': dockerd['rc'] == 0,
        'engine_version': engine_version,
        'dockerd': dockerd,
        'units': units,
        'exec_start': exec_start,
        'exec_start_without_fd': systemd_join(drop_fd_host(exec_start)),
        'dropins': look_dropins(params['dropin_dir'], params['dropins'], params['masked_dropins']),
        'hello': {},
        'journal': {},
    }
    if params['hello'] and not module.check_mode:
        result['hello'] = run_hello(module, params['hello'], params['hello_image_archive'])
        result['changed'] = result['hello']['loaded']
    if params['journal_since']:
        result['journal'] = read_journal(module, params['journal_since'])
    result['checked_at'] = int(time.time())
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dropin_dir=dict(type='path', default='/etc/systemd/system/docker.service.d'),
            dropins=dict(type='list', elements='str', default=['http-proxy.conf', 'daemon-json-hosts.conf']),
            masked_dropins=dict(type='list', elements='str', default=['http-proxy.env']),
            hello=dict(type='list', elements='str', default=[]),
            hello_image_archive=dict(type='path'),
            journal_since=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == '__main__':
    main()
