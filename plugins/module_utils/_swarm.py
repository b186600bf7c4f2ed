# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions behind the swarm role: what `docker info`, `docker node inspect` and a few probes say
(fleetops.docker_host.swarm_host_info, on the host), and what each host of the fleet must do (the
fleetops.docker_host.swarm_plan action, on the controller, from every host's look). Nothing here touches a
host (but read_ipvs, the kernel's three files behind ipvs_state), so every rule is unit-tested without one.
Python 3.6+ (it also runs on the managed hosts).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import gzip
import os
import re

# Swarm's ports between members (Docker's documentation): cluster management, node gossip, overlay data.
MANAGER_PORT = 2377
GOSSIP_PORT = 7946
VXLAN_PORT = 4789
# TCP ports a member must reach on every manager; UDP has no handshake to test (see ports_problems).
TCP_PORTS_TO_MANAGERS = (MANAGER_PORT, GOSSIP_PORT)
UDP_UNTESTED = ('%d/udp (gossip)' % GOSSIP_PORT, '%d/udp (overlay VXLAN)' % VXLAN_PORT)

ROLES = ('manager', 'worker')
AVAILABILITIES = ('active', 'pause', 'drain')
# docker info's Swarm.LocalNodeState values that mean "joined only half": clean them and join again.
HALF_JOINED = ('pending', 'error')

_VERSION_RE = re.compile(r'^(\d+)\.(\d+)(?:\.(\d+))?')


def version_tuple(text):
    """'20.10.24+dfsg1' -> (20, 10, 24); None when it is no version."""
    match = _VERSION_RE.match(str(text or '').strip().lstrip('v'))
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def quorum(managers):
    """Raft's majority of N managers: N // 2 + 1 (3 -> 2, 5 -> 3)."""
    return managers // 2 + 1


# ---------------------------------------------------------------------------------------------- the look


def parse_swarm_info(info):
    """docker info's JSON (a dict) -> this node's Swarm state, the keys the plan reads."""
    swarm = (info or {}).get('Swarm') or {}
    cluster = swarm.get('Cluster') or {}
    return {
        'state': swarm.get('LocalNodeState') or 'inactive',
        'node_id': swarm.get('NodeID') or '',
        'node_addr': swarm.get('NodeAddr') or '',
        'control': bool(swarm.get('ControlAvailable')),
        'cluster_id': cluster.get('ID') or '',
        'error': swarm.get('Error') or '',
        'remote_managers': sorted(m.get('Addr', '') for m in swarm.get('RemoteManagers') or []),
        'hostname': (info or {}).get('Name') or '',
    }


def parse_nodes(inspected):
    """docker node inspect's JSON list -> one dict per node, sorted by hostname then id."""
    nodes = []
    for node in inspected or []:
        spec = node.get('Spec') or {}
        status = node.get('Status') or {}
        manager = node.get('ManagerStatus') or {}
        description = node.get('Description') or {}
        nodes.append({
            'id': node.get('ID', ''),
            'hostname': description.get('Hostname', ''),
            'role': spec.get('Role', ''),
            'availability': spec.get('Availability', ''),
            'labels': spec.get('Labels') or {},
            'state': status.get('State', ''),
            'addr': status.get('Addr', ''),
            'leader': bool(manager.get('Leader')),
            'reachability': manager.get('Reachability', ''),
            'manager_addr': manager.get('Addr', ''),
            'engine_version': (description.get('Engine') or {}).get('EngineVersion', ''),
        })
    return sorted(nodes, key=lambda n: (n['hostname'], n['id']))


def ipvs_state(config_text, modules_text, proc_ip_vs_exists):
    """Whether the kernel has IPVS (the ingress routing mesh and service VIPs need it).
    config_text: /proc/config.gz decompressed ('' when absent); modules_text: /proc/modules."""
    if proc_ip_vs_exists or re.search(r'^ip_vs\s', modules_text or '', re.M):
        return {'available': True, 'reason': 'IPVS is loaded (/proc/net/ip_vs)'}
    match = re.search(r'^(?:CONFIG_IP_VS=([ym])|# CONFIG_IP_VS is not set)', config_text or '', re.M)
    if match and not match.group(1):
        return {'available': False,
                'reason': 'the kernel has no IPVS (CONFIG_IP_VS is not set): no ingress routing mesh, no service VIPs'}
    if match:
        return {'available': True, 'reason': 'CONFIG_IP_VS=%s' % match.group(1)}
    return {'available': False, 'reason': 'IPVS is not loaded and the kernel configuration does not say it exists'}


def _read_text(path, opener=open):
    try:
        with opener(path, 'rt') as handle:
            return handle.read()
    except (OSError, EOFError):
        return ''


def read_ipvs(root='/'):
    """ipvs_state of the running kernel (swarm_host_info's look and swarm_proof's mesh both need it)."""
    proc = os.path.join(root, 'proc')
    return ipvs_state(_read_text(os.path.join(proc, 'config.gz'), gzip.open), _read_text(os.path.join(proc, 'modules')),
                      os.path.exists(os.path.join(proc, 'net', 'ip_vs')))


def classify_connect(errno_name):
    """A TCP connect's outcome -> 'open', 'refused' (the host answered, nothing listens) or 'blocked'."""
    if not errno_name:
        return 'open'
    if errno_name == 'ECONNREFUSED':
        return 'refused'
    return 'blocked'


def parse_nslookup(text, name):
    """busybox/BIND nslookup output -> the IPv4 addresses given for NAME (the server's own lines skipped)."""
    addresses, in_answer = [], False
    for raw in (text or '').splitlines():
        line = raw.strip()
        if re.match(r'^Name:\s*', line):
            in_answer = line.split(':', 1)[1].strip().rstrip('.') == name
            inline = re.findall(r'(\d+\.\d+\.\d+\.\d+)', line)
            if in_answer and inline:
                addresses.extend(inline)
            continue
        if in_answer:
            found = re.match(r'^Address(?:\s*\d+)?:\s*(\d+\.\d+\.\d+\.\d+)', line)
            if found:
                addresses.append(found.group(1))
    return sorted(set(addresses), key=lambda a: tuple(int(p) for p in a.split('.')))


def http_body(raw):
    """A raw HTTP/1.0 answer (from nc) -> (ok, body): ok only for a 200 status."""
    text = (raw or '').replace('\r\n', '\n')
    head, _sep, body = text.partition('\n\n')
    status = head.split('\n', 1)[0].split()
    return (len(status) > 1 and status[1] == '200'), body.strip()


# ---------------------------------------------------------------------------------------------- the plan


def input_problems(managers, workers, settings, groups=('swarm_managers', 'swarm_workers')):
    """Problems with the inventory itself (nothing looked at yet). settings: host -> {advertise_addr, labels,
    availability}. Returns messages that name host, variable, value and fix."""
    problems = []
    mgroup, wgroup = groups
    both = sorted(set(managers) & set(workers))
    for host in both:
        problems.append('%s: in both %s and %s; put it in one group' % (host, mgroup, wgroup))
    if workers and not managers:
        problems.append('%s lists %s but %s is empty; a Swarm needs at least one manager'
                        % (wgroup, ', '.join(workers), mgroup))
    if managers and len(managers) % 2 == 0:
        problems.append(
            '%s has %d hosts (%s): an even number of managers adds no fault tolerance to the raft '
            'quorum (%d managers need %d for a majority, as %d would, and tolerate %d failures); list %d or %d '
            'managers' % (mgroup, len(managers), ', '.join(managers), len(managers), quorum(len(managers)),
                          len(managers) - 1, (len(managers) - 1) // 2, len(managers) - 1, len(managers) + 1))
    if len(managers) > 7:
        problems.append('%s has %d hosts: Docker advises at most 7 managers (raft traffic grows with '
                        'each); make the others workers' % (mgroup, len(managers)))
    for host in sorted(settings):
        values = settings[host]
        if values.get('availability') not in AVAILABILITIES:
            problems.append('%s: swarm_node_availability is %r; use one of %s'
                            % (host, values.get('availability'), ', '.join(AVAILABILITIES)))
        labels = values.get('labels')
        if not isinstance(labels, dict) or any(not isinstance(v, str) for v in labels.values()):
            problems.append('%s: swarm_node_labels must map names to strings (got %r); quote the values'
                            % (host, labels))
    return problems


def _member_of(look, cluster_ids, cluster_node_ids, manager_addrs):
    """Whether a host's engine belongs to the managed cluster (never another one we must not touch)."""
    swarm = look.get('swarm') or {}
    if swarm.get('cluster_id') and swarm.get('cluster_id') in cluster_ids:
        return True
    if swarm.get('node_id') and swarm.get('node_id') in cluster_node_ids:
        return True
    remote = set(addr.rsplit(':', 1)[0] for addr in swarm.get('remote_managers') or [])
    return bool(remote & manager_addrs)


def plan(managers, workers, looks, settings, *, check_mode=False, min_engine='20.10',
         groups=('swarm_managers', 'swarm_workers')):
    """The whole fleet's plan from every host's look.

    managers, workers: the swarm_managers/swarm_workers groups (inventory order; hosts outside this run too).
    looks: host -> swarm_host_info's return, for every host of this run.
    settings: host -> {advertise_addr, labels, availability} for every host of this run.
    Returns {'problems': [...], 'cluster': {...}, 'hosts': {host: {...}}, 'pre_updates', 'post_updates',
    'remove_nodes'}; with problems nothing may change anywhere.
    """
    mgroup, wgroup = groups
    problems = input_problems(managers, workers, dict((h, settings[h]) for h in settings
                                                      if h in managers or h in workers), groups)
    intended = dict((h, 'manager') for h in managers)
    intended.update((h, 'worker') for h in workers if h not in intended)
    in_run = list(looks)
    engine_missing = [h for h in in_run if h in intended and not (looks[h].get('engine') or {}).get('installed')]

    # The managed cluster: what the intended managers in this run lead (a manager with control).
    leading = [h for h in managers if h in looks and (looks[h].get('swarm') or {}).get('control')]
    cluster_ids = set(looks[h]['swarm']['cluster_id'] for h in leading if looks[h]['swarm'].get('cluster_id'))
    if len(cluster_ids) > 1:
        problems.append('the managers %s lead different Swarms (%s); keep one Swarm: make the others leave it '
                        '(docker swarm leave --force) or list only one Swarm\'s managers'
                        % (', '.join(leading), ', '.join(sorted(cluster_ids))))
    bootstrap = leading[0] if leading else next((h for h in managers if h in looks), '')
    if not leading and managers and managers[0] not in looks:
        problems.append('%s, the first host of %s, is not in this run and no manager of this run '
                        'leads a Swarm: run without --limit, or with the first manager' % (managers[0], mgroup))
    nodes = (looks.get(bootstrap) or {}).get('nodes') or [] if leading else []
    node_ids = set(n['id'] for n in nodes)
    by_id = dict((n['id'], n) for n in nodes)

    addrs = dict((h, settings.get(h, {}).get('advertise_addr') or '') for h in in_run)
    for host in in_run:
        if host in intended and not addrs[host] and host not in engine_missing:
            problems.append('%s: no advertise address: swarm_advertise_addr is empty and the facts have no '
                            'default IPv4 address; set swarm_advertise_addr to the address the other members '
                            'reach this host at' % host)
    manager_addrs = set(addrs[h] for h in managers if h in addrs and addrs[h])
    manager_addrs.update(n['addr'] for n in nodes if n['role'] == 'manager' and n['addr'])

    # Engines: present (check mode may run before the install), new enough, managers not behind workers.
    floor = version_tuple(min_engine)
    versions = {}
    for host in in_run:
        if host in intended and host not in engine_missing:
            versions[host] = version_tuple(looks[host]['engine'].get('version'))
            if versions[host] is None or versions[host] < floor:
                problems.append('%s: Docker Engine %s is older than %s, the oldest engine this role forms a Swarm '
                                'with (swarm_min_engine_version); upgrade it first'
                                % (host, looks[host]['engine'].get('version') or '(unknown)', min_engine))
    if not check_mode:
        for host in engine_missing:
            problems.append('%s: Docker Engine is not installed (docker version failed); run the docker stage '
                            'first' % host)
    manager_versions = [versions[h] for h in managers if versions.get(h)]
    for host in workers:
        if versions.get(host) and manager_versions and versions[host][:2] > max(manager_versions)[:2]:
            problems.append('%s: worker engine %s is newer than every manager\'s (%s); upgrade the managers first, '
                            'as Docker documents for Swarm' % (host, '.'.join(map(str, versions[host])),
                                                               '.'.join(map(str, max(manager_versions)))))

    # Ports: each member reached every manager's 2377/tcp and 7946/tcp (the look connected to them).
    for host in in_run:
        if host not in intended:
            continue
        for check in (looks[host].get('ports') or []):
            target_active = any(check['addr'] == addrs.get(m) and (looks.get(m) or {}).get('swarm', {}).get('control')
                                for m in managers)
            if check['result'] == 'blocked' or (check['result'] == 'refused' and target_active):
                problems.append('%s: %s:%s/tcp %s (%s); open the Swarm ports between members: 2377/tcp to the '
                                'managers, 7946/tcp+udp and 4789/udp between all members'
                                % (host, check['addr'], check['port'],
                                   'is blocked' if check['result'] == 'blocked' else 'refused the connection',
                                   check.get('error') or check['result']))

    hosts, pre_updates, post_updates, remove_nodes = {}, [], [], []
    member_hostnames = {}
    leaving_managers = []
    for host in in_run:
        look = looks[host]
        swarm = look.get('swarm') or {}
        role = intended.get(host, 'none')
        state = swarm.get('state', 'inactive')
        member = bool(leading) and _member_of(look, cluster_ids, node_ids, manager_addrs)
        entry = by_id.get(swarm.get('node_id'))
        step = {'role': role, 'action': 'none', 'leave_force': False, 'member': member and state == 'active',
                'node_id': swarm.get('node_id', '') if state == 'active' else '', 'reason': '',
                'advertise_addr': addrs.get(host, '')}
        if swarm.get('hostname'):
            member_hostnames[swarm['hostname']] = host
        if state == 'locked':
            problems.append('%s: its Swarm is locked (autolock); unlock it with docker swarm unlock and the '
                            'unlock key, then run again' % host)
        elif role == 'none':
            # Only a member of the managed cluster leaves; an engine in another Swarm is never touched.
            if not leading and managers and swarm.get('control') and state == 'active':
                problems.append('%s leads a Swarm (%s) but is in neither %s nor %s, and no host of %s leads one: '
                                'add %s to %s to adopt its Swarm, or make it leave (docker swarm leave --force)'
                                % (host, swarm.get('cluster_id') or '?', mgroup, wgroup, mgroup, host, mgroup))
            elif member and state == 'active':
                step['action'] = 'leave'
                step['reason'] = 'in neither %s nor %s' % (mgroup, wgroup)
                if entry and entry['role'] == 'manager':
                    leaving_managers.append(host)
                    pre_updates.append({'node': entry['id'], 'host': host, 'role': 'worker',
                                        'labels': entry['labels'], 'availability': 'drain'})
                if entry:
                    remove_nodes.append({'node': entry['id'], 'host': host, 'why': 'left'})
        elif host in engine_missing:
            step['reason'] = 'Docker Engine not installed yet (check mode)'
        elif not leading and host == bootstrap:
            step['action'] = 'init'
            step['leave_force'] = state in HALF_JOINED
        elif state == 'active' and swarm.get('control') and swarm.get('cluster_id') in cluster_ids:
            step['action'] = 'none'
        elif state == 'active' and member and swarm.get('node_id') in node_ids:
            step['action'] = 'none'
        elif state == 'active' and leading and not member:
            problems.append('%s: its engine is in another Swarm (node %s, managers %s); make it leave that Swarm '
                            '(docker swarm leave) or remove it from %s'
                            % (host, swarm.get('node_id'), ', '.join(swarm.get('remote_managers') or []) or '?',
                               mgroup if role == 'manager' else wgroup))
        else:
            step['action'] = 'join'
            # Half-joined, or still active locally while the cluster no longer lists it: clean, then join.
            step['leave_force'] = state in HALF_JOINED or state == 'active'
            step['reason'] = ('half-joined (%s)' % state) if state in HALF_JOINED else (
                'its node entry is gone from the Swarm' if state == 'active' else 'not in the Swarm')
        hosts[host] = step

    # Stale entries: down, and the hostname of a host in the groups whose current node is another (or none).
    current_ids = set(s['node_id'] for s in hosts.values() if s['node_id'] and s['action'] not in ('join',))
    group_hostnames = set(member_hostnames) | set(managers) | set(workers)
    for node in nodes:
        if node['state'] == 'down' and node['id'] not in current_ids and node['hostname'] in group_hostnames:
            if not any(r['node'] == node['id'] for r in remove_nodes):
                remove_nodes.append({'node': node['id'], 'host': member_hostnames.get(node['hostname'],
                                                                                      node['hostname']),
                                     'why': 'stale (down)'})
                if node['role'] == 'manager':
                    pre_updates.append({'node': node['id'], 'host': node['hostname'], 'role': 'worker',
                                        'labels': node['labels'], 'availability': 'drain'})

    # Settings of the nodes that stay or join: role (promote/demote), labels, availability.
    for host in in_run:
        step = hosts[host]
        if step['role'] == 'none' or host in engine_missing:
            continue
        wanted = {'role': step['role'], 'labels': settings[host].get('labels') or {},
                  'availability': settings[host].get('availability') or 'active'}
        entry = by_id.get(step['node_id']) if step['action'] == 'none' else None
        # Labels merge (a label set outside the inventory stays): only a missing or different one is a change.
        same = bool(entry) and entry['role'] == wanted['role'] and entry['availability'] == wanted['availability'] \
            and all(entry['labels'].get(k) == v for k, v in wanted['labels'].items())
        if not same:
            # A node that joins in this run is named by its hostname (docker_node takes a hostname or an id).
            if entry or not check_mode:
                post_updates.append(dict(wanted, host=host, node=step['node_id'] if entry else (
                    (looks[host].get('swarm') or {}).get('hostname') or host)))
        step['update'] = not same

    # Quorum: the managers that stay reachable must keep a majority of the managers that remain, counting the
    # managers that leave, stale manager entries and the managers demoted to workers.
    current_managers = [n for n in nodes if n['role'] == 'manager']
    demoted = set(u['node'] for u in pre_updates) | set(
        u['node'] for u in post_updates if u['role'] == 'worker' and by_id.get(u['node'], {}).get('role') == 'manager')
    remaining = [n for n in current_managers if n['id'] not in demoted]
    reachable = [n for n in remaining if n['reachability'] == 'reachable' or n['leader']]
    if current_managers and demoted and (not remaining or len(reachable) < quorum(len(remaining))):
        gone = sorted(set(u['host'] for u in pre_updates + post_updates if u['node'] in demoted))
        problems.append('demoting %s would leave %d manager(s), %d reachable, below the raft quorum of %d; '
                        'bring managers back or add managers first'
                        % (', '.join(gone), len(remaining), len(reachable),
                           quorum(len(remaining)) if remaining else 1))

    # Which hosts need the Docker SDK for Python (community.docker's modules), and whether anything can act:
    # in check mode those modules need the SDK too, so a fleet without it is only planned.
    sdk_missing = []
    for host in in_run:
        step = hosts[host]
        sdk = looks[host].get('sdk') or {}
        acting = step['role'] != 'none' or step['action'] != 'none'
        step['leave'] = step['action'] == 'leave' or step['leave_force']
        step['needs_packages'] = bool(acting and host not in engine_missing
                                      and not (sdk.get('docker') and sdk.get('requests')))
        step['prove'] = bool(step['role'] != 'none' and not check_mode)
        if step['needs_packages'] or (acting and host in engine_missing):
            sdk_missing.append(host)
    joins = sorted(h for h in hosts if hosts[h]['action'] in ('join', 'init'))
    act = not check_mode or not sdk_missing
    cluster = {
        'act': act,
        'unable': [] if act else sorted(sdk_missing),
        'fetch_tokens': bool(act and any(hosts[h]['action'] == 'join' for h in hosts)
                             and (leading or not check_mode)),
        # docker node ls works on a manager of an existing Swarm, or of one this run forms.
        'listable': bool(bootstrap and (leading or (act and not check_mode))),
        'verify': bool(bootstrap and not check_mode),
        'member_addrs': [addrs[h] for h in in_run if hosts[h]['role'] != 'none' and addrs.get(h)],
        'exists': bool(leading),
        'cluster_id': sorted(cluster_ids)[0] if cluster_ids else '',
        'bootstrap': bootstrap,
        'join_addr': '%s:%d' % (addrs.get(bootstrap, ''), MANAGER_PORT) if bootstrap else '',
        'joins': [h for h in joins if hosts[h]['action'] == 'join'],
        'leaving_managers': leaving_managers,
        'udp_untested': list(UDP_UNTESTED),
    }
    return {'problems': problems, 'cluster': cluster, 'hosts': hosts, 'pre_updates': pre_updates,
            'post_updates': post_updates, 'remove_nodes': remove_nodes}


def member_status(nodes, hostname, node_id=''):
    """This host's row in `docker node ls` (docker_node_info's list): the Ready node with its hostname, or its id."""
    rows = parse_nodes(nodes)
    mine = [n for n in rows if node_id and n['id'] == node_id] or [
        n for n in rows if n['hostname'] == hostname and n['state'] == 'ready'] or [
        n for n in rows if n['hostname'] == hostname]
    if not mine:
        return {'member': False, 'node_id': '', 'role': 'none', 'ready': False, 'leader': False,
                'availability': '', 'labels': {}}
    node = mine[0]
    return {'member': True, 'node_id': node['id'], 'role': node['role'], 'ready': node['state'] == 'ready',
            'leader': node['leader'], 'availability': node['availability'], 'labels': node['labels']}


def verify_members(nodes, expected):
    """expected: hostname -> intended role. Problems: a member missing, not Ready, or with another role."""
    problems = []
    for hostname in sorted(expected):
        status = member_status(nodes, hostname)
        if not status['member']:
            problems.append('%s is not listed by docker node ls' % hostname)
        elif not status['ready'] or status['role'] != expected[hostname]:
            problems.append('%s is %s %s, expected Ready %s' % (
                hostname, 'Ready' if status['ready'] else 'not Ready', status['role'], expected[hostname]))
    return problems
