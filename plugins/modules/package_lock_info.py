#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: package_lock_info
short_description: Who holds the package manager's lock, optionally waiting a bounded time for it
version_added: 0.2.0
description:
  - Looks at the locks a package step of O(manager) needs and names the process holding one, by its pid and
    command (C(/proc/<pid>/comm)).
  - C(apt) (dpkg) takes fcntl locks on C(/var/lib/dpkg/lock-frontend), C(/var/lib/dpkg/lock),
    C(/var/lib/apt/lists/lock) and C(/var/cache/apt/archives/lock); they are read from C(/proc/locks) by the
    files' device and inode. apt-get on Debian 11 (apt 2.2) waits for C(DPkg::Lock::Timeout) but never prints
    the holder; this module names it.
  - C(dnf) (dnf 4) keeps pid files (C(/var/lib/dnf/rpmdb_lock.pid), C(/var/cache/dnf/metadata_lock.pid),
    C(/var/cache/dnf/download_lock.pid)), held while that process lives (as C(dnf/lock.py) decides), plus rpm's
    own C(.rpm.lock). C(yum) (EL7) keeps C(/var/run/yum.pid).
  - A lock file that C(/proc/locks) does not list is asked about itself (C(fcntl F_GETLK)); a holder in another
    PID namespace (C(/proc/locks) hides those since Linux 4.9) is reported held, by an unknown process (pid V(0)).
    Pid files are read without blocking (a FIFO is ignored) and junk in them counts as no pid.
  - With O(wait), waits up to that many seconds for every lock to be free. Ansible's M(ansible.builtin.dnf) and
    M(ansible.builtin.dnf5) do not use their C(lock_timeout) (dnf 4 then waits without a bound for another dnf),
    so the roles call this module before a dnf step to bound the wait. A lock taken again right after this
    look is not seen; the package step itself then waits as its manager does.
options:
  manager:
    description: The package manager whose locks are looked at (C(ansible_facts.pkg_mgr)).
    type: str
    choices: [apt, dnf, dnf5, yum]
    required: true
  wait:
    description: Seconds to wait for the locks to be free; V(0) looks once.
    type: int
    default: 0
  fail_on_held:
    description: Fail, naming the holder, when a lock is still held after O(wait).
    type: bool
    default: false
  timeout_variable:
    description: The variable that set O(wait), named in the failure message with the fix.
    type: str
    default: ''
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
'''

EXAMPLES = r'''
- name: Wait up to 5 minutes for dnf's lock, then fail naming its holder
  fleetops.docker_host.package_lock_info:
    manager: dnf
    wait: 300
    fail_on_held: true
    timeout_variable: docker_package_lock_timeout

- name: Who holds apt's lock now
  fleetops.docker_host.package_lock_info:
    manager: apt
  register: apt_lock
'''

RETURN = r'''
package_lock:
  description: The lock state after the wait.
  returned: always
  type: dict
  contains:
    held:
      description: Whether a lock of O(manager) is held by another process.
      type: bool
    lock:
      description: The first held lock's file, or V("").
      type: str
      sample: /var/lib/dpkg/lock-frontend
    pid:
      description:
        - Its holder's pid, or null; V(-1) for an open file description lock, whose owner the kernel does not name;
          V(0) for a holder outside this PID namespace.
      type: int
    command:
      description: Its holder's command name, or V("").
      type: str
      sample: unattended-upgr
    holder:
      description: The holder as apt names it, or V("").
      type: str
      sample: process 812 (unattended-upgr)
    locks:
      description: Every held lock, each with C(lock), C(pid), C(command), C(holder).
      type: list
      elements: dict
    waited:
      description: Seconds waited.
      type: int
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import look_bytes, look_text
from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import (
    comm_text,
    find_holders,
    kernel_holder,
    lock_state,
)


def _stat_key(path):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)


def _read(path, size=64):
    """A pid file's first bytes (never blocking on a FIFO: None for anything but a regular file)."""
    return look_bytes(path, size)


def _alive(pid):
    return os.access('/proc/%d/stat' % pid, os.F_OK)


def _command(pid):
    return comm_text(look_bytes('/proc/%d/comm' % pid, 64))


# The kernel's answer about the lock file itself (module_utils/_packages.py; the packages step asks it too).
_kernel_holder = kernel_holder


def _holders(manager):
    return find_holders(manager, look_text('/proc/locks', default=''), stat_key=_stat_key, read_file=_read,
                        alive=_alive, command_of=_command, own_pid=os.getpid(), kernel_holder=_kernel_holder)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manager=dict(type='str', required=True, choices=['apt', 'dnf', 'dnf5', 'yum']),
            wait=dict(type='int', default=0),
            fail_on_held=dict(type='bool', default=False),
            timeout_variable=dict(type='str', default=''),
        ),
        supports_check_mode=True,
    )
    wait = module.params['wait']
    if wait < 0:
        module.fail_json(msg='wait must be 0 or more seconds, got %d' % wait)
    started = time.time()
    holders = _holders(module.params['manager'])
    while holders and time.time() - started < wait:
        time.sleep(1)
        holders = _holders(module.params['manager'])
    state = lock_state(holders, int(round(time.time() - started)))
    if holders and module.params['fail_on_held']:
        variable = module.params['timeout_variable']
        module.fail_json(
            msg='the package manager stayed locked by %s (%s) for more than %d s%s; let it finish or stop it, or raise %s.'
                % (state['holder'], state['lock'], wait, ' (%s)' % variable if variable else '',
                   variable or 'the wait'),
            package_lock=state)
    module.exit_json(changed=False, package_lock=state)


if __name__ == '__main__':
    main()
