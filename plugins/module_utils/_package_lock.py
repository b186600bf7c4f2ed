# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds the package manager's lock: the functions live in _packages.py (the package step's own module_utils);
this name stays for package_lock_info and daemon_json. Target side: Python 3.6+."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import (  # noqa: F401 - re-exported
    APT_LOCKS, DNF_PID_FILES, MANAGERS, RPM_LOCKS, YUM_PID_FILES, find_holders, holder_text, lock_paths, lock_state,
    parse_proc_locks, pid_file_holder)

__all__ = ['APT_LOCKS', 'DNF_PID_FILES', 'MANAGERS', 'RPM_LOCKS', 'YUM_PID_FILES', 'find_holders', 'holder_text', 'lock_paths',
           'lock_state', 'parse_proc_locks', 'pid_file_holder']
