#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: kernel_boot_info
short_description: Report the running and installed kernels, the kernel a package brings, and what the boot loader boots next
version_added: 0.2.0
description:
  - One read-only look at a host's kernels for an upgrade or an audit. Reports the running kernel
    (C(uname -r)), the kernels with an image in C(/boot), the kernel O(package) leads to, the boot loader's
    default and next entry, whether the host is a container, and what a role must do to boot O(kernel).
  - apt family, O(package) is followed through its C(Depends) to a versioned C(linux-image-<release>)
    package, over two levels where needed (Ubuntu HWE, C(linux-generic-hwe-24.04) ->
    C(linux-image-generic-hwe-24.04) -> C(linux-image-6.8.0-50-generic)). rpm family, the newest installed
    C(VERSION-RELEASE.ARCH) of O(package) (rpm's version comparison), which is the C(uname -r) of
    C(kernel), C(kernel-ml) and C(kernel-lt).
  - GRUB, C(grub.cfg) (C(/boot/grub) or C(/boot/grub2)) gives the menu entries with their ids and kernels, the
    submenus and the C(set default) value; C(grubenv) gives C(saved_entry) and C(next_entry); with C(blscfg)
    the entries of C(/boot/loader/entries) are read too. Where C(grubby) exists, C(grubby --default-kernel)
    is the default.
  - Whether the host is a container comes from Ansible's virtualization facts in O(settings) (C(facts));
    without O(settings) RV(container) says no container.
  - Changes nothing on the host.
options:
  package:
    description:
      - The kernel package (apt, a metapackage such as C(linux-image-amd64)) or package name (rpm, such as
        C(kernel-ml)) whose kernel to report in RV(package). Without it RV(package) is empty.
    type: str
  manager:
    description:
      - Which package database O(package) is looked up in. V(auto) takes C(dpkg-query) where the host has it, else
        C(rpm). A host can carry both (EL package tooling on a Debian userland, C(rpm) installed on Debian), so a
        caller that knows the host's family names it; with O(settings), V(auto) means the database of the family
        in its C(facts).
    type: str
    choices: [auto, apt, rpm]
    default: auto
  kernel:
    description:
      - The kernel release RV(decision) is computed for. Default, the kernel O(package) leads to.
    type: str
  apt_suite:
    description:
      - An apt suite (such as C(bookworm-backports)) to look for in C(/etc/apt/sources.list) and
        C(/etc/apt/sources.list.d); the files that enable it are returned in RV(apt.sources).
    type: str
  settings:
    description:
      - The fleetops.docker_host.kernel_ml role's settings (its variables by name, C(host), C(facts) with Ansible's
        virtualization facts, and what its earlier steps found). With them the look also returns RV(plan), the
        role's decisions, and looks at the kernel package of the role's kernel line when O(package) is not given.
        For the role; an audit leaves it out.
    type: dict
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
attributes:
  platform:
    description: Linux hosts with GRUB 2 (Debian, Ubuntu, the EL family).
'''

EXAMPLES = r'''
- name: Audit what each host runs and boots next
  fleetops.docker_host.kernel_boot_info:
  register: boot

- name: Follow Debian's backports kernel metapackage and decide for the kernel it brings
  fleetops.docker_host.kernel_boot_info:
    package: linux-image-amd64
    apt_suite: bookworm-backports
  register: boot

- name: Audit the cgroup version and the kernel command line
  fleetops.docker_host.kernel_boot_info:
  register: boot
  # boot.cmdline.cgroup_fs is cgroup2fs on cgroup v2, tmpfs on v1; boot.cmdline.running is /proc/cmdline

- name: Show hosts that would not boot the kernel the package installed
  ansible.builtin.debug:
    msg: "{{ boot.decision.wanted }} is installed, the default entry boots {{ boot.boot.default_kernel }}"
  when: not boot.decision.default_ok
'''

RETURN = r'''
kernel:
  description: The running kernel and the kernels installed in C(/boot).
  returned: always
  type: dict
  contains:
    running:
      description: C(uname -r).
      type: str
      sample: 6.1.0-18-amd64
    installed:
      description: Kernel releases with a C(/boot/vmlinuz-<release>) image, oldest first (rescue images left out).
      type: list
      elements: str
      sample: ["6.1.0-18-amd64", "6.12.9+bpo-amd64"]
package:
  description: What O(package) is and the kernel it leads to; empty without O(package).
  returned: always
  type: dict
  contains:
    name:
      description: O(package).
      type: str
      sample: linux-image-amd64
    manager:
      description: V(apt) or V(rpm) (whichever of C(dpkg-query) and C(rpm) the host has, dpkg first), null with neither.
      type: str
      sample: apt
    installed:
      description: Whether the package is installed.
      type: bool
      sample: true
    version:
      description: The installed package version (apt), or the newest installed VERSION-RELEASE.ARCH (rpm); null when not installed.
      type: str
      sample: 6.12.9-1~bpo12+1
    chain:
      description: The packages followed, from O(package) to the versioned image package (apt).
      type: list
      elements: str
      sample: ["linux-image-amd64", "linux-image-6.12.9+bpo-amd64"]
    kernel:
      description: The kernel release (C(uname -r) form) the package leads to, V('') when unknown or not installed.
      type: str
      sample: 6.12.9+bpo-amd64
apt:
  description: Where O(apt_suite) is enabled; empty without O(apt_suite).
  returned: always
  type: dict
  contains:
    suite:
      description: O(apt_suite).
      type: str
      sample: bookworm-backports
    sources:
      description: The source files with an enabled C(deb) entry for the suite.
      type: list
      elements: str
      sample: ["/etc/apt/sources.list.d/debian-backports.sources"]
elrepo:
  description:
    - With O(settings) on the EL family, whether ELRepo's repository file (C(/etc/yum.repos.d/elrepo.repo), which
      elrepo-release installs) is there; empty otherwise.
  returned: always
  type: dict
  sample: {"repo_file": "/etc/yum.repos.d/elrepo.repo", "present": true}
boot:
  description: The boot loader and what it boots.
  returned: always
  type: dict
  contains:
    loader:
      description: V(grub) when a C(grub.cfg) or C(grubby) is found, V(unknown) otherwise.
      type: str
      sample: grub
    manager:
      description: How the default entry is set, V(grubby) (where C(grubby) exists), V(grub-set-default), or null.
      type: str
      sample: grub-set-default
    commands:
      description:
        - Paths of C(grubby), C(grub-set-default) (or C(grub2-set-default)), C(grub-editenv) (or C(grub2-editenv)),
          C(update-grub) and C(grub-reboot) (or C(grub2-reboot), key C(reboot_once)), null when absent.
      type: dict
      sample: {"grubby": null, "set_default": "/usr/sbin/grub-set-default", "editenv": "/usr/bin/grub-editenv",
               "update_grub": "/usr/sbin/update-grub", "reboot_once": "/usr/sbin/grub-reboot"}
    default_kernel:
      description: The kernel release the default entry boots (without a one-time C(next_entry)), V('') when unknown.
      type: str
      sample: 6.12.9+bpo-amd64
    next_kernel:
      description: The kernel release the next boot selects (C(next_entry) when GRUB honours it).
      type: str
      sample: 6.12.9+bpo-amd64
    default_image:
      description: C(/boot/vmlinuz-<release>) of the default entry, V('') when unknown.
      type: str
      sample: /boot/vmlinuz-6.12.9+bpo-amd64
    default_args:
      description:
        - The kernel command line of the default entry (grub.cfg's or the BLS entry's, C(grubby --info DEFAULT)
          where grubby exists), null when unknown.
      type: str
      sample: root=UUID=0f3c ro quiet systemd.unified_cgroup_hierarchy=1 panic=10
    trial:
      description:
        - The kernel_ml role's one-shot trial entry for kernel command-line arguments, C({}) without one
          (C(selector) what C(grub-reboot) takes, C(kernel), C(args), C(file) the BLS file of grubby's copy).
      type: dict
      sample: {"selector": "kernel_ml-trial", "kernel": "6.1.0-18-amd64", "args": "root=UUID=0f3c ro init=/bin/false panic=10",
               "file": ""}
    grubby_default:
      description: C(grubby --default-kernel), null without grubby.
      type: str
      sample: /boot/vmlinuz-6.17.9-1.el9.elrepo.x86_64
    grub:
      description:
        - GRUB's files, null without C(grub.cfg) and without BLS entries (where C(/boot/loader/entries) exists but no
          C(grub.cfg) is readable, as on EL8 with UEFI, the menu is the BLS entries, C(cfg_path) is null and
          C(env_path) C(/boot/grub2/grubenv)). C(cfg_default) is grub.cfg's C(set default) value other than
          C(${next_entry}); C(saved_entry) and C(next_entry) come from C(grubenv); C(honors_next_entry) whether
          grub.cfg uses C(next_entry); C(blscfg) whether it loads BLS entries.
        - C(env_valid) is false when C(grubenv) is missing, lacks GRUB's C(# GRUB Environment Block) header or is
          not 1024 bytes; GRUB then ignores it and boots entry 0, so C(saved_entry) and C(next_entry) are read as
          empty, and C(env_problem) says why and how to recreate it (V(null) when valid).
        - C(entries) lists every menu entry with C(path) (the selector grub-set-default takes,
          C(submenu-id>entry-id)), C(id), C(title), C(kernel), C(linux), C(args), C(initrd), C(recovery), C(in_submenu);
          C(submenus) their C(id) and C(title).
        - C(default) and C(next) are the entries selected, each with C(selector), C(path), C(title), C(kernel) and C(image).
      type: dict
      sample:
        cfg_path: /boot/grub/grub.cfg
        env_path: /boot/grub/grubenv
        cfg_default: "0"
        saved_entry: ""
        next_entry: ""
        honors_next_entry: true
        blscfg: false
        submenus: [{"id": "gnulinux-advanced-0f3c", "title": "Advanced options for Debian GNU/Linux"}]
        entries: [{"path": "gnulinux-simple-0f3c", "id": "gnulinux-simple-0f3c", "title": "Debian GNU/Linux",
                   "kernel": "6.12.9+bpo-amd64", "linux": "/boot/vmlinuz-6.12.9+bpo-amd64",
                   "args": "root=UUID=0f3c ro quiet panic=10", "initrd": "/boot/initrd.img-6.12.9+bpo-amd64",
                   "recovery": false, "in_submenu": false}]
        default: {"selector": "0", "path": "gnulinux-simple-0f3c", "title": "Debian GNU/Linux",
                  "kernel": "6.12.9+bpo-amd64", "image": "/boot/vmlinuz-6.12.9+bpo-amd64"}
        next: {"selector": "0", "path": "gnulinux-simple-0f3c", "title": "Debian GNU/Linux",
               "kernel": "6.12.9+bpo-amd64", "image": "/boot/vmlinuz-6.12.9+bpo-amd64"}
cmdline:
  description: The running kernel's command line and the cgroup file system it led to.
  returned: always
  type: dict
  contains:
    running:
      description: C(/proc/cmdline).
      type: str
      sample: BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f3c ro systemd.unified_cgroup_hierarchy=1
    cgroup_fs:
      description: C(stat -fc %T /sys/fs/cgroup), V(cgroup2fs) (cgroup v2) or V(tmpfs) (v1 or hybrid); V('') when unknown.
      type: str
      sample: cgroup2fs
plan:
  description:
    - The kernel_ml role's decisions from this look and O(settings) (private to the role, it may change with it);
      empty without O(settings).
  returned: always
  type: dict
  sample: {"action": "none", "problems": [], "message": "web1 runs and defaults to 6.12.9+bpo-amd64: nothing to do."}
container:
  description:
    - C(is_container), C(type) and C(evidence), from Ansible's C(virtualization_type) and C(virtualization_role) in
      O(settings)'s C(facts) (a guest of docker, podman, lxc, containerd, systemd-nspawn, openvz); no container
      without O(settings).
  returned: always
  type: dict
  sample: {"is_container": false, "type": null, "evidence": []}
decision:
  description: What booting O(kernel) (or the kernel O(package) leads to) takes.
  returned: always
  type: dict
  contains:
    wanted:
      description: The kernel release decided for, V('') when unknown (then every other field is false or empty).
      type: str
      sample: 6.12.9+bpo-amd64
    image_present:
      description: Whether C(/boot/vmlinuz-<wanted>) exists.
      type: bool
      sample: true
    default_ok:
      description: Whether the default entry boots the wanted kernel and no one-time C(next_entry) boots another.
      type: bool
      sample: true
    boot_entry:
      description:
        - What to make the default, a C(grub-set-default) selector (C(submenu-id>entry-id), a kernel-specific
          entry, never a recovery one) or grubby's C(/boot/vmlinuz-<wanted>); V('') when no entry boots it.
      type: str
      sample: gnulinux-advanced-0f3c>gnulinux-6.12.9+bpo-amd64-advanced-0f3c
    clear_next_entry:
      description: Whether C(grubenv) holds a C(next_entry) that would boot another kernel.
      type: bool
      sample: false
    reboot_needed:
      description: Whether the running kernel is not the wanted one.
      type: bool
      sample: true
    fallback:
      description: The running kernel, the one that stays the default while the wanted kernel boots once on trial.
      type: str
      sample: 6.1.0-18-amd64
    fallback_entry:
      description: What makes RV(decision.fallback) the default (a C(grub-set-default) selector or grubby's C(/boot/vmlinuz-<release>)).
      type: str
      sample: gnulinux-advanced-0f3c>gnulinux-6.1.0-18-amd64-advanced-0f3c
    fallback_ok:
      description: Whether the default entry already boots RV(decision.fallback).
      type: bool
      sample: false
    once_entry:
      description:
        - The selector C(grub-reboot) (C(grub2-reboot)) takes to boot the wanted kernel once, a menu entry path or, on
          EL8+, the BLS entry id; V('') when no entry boots it.
      type: str
      sample: gnulinux-advanced-0f3c>gnulinux-6.12.9+bpo-amd64-advanced-0f3c
    once_args:
      description: The kernel command line of RV(decision.once_entry) (grub.cfg's C(linux) line, a BLS entry's C(options)), null when unknown.
      type: str
      sample: root=UUID=0f3c ro quiet panic=10
    once_armed:
      description: Whether GRUB's one-time C(next_entry) boots the wanted kernel on the next boot.
      type: bool
      sample: false
'''

import glob
import os
import platform

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._boot import (
    GRUBENV_SIZE,
    boot_summary,
    decide,
    default_args,
    follow_apt,
    grub_state,
    grubenv_problem,
    installed_kernels,
    look_bytes,
    look_text,
    parse_dpkg_query,
    parse_grubby_info,
    rpm_package,
    source_has_suite,
    trial_entry,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._kernel_ml import (
    ELREPO_REPO_FILE,
    PACKAGE_DB,
    container_from_facts,
    kernel_ml_line,
    role_plan,
)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
SBIN = ['/sbin', '/usr/sbin']
GRUB_DIRS = ('/boot/grub', '/boot/grub2')


def _read(path):
    # Never blocks on a FIFO, never returns bytes that are not UTF-8 (U+FFFD instead).
    return look_text(path)


def _grubenv(path):
    """(text GRUB reads from grubenv, problem or None): a block GRUB rejects is read as empty, as GRUB does."""
    data = look_bytes(path, GRUBENV_SIZE * 64)
    problem = grubenv_problem(data, path)
    if problem and data is not None:
        return '', problem
    return ('' if data is None else data.decode('utf-8', 'replace')), problem


def _bin(module, *names):
    for name in names:
        path = module.get_bin_path(name, opt_dirs=SBIN)
        if path:
            return path
    return None


def look_package(module, name, manager='auto'):
    dpkg = _bin(module, 'dpkg-query') if manager in ('auto', 'apt') else None
    if dpkg:
        def query(package):
            rc, out, err = module.run_command(
                [dpkg, '-W', '-f=${Status}\t${Version}\t${Depends}\n', package], environ_update=C_ENV)
            return parse_dpkg_query(out) if rc == 0 else None
        return follow_apt(name, query)
    rpm = _bin(module, 'rpm') if manager in ('auto', 'rpm') else None
    if rpm:
        rc, out, err = module.run_command(
            [rpm, '-q', '--qf', '%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n', name], environ_update=C_ENV)
        return rpm_package(name, out)
    return {'name': name, 'manager': None, 'installed': False, 'version': None, 'chain': [name], 'kernel': ''}


def look_apt(suite):
    listed = glob.glob('/etc/apt/sources.list.d/*.list') + glob.glob('/etc/apt/sources.list.d/*.sources')
    files = ['/etc/apt/sources.list'] + sorted(listed)
    found = [path for path in files if source_has_suite(path, _read(path) or '', suite)]
    return {'suite': suite, 'sources': found}


def look_boot(module):
    commands = {
        'grubby': _bin(module, 'grubby'),
        'set_default': _bin(module, 'grub-set-default', 'grub2-set-default'),
        'editenv': _bin(module, 'grub-editenv', 'grub2-editenv'),
        'update_grub': _bin(module, 'update-grub'),
        'reboot_once': _bin(module, 'grub-reboot', 'grub2-reboot'),
    }
    grub = None
    for directory in GRUB_DIRS:
        cfg_path = os.path.join(directory, 'grub.cfg')
        cfg = _read(cfg_path)
        if cfg is None:
            continue
        env_path = os.path.join(directory, 'grubenv')
        bls = dict((os.path.basename(p), _read(p) or '') for p in glob.glob('/boot/loader/entries/*.conf'))
        env_text, env_problem = _grubenv(env_path)
        grub = grub_state(cfg, env_text, bls)
        grub['cfg_path'], grub['env_path'] = cfg_path, env_path
        grub['env_valid'], grub['env_problem'] = env_problem is None, env_problem
        break
    bls_files = glob.glob('/boot/loader/entries/*.conf')
    if grub is None and bls_files:
        # EL8 on UEFI: grub.cfg lives on the ESP, the menu is the BLS entries, grubenv stays under /boot/grub2.
        env_path = '/boot/grub2/grubenv'
        bls = dict((os.path.basename(p), _read(p) or '') for p in bls_files)
        env_text, env_problem = _grubenv(env_path)
        grub = grub_state('', env_text, bls, bls_only=True)
        grub['cfg_path'], grub['env_path'] = None, env_path
        grub['env_valid'], grub['env_problem'] = env_problem is None, env_problem
    grubby_default = grubby_args = None
    if commands['grubby']:
        rc, out, err = module.run_command([commands['grubby'], '--default-kernel'], environ_update=C_ENV)
        grubby_default = out.strip() if rc == 0 else ''
        rc, out, err = module.run_command([commands['grubby'], '--info', 'DEFAULT'], environ_update=C_ENV)
        grubby_args = parse_grubby_info(out) if rc == 0 else None
    summary = boot_summary(grub, grubby_default)
    boot = {'loader': 'grub' if grub is not None or commands['grubby'] else 'unknown', 'commands': commands,
            'grubby_default': grubby_default, 'grub': grub, 'default_args': default_args(grub, grubby_args),
            'trial': trial_entry(grub)}
    boot.update(summary)
    return boot


def look_cmdline(module):
    stat = module.get_bin_path('stat')
    cgroup_fs = ''
    if stat:
        rc, out, err = module.run_command([stat, '-fc', '%T', '/sys/fs/cgroup'], environ_update=C_ENV)
        cgroup_fs = out.strip() if rc == 0 else ''
    return {'running': (_read('/proc/cmdline') or '').strip(), 'cgroup_fs': cgroup_fs}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            package=dict(type='str'),
            manager=dict(type='str', choices=['auto', 'apt', 'rpm'], default='auto'),
            kernel=dict(type='str'),
            apt_suite=dict(type='str'),
            settings=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    running = platform.release()
    try:
        boot_files = os.listdir('/boot')
    except OSError:
        boot_files = []
    installed = installed_kernels(boot_files)
    settings = params['settings']
    name, suite, manager = params['package'], params['apt_suite'], params['manager']
    facts = (settings or {}).get('facts') or {}
    if settings is not None:
        line = kernel_ml_line(facts, flavor=settings.get('kernel_ml_flavor') or '',
                              el_releases=settings.get('el_releases'), el_packages=settings.get('el_packages'),
                              debian_arch=settings.get('debian_arch'))
        name, suite = name or line['package'], suite or line['apt_release']
        if manager == 'auto':
            manager = PACKAGE_DB.get(facts.get('os_family'), 'auto')
    package = look_package(module, name, manager) if name else {}
    boot = look_boot(module)
    wanted = params['kernel'] if params['kernel'] is not None else package.get('kernel', '')
    decision = decide(running, wanted, boot, boot['grub'], installed)
    result = dict(
        kernel={'running': running, 'installed': installed},
        package=package,
        apt=look_apt(suite) if suite else {},
        elrepo={'repo_file': ELREPO_REPO_FILE, 'present': os.path.exists(ELREPO_REPO_FILE)}
        if facts.get('os_family') == 'RedHat' else {},
        boot=boot,
        cmdline=look_cmdline(module),
        container=container_from_facts(facts),
        decision=decision,
    )
    result['plan'] = role_plan(result, settings, check_mode=module.check_mode) if settings is not None else {}
    if boot['grub'] is not None:
        boot['grub'].pop('_items', None)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
