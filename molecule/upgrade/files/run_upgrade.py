"""Run fleetops.docker_host.upgrade against the scenario's inventory (test only) and print one JSON summary:
{"rc", "stats": {host: {changed, failures, ...}}, "results": {host: docker_upgrade_result},
 "failed": {host: [messages]}, "ran": [hosts that reached the look]}.

    run_upgrade.py '{"docker_upgrade_version": "..."}' [--check]
    UPGRADE_PLAYBOOK=fleetops.docker_host.site run_upgrade.py '{"docker_version": "..."}'   (the site path)

The playbook runs in its own ansible-playbook process, as an operator runs it, so that its failures (refusals,
rollbacks, the roll-out stopped by max_fail_percentage) do not end the scenario's own run.
"""
import json
import os
import re
import subprocess
import sys

argv = ['ansible-playbook', '-i', os.environ['MOLECULE_INVENTORY_FILE'],
        os.environ.get('UPGRADE_PLAYBOOK') or 'fleetops.docker_host.upgrade',
        '-e', sys.argv[1]] + sys.argv[2:]
env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
env.pop('ANSIBLE_CALLBACKS_ENABLED', None)  # profile_tasks would print into the JSON
proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
try:
    start = re.search(r'^\{$', proc.stdout, re.M).start()
    report = json.JSONDecoder().raw_decode(proc.stdout[start:])[0]
except (AttributeError, ValueError):
    print(json.dumps({'rc': proc.returncode, 'error': proc.stdout[-3000:] + proc.stderr[-3000:]}))
    sys.exit(0)
summary = {'rc': proc.returncode, 'stats': report.get('stats', {}), 'results': {}, 'failed': {}, 'ran': []}
for play in report.get('plays', []):
    for task in play.get('tasks', []):
        name = task.get('task', {}).get('name', '')
        for host, result in task.get('hosts', {}).items():
            facts = result.get('ansible_facts') or {}
            if 'docker_upgrade_result' in facts:
                summary['results'][host] = facts['docker_upgrade_result']
            if 'Look at the engine packages' in name and host not in summary['ran']:
                summary['ran'].append(host)
            if result.get('failed') and not result.get('ignore_errors'):
                summary['failed'].setdefault(host, []).append(result.get('msg', ''))
print(json.dumps(summary))
