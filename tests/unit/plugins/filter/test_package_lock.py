# -*- coding: utf-8 -*-
"""Unit tests for plugins/filter/package_lock.py (package_lock_holder), with real apt/dnf output."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.filter.package_lock import FilterModule, package_lock_holder

# What apt-get printed in the k8s_sysctl scenario with a python3 holding the frontend lock (Debian 12).
APT_FAILED = {
    'failed': True,
    'msg': "'/usr/bin/apt-get -y -o DPkg::Lock::Timeout=5 install 'procps=2:4.0.2-3'' failed: E: Unable to acquire "
           "the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n",
    'stderr': 'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n',
    'stdout_lines': ['Reading package lists...',
                     'Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process '
                     '2707 (python3)...'],
}
DNF_FAILED = {'failed': True, 'msg': 'Failed', 'results': ['Waiting for process with pid 812 to finish.']}


def test_apt_holder_is_found():
    assert package_lock_holder(APT_FAILED) == {
        'locked': True, 'lock': '/var/lib/dpkg/lock-frontend', 'holder': 'process 2707 (python3)'}


def test_dnf_holder_is_found():
    assert package_lock_holder(DNF_FAILED) == {'locked': True, 'lock': 'the rpm/dnf lock', 'holder': 'process 812'}


def test_lock_without_holder_and_other_failures():
    assert package_lock_holder({'msg': 'E: Unable to acquire the dpkg frontend lock'})['locked'] is True
    assert package_lock_holder({'msg': 'No package matching foo is available'}) == {'locked': False, 'lock': '', 'holder': ''}


def test_bad_input_and_registration():
    with pytest.raises(AnsibleFilterError):
        package_lock_holder('text')
    assert FilterModule().filters() == {'package_lock_holder': package_lock_holder}
