"""Print a test host's engine state as JSON (test only): package versions, holds, the docker role's pin, whether
docker.service is active, live restore, and the containers keeper and plain (pid, started, running)."""
import json
import os
import subprocess


def run(*argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ''


versions = {}
for line in run('dpkg-query', '-W', '-f', '${Package} ${Version}\n', 'docker-ce', 'docker-ce-cli',
                'containerd.io').splitlines():
    name, _sep, version = line.partition(' ')
    versions[name] = version
containers = {}
inspect = run('docker', 'inspect', 'keeper', 'plain')
for item in json.loads(inspect) if inspect else []:
    containers[item['Name'].lstrip('/')] = {'pid': item['State']['Pid'], 'started': item['State']['StartedAt'],
                                            'running': item['State']['Running']}
pin = '/etc/apt/preferences.d/docker.pref'
print(json.dumps({
    'versions': versions,
    'holds': sorted(run('apt-mark', 'showhold').split()),
    'pin': open(pin).read() if os.path.exists(pin) else '',
    'active': run('systemctl', 'is-active', 'docker') or 'inactive',
    'live_restore': run('docker', 'info', '--format', '{{.LiveRestoreEnabled}}'),
    'containers': containers,
}))
