#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: swarm_host_info
short_description: Report a host's Docker Swarm membership and its reach to the managers
version_added: 0.3.0
description:
  - One look at a host for Docker Swarm, as data, with the C(docker) command line only (no Docker SDK needed).
    It reports the engine's version, this node's Swarm state from C(docker info) (C(inactive), C(pending), C(active),
    C(error), C(locked)), its node id and cluster id, and on a manager the nodes C(docker node inspect) lists.
  - Connects over TCP to O(peers) on 2377 and 7946 and says for each whether it was C(open), C(refused) (the host
    answered, nothing listens yet) or C(blocked) (no answer, unreachable). UDP (7946, 4789) has no handshake to
    test this way; the overlay proof of P(fleetops.docker_host.swarm_proof#module) is what shows it works.
  - Whether the kernel has IPVS, which the ingress routing mesh and service VIPs need.
  - Whether the Docker SDK for Python is importable, which the community.docker Swarm modules need.
  - Changes nothing and runs nothing in a container; proving a running service (which runs commands in its task
    container) is P(fleetops.docker_host.swarm_proof#module)'s.
  - The P(fleetops.docker_host.swarm#role) role runs it once per host before it changes anything.
options:
  peers:
    description: Addresses (the managers' advertise addresses) to connect to on 2377/tcp and 7946/tcp.
    type: list
    elements: str
    default: []
  connect_timeout:
    description: Seconds to wait for each TCP connection.
    type: float
    default: 3
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
attributes:
  platform:
    description: Linux hosts with the docker command line.
notes:
  - A C(refused) answer before the Swarm exists is expected (nothing listens on 2377 yet) and proves the host is
    reached; a firewall that rejects (instead of dropping) looks the same, so the role also reads C(refused)
    from a manager already in the Swarm as a problem.
seealso:
  - module: fleetops.docker_host.swarm_proof
  - module: community.docker.docker_swarm_info
  - module: community.docker.docker_node_info
  - name: Docker Swarm ports
    description: The ports Swarm members use between them.
    link: https://docs.docker.com/engine/swarm/swarm-tutorial/#open-protocols-and-ports-between-the-hosts
'''

EXAMPLES = r'''
- name: Look at the host's Swarm membership and its reach to the managers
  fleetops.docker_host.swarm_host_info:
    peers: [192.0.2.10, 192.0.2.11, 192.0.2.12]
  register: look

- name: Say which hosts are Swarm members
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ look.swarm.state }} node {{ look.swarm.node_id }}"
'''

RETURN = r'''
hostname:
  description: The engine's host name (C(docker info) C(Name)), the name C(docker node ls) shows.
  returned: always
  type: str
  sample: swarm-1
engine:
  description: C(installed) (C(docker version) answered), C(version) of the server, C(api_version), C(error).
  returned: always
  type: dict
  sample: {"installed": true, "version": "20.10.24+dfsg1", "api_version": "1.41", "error": ""}
swarm:
  description:
    - This node's Swarm state. C(state) is C(docker info)'s C(LocalNodeState) (V(inactive) when not in a Swarm);
      C(node_id), C(node_addr), C(control) (a manager with the raft store), C(cluster_id) (managers only),
      C(remote_managers) (C(addr:port) list), C(error), C(hostname).
  returned: always
  type: dict
  sample: {"state": "active", "node_id": "x1y2", "node_addr": "172.17.0.2", "control": true,
           "cluster_id": "c0ffee", "remote_managers": ["172.17.0.2:2377"], "error": "", "hostname": "swarm-1"}
nodes:
  description:
    - On a manager, every node of the Swarm (C(id), C(hostname), C(role), C(availability), C(labels), C(state),
      C(addr), C(leader), C(reachability), C(manager_addr), C(engine_version)); V([]) elsewhere.
  returned: always
  type: list
  elements: dict
ports:
  description: One entry per peer and TCP port, with C(addr), C(port), C(result) (V(open), V(refused), V(blocked)), C(error).
  returned: always
  type: list
  elements: dict
  sample: [{"addr": "172.17.0.2", "port": 2377, "result": "open", "error": ""}]
ipvs:
  description: C(available) and the C(reason) (the ingress routing mesh and service VIPs need IPVS).
  returned: always
  type: dict
  sample: {"available": false, "reason": "the kernel has no IPVS (CONFIG_IP_VS is not set): ..."}
sdk:
  description: C(docker) and C(requests), whether the Python of this module can import them (community.docker needs them).
  returned: always
  type: dict
  sample: {"docker": true, "requests": true}
'''

import errno
import json
import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._swarm import (
    TCP_PORTS_TO_MANAGERS, classify_connect, parse_nodes, parse_swarm_info, read_ipvs)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}


def docker_json(module, argv):
    """Run a docker command that prints JSON; (data, error)."""
    rc, out, err = module.run_command(argv, environ_update=C_ENV)
    if rc != 0:
        return None, (err or out).strip() or 'exit %d' % rc
    try:
        return json.loads(out), ''
    except ValueError as exc:
        return None, 'not JSON: %s' % exc


def connect(addr, port, timeout):
    try:
        sock = socket.create_connection((addr, port), timeout=timeout)
        sock.close()
        return classify_connect(''), ''
    except socket.timeout:
        return 'blocked', 'timed out after %ss' % timeout
    except OSError as exc:
        name = errno.errorcode.get(getattr(exc, 'errno', None) or 0, '')
        return classify_connect(name or 'EUNKNOWN'), str(exc)


def run(module):
    params = module.params
    timeout = params['connect_timeout']
    result = {'changed': False, 'nodes': [], 'ports': []}
    version, error = docker_json(module, ['docker', 'version', '--format', '{{json .Server}}'])
    version = version or {}
    result['engine'] = {'installed': bool(version), 'version': version.get('Version', ''),
                        'api_version': version.get('ApiVersion', ''), 'error': error}
    info = {}
    if version:
        info, error = docker_json(module, ['docker', 'info', '--format', '{{json .}}'])
        info = info or {}
    result['swarm'] = parse_swarm_info(info)
    result['hostname'] = result['swarm']['hostname']
    if result['swarm']['control'] and result['swarm']['state'] == 'active':
        rc, out, err = module.run_command(['docker', 'node', 'ls', '-q'], environ_update=C_ENV)
        if rc == 0 and out.split():
            nodes, error = docker_json(module, ['docker', 'node', 'inspect'] + out.split())
            result['nodes'] = parse_nodes(nodes or [])
    for addr in params['peers']:
        for port in TCP_PORTS_TO_MANAGERS:
            outcome, error = connect(addr, port, timeout)
            result['ports'].append({'addr': addr, 'port': port, 'result': outcome, 'error': error})
    result['ipvs'] = read_ipvs()
    result['sdk'] = {}
    for name in ('docker', 'requests'):
        try:
            __import__(name)
            result['sdk'][name] = True
        except Exception:  # noqa: BLE001 - an SDK that fails to import is as good as absent
            result['sdk'][name] = False
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            peers=dict(type='list', elements='str', default=[]),
            connect_timeout=dict(type='float', default=3),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == '__main__':
    main()
