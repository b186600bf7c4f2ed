#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: container_preflight_info
short_description: Report what a container engine needs from the kernel, and what is missing
version_added: 0.1.0
description:
  - Reports the namespaces (uts, ipc, mnt, pid, net, user, cgroup from C(/proc/self/ns)),
    C(user.max_user_namespaces), the cgroup version (v1 or v2) and its available controllers (v2 from
    C(cgroup.controllers), v1 from the enabled column of C(/proc/cgroups)), overlayfs, the state of the
    C(overlay) and C(br_netfilter) modules (and of any in O(modules)), the kernel release against O(min_kernel),
    whether the host is itself a container or a virtual machine, and seccomp.
  - 'Module states: C(loaded) (in C(/proc/modules)); C(builtin) (in C(modules.builtin), or present without being
    in C(/proc/modules): C(/sys/module/<name>), or what the module provides, such as C(/proc/sys/net/bridge) for
    C(br_netfilter) and an C(overlay) entry in C(/proc/filesystems)); C(available) (in C(modules.dep) or found
    by C(modinfo)); C(absent).'
  - Reports, in RV(problems), a capability of O(require) that is missing or a kernel older than O(min_kernel); it
    fails on them only with O(fail_on_missing=true). Changes nothing on the host.
  - This module was C(container_preflight) (0.1.0, which failed on a problem by default); that name still works and
    is deprecated.
options:
  min_kernel:
    description: Oldest kernel release accepted, as C(major.minor[.patch]).
    type: str
    default: '3.10'
  require:
    description:
      - Capabilities that must be present. Names are the namespaces C(uts), C(ipc), C(mnt), C(pid), C(net),
        C(user), C(cgroupns) (the cgroup namespace); C(cgroups) (a cgroup hierarchy with controllers),
        C(cgroup_v2), C(cgroup.<controller>) (e.g. C(cgroup.memory)), C(overlay), C(br_netfilter), C(seccomp),
        C(user_namespaces) (the namespace exists and C(user.max_user_namespaces) > 0).
      - A name that is not one of these is refused, listing them (the same list is what RV(preflight.capabilities)
        reports, so an accepted name is always checked); C(cgroup) is refused with the hint C(cgroupns).
      - The default is every namespace, C(cgroups) and C(overlay). Kernels before 4.6 (EL7) have no cgroup
        namespace; leave C(cgroupns) out there.
    type: list
    elements: str
    default: [uts, ipc, mnt, pid, net, user, cgroupns, cgroups, overlay]
  modules:
    description:
      - Kernel modules whose state to report in RV(preflight.modules) besides C(overlay) and C(br_netfilter).
      - Names as modprobe takes them; an empty name, a path, a file name (C(x.ko)) or an option (C(-F)) is refused
        before C(modinfo) runs (it would read another file or take the name as an option).
    type: list
    elements: str
    default: [overlay, br_netfilter]
  fail_on_missing:
    description:
      - Fail when RV(problems) is not empty. With V(false) the problems are only reported.
      - The default was V(true) under the old name C(container_preflight) (before 0.3.0).
    type: bool
    default: false
  commands:
    description:
      - Commands to look for on the C(PATH) and in C(/sbin) and C(/usr/sbin); their paths are returned in
        RV(commands). A role learns from the same call whether it must install its tools first.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  sysctl:
    description:
      - Also report, in RV(sysctl), the regular C(*.conf) files of the C(sysctl.d) and C(modules-load.d) directories
        (SHA-1, size, mode, owner and group) and, for every key a file applied at boot sets, its live value and
        what sets it at boot, in the order C(systemd-sysctl) applies them.
      - What a caller that would write those files needs to know that nothing is to change
        (the M(fleetops.docker_host.sysctl_apply) step of the k8s_sysctl role is left out then). Reads only.
    type: bool
    default: false
    version_added: 0.3.0
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
attributes:
  platform:
    description: Linux hosts (reads C(/proc) and C(/sys)).
'''

EXAMPLES = r'''
- name: Check the kernel before installing Docker, failing when something is missing
  fleetops.docker_host.container_preflight_info:
    min_kernel: "4.15"
    fail_on_missing: true
  register: preflight

- name: Report only (the default), and require the memory and pids controllers too
  fleetops.docker_host.container_preflight_info:
    require: [uts, ipc, mnt, pid, net, cgroups, cgroup.memory, cgroup.pids, overlay]
  register: preflight

- name: Say what is missing
  ansible.builtin.debug:
    var: preflight.problems
  when: preflight.problems | length > 0
'''

RETURN = r'''
preflight:
  description: What the kernel offers.
  returned: always
  type: dict
  contains:
    kernel:
      description: C(release) (uname -r), C(version) (numeric part), C(minimum) and C(ok).
      type: dict
      sample: {"release": "6.1.0-18-amd64", "version": "6.1.0", "minimum": "3.10", "ok": true}
    namespaces:
      description: Namespace name -> present.
      type: dict
      sample: {"uts": true, "ipc": true, "mnt": true, "pid": true, "net": true, "user": true, "cgroup": true}
    max_user_namespaces:
      description: C(user.max_user_namespaces), null when the key does not exist.
      type: int
      sample: 63704
    cgroup:
      description: C(version) (V(v1), V(v2) or null), C(hybrid) (v1 with a unified hierarchy too), C(controllers).
      type: dict
      sample: {"version": "v2", "hybrid": false, "controllers": ["cpu", "io", "memory", "pids"]}
    overlayfs:
      description: C(in_proc_filesystems), C(module) (state of the overlay module) and C(supported).
      type: dict
      sample: {"in_proc_filesystems": true, "module": "loaded", "supported": true}
    modules:
      description: Module name -> C(builtin), C(loaded), C(available) or C(absent).
      type: dict
      sample: {"overlay": "loaded", "br_netfilter": "builtin"}
    br_netfilter:
      description: State of the br_netfilter module (as in RV(preflight.modules)).
      type: str
      sample: builtin
    container:
      description:
        - C(is_container), C(type) (docker, podman, lxc, ...) and C(evidence) (sentences).
        - Evidence is C(/.dockerenv), C(/.dockerinit), C(/run/.containerenv), C(/run/systemd/container),
          PID 1's C(container=) variable, a container cgroup of PID 1 (docker, lxc, containerd), an OpenVZ
          guest's C(/proc/vz), or C(systemd-detect-virt -c).
      type: dict
      sample: {"is_container": true, "type": "docker", "evidence": ["/.dockerenv exists"]}
    virtualization:
      description: C(is_vm), C(type) and C(evidence).
      type: dict
      sample: {"is_vm": true, "type": "kvm", "evidence": ["systemd-detect-virt -v says kvm"]}
    seccomp:
      description: C(supported), C(mode) of this process (disabled, strict, filter) and the kernel's C(actions).
      type: dict
      sample: {"supported": true, "mode": "disabled", "actions": ["kill_process", "errno", "allow"]}
    proc_sys_writable:
      description: Whether C(/proc/sys) is mounted read-write (containers usually get it read-only).
      type: bool
      sample: true
    capabilities:
      description: Every capability name O(require) accepts -> present.
      type: dict
      sample: {"uts": true, "cgroups": true, "cgroup.memory": true, "overlay": true, "seccomp": true}
    missing:
      description: The names of O(require) that are missing.
      type: list
      elements: str
      sample: []
commands:
  description: Each name of O(commands) -> its path, or V(null) when it is not installed.
  returned: always
  type: dict
  sample: {"sysctl": "/usr/sbin/sysctl", "modprobe": null}
  version_added: 0.2.0
sysctl:
  description: With O(sysctl), what the sysctl files and keys are on the host (V(null) without).
  returned: always
  type: dict
  version_added: 0.3.0
  contains:
    files:
      description:
        - Each regular C(*.conf) file (a link is not followed and not listed) of the C(sysctl.d) and
          C(modules-load.d) directories -> C(sha1), C(size), C(mode) (octal text), C(uid), C(gid).
      type: dict
      sample: {"/etc/sysctl.d/k8s.conf": {"sha1": "0c1f...", "size": 312, "mode": "0644", "uid": 0, "gid": 0}}
    by_key:
      description:
        - Each key a file applied at boot sets (or an unlinked C(/etc/sysctl.conf)) -> C(runtime) (the live value,
          V(null) when it cannot be read), C(error) (why not) and C(writes) (C([file, line, value]) in the order
          they apply at boot, the effective one last).
      type: dict
      sample: {"net.ipv4.ip_forward": {"runtime": "1", "error": null, "writes": [["/etc/sysctl.d/k8s.conf", 4, "1"]]}}
    unlinked_keys:
      description: The keys of an C(/etc/sysctl.conf) that C(systemd-sysctl) does not read at boot (no link to it).
      type: list
      elements: str
      sample: []
problems:
  description: One sentence per missing capability of O(require), and one when the kernel is too old.
  returned: always
  type: list
  elements: str
  sample: ["the cgroup namespace is missing (/proc/self/ns/cgroup does not exist)."]
'''

import os
import platform

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.fleetops.docker_host.plugins.module_utils._preflight import (
    DEFAULT_MODULES,
    DEFAULT_REQUIRE,
    PreflightError,
    build_report,
    module_name,
    parse_modules_dep,
    validate_commands,
    validate_modules,
    validate_require,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._sysctl import boot_state

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}


def detect_virt(module, flag):
    """Output of `systemd-detect-virt <flag>` ('none' or a name), None without the tool."""
    tool = module.get_bin_path('systemd-detect-virt')
    if not tool:
        return None
    rc, out, err = module.run_command([tool, flag], environ_update=C_ENV)
    return out.strip() or None


def modinfo_found(module, names, release):
    """{name: True/False} from `modinfo` for the modules modules.dep does not list."""
    dep = os.path.join('/lib/modules', release, 'modules.dep')
    listed = set()
    if os.path.exists(dep):
        with open(dep, 'rb') as handle:
            listed = parse_modules_dep(handle.read().decode('utf-8', 'replace'))
    tool = module.get_bin_path('modinfo', opt_dirs=['/sbin', '/usr/sbin'])
    found = {}
    for name in names:
        if module_name(name) in listed or not tool:
            continue
        rc, out, err = module.run_command([tool, '-F', 'filename', name], environ_update=C_ENV)
        found[name] = rc == 0 and bool(out.strip()) and '(builtin)' not in out
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            min_kernel=dict(type='str', default='3.10'),
            require=dict(type='list', elements='str', default=list(DEFAULT_REQUIRE)),
            modules=dict(type='list', elements='str', default=list(DEFAULT_MODULES)),
            fail_on_missing=dict(type='bool', default=False),
            commands=dict(type='list', elements='str', default=[]),
            sysctl=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    release = platform.release()
    try:
        # Before modinfo runs with any of them.
        validate_require(params['require'])
        validate_modules(params['modules'])
        validate_commands(params['commands'])
    except PreflightError as exc:
        module.fail_json(msg='container_preflight_info: %s' % to_native(exc))
    names = list(params['modules']) + [name for name in DEFAULT_MODULES if name not in params['modules']]
    try:
        report, problems = build_report(
            release, min_kernel=params['min_kernel'], require=params['require'], modules=params['modules'],
            modinfo=modinfo_found(module, names, release),
            detect_virt_container=detect_virt(module, '-c'), detect_virt_vm=detect_virt(module, '-v'))
    except PreflightError as exc:
        module.fail_json(msg='container_preflight_info: %s' % to_native(exc))
    commands = dict((name, module.get_bin_path(name, opt_dirs=['/sbin', '/usr/sbin'])) for name in params['commands'])
    result = dict(changed=False, preflight=report, problems=problems, commands=commands,
                  sysctl=boot_state() if params['sysctl'] else None)
    if problems and params['fail_on_missing']:
        module.fail_json(msg='container_preflight_info: %s' % ' '.join(problems), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
