# -*- coding: utf-8 -*-
"""The packages action's controller side: the manager from facts, the failure message with host and task."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.fleetops.docker_host.plugins.action.packages import failure_message, manager_from_facts


@pytest.mark.parametrize('task_vars, manager', [
    ({'ansible_facts': {'pkg_mgr': 'apt'}}, 'apt'), ({'ansible_facts': {'pkg_mgr': 'dnf5'}}, 'dnf5'),
    ({'ansible_pkg_mgr': 'yum'}, 'yum'), ({'ansible_facts': {'pkg_mgr': 'zypper'}}, None), ({}, None), (None, None),
])
def test_manager_from_facts(task_vars, manager):
    assert manager_from_facts(task_vars) == manager


def test_lock_timeout_names_holder_lock_variable_and_fix():
    # The module's failure after its bounded wait.
    result = {'failed': True, 'msg': 'the package manager stayed locked by ...',
              'package_lock': {'held': True, 'lock': '/var/lib/dpkg/lock-frontend', 'pid': 812, 'command': 'unattended-upgr',
                               'holder': 'process 812 (unattended-upgr)', 'locks': [], 'waited': 5}}
    args = {'lock_timeout': 5, 'lock_timeout_variable': 'docker_package_lock_timeout'}
    assert failure_message(result, 'web1', 'Install Docker', args) == (
        'web1: Install Docker: the package manager stayed locked by process 812 (unattended-upgr) '
        '(/var/lib/dpkg/lock-frontend) for more than 5 s (docker_package_lock_timeout); let it finish or stop it, '
        'or raise docker_package_lock_timeout.')


def test_yum_output_names_the_holder_when_it_is_gone():
    result = {'failed': True, 'rc': 1, 'msg': 'yum ... failed', 'cmd': ['yum', 'install', 'x'],
              'stderr': 'Existing lock /var/run/yum.pid: another copy is running as pid 3233.\n'
                        'Another app is currently holding the yum lock; exiting as configured by exit_on_lock\n',
              'package_lock': {'held': False, 'lock': '', 'pid': None, 'command': '', 'holder': '', 'locks': [], 'waited': 0}}
    msg = failure_message(result, 'el7', 'Install the kernel', {'lock_timeout': 10, 'lock_timeout_variable': 'kernel_ml_package_lock_timeout'})
    assert msg.startswith('el7: Install the kernel: the package manager stayed locked by process 3233 (/var/run/yum.pid) '
                          'for more than 10 s (kernel_ml_package_lock_timeout)')


def test_other_failures_keep_their_message():
    result = {'failed': True, 'msg': "dpkg: no version matching 0.1* is in apt's lists"}
    assert failure_message(result, 'web1', 'Install Docker', {}) == (
        "web1: Install Docker failed: dpkg: no version matching 0.1* is in apt's lists")


def test_an_unreachable_repository_keeps_the_modules_message_naming_it():
    result = {'failed': True, 'rc': 0, 'cmd': ['apt-get', '-q', 'update'],
              'msg': "apt could not reach the package repository http://deb.debian.org/debian (Temporary failure "
                     "resolving 'deb.debian.org'); the package lists were not refreshed.",
              'stdout': 'W: Some index files failed to download. They have been ignored, or old ones used instead.',
              'unreachable': [{'repository': 'http://deb.debian.org/debian',
                               'reason': "Temporary failure resolving 'deb.debian.org'"}]}
    assert failure_message(result, 'web1', 'Install Docker', {}) == (
        "web1: Install Docker failed: apt could not reach the package repository http://deb.debian.org/debian "
        "(Temporary failure resolving 'deb.debian.org'); the package lists were not refreshed.")


PLAYBOOK = """
- hosts: localhost
  gather_facts: true
  gather_subset: [min]
  tasks:
    - name: Keep dpkg and add an absent package
      fleetops.docker_host.packages:
        packages: "{{ names }}"
        lock_timeout_variable: some_lock_timeout
      register: out
      ignore_errors: true
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ out | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


@pytest.mark.skipif(not shutil.which('dpkg-query'), reason='needs dpkg')
@pytest.mark.parametrize('names, failed', [(['dpkg'], False), ([{'name': 'dpkg', 'version': '0.0.1'}], True)])
def test_real_play_fills_the_manager_and_names_the_host(tmp_path, names, failed):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    (tmp_path / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(root, '.cache', 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_CONFIG=str(tmp_path / 'ansible.cfg'))
    result_file = tmp_path / 'result.json'
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '--check', '-e',
                          json.dumps({'names': names, 'result_file': str(result_file)}), str(tmp_path / 'play.yml')],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False)
    result = json.loads(result_file.read_text())
    assert bool(result.get('failed')) is failed, run.stdout
    if failed:
        assert result['msg'].startswith("localhost: Keep dpkg and add an absent package failed: dpkg: no version matching 0.0.1*")
    else:
        assert result['changed'] is False and result['packages']['dpkg']['before'] == result['packages']['dpkg']['after']
