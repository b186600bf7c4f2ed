#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: sysctl_apply
short_description: Persist sysctl settings and kernel modules, apply them and verify, in one step
version_added: 0.2.0
description:
  - Writes the sysctl file O(sysctl_path) and, with O(modules_path), the C(modules-load.d) file, each
    atomically and only when its text, owner (root) or mode (C(0644)) differs.
  - Loads the kernel modules of O(load_modules) with C(modprobe).
  - Reads the live values of O(expected) and brings them in line when a file changed or a value differs, either
    with O(apply=system) by running C(sysctl --system) (the live state is then what the next boot sets), with
    O(apply=keys) by writing only the differing keys to C(/proc/sys) (for containers, where C(sysctl --system)
    would also write the global keys of the distribution's files), or not at all with O(apply=none).
  - Then verifies every key of O(expected), live and as the next boot sets it, exactly as
    M(fleetops.docker_host.sysctl_info) does, and returns that result in RV(check).
  - One module run instead of a template, a file check, a read, a command and a check per step, so a host
    that is already right costs one round trip.
options:
  sysctl_path:
    description: The sysctl file to write, in one of the directories C(sysctl --system) reads.
    type: path
    required: true
  sysctl_content:
    description: The text of O(sysctl_path).
    type: str
    required: true
  modules_path:
    description: The C(modules-load.d) file to write. Omit it to leave module files alone.
    type: path
  modules_content:
    description: The text of O(modules_path). Required with O(modules_path).
    type: str
  load_modules:
    description:
      - Kernel modules to load now with C(modprobe). Give only those that are neither loaded nor built into the
        kernel (M(fleetops.docker_host.container_preflight_info) tells). A module C(modprobe) cannot load is reported
        in RV(modules_failed), not as a failure of this module.
    type: list
    elements: str
    default: []
  expected:
    description:
      - The sysctl keys to apply and verify, with their values (scalars; booleans count as C(1)/C(0)).
        Usually the keys of O(sysctl_content); in a container only those it may set.
      - Empty means nothing is applied or verified (RV(check) is then V(null)).
    type: dict
    default: {}
  apply:
    description:
      - V(system) runs C(sysctl --system) when a file changed or a live value differs (its exit code and
        errors are returned, not failed on; the verification decides).
      - V(keys) writes each key of O(expected) whose live value differs to C(/proc/sys). A write-only key (such as
        C(net.ipv4.route.flush), mode C(0200), which the kernel refuses to read even to root) has no live value to
        compare, so it is written when this run wrote O(sysctl_path) (its first apply, or a change of the file), as
        C(systemd-sysctl) writes every key of the file at boot, and not otherwise, so that a run on a host that
        is right stays unchanged. Such keys are listed in RV(written_unverified) (written, but their effect cannot
        be read back).
      - V(none) applies nothing.
    type: str
    choices: [system, keys, none]
    default: system
  fail_on_mismatch:
    description: Fail when the verification finds a key missing, wrong, or overridden at boot by a later file.
    type: bool
    default: true
notes:
  - Every key of O(expected) is validated as a key before anything is read or written, dotted (C(net.ipv4.ip_forward),
    a VLAN interface as C(eth0/100)) or slashed (C(net/ipv4/ip_forward)) form, with no empty, C(.) or C(..)
    component and no absolute path, and its resolved path must stay under C(/proc/sys). This protects
    against a key such as C(kernel/../../../etc/passwd) reading or (O(apply=keys)) writing a file outside C(/proc/sys) as root.
  - A relative O(sysctl_path) is refused (over SSH it would land in the remote user's home); a line of O(sysctl_content)
    without C(=) is refused before writing; a O(sysctl_path) no boot-time tool reads gets a warning.
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Tells what would be written, loaded and applied; RV(check) then describes the host as it is.
    support: full
  diff_mode:
    description: Shows the old and the new text of each file that changes.
    support: full
  platform:
    description: Linux hosts.
seealso:
  - module: fleetops.docker_host.sysctl_info
  - module: fleetops.docker_host.container_preflight_info
  - name: sysctl.d(5)
    description: Configuration directories and precedence.
    link: https://man7.org/linux/man-pages/man5/sysctl.d.5.html
'''

EXAMPLES = r'''
- name: Kubernetes prerequisites on a host
  fleetops.docker_host.sysctl_apply:
    sysctl_path: /etc/sysctl.d/k8s.conf
    sysctl_content: |
      net.bridge.bridge-nf-call-iptables = 1
      net.bridge.bridge-nf-call-ip6tables = 1
      net.ipv4.ip_forward = 1
    modules_path: /etc/modules-load.d/k8s.conf
    modules_content: |
      overlay
      br_netfilter
    load_modules: [br_netfilter]
    expected:
      net.bridge.bridge-nf-call-iptables: 1
      net.bridge.bridge-nf-call-ip6tables: 1
      net.ipv4.ip_forward: 1

- name: In a container, only the network keys of its own namespace
  fleetops.docker_host.sysctl_apply:
    sysctl_path: /etc/sysctl.d/k8s.conf
    sysctl_content: "net.ipv4.ip_forward = 1\n"
    expected:
      net.ipv4.ip_forward: 1
    apply: keys
'''

RETURN = r'''
files:
  description: The files written (or that would be written in check mode).
  returned: success
  type: list
  elements: str
  sample: [/etc/sysctl.d/k8s.conf]
modules_loaded:
  description: The modules C(modprobe) loaded (or would load, in check mode).
  returned: success
  type: list
  elements: str
  sample: [br_netfilter]
modules_failed:
  description: Each module C(modprobe) could not load -> what it said.
  returned: success
  type: dict
  sample: {"ip_vs": "modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.1.0-13-amd64"}
before:
  description: The keys of O(expected) whose live value differed (or that were missing) before anything was applied.
  returned: success
  type: list
  elements: str
  sample: [net.ipv4.ip_forward]
applied:
  description: V(system) when C(sysctl --system) ran, V(keys) when keys were written to C(/proc/sys), else V(none).
  returned: success
  type: str
  sample: system
applied_keys:
  description: The keys written to C(/proc/sys) with O(apply=keys) (would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: [net.ipv4.ip_forward]
written_unverified:
  description:
    - The write-only keys of O(expected) written (would be, in check mode) with O(apply=keys) because this run
      wrote O(sysctl_path); the kernel does not let them be read back, so the verification reports them as
      C(write_only), not as checked.
  returned: success
  type: list
  elements: str
  sample: [net.ipv4.route.flush]
system_rc:
  description: The exit code of C(sysctl --system), when it ran (non-zero when a key of any file could not be set).
  returned: when C(sysctl --system) ran
  type: int
  sample: 0
system_stderr:
  description: What C(sysctl --system) printed on standard error, when it ran.
  returned: when C(sysctl --system) ran
  type: str
  sample: ''
check:
  description:
    - The verification of O(expected) after applying, as M(fleetops.docker_host.sysctl_info) returns it
      (C(ok), C(results), C(mismatches), C(hints), C(msg)); V(null) when O(expected) is empty.
  returned: success
  type: dict
  sample: {"ok": true, "mismatches": [], "hints": [], "msg": "sysctl_info: all 1 keys are as expected at runtime and at boot"}
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import (
    UnsafeFileError,
    read_regular,
    write_atomic,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._sysctl import (
    SysctlError,
    check,
    key_path,
    normalise_expected,
    validate_sysctl_file,
)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}


def file_changes(path, content):
    """(changed, before_text) for writing CONTENT to PATH; before_text is None when there is no file."""
    # Never blocks on a FIFO: anything but a regular file is refused (UnsafeFileError, an OSError) naming it.
    try:
        data = read_regular(path, option='path', what='the file')
    except UnsafeFileError:
        raise
    except OSError:
        data = None
    before = None if data is None else to_text(data, errors='surrogate_or_replace')
    return before != content, before


def write_keys(results, root='/', write_only=()):
    """Write every key whose status is 'mismatch', and the write-only keys of WRITE_ONLY, to /proc/sys; return the keys written."""
    written = []
    for key in sorted(results):
        result = results[key]
        if result['status'] != 'mismatch' and not (result['status'] == 'write_only' and key in write_only):
            continue
        with open(key_path(key, root), 'w') as handle:
            handle.write(result['expected'])
        written.append(key)
    return written


def run(module, root='/', modprobe=None, sysctl_system=None):
    """The module's work. MODPROBE(name) -> (rc, message) and SYSCTL_SYSTEM() -> (rc, stderr) run the tools."""
    params = module.params
    check_mode = module.check_mode
    normalise_expected(params['expected'])  # bad keys or values fail here, before anything is written
    for warning in validate_sysctl_file(params['sysctl_path'], params['sysctl_content'], root):
        module.warn(warning)
    result = dict(changed=False, files=[], modules_loaded=[], modules_failed={}, before=[], applied='none',
                  applied_keys=[], written_unverified=[], check=None)
    diffs = []

    targets = [(params['sysctl_path'], params['sysctl_content'])]
    if params['modules_path']:
        targets.append((params['modules_path'], params['modules_content']))
    sysctl_file_changed = False
    for path, content in targets:
        changed, before = file_changes(path, content)
        if module._diff and changed:
            diffs.append(dict(before_header=path if before is not None else '%s (absent)' % path,
                              after_header=path, before=before or '', after=content))
        if changed:
            if not check_mode:
                write_atomic(module, path, content, mode=0o644)
            result['files'].append(path)
            sysctl_file_changed = sysctl_file_changed or path == params['sysctl_path']
        if not check_mode or not changed:
            file_args = module.load_file_common_arguments(dict(path=path, mode='0644', owner='root', group='root'))
            if os.path.exists(path) and module.set_fs_attributes_if_different(file_args, False, expand=False):
                if path not in result['files']:
                    result['files'].append(path)

    for name in params['load_modules']:
        if check_mode:
            result['modules_loaded'].append(name)
            continue
        rc, message = modprobe(name)
        if rc == 0:
            result['modules_loaded'].append(name)
        else:
            result['modules_failed'][name] = message

    expected = params['expected']
    if expected:
        live = check(expected, check_persisted=False, root=root)
        result['before'] = live['mismatches']
        needs_apply = sysctl_file_changed or bool(live['mismatches'])
        if params['apply'] == 'system' and needs_apply:
            result['applied'] = 'system'
            if not check_mode:
                rc, err = sysctl_system()
                result['system_rc'] = rc
                result['system_stderr'] = err
        elif params['apply'] == 'keys':
            pending = sorted(key for key, value in live['results'].items() if value['status'] == 'mismatch')
            # A write-only key cannot be compared: written with the file (as systemd-sysctl does at boot), not
            # on every run, which would make a host that is right report a change each time.
            write_only = sorted(key for key, value in live['results'].items()
                                if value['status'] == 'write_only') if sysctl_file_changed else []
            if pending or write_only:
                result['applied'] = 'keys'
                result['applied_keys'] = (sorted(pending + write_only) if check_mode
                                          else write_keys(live['results'], root, write_only))
                result['written_unverified'] = write_only
        result['check'] = check(expected, check_persisted=True, root=root)

    result['changed'] = bool(result['files'] or result['modules_loaded'] or result['applied'] != 'none')
    if diffs:
        result['diff'] = diffs
    return result


def build_module():
    return AnsibleModule(
        argument_spec=dict(
            sysctl_path=dict(type='path', required=True),
            sysctl_content=dict(type='str', required=True),
            modules_path=dict(type='path'),
            modules_content=dict(type='str'),
            load_modules=dict(type='list', elements='str', default=[]),
            expected=dict(type='dict', default={}),
            apply=dict(type='str', default='system', choices=['system', 'keys', 'none']),
            fail_on_mismatch=dict(type='bool', default=True),
        ),
        required_together=[('modules_path', 'modules_content')],
        supports_check_mode=True,
    )


def main():
    module = build_module()

    def modprobe(name):
        tool = module.get_bin_path('modprobe', opt_dirs=['/sbin', '/usr/sbin'])
        if not tool:
            return 127, 'modprobe is not installed'
        rc, out, err = module.run_command([tool, name], environ_update=C_ENV)
        return rc, (err or out).strip()

    def sysctl_system():
        tool = module.get_bin_path('sysctl', required=True, opt_dirs=['/sbin', '/usr/sbin'])
        rc, out, err = module.run_command([tool, '--system'], environ_update=C_ENV)
        return rc, err.strip()

    try:
        result = run(module, modprobe=modprobe, sysctl_system=sysctl_system)
    except SysctlError as exc:
        module.fail_json(msg='sysctl_apply: %s' % to_native(exc))
    except OSError as exc:
        module.fail_json(msg='sysctl_apply: %s' % to_native(exc))
    verdict = result['check']
    if module.params['fail_on_mismatch'] and verdict is not None and not verdict['ok'] and not module.check_mode:
        module.fail_json(msg='%s. %s' % (verdict['msg'], ' '.join(verdict['hints'])), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
