# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floors a node must meet for one Kubernetes release (k8s_node_info's `kubernetes_version`): the kernel,
the cgroup version, the containerd lines and patch releases, and the pause image kubeadm of that release expects.
Each row names its sources; tests/unit/plugins/module_utils/test_k8s_floors.py checks the rows against them.
Pure functions, Python 3.6+.

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

import re

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
