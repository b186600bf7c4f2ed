"""Print a test host's engine state as JSON (test only): package versions, holds, the docker role's pin, whether
docker.service is active, live restore, and the named containers (pid, started, running).

    state.py [dpkg|rpm] [CONTAINER...]     (default: dpkg keeper plain)

dpkg: versions from dpkg-query, holds from apt-mark, the pin in /etc/apt/preferences.d/docker.pref.
rpm (the EL tooling host, which has dpkg too): versions from rpm as the role shows them (EPOCH:VERSION-RELEASE),
holds the package names of dnf's versionlock list, one per lock line (a duplicate lock shows twice), `locks` the
lines themselves; no pin file on EL (the versionlock is the pin).
"""
import json
import os
import subprocess
import sys

ENGINE = ('docker-ce', 'docker-ce-cli', 'containerd.io')


def run(*argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ''


family = sys.argv[1] if len(sys.argv) > 1 else 'dpkg'
names = sys.argv[2:] or ['keeper', 'plain']
versions, locks = {}, []
if family == 'rpm':
    listing = run('rpm', '-q', '--qf', '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\n', *ENGINE)
    locks = [line for line in run('dnf', '-q', 'versionlock', 'list').splitlines() if line.strip()]
    # docker-ce-3:26.1.6-1.el9.* -> docker-ce
    holds = sorted(line.rsplit('-', 2)[0] for line in locks)
    pin = ''
else:
    listing = run('dpkg-query', '-W', '-f', '${Package} ${Version}\n', *ENGINE)
    holds = sorted(run('apt-mark', 'showhold').split())
    path = '/etc/apt/preferences.d/docker.pref'
    pin = open(path).read() if os.path.exists(path) else ''
for line in listing.splitlines():
    name, _sep, version = line.partition(' ')
    versions[name] = version
containers = {}
inspect = run('docker', 'inspect', *names)
for item in json.loads(inspect) if inspect else []:
    containers[item['Name'].lstrip('/')] = {'pid': item['State']['Pid'], 'started': item['State']['StartedAt'],
                                            'running': item['State']['Running']}
state = {
    'versions': versions,
    'holds': holds,
    'pin': pin,
    'active': run('systemctl', 'is-active', 'docker') or 'inactive',
    'live_restore': run('docker', 'info', '--format', '{{.LiveRestoreEnabled}}'),
    'containers': containers,
}
if family == 'rpm':
    state['locks'] = locks
print(json.dumps(state))
