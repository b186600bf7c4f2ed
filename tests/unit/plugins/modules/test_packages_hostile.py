# -*- coding: utf-8 -*-
"""The packages step under issue 27's hostile inputs: a lock whose holder /proc/locks does not show (a process in
another PID namespace, as the hostile scenario holds dpkg's lock from the machine that runs the host's container).
Found by that scenario: the step waited for nothing, let apt-get time out, and said the holder "let go before it
could be named"."""

import shutil
import subprocess
import sys
import time

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils import _packages
from ansible_collections.fleetops.docker_host.plugins.modules import packages

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.test_packages import HOLDER, _absent_with_candidate, _installed
from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing]
run_module = module_runner(packages)
needs_apt = pytest.mark.skipif(not (shutil.which('apt-get') and shutil.which('dpkg-query')), reason='needs dpkg and apt')


@pytest.fixture
def hidden_proc_locks(monkeypatch):
    """/proc/locks as a reader in another PID namespace sees it: without the holder."""
    real = packages._read
    monkeypatch.setattr(packages, '_read', lambda path, *args: '' if path == '/proc/locks' else real(path, *args))


@needs_apt
def test_a_holder_proc_locks_hides_is_waited_for_and_named(capsys, tmp_path, monkeypatch, hidden_proc_locks):
    name, _candidate = _absent_with_candidate()
    frontend = tmp_path / 'lock-frontend'
    frontend.write_text('')
    monkeypatch.setattr(_packages, 'APT_LOCKS', (str(frontend),))
    # apt-get itself takes the real dpkg lock, not the test's: it must never run here (a step that missed the
    # holder would install the package on the machine running the tests).
    real_run = AnsibleModule.run_command
    transactions = []

    def run_command(module, argv, **kwargs):
        if argv[0] == 'apt-get' and '-s' not in argv and '--simulate' not in argv:
            transactions.append(list(argv))
            return 100, '', 'E: Could not get lock %s. It is held by process 0\n' % frontend
        return real_run(module, argv, **kwargs)
    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(frontend), '30'])
    try:
        for _attempt in range(100):
            if (tmp_path / 'lock-frontend.held').exists():
                break
            time.sleep(0.05)
        result = run_module(capsys, {'manager': 'apt', 'packages': [name], 'lock_timeout': 2,
                                     'lock_timeout_variable': 'k8s_node_package_lock_timeout'})
    finally:
        proc.kill()
        proc.wait()
    # The kernel, asked about the file itself, names the holder (its pid here: the test shares its namespace).
    assert result['failed'] and result['package_lock']['held'] is True
    assert result['package_lock']['pid'] == proc.pid and result['package_lock']['lock'] == str(frontend)
    assert 'let go' not in result['msg'] and ('process %d' % proc.pid) in result['msg']
    assert 'k8s_node_package_lock_timeout' in result['msg'] and str(frontend) in result['msg']
    assert transactions == [] and 'cmd' not in result  # the step never ran apt-get into the held lock
    assert _installed(name) is None


def test_a_holder_outside_the_namespace_is_named_an_unknown_process(monkeypatch, tmp_path, hidden_proc_locks):
    frontend = tmp_path / 'lock-frontend'
    frontend.write_text('')
    monkeypatch.setattr(_packages, 'APT_LOCKS', (str(frontend),))
    # F_GETLK answers pid 0 for a holder outside the reader's PID namespace.
    monkeypatch.setattr(_packages, 'kernel_holder', lambda path: 0 if path == str(frontend) else None)
    monkeypatch.setattr(packages.P, 'kernel_holder', _packages.kernel_holder)
    holders = packages._holders('apt')
    assert [item['lock'] for item in holders] == [str(frontend)]
    assert holders[0]['pid'] == 0 and holders[0]['holder'].startswith('an unknown process')
