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
    description: The file's mode.
    type: raw
    default: '0644'
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
  - The TOML reader is the collection's own (C(module_utils/_toml.py)); target hosts on Python 3.6 have no
    C(tomllib). It reads TOML 1.0 as containerd writes it; a file it cannot read fails the task, naming the
    line, and nothing is written.
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
  description: The file's text before the run, for a rollback; V(null) when there was no file.
  returned: when the content changed
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import write_atomic
from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import ContainerdConfigError, merge


def run(module):
    params = module.params
    path = params['path']
    before = None
    if os.path.exists(path):
        with open(path, 'rb') as handle:
            before = to_text(handle.read(), errors='surrogate_or_strict')
    after, changes, config = merge(before, path, enable_cri=params['enable_cri'], cgroup_driver=params['cgroup_driver'],
                                   sandbox_image=params['sandbox_image'], config_path=params['config_path'])
    changed = before != after
    result = dict(changed=changed, edits=changes, config=config, restart_required=changed)
    if changed:
        result['previous_content'] = before
    if module._diff:
        result['diff'] = {'before_header': path if before is not None else '%s (absent)' % path,
                          'after_header': path, 'before': before or '', 'after': after}
    file_args = module.load_file_common_arguments(dict(path=path, mode=params['mode'], owner='root', group='root'))
    if module.check_mode:
        if not changed and before is not None:
            result['changed'] = module.set_fs_attributes_if_different(file_args, False, expand=False)
        return result
    if changed:
        write_atomic(module, path, after)
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
            mode=dict(type='raw', default='0644'),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except ContainerdConfigError as exc:
        module.fail_json(msg='containerd_config: %s' % to_native(exc))
    except OSError as exc:
        module.fail_json(msg='containerd_config: cannot read or write %s: %s' % (module.params['path'], to_native(exc)))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
