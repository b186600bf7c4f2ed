#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: containerd_config
short_description: Merge the kubelet's needs into containerd's config.toml, keeping everything else
version_added: 0.2.0
description:
  - Enables the CRI plugin (removes C(cri) from C(disabled_plugins), as containerd.io's shipped file sets it),
    sets C(SystemdCgroup) of the runc runtime for the chosen cgroup driver, gives runc its C(runtime_type) when
    the file has none, and sets the sandbox (pause) image and the registry C(config_path) when asked.
  - The file is edited in place, not rewritten. Settings, comments and order an operator wrote stay as they
    are; only the values named above change, a missing key is added to its table and a missing table is
    appended. The result is read back and must hold every value before it is written (atomically).
  - The settings' tables follow the file's C(version) (1, 2 or 3). A file without a version and without plugin
    tables (containerd.io's) gets C(version = 2), which containerd 1.6, 1.7 and 2.x read.
  - Does not restart containerd; the caller does when RV(restart_required) is true (the role P(fleetops.docker_host.k8s_node#role) does,
    and checks dockerd after).
options:
  path:
    description: containerd's configuration file.
    type: path
    default: /etc/containerd/config.toml
  enable_cri:
    description: Remove the CRI plugin from C(disabled_plugins).
    type: bool
    default: true
  cgroup_driver:
    description: The kubelet's cgroup driver; V(systemd) sets C(SystemdCgroup = true), V(cgroupfs) C(false).
    type: str
    choices: [systemd, cgroupfs]
    default: systemd
  sandbox_image:
    description: The sandbox (pause) image, for sites that mirror it; empty leaves the file's (or containerd's) choice.
    type: str
    default: ''
  config_path:
    description: The directory of the registry host files (C(<host>/hosts.toml)); empty leaves the file's choice.
    type: str
    default: ''
  mode:
    description:
      - The file's mode; V(0644) when unset. A file holding registry credentials (C(auth), C(username),
        C(password), C(identitytoken) of C(registry.configs), or a URL with C(user:password@)) is kept V(0600)
        whatever is asked, with a warning when a mode readable by others was asked for.
    type: raw
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Reports what would change, and the diff, without writing.
    support: full
  diff_mode:
    description: The diff of config.toml.
    support: full
  platform:
    description: Linux hosts with systemd.
notes:
  - The TOML reader is the collection's own (C(module_utils/_containerd.py)); target hosts on Python 3.6 have no
    C(tomllib). It reads TOML 1.0 as containerd writes it; a file it cannot read fails the task, naming the
    line, and nothing is written.
  - O(path) must be absolute and name a regular file (or nothing yet); a symlink is written through (the link
    stays), a FIFO, a directory or a device is refused before anything is read. A byte order mark stays; bytes
    that are not UTF-8 are kept as they are, with a warning.
  - Registry credentials are masked (C(****)) in the diff and in RV(previous_content); the file is kept V(0600) and
    a V(0600) copy of the previous file is left at RV(backup_file) for a rollback.
  - The cgroup driver is set on runc, on every runtime of runc's type (C(io.containerd.runc.v2), such as
    nvidia's) and on the runtime C(default_runtime_name) names, the one the kubelet's pods use.
'''

EXAMPLES = r'''
- name: containerd for the kubelet (CRI on, systemd cgroups, registry host files)
  fleetops.docker_host.containerd_config:
    config_path: /etc/containerd/certs.d
  register: k8s_containerd

- name: An air-gapped site's pause image
  fleetops.docker_host.containerd_config:
    sandbox_image: registry.example.internal/pause:3.9
'''

RETURN = r'''
edits:
  description: The settings changed (or to be changed in check mode), each with C(setting), C(before), C(after), C(reason).
  returned: always
  type: list
  elements: dict
  sample: [{setting: disabled_plugins, before: [cri], after: [], reason: the CRI plugin is disabled}]
config:
  description: What the kubelet needs from the file after the run (see M(fleetops.docker_host.k8s_node_info)'s C(containerd.config)).
  returned: always
  type: dict
  sample: {version: 2, cri_disabled: false, systemd_cgroup: true, cgroup_driver: systemd, sandbox_image: null,
           config_path: /etc/containerd/certs.d, disabled_plugins: [], runc_runtime_type: io.containerd.runc.v2}
restart_required:
  description: Whether containerd must be restarted to read the file (the content changed).
  returned: always
  type: bool
previous_content:
  description:
    - The file's text before the run, for a rollback; V(null) when there was no file.
    - With registry credentials in it they are masked (RV(previous_content_masked)); put RV(backup_file) back instead.
  returned: when the content changed
  type: str
previous_content_masked:
  description:
    - True when RV(previous_content) cannot be written back as is (credentials masked, or bytes that are not UTF-8
      shown as U+FFFD); put RV(backup_file) back instead.
  returned: when the content changed
  type: bool
backup_file:
  description: A copy of the previous file (V(0600) when it holds registry credentials), made when RV(previous_content_masked).
  returned: when the content changed and RV(previous_content_masked)
  type: str
target:
  description: The file written, when O(path) is a symlink to it.
  returned: when O(path) is a symlink
  type: str
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import (
    UnsafeFileError,
    first_bad_byte,
    printable,
    read_regular,
    resolve_target,
    write_atomic,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import (
    ContainerdConfigError,
    mask_text,
    loads,
    merge,
    secrets,
)

_OCTAL_RE = re.compile(r'^0?[0-7]{3,4}$')


def private_mode(mode, path):
    """The mode for a file holding registry credentials: MODE when it gives nothing to group and others, else
    0600 (with a warning naming the mode asked for)."""
    text = str(mode) if not isinstance(mode, int) else '%o' % mode
    if mode is not None and _OCTAL_RE.match(text) and not int(text, 8) & 0o077:
        return mode, None
    return '0600', ('%s holds registry credentials: written with mode 0600, not %s (readable by other local users); '
                    'set mode "0600" to silence this' % (path, mode))


def decode(data, path):
    """The text of config.toml. Bytes that are not UTF-8 (a Latin-1 comment) are kept as they are through the edit
    (surrogateescape) and shown as U+FFFD in the result; a warning names the first one."""
    if data is None:
        return None, None
    bad = first_bad_byte(data)
    text = data.decode('utf-8', 'surrogateescape')
    if bad is None:
        return text, None
    return text, ('%s is not valid UTF-8 (byte 0x%02x at line %d, offset %d); TOML is UTF-8 and containerd may refuse '
                  'the file: the bytes were kept as they are, convert the file (iconv -f latin1 -t utf-8)'
                  % (path, bad[2], bad[1], bad[0]))


def run(module):
    params = module.params
    path = params['path']
    target = resolve_target(path, 'path', '/etc/containerd/config.toml', 'config.toml')
    before_bytes = read_regular(target, option='path', what='config.toml')
    before, warning = decode(before_bytes, path)
    if warning:
        module.warn(warning)
    after, changes, config = merge(before, path, enable_cri=params['enable_cri'], cgroup_driver=params['cgroup_driver'],
                                   sandbox_image=params['sandbox_image'], config_path=params['config_path'])
    secret_values = secrets(loads(after))
    for value in secret_values:
        module.no_log_values.add(value)
    mode = params['mode']
    if mode is None:
        mode = '0644'
    if secret_values:
        mode, mode_warning = private_mode(params['mode'], path)
        if mode_warning and params['mode'] is not None:
            module.warn(mode_warning)
    changed = before != after
    result = dict(changed=changed, edits=printable(changes), config=printable(config), restart_required=changed)
    if target != path:
        result['target'] = target
    # previous_content cannot give back credentials (masked) nor bytes that are not UTF-8 (shown as U+FFFD): then
    # a backup is the rollback's copy.
    lossy = before is not None and (bool(secret_values) or warning is not None)
    if changed:
        result['previous_content'] = printable(mask_text(before, secret_values))
        result['previous_content_masked'] = lossy
    if module._diff:
        result['diff'] = {'before_header': path if before is not None else '%s (absent)' % path,
                          'after_header': path, 'before': printable(mask_text(before or '', secret_values)),
                          'after': printable(mask_text(after, secret_values))}
    file_args = module.load_file_common_arguments(dict(path=target, mode=mode, owner='root', group='root'))
    if module.check_mode:
        if not changed and before is not None:
            result['changed'] = module.set_fs_attributes_if_different(file_args, False, expand=False)
        return result
    if changed:
        # An editor (or another run) changed the file since it was read: refuse rather than overwrite its change.
        if read_regular(target, option='path', what='config.toml') != before_bytes:
            raise ContainerdConfigError('%s changed while this run edited it (another writer); nothing was written, '
                                        'run again' % path)
        if lossy:
            # The rollback's copy. With credentials: mode and owner first, so neither the backup nor the new
            # content is ever readable by others (atomic_move keeps the old file's mode).
            if secret_values:
                module.set_fs_attributes_if_different(file_args, False)
            result['backup_file'] = module.backup_local(target)
            if secret_values:
                os.chmod(result['backup_file'], 0o600)
        write_atomic(module, target, after, mode=0o600 if secret_values and before_bytes is None else None)
    result['changed'] = module.set_fs_attributes_if_different(file_args, changed)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/containerd/config.toml'),
            enable_cri=dict(type='bool', default=True),
            cgroup_driver=dict(type='str', default='systemd', choices=['systemd', 'cgroupfs']),
            sandbox_image=dict(type='str', default=''),
            config_path=dict(type='str', default=''),
            mode=dict(type='raw'),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except (ContainerdConfigError, UnsafeFileError) as exc:
        module.fail_json(msg='containerd_config: %s' % printable(to_native(exc)))
    except RecursionError:
        module.fail_json(msg='containerd_config: %s nests values too deep to read; fix the file (nothing was written)'
                             % module.params['path'])
    except OSError as exc:
        module.fail_json(msg='containerd_config: cannot read or write %s: %s' % (module.params['path'], to_native(exc)))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
