# -*- coding: utf-8 -*-
"""fleetops.docker_host.k8s_sysctl_plan: the decision function, and the action run by a real ansible-playbook
(the role's variables read and rendered from the play, bad input refused with the host and the variable)."""

import json
import os
import subprocess
import sys

from ansible_collections.fleetops.docker_host.plugins.action.k8s_sysctl_plan import decide, look_args

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SETTINGS = {'net.ipv4.ip_forward': 1}
VARIABLES = {'k8s_sysctl_settings': SETTINGS, 'k8s_sysctl_modules': ['br_netfilter'],
             'k8s_sysctl_file': '/etc/sysctl.d/k8s.conf', 'k8s_sysctl_modules_file': '/etc/modules-load.d/k8s.conf'}
PROBE = {'preflight': {'modules': {'br_netfilter': 'available'}, 'container': {'is_container': False},
                       'kernel': {'release': '6.1.0'}, 'proc_sys_writable': True},
         'commands': {'sysctl': '/usr/sbin/sysctl', 'modprobe': None}}


def test_plan_from_the_role_variables_and_a_look():
    plan = decide({'probe': PROBE}, VARIABLES, 'node1', False)
    assert not plan.get('failed') and plan['changed'] is False
    assert plan['values'] == {'net.ipv4.ip_forward': '1'} and plan['load_modules'] == ['br_netfilter']
    assert plan['tools_missing'] == ['modprobe'] and plan['apply'] == 'system'
    # An option overrides the role's variable (the read-only entry point installs nothing).
    assert decide({'probe': PROBE, 'install_tools': False}, VARIABLES, 'node1', False)['tools_missing'] == []


def test_the_look_is_due_only_when_nothing_covers_the_role():
    # No caller's look: the action looks once, with the role's modules and the two commands.
    assert look_args(decide({}, VARIABLES, 'node1', False)) == {
        'modules': ['br_netfilter'], 'require': [], 'commands': ['sysctl', 'modprobe'], 'sysctl': True}
    # The caller's look covers the role: no look.
    covered = dict(VARIABLES, k8s_sysctl_preflight_result=PROBE)
    assert look_args(decide({}, covered, 'node1', False)) is None
    # Bad input: refused before the look; the result step: no look.
    assert look_args(decide({}, dict(VARIABLES, k8s_sysctl_modules='x'), 'node1', False)) is None
    assert look_args({'look': True, 'result': {}, 'modules': []}) is None


def test_bad_input_fails_naming_the_host_and_the_variable():
    plan = decide({}, dict(VARIABLES, k8s_sysctl_settings={'net ipv4': [1]}), 'node1', False)
    assert plan['failed'] and plan['msg'].startswith('node1: k8s_sysctl_settings has bad entries')


def test_an_unknown_option_is_refused():
    plan = decide({'setings': {}}, VARIABLES, 'node1', False)
    assert plan['failed'] and 'not setings' in plan['msg']


def test_the_result_and_the_failure_from_what_sysctl_apply_did():
    plan = decide({'probe': PROBE}, VARIABLES, 'node1', False)
    applied = {'changed': True, 'applied': 'system', 'modules_failed': {'br_netfilter': 'FATAL: not found'},
               'check': {'ok': True, 'msg': 'sysctl_info: all 1 keys are as expected', 'results': {}}}
    done = decide({'plan': plan, 'applied': applied}, VARIABLES, 'node1', False)
    assert not done.get('failed') and done['result']['changed'] is True
    assert done['result']['modules_failed'] == {'br_netfilter': 'FATAL: not found'}
    assert done['failure'].startswith('node1: kernel module br_netfilter is neither built into kernel 6.1.0')
    assert decide({'plan': 'x', 'applied': applied}, VARIABLES, 'node1', False)['failed']


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    k8s_sysctl_settings: {net.ipv4.ip_forward: "{{ forward }}"}
    k8s_sysctl_modules: []
    k8s_sysctl_file: /etc/sysctl.d/k8s.conf
    k8s_sysctl_modules_file: /etc/modules-load.d/k8s.conf
    k8s_sysctl_preflight_result: "{{ {} if forward == 'bad' else {} }}"
  tasks:
    - name: Plan
      fleetops.docker_host.k8s_sysctl_plan:
        probe: "{{ omit if not probe_given | bool else __probe }}"
      vars:
        __probe: {preflight: {modules: {}, container: {is_container: true}, proc_sys_writable: false}, commands: {}}
      register: out
      ignore_errors: true
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ out | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


def play(tmp_path, forward, *extra):
    book = tmp_path / 'play.yml'
    book.write_text(PLAYBOOK)
    (tmp_path / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_CONFIG=str(tmp_path / 'ansible.cfg'))
    result_file = tmp_path / 'result.json'
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-e',
                          json.dumps({'forward': forward, 'result_file': str(result_file), 'probe_given': True})] + list(extra)
                         + [str(book)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                         check=False)
    return run, (json.loads(result_file.read_text()) if result_file.exists() else None)


def test_the_action_reads_and_renders_the_role_variables(tmp_path):
    run, result = play(tmp_path, '1', '--check')
    assert run.returncode == 0, run.stdout
    assert result['values'] == {'net.ipv4.ip_forward': '1'} and result['in_container'] is True
    # A container with a read-only /proc/sys holds no key: nothing to apply, every key skipped.
    assert result['applicable'] == {} and result['skipped_keys'] == ['net.ipv4.ip_forward']


def test_the_action_looks_itself_when_nothing_covers_the_role(tmp_path):
    run, result = play(tmp_path, '1', '--check', '-e', 'probe_given=false')
    assert run.returncode == 0, run.stdout
    # container_preflight_info ran on this machine: the kernel it reported is in the plan (a given probe has none).
    assert result['look'] is True and result['kernel_release'] == os.uname().release, run.stdout
    run, result = play(tmp_path, '1', '--check')
    assert result['kernel_release'] == '', run.stdout


def test_the_action_fails_on_bad_input(tmp_path):
    run, result = play(tmp_path, ' ')
    assert result['failed'] and 'localhost: k8s_sysctl_settings has bad entries' in result['msg'], run.stdout


def test_the_plan_says_whether_sysctl_apply_runs_from_the_look_and_the_rendered_texts():
    fixture = os.path.join(ROOT, 'tests', 'unit', 'plugins', 'plugin_utils', 'fixtures', 'k8s_sysctl_no_change.json')
    with open(fixture) as handle:
        captured = json.load(handle)
    variables = dict(VARIABLES, k8s_sysctl_settings={'net.bridge.bridge-nf-call-iptables': 1,
                                                     'net.bridge.bridge-nf-call-ip6tables': 1, 'net.ipv4.ip_forward': 1},
                     k8s_sysctl_modules=['overlay', 'br_netfilter'], k8s_sysctl_preflight_result=captured['preflight'])
    texts = (captured['files']['/etc/sysctl.d/k8s.conf'], captured['files']['/etc/modules-load.d/k8s.conf'])
    plan = decide({}, variables, 'node1', False, render=lambda _plan: texts)
    assert plan['run_apply'] is False and plan['unchanged']['check']['ok'] is True
    done = decide({'plan': plan, 'applied': plan['unchanged']}, variables, 'node1', False)
    assert done['result'] == captured['result'] and done['failure'] == '' and done['notes'] == []
    # The plan carries that answer (the role then runs no result step), and the result of the real no-change run.
    assert plan['outcome'] == done
    real = decide({'plan': plan, 'applied': captured['applied']}, variables, 'node1', False)
    assert plan['outcome']['result'] == real['result'] and plan['outcome']['notes'] == real['notes']
    assert plan['outcome']['failure'] == real['failure']
    # No texts (the templates were not found) or no render: sysctl_apply runs, as before.
    assert decide({}, variables, 'node1', False, render=lambda _plan: None)['run_apply'] is True
    assert decide({}, variables, 'node1', False)['run_apply'] is True
    # A container whose host kernel has not loaded a module: nothing to write, but a note to give, so the role takes
    # its full path (apply.yml), which says it, rather than a quiet shortcut.
    unloaded = json.loads(json.dumps(captured['preflight']))
    unloaded['preflight']['modules']['br_netfilter'] = 'module'
    plan = decide({}, dict(variables, k8s_sysctl_preflight_result=unloaded), 'node1', False,
                  render=lambda _plan: texts)
    assert plan['in_container'] and plan['modules_to_load'] == ['br_netfilter']
    assert plan['run_apply'] is True and plan['unchanged'] == {} and plan['outcome'] == {}
    assert plan['run_apply_reason'] == 'the result has notes or a failure, which apply.yml reports'
    # The look taken without `sysctl: true` (a caller's older look): sysctl_apply runs.
    older = dict(captured['preflight'], sysctl=None)
    plan = decide({}, dict(variables, k8s_sysctl_preflight_result=older), 'node1', False, render=lambda _plan: texts)
    assert plan['run_apply'] is True and plan['unchanged'] == {} and plan['outcome'] == {}
