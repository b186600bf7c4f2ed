#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: swarm_proof
short_description: Prove a Docker Swarm service over its published port and across hosts over its overlay network
version_added: 0.3.0
description:
  - Reads a running Swarm service as proof that the Swarm carries traffic. It fetches the service's host-mode
    published port on each address of O(addrs) and, from inside this host's task container (C(docker exec)),
    resolves C(tasks.<service>) on the overlay network and fetches each task over it. The ingress routing mesh
    (O(mesh_port)) is read only where the kernel has IPVS; elsewhere the C(mesh) of RV(proof) says why it was SKIPPED.
  - It runs commands inside the service's task container (C(busybox nslookup), C(busybox nc)), which is why it is
    not an C(_info) module; it changes nothing on the host or in the Swarm.
  - The P(fleetops.docker_host.swarm#role) role runs it on every member after it started its proof service.
options:
  service:
    description: The service's name; this host's task is found by the label C(com.docker.swarm.service.name).
    type: str
    required: true
  port:
    description: The service's host-mode published port, fetched on each address of O(addrs).
    type: int
    required: true
  target_port:
    description: The port the tasks listen on inside (the image needs C(busybox) with C(nslookup) and C(nc)).
    type: int
    default: 80
  addrs:
    description: The members' addresses to fetch the published port from.
    type: list
    elements: str
    default: []
  mesh_port:
    description: An ingress-published port of a second service, fetched on O(addrs) only when the kernel has IPVS.
    type: int
  wait:
    description: Seconds to read again (every 2 seconds) until every answer came; V(0) reads once.
    type: float
    default: 0
  connect_timeout:
    description: Seconds to wait for each fetch.
    type: float
    default: 3
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: It changes nothing, so it reads in check mode too.
    support: full
  diff_mode:
    description: Nothing is written, so there is no diff.
    support: none
  platform:
    description: Swarm members with the docker command line.
seealso:
  - module: fleetops.docker_host.swarm_host_info
'''

EXAMPLES = r'''
- name: Prove a global service with host-mode published port 8080 on every member
  fleetops.docker_host.swarm_proof:
    service: fleetops-hello
    port: 8080
    addrs: [192.0.2.10, 192.0.2.11, 192.0.2.12]
    wait: 60
  register: served

- name: Require every answer
  ansible.builtin.assert:
    that: served.proof.ok
'''

RETURN = r'''
proof:
  description:
    - C(ok) (every published port and every task over the overlay answered, and the mesh where it was read),
      C(task_container) (this host's task container of the service, V("") when none runs here), C(published)
      (address -> C(ok), C(body), C(error)), C(overlay) (C(addresses) that C(tasks.<service>) resolves to inside
      the task, C(answers) address -> C(ok), C(body), C(error)), C(mesh) (like C(published) under C(answers), or
      C(skipped) with the reason, no IPVS or no O(mesh_port)).
  returned: always
  type: dict
  sample: {"ok": true, "task_container": "c0ffee", "published": {"192.0.2.10": {"ok": true, "body": "swarm-1", "error": ""}},
           "overlay": {"addresses": ["10.0.1.3"], "answers": {"10.0.1.3": {"ok": true, "body": "swarm-1", "error": ""}}},
           "mesh": {"skipped": "the kernel has no IPVS (CONFIG_IP_VS is not set)", "answers": {}}}
'''

import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.fleetops.docker_host.plugins.module_utils._swarm import http_body, parse_nslookup, read_ipvs

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}


def fetch(url, timeout):
    try:
        body = open_url(url, timeout=timeout, use_proxy=False).read()
        return {'ok': True, 'body': body.decode('utf-8', 'replace').strip(), 'error': ''}
    except Exception as exc:  # noqa: BLE001 - any failure of the fetch is the answer
        return {'ok': False, 'body': '', 'error': str(exc)}


def run_probe(module, probe, ipvs, timeout):
    service = probe.get('service') or ''
    port = int(probe.get('port') or 0)
    target_port = int(probe.get('target_port') or 80)
    result = {'task_container': '', 'published': {}, 'overlay': {'addresses': [], 'answers': {}}, 'mesh': {}}
    for addr in probe.get('addrs') or []:
        result['published'][addr] = fetch('http://%s:%d/' % (addr, port), timeout)
    rc, out, err = module.run_command(
        ['docker', 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=%s' % service], environ_update=C_ENV)
    containers = out.split() if rc == 0 else []
    if containers:
        result['task_container'] = containers[0]
        name = 'tasks.%s' % service
        rc, out, err = module.run_command(['docker', 'exec', containers[0], 'busybox', 'nslookup', name],
                                          environ_update=C_ENV)
        result['overlay']['addresses'] = parse_nslookup(out, name)
        result['overlay']['error'] = '' if rc == 0 else (err or out).strip()
        for addr in result['overlay']['addresses']:
            # busybox nc with a plain HTTP/1.0 request: a static busybox's wget can crash resolving (glibc NSS).
            rc, out, err = module.run_command(
                ['docker', 'exec', '-i', containers[0], 'busybox', 'nc', '-w', str(int(timeout) or 1), addr,
                 str(target_port)], data='GET / HTTP/1.0\r\n', environ_update=C_ENV)
            ok, body = http_body(out) if rc == 0 else (False, '')
            result['overlay']['answers'][addr] = {'ok': ok and bool(body), 'body': body,
                                                  'error': '' if ok else (err or out).strip() or 'exit %d' % rc}
    mesh_port = probe.get('mesh_port')
    if mesh_port and ipvs['available']:
        result['mesh'] = {'skipped': '', 'answers': dict(
            (addr, fetch('http://%s:%d/' % (addr, int(mesh_port)), timeout)) for addr in probe.get('addrs') or [])}
    else:
        result['mesh'] = {'skipped': ipvs['reason'] if not ipvs['available'] else 'no mesh_port given',
                          'answers': {}}
    overlay = result['overlay']
    result['ok'] = bool(
        result['task_container'] and result['published']
        and all(a['ok'] for a in result['published'].values())
        and len(overlay['addresses']) == len(result['published'])
        and all(a['ok'] for a in overlay['answers'].values())
        and all(a['ok'] for a in result['mesh']['answers'].values()))
    return result


def run(module):
    params = module.params
    ipvs = read_ipvs()
    # A service just created or updated takes a while to run its tasks everywhere: read until all answer.
    deadline = time.time() + float(params['wait'] or 0)
    result = run_probe(module, params, ipvs, params['connect_timeout'])
    while not result['ok'] and time.time() < deadline:
        time.sleep(2)
        result = run_probe(module, params, ipvs, params['connect_timeout'])
    return {'changed': False, 'proof': result}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type='str', required=True),
            port=dict(type='int', required=True),
            target_port=dict(type='int', default=80),
            addrs=dict(type='list', elements='str', default=[]),
            mesh_port=dict(type='int'),
            wait=dict(type='float', default=0),
            connect_timeout=dict(type='float', default=3),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == '__main__':
    main()
