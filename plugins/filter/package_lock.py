# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""package_lock_holder: who held the package manager's lock, from a failed apt/dnf/package task result.

apt-get prints "Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (unattended-upgr)"
while it waits (DPkg::Lock::Timeout), but fails with "Unable to acquire the dpkg frontend lock" alone; dnf
prints "Waiting for process with pid 1234 to finish." Controller side (Python 3.11+).
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

_APT_RE = re.compile(r'Could not get lock (\S+?)\.? It is held by process (\d+) \(([^)]*)\)')
_DNF_RE = re.compile(r'Waiting for process with pid (\d+) to finish')
_LOCK_WORDS = ('Could not get lock', 'Unable to acquire the dpkg', 'Unable to lock', 'Failed to lock apt',
               'Waiting for process with pid', 'lock-frontend', 'rpmdb lock', 'is locked by another process')


def _texts(result):
    for key in ('msg', 'stdout', 'stderr', 'module_stdout', 'module_stderr'):
        value = result.get(key)
        if isinstance(value, str):
            yield value
    for key in ('stdout_lines', 'stderr_lines', 'results'):
        value = result.get(key)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    yield item
                elif isinstance(item, dict):
                    yield from _texts(item)


def package_lock_holder(result):
    """{'locked': bool, 'holder': 'process 1234 (unattended-upgr)' or '', 'lock': path or ''} for a task result."""
    if not isinstance(result, dict):
        raise AnsibleFilterError('package_lock_holder: expects a task result (a dict), got %s' % type(result).__name__)
    texts = list(_texts(result))
    for text in texts:
        match = _APT_RE.search(text)
        if match:
            return {'locked': True, 'lock': match.group(1), 'holder': 'process %s (%s)' % (match.group(2), match.group(3))}
    for text in texts:
        match = _DNF_RE.search(text)
        if match:
            return {'locked': True, 'lock': 'the rpm/dnf lock', 'holder': 'process %s' % match.group(1)}
    locked = any(word in text for text in texts for word in _LOCK_WORDS)
    return {'locked': locked, 'lock': '', 'holder': ''}


class FilterModule:
    def filters(self):
        return {'package_lock_holder': package_lock_holder}
