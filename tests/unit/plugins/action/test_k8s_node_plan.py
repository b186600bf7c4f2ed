# -*- coding: utf-8 -*-
"""fleetops.docker_host.k8s_node_plan: the decision function, and the action run by a real ansible-playbook
(the role's variables read and rendered from the play, bad input refused with the host and the variable)."""

import json
import os
import subprocess
import sys

from ansible_collections.fleetops.docker_host.plugins.action.k8s_node_plan import decide

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
CD = '/etc/containerd/certs.d/'
LOOK = {'registry_dirs': [{'path': CD + 'gone:5000', 'files': ['fleetops-k8s-node.managed', 'hosts.toml']}],
        'readiness': {'ready': True, 'kubernetes_version': '1.28', 'unmet': [], 'notes': []}}


def test_plan_from_the_role_variables_and_the_look():
    plan = decide({'look': LOOK}, {'k8s_node_registries': [{'host': 'plain:5000', 'insecure': True}]}, 'node1')
    assert not plan.get('failed') and plan['changed'] is False
    assert [item['path'] for item in plan['registry_dirs']] == [CD + 'plain:5000']
    # What the role wrote for an entry that left the list goes.
    assert plan['registry_remove'] == [{'path': CD + 'gone:5000'}]


def test_swap_off_given_as_a_string_is_a_bool():
    assert not decide({'look': LOOK}, {'k8s_node_swap_off': 'false'}, 'node1').get('failed')
    plan = decide({'look': LOOK}, {'k8s_node_swap_off': 'maybe'}, 'node1')
    assert plan['failed'] and 'k8s_node_swap_off must be true or false' in plan['msg']


def test_bad_input_fails_naming_the_host_and_the_variable():
    plan = decide({'look': LOOK}, {'k8s_node_registries': [{'host': 'https://registry.example/'}]}, 'node1')
    assert plan['failed'] and plan['msg'].startswith('node1: k8s_node_registries[0].host "https://registry.example/"')
    assert plan['registry_remove'] == []


def test_the_look_is_required_and_unknown_options_refused():
    assert 'takes look' in decide({}, {}, 'node1')['msg']
    assert 'not registries' in decide({'look': LOOK, 'registries': []}, {}, 'node1')['msg']


def test_the_result_from_what_each_step_did():
    plan = decide({'look': LOOK}, {}, 'node1')
    swap = {'changed': True, 'fstab_commented': ['/swapfile none swap sw 0 0'], 'notes': []}
    done = decide({'look': LOOK, 'plan': plan, 'steps': {'swap': swap, 'containerd': {'skipped': True}}}, {}, 'node1')
    result = done['result']
    assert result['changed'] is True and result['swap_fstab_commented'] == ['/swapfile none swap sw 0 0']
    assert result['summary'] == 'ready for 1.28' and result['containerd_config_changed'] is False
    assert decide({'look': LOOK, 'plan': plan, 'steps': 'x'}, {}, 'node1')['failed']


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    k8s_node_registries: [{host: "{{ registry }}", insecure: true}]
    k8s_node_registry_config_path: "{{ '/etc/containerd/certs.d' }}"
  tasks:
    - name: Plan
      fleetops.docker_host.k8s_node_plan:
        look: {registry_dirs: []}
      register: out
      ignore_errors: true
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ out | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


def play(tmp_path, registry, *extra):
    book = tmp_path / 'play.yml'
    book.write_text(PLAYBOOK)
    (tmp_path / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_CONFIG=str(tmp_path / 'ansible.cfg'))
    result_file = tmp_path / 'result.json'
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-e',
                          json.dumps({'registry': registry, 'result_file': str(result_file)})] + list(extra)
                         + [str(book)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                         check=False)
    return run, (json.loads(result_file.read_text()) if result_file.exists() else None)


def test_the_action_reads_and_renders_the_role_variables(tmp_path):
    run, result = play(tmp_path, 'plain:5000', '--check')
    assert run.returncode == 0, run.stdout
    assert [item['path'] for item in result['registry_files']] == [
        CD + 'plain:5000/fleetops-k8s-node.managed', CD + 'plain:5000/hosts.toml']


def test_the_action_fails_on_bad_input(tmp_path):
    run, result = play(tmp_path, 'https://x/')
    assert result['failed'] and 'localhost: k8s_node_registries[0].host' in result['msg'], run.stdout
