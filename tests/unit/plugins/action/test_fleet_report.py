# -*- coding: utf-8 -*-
"""fleetops.docker_host.fleet_report, run by a real ansible-playbook on the controller (localhost)."""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.fleetops.docker_host.plugins.action.fleet_report import write_atomic

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Write
      fleetops.docker_host.fleet_report:
        path: "{{ report }}"
        contents: "{{ contents }}"
      register: out
      ignore_errors: true
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ out | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


def play(tmp_path, contents, *extra):
    book = tmp_path / 'play.yml'
    book.write_text(PLAYBOOK)
    (tmp_path / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    result_file = tmp_path / 'result.json'
    variables = json.dumps({'report': str(tmp_path / 'out' / 'report'), 'contents': contents,
                            'result_file': str(result_file)})
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-e', variables]
                         + list(extra) + [str(book)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=dict(env, ANSIBLE_CONFIG=str(tmp_path / 'ansible.cfg')), check=False)
    return run, (json.loads(result_file.read_text()) if result_file.exists() else None)


def test_writes_each_format_then_changes_nothing(tmp_path):
    (tmp_path / 'out').mkdir()
    run, result = play(tmp_path, {'md': '# Report\n', 'html': '<p>Report</p>\n'})
    assert run.returncode == 0, run.stdout
    assert result['changed'] is True
    assert result['files'] == [str(tmp_path / 'out' / 'report.html'), str(tmp_path / 'out' / 'report.md')]
    # The default callback shows where the report is without -v, as it shows a debug message.
    assert 'Fleet report: %s and %s' % tuple(result['files']) in run.stdout
    assert (tmp_path / 'out' / 'report.md').read_text() == '# Report\n'
    assert oct((tmp_path / 'out' / 'report.html').stat().st_mode & 0o7777) == '0o644'
    run, result = play(tmp_path, {'md': '# Report\n', 'html': '<p>Report</p>\n'})
    assert run.returncode == 0 and result['changed'] is False, run.stdout


def test_check_mode_writes_nothing(tmp_path):
    (tmp_path / 'out').mkdir()
    run, result = play(tmp_path, {'md': 'x\n'}, '--check')
    assert run.returncode == 0, run.stdout
    assert result['changed'] is True
    assert not (tmp_path / 'out' / 'report.md').exists()


@pytest.mark.parametrize('contents, directory, message', [
    ({'m/d': 'x'}, True, 'is not a file extension'),
    ({'md': 'x'}, False, 'does not exist on the controller'),
])
def test_bad_input_fails_with_a_message(tmp_path, contents, directory, message):
    if directory:
        (tmp_path / 'out').mkdir()
    run, result = play(tmp_path, contents)
    assert result['failed'] and message in result['msg'], run.stdout
    assert not any((tmp_path / 'out').glob('*')) if directory else not (tmp_path / 'out').exists()


def test_write_atomic_keeps_mode_and_reports_change(tmp_path):
    path = str(tmp_path / 'f.md')
    assert write_atomic(path, b'a', 0o640) is True
    assert write_atomic(path, b'a', 0o640) is False
    assert write_atomic(path, b'a', 0o644) is True and oct(os.stat(path).st_mode & 0o7777) == '0o644'
    assert write_atomic(path, b'b', 0o644, check_mode=True) is True
    with open(path, 'rb') as handle:
        assert handle.read() == b'a'
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith('.')] == []
