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
        rows: "{{ rows }}"
      register: out
      ignore_errors: true
      check_mode: false
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ out | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""
ROWS = [{'host': 'web1', 'status': 'ok', 'os': 'Debian 12', 'kernel_before': '6.1', 'kernel_tried': '-',
         'kernel_after': '6.1', 'docker': '20.10.24', 'daemon_keys': 'none', 'daemon_action': '-', 'sysctl': 'ok',
         'hello': 'hello', 'k8s': '-', 'swarm': '-', 'docker_upgrade': '-', 'containers': '-', 'unmet': [],
         'failures': []}]


def play(tmp_path, rows, *extra, playbook=PLAYBOOK):
    book = tmp_path / 'play.yml'
    book.write_text(playbook)
    (tmp_path / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    result_file = tmp_path / 'result.json'
    variables = json.dumps({'report': str(tmp_path / 'out' / 'report'), 'rows': rows,
                            'result_file': str(result_file), 'api_token': 'hunter2'})
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-e', variables,
                          '-e', 'become_password=hunter2']
                         + list(extra) + [str(book)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=dict(env, ANSIBLE_CONFIG=str(tmp_path / 'ansible.cfg')), check=False)
    return run, (json.loads(result_file.read_text()) if result_file.exists() else None)


def test_writes_both_formats_placed_in_time_version_and_command(tmp_path):
    (tmp_path / 'out').mkdir()
    run, result = play(tmp_path, ROWS)
    assert run.returncode == 0, run.stdout
    assert result['changed'] is True
    assert result['files'] == [str(tmp_path / 'out' / 'report.html'), str(tmp_path / 'out' / 'report.md')]
    # The default callback shows where the report is without -v, as it shows a debug message.
    assert 'Fleet report: %s and %s' % tuple(result['files']) in run.stdout
    md = (tmp_path / 'out' / 'report.md').read_text()
    meta = result['meta']
    assert meta['check_run'] is False and meta['run'] == 'real run'
    assert meta['collection'].startswith('fleetops.docker_host 0.') and meta['ansible_core'][0].isdigit()
    assert meta['generated'].endswith(' UTC') and meta['playbook'].endswith('play.yml')
    for line in ('- Run: real run', '- Generated: ' + meta['generated'], '- Collection: ' + meta['collection'],
                 '| web1 | ok | Debian 12 |', '1 host, 1 ok.'):
        assert line in md, md
    # Secrets given as extra vars never reach the report.
    assert 'hunter2' not in md and 'hunter2' not in (tmp_path / 'out' / 'report.html').read_text()
    assert 'become_password=********' in meta['command']
    assert oct((tmp_path / 'out' / 'report.html').stat().st_mode & 0o7777) == '0o644'
    assert 'summary' not in result  # the run's output shows this result: it stays small at any fleet size


def test_a_check_run_writes_its_own_files_and_leaves_the_real_report(tmp_path):
    (tmp_path / 'out').mkdir()
    run, result = play(tmp_path, ROWS)
    real = {name: (tmp_path / 'out' / name).read_bytes() for name in ('report.md', 'report.html')}
    run, result = play(tmp_path, [dict(ROWS[0], status='would change')], '--check')
    assert run.returncode == 0, run.stdout
    assert result['files'] == [str(tmp_path / 'out' / 'report.check.html'), str(tmp_path / 'out' / 'report.check.md')]
    assert 'check run: nothing was changed' in run.stdout
    assert {name: (tmp_path / 'out' / name).read_bytes() for name in real} == real
    md = (tmp_path / 'out' / 'report.check.md').read_text()
    html = (tmp_path / 'out' / 'report.check.html').read_text()
    assert md.startswith('# Fleet report (check run)\n') and 'CHECK RUN (`--check`)' in md
    assert '<title>Fleet report (check run)</title>' in html and 'id="check-run"' in html
    assert result['meta']['check_run'] is True


def test_the_task_in_check_mode_writes_nothing(tmp_path):
    (tmp_path / 'out').mkdir()
    book = PLAYBOOK.replace('      check_mode: false\n    - name: Keep', '      check_mode: true\n    - name: Keep')
    assert book != PLAYBOOK
    run, result = play(tmp_path, ROWS, playbook=book)
    assert run.returncode == 0, run.stdout
    assert result['changed'] is True
    assert not any((tmp_path / 'out').iterdir())


@pytest.mark.parametrize('rows, directory, message', [
    ([{'status': 'ok'}], True, 'rows must be the list'),
    (ROWS, False, 'does not exist on the controller'),
])
def test_bad_input_fails_with_a_message(tmp_path, rows, directory, message):
    if directory:
        (tmp_path / 'out').mkdir()
    run, result = play(tmp_path, rows)
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
