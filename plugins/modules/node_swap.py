#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: node_swap
short_description: Turn swap off now and at boot, for the kubelet
version_added: 0.2.0
description:
  - Comments out every swap line of O(fstab) (the lines stay, behind a marker, and can be restored by hand), masks
    C(swap.target) and the swap units systemd lists, masks the C(zram-generator) systemd generator when it is
    installed, reloads systemd when it changed a unit, and runs C(swapoff -a) when swap is on.
  - With O(in_container) true, C(swapoff) is never run and the machine's swap is left alone (swap belongs to
    the machine, like the global sysctls); the files and units inside the container are still handled, and
    RV(notes) says so.
  - Idempotent, a second run finds nothing to do.
options:
  fstab:
    description:
      - The fstab file, an absolute path to a regular file; a symlink is written through (the link stays), a
        directory, a FIFO or a device is refused before anything is read. Bytes that are not UTF-8 are kept.
    type: path
    default: /etc/fstab
  in_container:
    description: Whether this host is a container (from M(fleetops.docker_host.container_preflight)); then no C(swapoff).
    type: bool
    default: false
  mask_units:
    description: Mask C(swap.target), the listed swap units and the zram generator.
    type: bool
    default: true
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Reports what would change, and the diff, without writing.
    support: full
  diff_mode:
    description: The diff of the file (fstab).
    support: full
  platform:
    description: Linux hosts with systemd.
'''

EXAMPLES = r'''
- name: Swap off for the kubelet
  fleetops.docker_host.node_swap:
    in_container: "{{ fleetops_preflight.preflight.container.is_container | default(false) }}"
'''

RETURN = r'''
fstab_commented:
  description: The fstab lines that were (or would be, in check mode) commented out.
  returned: always
  type: list
  elements: str
  sample: ["/swapfile none swap sw 0 0"]
masked:
  description: The units and generators masked by this run.
  returned: always
  type: list
  elements: str
  sample: [swap.target, swapfile.swap]
swapoff:
  description: Whether C(swapoff -a) ran (or would run).
  returned: always
  type: bool
swap_before:
  description: The entries of C(/proc/swaps) before the run (C(filename), C(type), C(size_kib), C(used_kib), C(priority)).
  returned: always
  type: list
  elements: dict
swap_after:
  description: The entries of C(/proc/swaps) after the run.
  returned: always
  type: list
  elements: dict
notes:
  description: What the run left alone and why (a container's swap, a unit file the operator wrote).
  returned: always
  type: list
  elements: str
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import (
    UnsafeFileError,
    look_text,
    printable,
    read_regular,
    resolve_target,
    write_atomic,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import (
    comment_fstab_swap,
    parse_proc_swaps,
    parse_unit_list,
)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
PROC_SWAPS = '/proc/swaps'
SYSTEMD_RUNNING = '/run/systemd/system'
UNIT_DIR = '/etc/systemd/system'
GENERATOR_DIR = '/etc/systemd/system-generators'
ZRAM_GENERATORS = ('/usr/lib/systemd/system-generators/zram-generator', '/lib/systemd/system-generators/zram-generator')


def read(path):
    return look_text(path)


def masked(path):
    return os.path.islink(path) and os.readlink(path) == '/dev/null'


def mask_targets(module, systemd):
    """[(name, link path)] to mask, and notes about those left alone."""
    units = ['swap.target']
    if systemd:
        systemctl = module.get_bin_path('systemctl')
        if systemctl:
            rc, out, err = module.run_command([systemctl, 'list-units', '--type', 'swap', '--all', '--plain',
                                               '--no-legend', '--no-pager'], environ_update=C_ENV)
            if rc == 0:
                units += [unit for unit in parse_unit_list(out) if unit not in units]
    targets, notes = [], []
    for unit in units:
        link = os.path.join(UNIT_DIR, unit)
        if masked(link):
            continue
        if os.path.lexists(link):
            notes.append('%s is a unit file of its own (not masked); remove or disable it by hand' % link)
            continue
        targets.append((unit, link))
    if any(os.path.exists(path) for path in ZRAM_GENERATORS):
        link = os.path.join(GENERATOR_DIR, 'zram-generator')
        if not masked(link) and not os.path.lexists(link):
            targets.append(('zram-generator', link))
    return targets, notes


def run(module):
    params = module.params
    fstab = params['fstab']
    notes = []
    before_swaps = parse_proc_swaps(read(PROC_SWAPS))
    systemd = os.path.isdir(SYSTEMD_RUNNING)

    # fstab is bytes to mount: a byte that is not UTF-8 (a Latin-1 comment) is kept as it is (surrogateescape)
    # and shown as U+FFFD in the result, which must be valid UTF-8.
    target = resolve_target(fstab, 'fstab', '/etc/fstab', 'fstab')
    fstab_bytes = read_regular(target, option='fstab', what='fstab')
    fstab_text = None if fstab_bytes is None else fstab_bytes.decode('utf-8', 'surrogateescape')
    new_fstab, commented = comment_fstab_swap(fstab_text or '')
    targets, unit_notes = mask_targets(module, systemd) if params['mask_units'] else ([], [])
    notes += unit_notes
    run_swapoff = bool(before_swaps) and not params['in_container']
    if params['in_container'] and before_swaps:
        notes.append('this host is a container: swap (%s) belongs to the machine, swapoff not run; turn it off there'
                     % ', '.join(entry['filename'] for entry in before_swaps))
    elif params['in_container']:
        notes.append('this host is a container: swap belongs to the machine, swapoff is never run here (none is on now)')
    changed = bool(commented or targets or run_swapoff)
    result = dict(changed=changed, fstab_commented=printable(commented), masked=[name for name, _link in targets],
                  swapoff=run_swapoff, swap_before=before_swaps, swap_after=before_swaps, notes=notes)
    if module._diff:
        result['diff'] = {'before_header': fstab, 'after_header': fstab, 'before': printable(fstab_text or ''),
                          'after': printable(new_fstab)}
    if module.check_mode or not changed:
        return result

    if commented:
        if read_regular(target, option='fstab', what='fstab') != fstab_bytes:
            raise UnsafeFileError('fstab %s changed while this run edited it (another writer); nothing was written, '
                                  'run again' % fstab)
        write_atomic(module, target, new_fstab)
    for _name, link in targets:
        directory = os.path.dirname(link)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        os.symlink('/dev/null', link)
    if systemd and (commented or targets):
        systemctl = module.get_bin_path('systemctl', required=True)
        rc, out, err = module.run_command([systemctl, 'daemon-reload'], environ_update=C_ENV)
        if rc != 0:
            module.fail_json(msg='node_swap: systemctl daemon-reload failed: %s' % (err or out).strip(), **result)
    if run_swapoff:
        swapoff = module.get_bin_path('swapoff', required=True, opt_dirs=['/sbin', '/usr/sbin'])
        rc, out, err = module.run_command([swapoff, '-a'], environ_update=C_ENV)
        if rc != 0:
            module.fail_json(msg='node_swap: swapoff -a failed (rc %d): %s' % (rc, (err or out).strip()), **result)
        result['swap_after'] = parse_proc_swaps(read(PROC_SWAPS))
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            fstab=dict(type='path', default='/etc/fstab'),
            in_container=dict(type='bool', default=False),
            mask_units=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except UnsafeFileError as exc:
        module.fail_json(msg='node_swap: %s' % printable(to_native(exc)))
    except OSError as exc:
        module.fail_json(msg='node_swap: %s' % printable(to_native(exc)))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
