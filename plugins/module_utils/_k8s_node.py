# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.node_swap and k8s_node_info: swap in fstab, /proc/swaps and
systemd's swap units, the Kubernetes readiness verdict (what kubeadm's preflight would refuse, each unmet
prerequisite with its fix), and the k8s_node role's decisions, which its look returns:

k8s_node_plan: the input problems and the registry trust files, from the role's settings and the look.
k8s_node_result: the role's one result, from a look and what each step did.

No I/O here, so the unit tests call the functions directly. Runs on Python 3.6+ (standard library only).

The verdict judges against the floors (first below, FLOORS) a node must meet for one Kubernetes release
(k8s_node_info's `kubernetes_version`): the kernel, the cgroup version, the containerd lines and patch releases,
and the pause image kubeadm of that release expects. Each row names its sources;
tests/unit/plugins/module_utils/test_k8s_node_floors.py checks the rows against them.

What the rows come from:
- containerd: containerd's RELEASES.md, "Kubernetes Support" (containerd/containerd@301026e5, 2026-08-22, rows
  1.32-1.36; rows 1.28-1.31 from the same file's history, e.g. containerd/containerd#9879, #10600). Lines not in a
  row are not supported for that release; a line newer than every line of a row (containerd 2.x for 1.28, which
  predates it) is accepted. 1.35 is the last release supporting containerd 1.x (kubernetes/website#53498).
- kernel: kubeadm's SystemVerification (k8s.io/system-validators): 3.10 or newer before 1.32; 4.19 or newer from
  1.32 (system-validators#37, kubernetes/kubernetes#129462, kubernetes/kubeadm#3177; kubeadm 1.34 turned the
  refusal into a warning, kubernetes/kubernetes#131919, the documented minimum stays 4.19:
  kubernetes.io/docs/reference/node/kernel-version-requirements).
- cgroup v1: maintenance mode from 1.31 (KEP-4569); the kubelet refuses to start on it from 1.35 (failCgroupV1
  defaults to true, KEP-5573, kubernetes/kubernetes#134298) and kubeadm's SystemVerification errors.
- pause: kubeadm's constants.go PauseVersion of the release (kubeadm config images list); kubeadm's preflight
  warns when the runtime's sandbox image differs (kubernetes/kubeadm#3232), so a different one is a note.
- swap: every release's kubelet refuses swap unless failSwapOn is false (k8s_node_info's swap checks).
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
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import split_host_port
from ansible_collections.fleetops.docker_host.plugins.module_utils._preflight import DEFAULT_MODULES

# The Kubernetes floors: the rows of each release the verdict judges a node against.

CONTAINERD_MATRIX = 'containerd RELEASES.md, Kubernetes Support'
KERNEL_OLD = 'kubeadm SystemVerification (system-validators): 3.10+'
KERNEL_419 = ('kubeadm SystemVerification (system-validators#37, kubernetes/kubernetes#129462, kubeadm#3177): 4.19+'
              '; kernel-version-requirements')
CGROUP_V1_OK = 'cgroup v1 supported'
CGROUP_V1_MAINTENANCE = 'cgroup v1 in maintenance mode (KEP-4569)'
CGROUP_V1_REFUSED = 'failCgroupV1 defaults to true (KEP-5573, kubernetes/kubernetes#134298)'


def _row(kernel, cgroup_v1, containerd, pause, sources):
    return {'kernel': kernel, 'cgroup_v1': cgroup_v1, 'containerd': containerd,
            'pause': 'registry.k8s.io/pause:' + pause, 'sources': sources}


# MAJOR.MINOR -> floors. cgroup_v1: 'supported', 'maintenance' (a note) or 'refused'. containerd: the lowest
# release of each line containerd's matrix lists for the Kubernetes release.
FLOORS = {
    '1.28': _row('3.10', 'supported', ('1.7.0', '1.6.15'), '3.9',
                 [CONTAINERD_MATRIX, KERNEL_OLD, CGROUP_V1_OK, 'kubeadm 1.28 PauseVersion 3.9 (kubernetes#122577)']),
    '1.29': _row('3.10', 'supported', ('1.7.11', '1.6.27'), '3.9',
                 [CONTAINERD_MATRIX, KERNEL_OLD, CGROUP_V1_OK, 'kubeadm 1.29 PauseVersion 3.9 (kubeadm#2801)']),
    '1.30': _row('3.10', 'supported', ('2.1.0', '2.0.0', '1.7.13', '1.6.28'), '3.9',
                 [CONTAINERD_MATRIX, KERNEL_OLD, CGROUP_V1_OK, 'kubeadm 1.30 PauseVersion 3.9']),
    '1.31': _row('3.10', 'maintenance', ('2.1.0', '2.0.0', '1.7.20', '1.6.34'), '3.10',
                 [CONTAINERD_MATRIX, KERNEL_OLD, CGROUP_V1_MAINTENANCE,
                  'kubeadm 1.31 PauseVersion 3.10 (image-builder#1765)']),
    '1.32': _row('4.19', 'maintenance', ('2.1.0', '2.0.1', '1.7.24', '1.6.36'), '3.10',
                 [CONTAINERD_MATRIX, KERNEL_419, CGROUP_V1_MAINTENANCE, 'kubeadm 1.32 PauseVersion 3.10 (constants.go)']),
    '1.33': _row('4.19', 'maintenance', ('2.1.0', '2.0.4', '1.7.24', '1.6.36'), '3.10',
                 [CONTAINERD_MATRIX, KERNEL_419, CGROUP_V1_MAINTENANCE, 'kubeadm 1.33 PauseVersion 3.10 (kubeadm#3232)']),
    '1.34': _row('4.19', 'maintenance', ('2.1.3', '2.0.6', '1.7.28', '1.6.39'), '3.10.1',
                 [CONTAINERD_MATRIX, KERNEL_419, CGROUP_V1_MAINTENANCE, 'kubeadm 1.34 PauseVersion 3.10.1']),
    '1.35': _row('4.19', 'refused', ('2.2.0', '2.1.5', '1.7.28'), '3.10.1',
                 [CONTAINERD_MATRIX, KERNEL_419, CGROUP_V1_REFUSED, 'kubernetes/website#53498 (last with containerd 1.x)',
                  'kubeadm 1.35 PauseVersion 3.10.1 (constants.go at v1.35.8)']),
    '1.36': _row('4.19', 'refused', ('2.3.0', '2.2.0'), '3.10.2',
                 [CONTAINERD_MATRIX, KERNEL_419, CGROUP_V1_REFUSED, 'kubeadm 1.36 PauseVersion 3.10.2 (kubeclipper#947)']),
}
KUBERNETES_VERSION = re.compile(r'^(\d+)\.(\d+)$')
RELEASE = re.compile(r'^\s*v?(\d+)\.(\d+)(?:\.(\d+))?')


class FloorsError(ValueError):
    """A Kubernetes version the table cannot judge: the message names the value and the fix."""


def _key(version):
    major, minor = version.split('.')
    return int(major), int(minor)


KNOWN = sorted(FLOORS, key=_key)
NEWEST = KNOWN[-1]


def release(text):
    """(major, minor, patch) of a kernel release or package version ('6.1.0-18-amd64', '1:1.6.20~ds1-1', 'v2.1.4'),
    or None when TEXT does not start with one (an epoch 'N:' is skipped)."""
    text = str(text or '')
    if re.match(r'^\d+:', text):
        text = text.split(':', 1)[1]
    match = RELEASE.match(text)
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def floors_for(kubernetes_version=None):
    """(the row's version, the row, notes) for KUBERNETES_VERSION ('MAJOR.MINOR'; None or '' is the newest row).
    A version newer than the table gets the newest row and a note saying so; a malformed or older one raises."""
    text = NEWEST if kubernetes_version in (None, '') else str(kubernetes_version).strip()
    match = KUBERNETES_VERSION.match(text)
    if not match:
        raise FloorsError('kubernetes_version %r is not a Kubernetes MAJOR.MINOR version; write it like "%s" '
                          '(k8s_node_kubernetes_version in the k8s_node role)' % (kubernetes_version, NEWEST))
    wanted = (int(match.group(1)), int(match.group(2)))
    if text in FLOORS:
        return text, FLOORS[text], []
    if wanted > _key(NEWEST):
        return NEWEST, FLOORS[NEWEST], [
            'Kubernetes %s is newer than the floors this collection knows (%s to %s): the %s floors are applied; '
            'check that release\'s notes for what it added' % (text, KNOWN[0], NEWEST, NEWEST)]
    hint = ' (a YAML number loses its trailing zero: quote it, "%s0")' % text if wanted[1] < 10 else ''
    raise FloorsError('kubernetes_version %s is older than the floors this collection knows (%s to %s, the releases '
                      'still in or near support)%s; give one of those' % (text, KNOWN[0], NEWEST, hint))


def containerd_supported(version, minimums):
    """Whether containerd VERSION meets a row's MINIMUMS (the lowest release of each line it lists): its line is listed
    and it is at least that release, or its line is newer than every listed one."""
    found = release(version)
    if found is None:
        return False
    lines = dict((release(item)[:2], release(item)) for item in minimums)
    if found[:2] in lines:
        return found >= lines[found[:2]]
    return found[:2] > max(lines)


def parse_apt_policy(text):
    """`apt-cache policy NAME...` -> {name: [versions in the version table]} (installed and offered)."""
    found, name = {}, None
    for line in (text or '').splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(':'):
            name = line.rstrip()[:-1]
            found.setdefault(name, [])
            continue
        match = re.match(r'^\s+(?:\*\*\* )?(\S+) -?\d+$', line)
        if name and match and match.group(1) not in found[name]:
            found[name].append(match.group(1))
    return found


def parse_dnf_list(text, names):
    """`dnf list --showduplicates NAME...` -> {name: [versions]} for NAMES (installed and available)."""
    found = {}
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) < 3 or '.' not in fields[0]:
            continue
        name = fields[0].rsplit('.', 1)[0]
        if name in names and fields[1] not in found.setdefault(name, []):
            found[name].append(fields[1])
    return found


def _best_offer(offers, minimums):
    """(package, version) of the newest offered version that meets MINIMUMS, else None."""
    good = [(release(version), package, version) for package, versions in sorted((offers or {}).items())
            for version in versions if containerd_supported(version, minimums)]
    return max(good)[1:] if good else None


def _offered(offers):
    items = ['%s %s' % (package, ', '.join(versions)) for package, versions in sorted((offers or {}).items())
             if versions]
    return '; '.join(items) or 'no containerd package'


def floors_unmet(facts, kubernetes_version=None):
    """The floors of KUBERNETES_VERSION that FACTS (k8s_node_info's look: kernel, cgroup, containerd, in_container,
    distribution, containerd_offers) miss: (row version, [{check, msg, fix}], notes)."""
    version, row, notes = floors_for(kubernetes_version)
    unmet = []
    in_container = bool(facts.get('in_container'))
    machine = ' (the machine\'s: this host is a container)' if in_container else ''
    kernel = facts.get('kernel') or ''
    if release(kernel) is not None and release(kernel) < release(row['kernel']):
        unmet.append({
            'check': 'kernel', 'msg': 'kernel %s is older than %s, the minimum for Kubernetes %s%s'
            % (kernel, row['kernel'], version, machine),
            'fix': 'upgrade the machine\'s kernel' if in_container else
            'boot a newer kernel with the collection\'s kernel_ml role (the host in kernel_ml_hosts or '
            'kernel_ml_enabled: true)'})
    cgroup = facts.get('cgroup') or {}
    if cgroup.get('version') == 'v1':
        if row['cgroup_v1'] == 'refused':
            unmet.append({
                'check': 'cgroup', 'msg': 'the host runs cgroup v1%s; the kubelet of Kubernetes %s refuses it '
                '(failCgroupV1 defaults to true)' % (machine, version),
                'fix': 'move the machine that runs this container to cgroup v2' if in_container else
                'move to cgroup v2 by a trial boot: kernel_ml_cmdline_args: [systemd.unified_cgroup_hierarchy=1] '
                'with the host in the kernel roll-out (kernel_ml_hosts or kernel_ml_enabled: true)'})
        elif row['cgroup_v1'] == 'maintenance':
            notes.append('the host runs cgroup v1%s: Kubernetes %s still runs on it (maintenance mode), 1.35 and '
                         'later refuse it' % (machine, version))
    containerd = facts.get('containerd') or {}
    installed = containerd.get('version')
    if containerd.get('installed') and installed and not containerd_supported(installed, row['containerd']):
        wanted = ', '.join(item + '+' for item in row['containerd'])
        offers = facts.get('containerd_offers')
        best = _best_offer(offers, row['containerd'])
        if best:
            fix = ('upgrade the engine packages: %s %s from the host\'s repositories meets it (the collection\'s docker '
                   'role installs it; docker_package_source: repo brings containerd.io)' % best)
        else:
            where = facts.get('distribution') or 'this distribution release'
            fix = ('none is available for %s from the host\'s repositories (they offer %s); Docker\'s repository '
                   '(the docker role\'s docker_package_source: repo) brings containerd.io where it ships a line listed '
                   'here for this distribution release' % (where, _offered(offers)))
        unmet.append({'check': 'containerd', 'msg': 'containerd %s is not one Kubernetes %s supports (containerd\'s '
                      'support matrix: %s)' % (installed, version, wanted), 'fix': fix})
    sandbox = containerd.get('effective_sandbox_image') or (containerd.get('config') or {}).get('sandbox_image')
    if sandbox and sandbox != row['pause']:
        notes.append('containerd\'s sandbox image is %s, kubeadm %s expects %s (its preflight warns); set '
                     'k8s_node_sandbox_image: %s (or your mirror of it)' % (sandbox, version, row['pause'], row['pause']))
    return version, unmet, notes


# The node: swap, the verdict, the role's plan and result.

# What the role puts before an fstab swap line it turns off: the line stays, readable and easy to restore.
FSTAB_MARK = '# swap off for the kubelet (fleetops.docker_host.k8s_node): '
K8S_PORTS = (6443, 10250)
# A Kubernetes node name: a lowercase RFC 1123 subdomain.
NODE_NAME = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
REQUIRED_SYSCTLS = (
    ('net.ipv4.ip_forward', 'packets are not forwarded between pods and the node'),
    ('net.bridge.bridge-nf-call-iptables', 'bridged pod traffic bypasses iptables (kube-proxy)'),
)
REQUIRED_MODULES = DEFAULT_MODULES  # the modules a container engine needs are the ones kubeadm checks
REQUIRED_COMMANDS = ('conntrack', 'socat')
# The registry directories the role writes (<certs dir>/<host>/) carry this file: the role removes a directory when
# its entry leaves k8s_node_registries, and only a directory so marked. An operator who deletes the file keeps the
# directory as their own. Docker reads only *.crt, *.cert and *.key there, containerd only hosts.toml.
REGISTRY_MARKER = 'fleetops-k8s-node.managed'
REGISTRY_MARKER_TEXT = ('This directory was written by fleetops.docker_host.k8s_node from k8s_node_registries;\n'
                        'the role removes it when its entry leaves that list. Delete this file to keep the\n'
                        'directory as your own (the role then never removes it).\n')
# The first line of every hosts.toml the role writes; it marks the directory too (written before the marker file).
HOSTS_TOML_MARK = '# Written by fleetops.docker_host.k8s_node from k8s_node_registries; changes here are overwritten.'
# What the role writes in a registry directory; anything else there is an operator's.
REGISTRY_OWNED_FILES = ('ca.crt', 'hosts.toml', REGISTRY_MARKER)


def registry_dir_managed(files, hosts_toml_head=''):
    """Whether a registry directory holding FILES (names) is the role's: its marker file, or a hosts.toml whose
    first line (HOSTS_TOML_HEAD) is the role's."""
    return REGISTRY_MARKER in (files or ()) or (hosts_toml_head or '').rstrip('\r\n') == HOSTS_TOML_MARK


def fstab_swap_lines(text):
    """Indexes (0-based) of the fstab lines that turn swap on: not comments, third field `swap`."""
    found = []
    for index, line in enumerate((text or '').splitlines()):
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        fields = stripped.split()
        if len(fields) >= 3 and fields[2] == 'swap':
            found.append(index)
    return found


def comment_fstab_swap(text):
    """(TEXT with every swap line commented out and kept, the lines commented)."""
    lines = (text or '').splitlines(True)
    indexes = fstab_swap_lines(text)
    commented = []
    for index in indexes:
        line = lines[index]
        body = line.rstrip('\r\n')
        lines[index] = FSTAB_MARK + body + line[len(body):]
        commented.append(body)
    return ''.join(lines), commented


def parse_proc_swaps(text):
    """/proc/swaps -> [{'filename', 'type', 'size_kib', 'used_kib', 'priority'}]."""
    entries = []
    for line in (text or '').splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        # A file name with spaces is written with \040 by the kernel; the last four fields are fixed.
        name = ' '.join(fields[:-4]).replace('\\040', ' ')
        try:
            size, used, priority = int(fields[-3]), int(fields[-2]), int(fields[-1])
        except ValueError:
            continue
        entries.append({'filename': name, 'type': fields[-4], 'size_kib': size, 'used_kib': used, 'priority': priority})
    return entries


def parse_unit_list(text):
    """Unit names from `systemctl list-units --plain --no-legend` (the first field of each line)."""
    units = []
    for line in (text or '').splitlines():
        fields = line.lstrip().lstrip('\u25cf*').split()
        if fields and fields[0].endswith(('.swap', '.target', '.service')):
            units.append(fields[0])
    return units


def listening_ports(*tables):
    """TCP ports in state LISTEN, from the text of /proc/net/tcp and /proc/net/tcp6."""
    ports = set()
    for text in tables:
        for line in (text or '').splitlines()[1:]:
            fields = line.split()
            if len(fields) < 4 or fields[3] != '0A' or ':' not in fields[1]:
                continue
            try:
                ports.add(int(fields[1].rsplit(':', 1)[1], 16))
            except ValueError:
                continue
    return sorted(ports)


def sysctl_fix(key):
    if key.startswith('net.bridge.'):
        return ('load br_netfilter (modprobe br_netfilter) and set %s = 1 in /etc/sysctl.d/k8s.conf '
                '(the collection\'s k8s_sysctl role does both)' % key)
    return 'set %s = 1 in /etc/sysctl.d/k8s.conf and apply it (the collection\'s k8s_sysctl role does it)' % key


def readiness(facts, allow_swap=False, cgroup_driver='systemd', kubernetes_version=None):
    """The verdict on FACTS (k8s_node_info's look) for KUBERNETES_VERSION (MAJOR.MINOR, default the newest the floors
    table knows): {'ready', 'kubernetes_version', 'floors_version', 'floors', 'unmet': [{check, msg, fix}], 'notes'}.
    Raises FloorsError for a version the table cannot judge."""
    floors_version, unmet, notes = floors_unmet(facts, kubernetes_version)

    def need(check, msg, fix):
        unmet.append({'check': check, 'msg': msg, 'fix': fix})

    containerd = facts.get('containerd') or {}
    config = containerd.get('config') or {}
    in_container = bool(facts.get('in_container'))
    if not containerd.get('installed'):
        need('cri', 'containerd is not installed', 'install containerd (docker.io or containerd.io pulls it in)')
    elif not containerd.get('active'):
        need('cri', 'containerd.service is not running', 'systemctl enable --now containerd')
    elif containerd.get('cri') != 'ok':
        need('cri', 'the CRI socket %s does not answer: containerd\'s CRI plugin is %s (ctr plugins ls)'
             % (containerd.get('socket'), containerd.get('cri') or 'not loaded'),
             'remove "cri" from disabled_plugins in %s and restart containerd (the k8s_node role does both)'
             % containerd.get('config_file', '/etc/containerd/config.toml'))
    call = facts.get('cri_call') or {}
    if containerd.get('cri') == 'ok':
        if call.get('error'):
            need('cri', 'the CRI call with %s failed: %s' % (call.get('client'), call['error']),
                 'read `journalctl -u containerd` for the reason')
        elif call.get('client') and call.get('runtime_ready') is not True:
            need('cri', 'the CRI (%s) says the runtime is not ready: RuntimeReady is %s%s'
                 % (call.get('client'), 'false' if call.get('runtime_ready') is False else 'missing',
                    ' (%s)' % call['not_ready_reason'] if call.get('not_ready_reason') else ''),
                 'read `journalctl -u containerd` for the reason')
        elif not call.get('client'):
            notes.append('no CRI client on the host (crictl, or Python\'s grpc module: python3-grpcio): the CRI proof '
                         'is `ctr plugins ls`')
        elif (call.get('conditions') or {}).get('NetworkReady') is False:
            notes.append('the CRI reports NetworkReady false: no CNI network plugin yet (expected before the '
                         'cluster\'s network add-on is installed)')

    effective = containerd.get('effective_cgroup_driver') or config.get('cgroup_driver')
    if containerd.get('installed') and effective != cgroup_driver:
        need('cgroup_driver', 'runc\'s cgroup driver is %s, the kubelet is to use %s'
             % (effective or 'cgroupfs (SystemdCgroup unset)', cgroup_driver),
             'set SystemdCgroup = %s under the runc runtime options of the CRI plugin and restart containerd '
             '(k8s_node_cgroup_driver: %s)' % ('true' if cgroup_driver == 'systemd' else 'false', cgroup_driver))
    if cgroup_driver == 'systemd' and facts.get('init') not in (None, 'systemd'):
        need('cgroup_driver', 'the init system is %s, not systemd' % facts.get('init'),
             'use k8s_node_cgroup_driver: cgroupfs on hosts without systemd')

    swap = facts.get('swap') or {}
    active = swap.get('active') or []
    fstab_lines = swap.get('fstab_lines') or []
    if allow_swap:
        if active:
            notes.append('swap is on (%s) and allowed: the kubelet needs failSwapOn: false and NodeSwap'
                         % ', '.join(entry['filename'] for entry in active))
    else:
        if active:
            need('swap', 'swap is on: %s%s' % (', '.join(entry['filename'] for entry in active),
                                               ' (the machine\'s: this host is a container)' if in_container else ''),
                 'turn swap off on the machine (swapoff -a) and keep it off at boot' if in_container else
                 'swapoff -a, comment the swap lines of /etc/fstab and mask the swap units (the k8s_node role does it)')
        if fstab_lines:
            need('swap', '/etc/fstab turns swap on at boot: %s' % '; '.join(fstab_lines),
                 'comment those lines (the k8s_node role does it)')
        if swap.get('units_active'):
            need('swap', 'swap units are active: %s' % ', '.join(swap['units_active']),
                 'systemctl mask %s' % ' '.join(swap['units_active']))

    sysctls = facts.get('sysctls') or {}
    for key, why in REQUIRED_SYSCTLS:
        value = sysctls.get(key)
        if value != '1':
            need('sysctl', '%s is %s: %s' % (key, 'missing' if value is None else value, why), sysctl_fix(key))
    modules = facts.get('modules') or {}
    for name in REQUIRED_MODULES:
        if modules.get(name) not in ('loaded', 'builtin'):
            need('kernel_module', 'the kernel module %s is not loaded (%s)' % (name, modules.get(name) or 'unknown'),
                 'modprobe %s and list it in /etc/modules-load.d/k8s.conf (the k8s_sysctl role does both)' % name)
    commands = facts.get('commands') or {}
    missing = [name for name in REQUIRED_COMMANDS if not commands.get(name)]
    if missing:
        need('commands', '%s not found in PATH (kubeadm preflight needs them)' % ' and '.join(missing),
             'install the packages that provide them (the k8s_node role does with k8s_node_install_packages: true)')
    for port in facts.get('ports_in_use') or []:
        need('ports', 'port %d is in use (something listens on it)' % port,
             "stop what listens there (ss -ltnp 'sport = :%d'); kubeadm needs it free" % port)
    host = facts.get('hostname') or {}
    name = host.get('name') or ''
    if not NODE_NAME.match(name):
        need('hostname', 'the host name %r is not a valid node name (lowercase RFC 1123)' % name,
             'set a lowercase host name of letters, digits, - and . (hostnamectl set-hostname)')
    if not host.get('resolves'):
        need('hostname', 'the host name %r does not resolve' % name,
             'add it to /etc/hosts (127.0.1.1 %s) or to DNS' % (name or '<name>'))
    if not facts.get('machine_id'):
        need('machine_id', '/etc/machine-id is empty or missing', 'systemd-machine-id-setup')
    if not facts.get('product_uuid'):
        notes.append('no product UUID readable (/sys/class/dmi/id/product_uuid)%s'
                     % (': a container sees none' if in_container else ''))
    row = FLOORS[floors_version]
    return {'ready': not unmet, 'kubernetes_version': str(kubernetes_version or NEWEST).strip(),
            'floors_version': floors_version,
            'floors': {'kernel': row['kernel'], 'cgroup_v1': row['cgroup_v1'], 'containerd': list(row['containerd']),
                       'pause': row['pause']},
            'unmet': unmet, 'notes': notes}


def verdict_text(verdict):
    """The fleet report's readiness column: 'ready for 1.35', or 'not ready for 1.35: ' and the unmet checks with
    their messages ('k8s ready' / 'not ready: ...' for a verdict without a version, from before the floors)."""
    if not verdict or 'ready' not in verdict:
        return '-'
    version = verdict.get('kubernetes_version')
    target = ' for %s' % version if version else ''
    if version and verdict.get('floors_version') and verdict['floors_version'] != version:
        target += ' (floors of %s)' % verdict['floors_version']
    if verdict.get('ready'):
        return 'ready' + target if version else 'k8s ready'
    items = '; '.join('%s (%s)' % (item['check'], item['msg']) for item in verdict.get('unmet') or [])
    return 'not ready%s: %s' % (target, items)


def fleet_duplicates(identities):
    """{host: [unmet items]} for hosts that share a machine-id or product UUID with another host.

    IDENTITIES: {host: {'machine_id', 'product_uuid', 'in_container'}}. Containers share the machine's product
    UUID by design, so theirs is not compared.
    """
    by_value = {}
    for host, ident in identities.items():
        for field in ('machine_id', 'product_uuid'):
            value = (ident or {}).get(field)
            if not value or (field == 'product_uuid' and (ident or {}).get('in_container')):
                continue
            by_value.setdefault((field, value), []).append(host)
    problems = {}
    fixes = {
        'machine_id': 'give each node its own: rm /etc/machine-id && systemd-machine-id-setup (a cloned image)',
        'product_uuid': 'give each VM its own UUID in the hypervisor (a cloned VM)',
    }
    for (field, _value), hosts in sorted(by_value.items()):
        if len(hosts) < 2:
            continue
        for host in hosts:
            others = sorted(other for other in hosts if other != host)
            problems.setdefault(host, []).append({
                'check': field, 'msg': '%s is the same as on %s' % (field.replace('_', '-'), ', '.join(others)),
                'fix': fixes[field]})
    return problems


# The k8s_node role's decisions (returned by k8s_node_info when the role gives its settings).

# What the role's steps register, each folded into its result (k8s_node_info's `steps`).
STEPS = ('containerd', 'swap', 'restart', 'docker', 'files', 'removed', 'packages')
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
