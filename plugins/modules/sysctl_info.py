#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: sysctl_info
short_description: Check sysctl keys at runtime and as the next boot would set them
version_added: 0.1.0
description:
  - Reads the live value of each key of O(expected) from C(/proc/sys) and compares it with the expected value,
    after normalising whitespace (C("32768 60999") equals the kernel's tab-separated C(32768\t60999)).
  - With O(check_persisted), also computes the value systemd-sysctl applies at boot, with its real
    precedence. Files C(*.conf) in C(/etc/sysctl.d), C(/run/sysctl.d), C(/usr/local/lib/sysctl.d),
    C(/usr/lib/sysctl.d) and C(/lib/sysctl.d) are collected; a file name found in an earlier directory
    hides the same name in later ones. All files are applied in file-name order and the last write wins.
    A directory reached twice through a symlink (C(/lib) -> C(/usr/lib)) is read once.
  - C(/etc/sysctl.conf) counts only through a link in a sysctl.d directory (Debian 12's and EL's
    C(/etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf)), where the link's name sorts, so a C(zz-*.conf) file
    applies after it. Without such a link systemd-sysctl does not read it at boot (Debian 13 has none); a key
    set only there gets a hint.
  - Glob lines (C(net.ipv4.conf.*.rp_filter = 2)) set every key they match at boot, as systemd-sysctl applies
    them. An explicit line for a key wins over any glob whatever the order, a later glob over an earlier one,
    and a C(-key) line without C(=) excludes the key from globs.
  - Sysctl files are parsed as C(sysctl) does. Comments (C(#), C(;)), blank lines and lines without C(=) are
    skipped, whitespace around C(=) is ignored, and the C(-) prefix (ignore failures) is stripped.
  - A key is validated before anything is read (dotted or slashed form, no empty, C(.) or C(..) component,
    its path inside C(/proc/sys)), so C(kernel/../../etc/passwd) is refused. A VLAN interface in the dotted form
    C(sysctl) prints (C(net.ipv4.conf.eth0/100.rp_filter)) is C(eth0.100) under C(/proc/sys).
  - Keys may be written with C(.) or C(/) separators; results use the dotted form C(sysctl) prints.
  - Changes nothing on the host and, by default, does not fail on what it finds (RV(ok), RV(mismatches)); give
    O(fail_on_mismatch=true) to fail the task.
  - This module was C(sysctl_check) (0.1.0, which failed on a mismatch by default); that name still works and is
    deprecated.
options:
  expected:
    description:
      - Sysctl keys and the values they should have. Values are scalars (strings, numbers; booleans count as
        C(1)/C(0)).
    type: dict
    required: true
  check_persisted:
    description:
      - Also require that the boot-time configuration sets the expected value (status C(not_persisted) or
        C(shadowed) otherwise).
    type: bool
    default: true
  fail_on_mismatch:
    description:
      - Fail when a key is not as expected, with a message that lists every bad key with its runtime value, the
        expected value and the file that wins at boot. With V(false) the result only reports it.
      - The default was V(true) under the old name C(sysctl_check) (before 0.3.0).
    type: bool
    default: false
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
attributes:
  platform:
    description: Linux hosts (reads C(/proc) and C(/sys)).
notes:
  - Every key of O(expected) is validated as a key before anything is read, dotted (C(net.ipv4.ip_forward),
    a VLAN interface as C(eth0/100)) or slashed (C(net/ipv4/ip_forward)) form, with no empty, C(.) or C(..)
    component and no absolute path, and its resolved path must stay under C(/proc/sys). This protects
    against a key such as C(kernel/../../../etc/passwd) reading a file outside C(/proc/sys) as root.
  - Glob patterns and C(!) exclusions in sysctl files (procps-ng 4) are not interpreted; such lines are skipped.
seealso:
  - name: sysctl.d(5)
    description: Configuration directories and precedence.
    link: https://man7.org/linux/man-pages/man5/sysctl.d.5.html
'''

EXAMPLES = r'''
- name: Check the Kubernetes prerequisites, live and persisted; fail when one is not as expected
  fleetops.docker_host.sysctl_info:
    fail_on_mismatch: true
    expected:
      net.bridge.bridge-nf-call-iptables: 1
      net.bridge.bridge-nf-call-ip6tables: 1
      net.ipv4.ip_forward: 1
      net.ipv4.ip_local_port_range: "32768 60999"

- name: Report only (the default), for a fleet report
  fleetops.docker_host.sysctl_info:
    expected:
      net/ipv4/ip_forward: 1
  register: sysctl_state

- name: Show what to do
  ansible.builtin.debug:
    var: sysctl_state.hints
  when: not sysctl_state.ok
'''

RETURN = r'''
ok:
  description: True when every key has its expected value (and, with O(check_persisted), keeps it at boot).
  returned: always
  type: bool
  sample: false
results:
  description:
    - Per key (dotted form), C(expected), C(runtime) (null when the key does not exist), C(persisted_value) and
      C(persisted_in) (the value and file that win at boot, null when no file sets the key), and C(status).
    - C(status) is C(ok); C(missing) (no such key in C(/proc/sys)); C(mismatch) (runtime differs);
      C(not_persisted) (right now, but no file sets it or the files set another value);
      C(shadowed) (a file sets the expected value but a file applied later sets another one; the earlier file is
      in C(shadowed_file)); C(write_only) (the key exists but the kernel does not let it be read back, e.g.
      C(net.ipv4.route.flush), is present, not missing, and not counted as a mismatch).
  returned: always
  type: dict
  sample:
    net.ipv4.ip_forward:
      expected: "1"
      runtime: "1"
      persisted_value: "0"
      persisted_in: /etc/sysctl.d/99-zz.conf
      shadowed_file: /etc/sysctl.d/k8s.conf
      status: shadowed
mismatches:
  description: Keys whose status is not C(ok), sorted.
  returned: always
  type: list
  elements: str
  sample: [net.ipv4.ip_forward]
hints:
  description: What to do about each bad key, one sentence each.
  returned: always
  type: list
  elements: str
  sample:
    - >-
      net.bridge.bridge-nf-call-iptables does not exist: the net.bridge.* keys appear only when the br_netfilter
      module is loaded; load it (modprobe br_netfilter) and persist it in /etc/modules-load.d/ (e.g. k8s.conf).
msg:
  description: One-line summary; when keys are bad, each with runtime, expected value and winning file.
  returned: always
  type: str
  sample: "sysctl_info: all 3 keys are as expected at runtime and at boot"
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.fleetops.docker_host.plugins.module_utils._sysctl import (
    SysctlError,
    check,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            expected=dict(type='dict', required=True),
            check_persisted=dict(type='bool', default=True),
            fail_on_mismatch=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    try:
        result = check(module.params['expected'], module.params['check_persisted'])
    except SysctlError as exc:
        module.fail_json(msg='sysctl_info: %s' % to_native(exc))
    if module.params['fail_on_mismatch'] and not result['ok']:
        module.fail_json(**result)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
