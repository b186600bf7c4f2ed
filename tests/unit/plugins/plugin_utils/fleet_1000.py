# -*- coding: utf-8 -*-
"""A generated fleet of 1,000 hosts, as hostvars the report reads: most converged, some failed, unreachable,
with a bad sysctl, Kubernetes nodes ready or not, a few with Swarm and Docker upgrade results. Deterministic."""

import random

DOCKER = [('26.1.5', 50), ('27.5.1', 25), ('20.10.24', 15), ('24.0.9', 7), ('28.0.4', 3)]
KERNELS = [('6.1.0-28-amd64', 55), ('6.12.9+bpo-amd64', 25), ('5.14.0-503.el9.x86_64', 15), ('4.18.0-553.el8.x86_64', 5)]
# A failure message as long as a real one, with a path that cannot break at a space.
LONG = ('docker stage: host-%d: package docker-ce=5:26.1.5-1~debian.12~bookworm is not available from '
        '/etc/apt/sources.list.d/docker.sources (https://download.docker.com/linux/debian/dists/bookworm/stable/'
        'binary-amd64/Packages.xz_' + 'x' * 160 + '); fix: set docker_version to a version the repository has\n'
        'apt said: E: Version not found')


def _pick(rng, weighted):
    values = [value for value, weight in weighted for _copy in range(weight)]
    return rng.choice(values)


def hostvars(count=1000, seed=28):
    rng = random.Random(seed)
    fleet = {}
    for number in range(1, count + 1):
        host = 'host-%d' % number
        docker, kernel = _pick(rng, DOCKER), _pick(rng, KERNELS)
        facts = {'distribution': 'Debian' if 'amd64' in kernel else 'Rocky', 'kernel': kernel,
                 'distribution_version': '12.8' if 'amd64' in kernel else '9.5'}
        vars_ = {'ansible_facts': facts, 'fleetops_reached_report': True,
                 'k8s_sysctl_result': {'ok': True, 'mismatches': [], 'changed': False},
                 'docker_daemon_result': {'installed': True, 'engine_version': docker, 'changed_keys': [],
                                          'action': 'none', 'hello': {'rc': 0, 'stdout': 'hello'}}}
        roll = rng.random()
        if roll < 0.03:
            vars_['fleetops_failures'] = [{'stage': 'docker', 'msg': LONG % number}]
            del vars_['docker_daemon_result']
        elif roll < 0.04:
            vars_ = {}
        elif roll < 0.09:
            vars_['k8s_sysctl_result'] = {'ok': False, 'mismatches': ['net.ipv4.ip_forward'], 'changed': False,
                                          'msg': 'net.ipv4.ip_forward: runtime 0, expected 1',
                                          'hints': ['net.ipv4.ip_forward is 0 now, expected 1: set it with sysctl -w']}
        if vars_ and number % 10 == 0:
            ready = number % 30 != 0
            vars_['k8s_node_result'] = {
                'readiness': {'ready': ready, 'notes': [],
                              'unmet': [] if ready else [{'check': 'swap', 'msg': 'swap is on: /swapfile',
                                                          'fix': 'swapoff -a and comment the fstab line'}]},
                'machine_id': 'm%d' % number, 'product_uuid': 'u%d' % number, 'in_container': False}
        if vars_ and number % 50 == 0:
            vars_['swarm_result'] = {'role': 'manager' if number % 100 == 0 else 'worker', 'ready': True,
                                     'leader': number == 100}
            vars_['docker_upgrade_result'] = {'before': '20.10.24', 'after': docker, 'containers': ['web', 'db']}
        fleet[host] = vars_
    return fleet
