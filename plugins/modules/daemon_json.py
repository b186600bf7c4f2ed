#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: daemon_json
short_description: Merge settings into Docker's daemon.json, validated, and say whether a reload or a restart is needed
version_added: 0.1.0
description:
  - Reads the Docker daemon configuration file (a missing file counts as C({})), merges O(settings) into it,
    deletes the top-level keys in O(remove), checks the result and writes it atomically.
  - Keys that O(settings) does not name are kept as they are; nested objects (C(log-opts), C(features),
    C(runtimes), C(proxies), ...) merge key by key.
  - The file is written in a stable form (sorted keys, two-space indent, final newline), so a second run with
    the same input reports no change.
  - Bad input (a file that is not JSON, a top-level value that is not an object, a wrong type, an invalid
    registry entry, a key in both O(settings) and O(remove)) fails with a message naming the key and the fix,
    and the file is left byte for byte as it was.
  - Tells which action the change needs, in RV(reload_required) and RV(restart_required), from Docker's list
    of keys dockerd reloads on SIGHUP.
  - The module does not reload or restart Docker itself; the P(fleetops.docker_host.docker_daemon#role) role does.
options:
  path:
    description: Path of the daemon configuration file. Its directory is created (mode C(0755)) when missing.
    type: path
    default: /etc/docker/daemon.json
  settings:
    description:
      - Keys to merge into the file. Values are written as given (use JSON types, e.g. strings for
        C(log-opts) values such as C("3")).
    type: dict
    default: {}
  remove:
    description: Top-level keys to delete from the file. A key may not appear in both O(settings) and O(remove).
    type: list
    elements: str
    default: []
  list_merge:
    description:
      - How a list value in O(settings) combines with the list already in the file.
      - V(replace) writes the given list; V(append_unique) keeps the existing items and appends the given items
        that are not present yet.
    type: str
    choices: [replace, append_unique]
    default: replace
  validate:
    description:
      - Check the result before writing it. JSON types of the known keys, C(insecure-registries) entries
        (CIDR or host[:port], no scheme), C(registry-mirrors) (http(s) URLs without credentials, query or
        fragment) and C(exec-opts) (C(native.cgroupdriver=cgroupfs|systemd)).
      - When the installed dockerd has C(--validate) (Docker 23 and later), the candidate file is also checked
        with C(dockerd --validate --config-file <temporary file>).
    type: bool
    default: true
  strict:
    description: Treat keys the module does not know (and unknown C(exec-opts) options) as errors instead of warnings.
    type: bool
    default: false
  backup:
    description: Keep a timestamped copy of the previous file next to it when the file changes.
    type: bool
    default: false
  mode:
    description: Permissions of the file. Owner and group are always C(root).
    type: raw
    default: '0644'
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Reports what would change (RV(changed_keys), RV(reload_required), RV(restart_required)) without writing.
    support: full
  diff_mode:
    description: Shows the file before and after as text.
    support: full
  platform:
    description: Hosts with a POSIX file system; owner and group root.
notes:
  - Docker refuses a key given both as a dockerd flag and in the file (for example C(hosts) with the packaged
    C(-H fd://)); the role P(fleetops.docker_host.docker_daemon#role) adds the systemd drop-in for that.
seealso:
  - name: dockerd reference, daemon configuration file
    description: Keys, types and the configuration reload behaviour.
    link: https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file
'''

EXAMPLES = r'''
- name: Send container logs to rotating files and trust a lab registry
  fleetops.docker_host.daemon_json:
    settings:
      log-driver: json-file
      log-opts:
        max-size: 10m
        max-file: "3"
      insecure-registries:
        - 10.100.0.0/24
        - registry.lab:5000
  register: daemon

- name: Add a registry mirror to those already configured, drop an old key
  fleetops.docker_host.daemon_json:
    settings:
      registry-mirrors: [https://mirror.example.com]
    list_merge: append_unique
    remove: [cluster-store]
    backup: true

- name: Reload or restart as the result says
  ansible.builtin.systemd_service:
    name: docker
    state: "{{ 'restarted' if daemon.restart_required else 'reloaded' }}"
  when: daemon.changed
'''

RETURN = r'''
config:
  description: The resulting configuration (what the file holds after the run, or would hold in check mode).
  returned: success
  type: dict
  sample: {"log-driver": "json-file", "log-opts": {"max-file": "3", "max-size": "10m"}}
changed_keys:
  description: Sorted top-level keys added, changed or removed.
  returned: success
  type: list
  elements: str
  sample: ["insecure-registries", "log-opts"]
reload_required:
  description: True when only keys dockerd reloads on SIGHUP changed (C(systemctl reload docker) suffices).
  returned: success
  type: bool
  sample: true
restart_required:
  description: True when a changed key needs a restart of dockerd. Never true together with RV(reload_required).
  returned: success
  type: bool
  sample: false
backup_file:
  description: Path of the copy of the previous file.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /etc/docker/daemon.json.12345.2026-01-01@12:00:00~
previous_content:
  description:
    - The text of the file before this run, for a caller that must put it back (a rollback after dockerd
      refused the new configuration); V(null) when there was no file.
    - Saves the caller a read of the file before the module runs.
  returned: when the content changed (or would change, in check mode)
  type: str
  sample: '{"log-driver": "json-file"}'
  version_added: 0.2.0
validated_with_dockerd:
  description: Whether C(dockerd --validate) checked the candidate file.
  returned: success
  type: bool
  sample: false
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import (
    DaemonJsonError,
    compute,
    parse,
    render,
)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}


def dockerd_validate(module, candidate_text, directory):
    """Run `dockerd --validate` on the candidate when this dockerd has it. Returns True when it ran."""
    dockerd = module.get_bin_path('dockerd', opt_dirs=['/usr/sbin', '/usr/local/bin', '/usr/bin'])
    if not dockerd:
        return False
    rc, out, err = module.run_command([dockerd, '--help'], environ_update=C_ENV)
    if '--validate' not in (out + err):
        return False
    fd, tmp = tempfile.mkstemp(prefix='.daemon.json.validate.', suffix='.json', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(to_bytes(candidate_text))
        rc, out, err = module.run_command([dockerd, '--validate', '--config-file', tmp], environ_update=C_ENV)
    finally:
        os.unlink(tmp)
    if rc != 0:
        message = (err or out).strip().replace(tmp, module.params['path'])
        raise DaemonJsonError('dockerd --validate refused the new daemon.json: %s' % message)
    return True


def run(module):
    params = module.params
    path = params['path']
    directory = os.path.dirname(path) or '.'

    before_text = None
    if os.path.exists(path):
        with open(path, 'rb') as handle:
            before_text = to_text(handle.read(), errors='surrogate_or_strict')
    current = parse(before_text, path)

    outcome = compute(current, params['settings'], params['remove'], params['list_merge'],
                      validate_result=params['validate'], strict=params['strict'])
    for warning in outcome.pop('warnings'):
        module.warn(warning)

    after_text = render(outcome['config'])
    content_changed = before_text != after_text
    result = dict(changed=content_changed, validated_with_dockerd=False, **outcome)
    if content_changed:
        result['previous_content'] = before_text
    if module._diff:
        result['diff'] = {
            'before_header': path if before_text is not None else '%s (absent)' % path,
            'after_header': path,
            'before': before_text or '',
            'after': after_text,
        }

    if content_changed and params['validate']:
        check_dir = directory if os.path.isdir(directory) else module.tmpdir
        result['validated_with_dockerd'] = dockerd_validate(module, after_text, check_dir)

    if module.check_mode:
        if not content_changed and os.path.exists(path):
            result['changed'] = _attributes_differ(module, path)
        return result

    if not os.path.isdir(directory):
        os.makedirs(directory)
        os.chmod(directory, 0o755)

    if content_changed:
        if params['backup'] and before_text is not None:
            result['backup_file'] = module.backup_local(path)
        fd, tmp = tempfile.mkstemp(prefix='.daemon.json.', dir=directory)
        try:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(to_bytes(after_text))
            module.atomic_move(tmp, path, unsafe_writes=False)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    file_args = module.load_file_common_arguments(dict(path=path, mode=params['mode'], owner='root', group='root'))
    result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    return result


def _attributes_differ(module, path):
    file_args = module.load_file_common_arguments(dict(path=path, mode=module.params['mode'], owner='root', group='root'))
    return module.set_fs_attributes_if_different(file_args, False, expand=False)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/docker/daemon.json'),
            settings=dict(type='dict', default={}),
            remove=dict(type='list', elements='str', default=[]),
            list_merge=dict(type='str', default='replace', choices=['replace', 'append_unique']),
            validate=dict(type='bool', default=True),
            strict=dict(type='bool', default=False),
            backup=dict(type='bool', default=False),
            mode=dict(type='raw', default='0644'),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except DaemonJsonError as exc:
        module.fail_json(msg=to_native(exc))
    except OSError as exc:
        module.fail_json(msg='daemon.json: cannot read or write %s: %s' % (module.params['path'], to_native(exc)))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
