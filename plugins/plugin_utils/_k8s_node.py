# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of the k8s_node role, private to the collection (called by the action plugin k8s_node_plan; the
public filter k8s_node_docker_settings reads registry_problems).

k8s_node_plan: the input problems and the registry trust files, from the role's variables and the look.
k8s_node_result: the role's one result, from the last look and what each step did.

Runs on the controller; no I/O, so the unit tests call the functions directly.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import ipaddress
import json
import posixpath
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import CGROUP_DRIVERS
from ansible_collections.fleetops.docker_host.plugins.module_utils._hostport import split_host_port
from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import (
    HOSTS_TOML_MARK,
    REGISTRY_MARKER,
    REGISTRY_MARKER_TEXT,
    REGISTRY_OWNED_FILES,
    verdict_text,
)

REGISTRY_KEYS = ('host', 'ca', 'insecure', 'mirrors')
DOCKER_HUB = 'docker.io'
DOCKER_HUB_SERVER = 'https://registry-1.docker.io'
IMAGE_RE = re.compile(r'^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._/-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$')


def _json(value):
    return json.dumps(value, default=str, ensure_ascii=False)


def registry_host_kind(text):
    """'host' (name or address, with an optional port), 'cidr' (a network, Docker's insecure-registries only) or None."""
    if not isinstance(text, str) or '://' in text:
        return None
    if '/' in text:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None
        return 'cidr'
    # A bare IPv6 address has no port and no directory name containerd would look up: write [address].
    parsed = split_host_port(text)
    return 'host' if parsed and parsed[2] != 'ipv6-bare' else None


def _mirror_ok(url):
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return (parts.scheme in ('http', 'https') and bool(parts.hostname) and not parts.query and not parts.fragment
            and parts.username is None and registry_host_kind(parts.netloc) == 'host')


def registry_problems(registries):
    problems = []
    if not isinstance(registries, list):
        return ['k8s_node_registries must be a list of {host, ca, insecure, mirrors} (got %s). Fix the variable.'
                % _json(registries)]
    seen = set()
    for index, entry in enumerate(registries):
        where = 'k8s_node_registries[%d]' % index
        if not isinstance(entry, Mapping):
            problems.append('%s must be a dict with host (and ca, insecure, mirrors), got %s.' % (where, _json(entry)))
            continue
        unknown = sorted(set(entry) - set(REGISTRY_KEYS))
        if unknown:
            problems.append('%s has unknown keys %s; the keys are %s.' % (where, ', '.join(unknown), ', '.join(REGISTRY_KEYS)))
        host = entry.get('host')
        kind = registry_host_kind(host)
        if kind is None:
            problems.append('%s.host %s is not a host name or address (with an optional :port) or a network (CIDR); '
                            'write it as registry.example.com:5000, 10.100.0.5:5000 or 10.100.0.0/24.' % (where, _json(host)))
        elif host in seen:
            problems.append('%s.host %s is listed twice; merge the entries.' % (where, _json(host)))
        seen.add(host)
        if kind == 'cidr' and (entry.get('ca') or entry.get('mirrors')):
            problems.append('%s: a network (%s) takes only insecure: true (Docker\'s insecure-registries); a CA or '
                            'mirrors need a registry host.' % (where, host))
        if kind == 'cidr' and not entry.get('insecure'):
            problems.append('%s: a network (%s) means nothing without insecure: true.' % (where, host))
        ca = entry.get('ca')
        if ca is not None and ca != '' and (not isinstance(ca, str) or '-----BEGIN CERTIFICATE-----' not in ca):
            problems.append('%s.ca must be the PEM text of the CA certificate (-----BEGIN CERTIFICATE-----...), '
                            'e.g. "{{ lookup(\'file\', \'ca.crt\') }}".' % where)
        if not isinstance(entry.get('insecure', False), bool):
            problems.append('%s.insecure must be true or false, got %s.' % (where, _json(entry.get('insecure'))))
        mirrors = entry.get('mirrors', [])
        if not isinstance(mirrors, list) or not all(_mirror_ok(url) for url in mirrors):
            problems.append('%s.mirrors must be a list of http(s)://host[:port][/path] URLs without query, fragment or '
                            'user, got %s.' % (where, _json(mirrors)))
    return problems


def _hosts_toml(host, entry, ca_path):
    insecure = bool(entry.get('insecure'))
    if host == DOCKER_HUB:
        server = DOCKER_HUB_SERVER
    else:
        server = ('http://' if insecure and not entry.get('ca') else 'https://') + host
    lines = [HOSTS_TOML_MARK, 'server = %s' % _json(server), '']
    for mirror in entry.get('mirrors') or []:
        lines += ['[host.%s]' % _json(mirror.rstrip('/')), '  capabilities = ["pull", "resolve"]']
        if mirror.startswith('http://') or insecure:
            lines.append('  skip_verify = true')
        lines.append('')
    lines += ['[host.%s]' % _json(server), '  capabilities = ["pull", "resolve", "push"]']
    if ca_path:
        lines.append('  ca = %s' % _json(ca_path))
    if insecure and server.startswith('https://'):
        lines.append('  skip_verify = true')
    return '\n'.join(lines) + '\n'


def registry_files(registries, config_path, docker_certs_dir):
    """The directories and files of the registry trust: ({path}, {path, content}) lists, sorted. Each directory
    gets the marker file that lets a later run remove it when its entry is gone."""
    dirs, files = set(), []
    for entry in registries:
        host = entry['host']
        if registry_host_kind(host) != 'host':
            continue
        ca = entry.get('ca') or ''
        directory = posixpath.join(config_path, host)
        ca_path = ''
        if ca:
            ca_path = posixpath.join(directory, 'ca.crt')
            docker_dir = posixpath.join(docker_certs_dir, host)
            dirs.add(docker_dir)
            files.append({'path': posixpath.join(docker_dir, 'ca.crt'), 'content': ca.strip() + '\n'})
            files.append({'path': ca_path, 'content': ca.strip() + '\n'})
        if ca or entry.get('insecure') or entry.get('mirrors'):
            dirs.add(directory)
            files.append({'path': posixpath.join(directory, 'hosts.toml'), 'content': _hosts_toml(host, entry, ca_path)})
    files += [{'path': posixpath.join(path, REGISTRY_MARKER), 'content': REGISTRY_MARKER_TEXT} for path in dirs]
    return [{'path': path} for path in sorted(dirs)], sorted(files, key=lambda item: item['path'])


def registry_removals(managed, dirs, files, bases):
    """What to remove of the directories the role wrote (MANAGED, k8s_node_info's registry_dirs) that the plan
    (DIRS, FILES) no longer holds: ([{path}], notes). A directory whose entry is gone goes whole; one that also
    holds files the role did not write loses only the role's files (and its marker: it is the operator's now). In a
    directory that stays, a file of the role's that the plan no longer writes (ca.crt after its CA was dropped)
    goes. Only direct children of BASES (the two certs.d directories) are touched."""
    planned_dirs = set(item['path'] for item in dirs)
    planned_files = set(item['path'] for item in files)
    bases = set(base.rstrip('/') for base in bases)
    remove, notes = [], []
    for entry in managed or []:
        path = (entry or {}).get('path') or ''
        names = (entry or {}).get('files') or []
        if posixpath.dirname(path) not in bases or posixpath.basename(path) in ('', '.', '..'):
            continue
        owned = [name for name in names if name in REGISTRY_OWNED_FILES]
        if path in planned_dirs:
            remove += [posixpath.join(path, name) for name in owned if posixpath.join(path, name) not in planned_files]
            continue
        foreign = [name for name in names if name not in REGISTRY_OWNED_FILES]
        if not foreign:
            remove.append(path)
            continue
        remove += [posixpath.join(path, name) for name in owned]
        notes.append('k8s_node_registries: %s is no longer listed; the role removed its own files there and left '
                     'the directory, which holds files it did not write (%s)' % (path, ', '.join(foreign)))
    return [{'path': path} for path in sorted(remove)], notes


def k8s_node_plan(registries, *, cgroup_driver='systemd', sandbox_image='', config_path='/etc/containerd/certs.d',
                  docker_certs_dir='/etc/docker/certs.d', config_file='/etc/containerd/config.toml', swap_off=True,
                  managed=None):
    """{problems (each naming the variable and the fix), registry_dirs, registry_files, registry_remove, notes}:
    the registry trust files of REGISTRIES for both engines, each directory with the marker file, and what to remove
    of the marked directories the look found (MANAGED) that the plan no longer holds."""
    problems = []
    if cgroup_driver not in CGROUP_DRIVERS:
        problems.append('k8s_node_cgroup_driver is %s; use systemd (the kubelet\'s default since Kubernetes 1.22) or '
                        'cgroupfs.' % _json(cgroup_driver))
    if not isinstance(sandbox_image, str) or (sandbox_image and not IMAGE_RE.match(sandbox_image)):
        problems.append('k8s_node_sandbox_image %s is not an image reference (registry/name:tag); e.g. '
                        'registry.k8s.io/pause:3.9, or empty for containerd\'s default.' % _json(sandbox_image))
    for name, value in (('k8s_node_registry_config_path', config_path), ('k8s_node_docker_certs_dir', docker_certs_dir),
                        ('k8s_node_containerd_config_file', config_file)):
        if not isinstance(value, str) or not value.startswith('/') or '..' in value.split('/'):
            problems.append('%s must be an absolute path, got %s.' % (name, _json(value)))
    if not isinstance(swap_off, bool):
        problems.append('k8s_node_swap_off must be true or false, got %s.' % _json(swap_off))
    problems += registry_problems(registries)
    if not isinstance(managed, (list, type(None))):
        problems.append('managed must be the registry_dirs list of fleetops.docker_host.k8s_node_info, got %s.'
                        % _json(managed))
    dirs, files, remove, notes = [], [], [], []
    if not problems:
        dirs, files = registry_files(registries, config_path, docker_certs_dir)
        remove, notes = registry_removals(managed, dirs, files, (config_path, docker_certs_dir))
    notes = ['k8s_node_registries: %s is a network; containerd has no network form, so only Docker trusts it '
             '(list its registry hosts for containerd)' % entry['host']
             for entry in (registries if isinstance(registries, list) and not problems else [])
             if registry_host_kind(entry.get('host')) == 'cidr'] + notes
    return {'problems': [' '.join(problem.split()) for problem in problems], 'registry_dirs': dirs,
            'registry_files': files, 'registry_remove': remove, 'notes': notes}


def _skipped(registered):
    return not isinstance(registered, Mapping) or registered.get('skipped') or 'changed' not in registered


def _changed_paths(registered):
    return sorted(item['item']['path'] for item in registered.get('results') or []
                  if isinstance(item, Mapping) and item.get('changed') and isinstance(item.get('item'), Mapping))


def unmet_text(verdict):
    """'not ready for Kubernetes 1.36: check: msg - fix: fix | ...' (what the role says and fails with)."""
    items = ' | '.join('%s: %s - fix: %s' % (item['check'], item['msg'], item['fix'])
                       for item in (verdict or {}).get('unmet') or [])
    return 'not ready for Kubernetes %s: %s' % ((verdict or {}).get('kubernetes_version') or 'kubeadm', items)


def k8s_node_result(look, *, containerd=None, swap=None, restart=None, docker=None, files=None, packages=None,
                    removed=None, notes=None):
    """The role's one result (k8s_node_result, documented in the role's argument_specs and README)."""
    look = look or {}
    containerd = {} if _skipped(containerd) else containerd
    swap = {} if _skipped(swap) else swap
    restart = {} if _skipped(restart) else restart
    files = {} if _skipped(files) else files
    removed = {} if _skipped(removed) else removed
    packages = {} if _skipped(packages) else packages
    docker = docker if isinstance(docker, Mapping) and not docker.get('skipped') else {}
    hello = docker.get('hello') or docker  # docker_hello's result (rc, stdout, passed)
    verdict = look.get('readiness') or {}
    box = look.get('containerd') or {}
    return {
        'ready': bool(verdict.get('ready')),
        'readiness': verdict,
        'summary': verdict_text(verdict),
        'containerd_config_changed': bool(containerd.get('changed')),
        'containerd_edits': containerd.get('edits') or [],
        'containerd_restarted': bool(restart.get('changed')),
        'cri': box.get('cri'),
        'cri_call': dict((key, (look.get('cri_call') or {}).get(key)) for key in (
            'client', 'proof', 'runtime_name', 'runtime_version', 'runtime_api_version', 'runtime_ready', 'error')),
        'cgroup_driver': box.get('effective_cgroup_driver') or (box.get('config') or {}).get('cgroup_driver'),
        'swap_fstab_commented': swap.get('fstab_commented') or [],
        'swap_masked': swap.get('masked') or [],
        'swapoff': bool(swap.get('swapoff')),
        'swap_notes': swap.get('notes') or [],
        'registry_files_changed': bool(files.get('changed') or removed.get('changed')),
        'registry_removed': _changed_paths(removed),
        'packages_installed': bool(packages.get('changed')),
        'docker_active': bool(look.get('docker_active')),
        'docker_hello': {'rc': hello.get('rc'), 'stdout': hello.get('stdout')} if hello else {},
        'machine_id': look.get('machine_id', ''),
        'product_uuid': look.get('product_uuid', ''),
        'in_container': bool(look.get('in_container')),
        'changed': any(bool(item.get('changed')) for item in (containerd, swap, restart, files, removed, packages)),
        'unmet_text': '' if verdict.get('ready') else unmet_text(verdict),
        # What the role left alone or could not judge: the plan's notes, swap's, the verdict's.
        'notes': list(notes or []) + list(swap.get('notes') or []) + list(verdict.get('notes') or []),
    }
