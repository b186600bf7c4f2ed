#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: bundle_verify
short_description: Verify an offline bundle on the host before anything is installed from it
version_added: 0.3.0
description:
  - Reads the bundle directory O(path) on the host (a copy of one written by the C(fleetops.docker_host.bundle)
    playbook) and says whether it may be installed from, changing nothing.
  - Checks, in this order, that C(manifest.json) is signed (C(manifest.json.sig), checked with C(gpgv)) by the key
    in C(key.gpg) whose fingerprint the manifest names, and by O(fingerprint) when given; that the bundle is for
    this host's platform (C(/etc/os-release) ID and VERSION_ID - its major release on an rpm host - and C(dpkg
    --print-architecture) or C(rpm --eval %{_arch}); an rpm host is one with C(/etc/redhat-release)); that every file
    the manifest lists is present with its sha256; and that every package the bundle assumes (the builder had it)
    is installed here.
  - Every problem is named in RV(problems) - the file and its package, the platform value, the missing package;
    with O(fail_on_error) the task fails with all of them, before any package step.
options:
  path:
    description: The bundle directory on the host.
    type: path
    required: true
  fingerprint:
    description: The bundle key's fingerprint the user pins (40 hex digits, spaces allowed); empty trusts the key the manifest names.
    type: str
    default: ''
  fail_on_error:
    description: Fail when RV(problems) is not empty. V(false) only reports them.
    type: bool
    default: true
  want:
    description:
      - Relative path -> sha256 of the files the controller's copy of the bundle holds. The ones missing here or
        different are listed in RV(stale) (what to copy); they do not count as problems by themselves.
    type: dict
    default: {}
  platform:
    description:
      - The platform the controller's copy of the bundle names (its manifest's C(platform)), checked first - before
        the files are compared or copied. Another platform fails the task at once (whatever O(fail_on_error)), naming
        each value; nothing is copied. The host's copy is verified in full (signature included) all the same.
    type: dict
  steps:
    description:
      - What the docker role's bundle steps registered - C(install) (M(fleetops.docker_host.packages) given the
        bundle - the files it copied, the repository it made the source, the engine it installed) and C(service).
        When given, RV(result) is the role's C(docker_result) for them, read from the manifest alone; the checks are
        not repeated (the package step verified the bundle before installing) and RV(problems) stays empty.
    type: dict
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
attributes:
  platform:
    description: Debian and Ubuntu (apt) and the EL family (dnf), with C(gpgv).
'''

EXAMPLES = r'''
- name: Verify the bundle copied to the host
  fleetops.docker_host.bundle_verify:
    path: /var/cache/fleetops-docker-bundle/docker-debian12-amd64-20261207T010203Z
    fingerprint: "{{ docker_bundle_fingerprint }}"
  register: bundle
'''

RETURN = r'''
valid:
  description: Whether the bundle may be installed from (RV(problems) is empty).
  returned: always
  type: bool
  sample: true
problems:
  description: Every reason not to install from the bundle, each naming the file, package or value.
  returned: always
  type: list
  elements: str
  sample: ["apt/runc_1.1.5+ds1-1+deb12u1_amd64.deb (package runc) is missing from the bundle"]
id:
  description: The bundle's id, from its manifest.
  returned: always
  type: str
  sample: docker-debian12-amd64-20261207T010203Z
fingerprint:
  description: The bundle key's fingerprint, from its manifest.
  returned: always
  type: str
engine:
  description: The manifest's engine (C(packages) name -> version, C(version), C(install_recommends)).
  returned: always
  type: dict
images:
  description: The manifest's images (C(name), C(file)).
  returned: always
  type: list
  elements: dict
host:
  description: This host's platform as compared.
  returned: always
  type: dict
  sample: {"distribution": "debian", "release": "12", "architecture": "amd64", "format": "deb"}
unlisted:
  description: Files in the directory the manifest does not list (never installed from).
  returned: always
  type: list
  elements: str
index_ready:
  description:
    - Whether the package manager can read this bundle's repository without another step - apt has lists fetched
      from its C(apt) directory; dnf has C(/etc/yum.repos.d/fleetops-docker-bundle.repo) naming its C(rpm) directory.
  returned: always
  type: bool
repository:
  description: The manifest's repository (C(format) deb or rpm, C(dir), the source C(keys) of an rpm repository).
  returned: always
  type: dict
  sample: {"format": "rpm", "dir": "rpm", "keys": ["rpm/keys/A5067BB15A006A934892213795F1E74EFEF8BA25.asc"]}
result:
  description:
    - With O(steps), the docker role's C(docker_result) - C(family), C(source) (V(bundle)), C(bundle) (C(id),
      C(fingerprint)), C(packages) (name -> installed version), C(changed_packages), C(removed_conflicts),
      C(repository), C(held) (the engine's version), C(service), C(changed).
  returned: when O(steps) is given
  type: dict
stale:
  description: The paths of O(want) that are missing here or hold other bytes, sorted.
  returned: always
  type: list
  elements: str
  sample: ["apt/runc_1.1.5+ds1-1+deb12u1_amd64.deb"]
'''

import glob
import hashlib
import json
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import parse_gpgv_status

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
# The bundle's layout, as plugins/module_utils/_bundle.py (bundle_write, the builder's side) writes it; the unit
# tests hold the two sides to the same names.
FORMAT = 1
MANIFEST = 'manifest.json'
SIGNATURE = 'manifest.json.sig'
KEY = 'key.gpg'
APT_DIR = 'apt'
RPM_DIR = 'rpm'
# The dnf repository file bundle_repository writes for a bundle (its FILES['rpm']['source']; a unit test holds them alike).
RPM_REPO_FILE = '/etc/yum.repos.d/fleetops-docker-bundle.repo'
# Files of the bundle the manifest does not list (it cannot list itself, nor its own signature).
UNLISTED = (MANIFEST, SIGNATURE)


def sha256_file(path, chunk=1024 * 1024):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def platform(os_release, package_format, architecture):
    """This host's platform, as _bundle.platform names the builder's (the unit tests hold the two alike)."""
    release = str(os_release.get('VERSION_ID', ''))
    if package_format == 'rpm':
        release = release.split('.', 1)[0]
    return {'distribution': os_release.get('ID', ''), 'release': release,
            'codename': os_release.get('VERSION_CODENAME', ''), 'architecture': architecture, 'format': package_format}


def _platform_problems(manifest, host):
    want = manifest.get('platform') or {}
    keys = ('distribution', 'release', 'architecture')
    this = ' '.join(str(host.get(key, '')) for key in keys)
    problems = []
    for key in keys:
        if str(want.get(key, '')).lower() != str(host.get(key, '')).lower():
            problems.append('the bundle is for %s %s, this host is %s %s (%s): build a bundle on a host of this platform'
                            % (key, want.get(key), key, host.get(key), this))
    return problems


def manifest_problems(manifest, *, present, hashes, host, installed, signer, pinned=''):
    """Every reason not to install from this bundle, each naming the file, package or value, in a stable order.

    manifest:  the parsed manifest.json
    present:   the relative paths that exist in the bundle directory
    hashes:    relative path -> sha256 of the file as found (for the present ones)
    host:      {'distribution', 'release', 'architecture'} of the target
    installed: package name -> installed version on the target
    signer:    primary fingerprints that signed manifest.json with the bundle's key.gpg ([] when none)
    pinned:    the fingerprint the user pinned (docker_bundle_fingerprint), or ''
    """
    problems = []
    if not isinstance(manifest, dict) or manifest.get('format') != FORMAT:
        return ['%s is not a fleetops bundle manifest of format %d' % (MANIFEST, FORMAT)]
    key = ''.join(str((manifest.get('key') or {}).get('fingerprint', '')).split()).upper()
    pin = ''.join(str(pinned or '').split()).upper()
    if key not in signer:
        problems.append('%s is not signed by the bundle key %s in %s (signed by: %s)'
                        % (MANIFEST, key or '(none named)', KEY, ', '.join(signer) or 'no valid signature'))
    if pin and pin != key:
        problems.append('the bundle key is %s, docker_bundle_fingerprint pins %s' % (key, pin))
    problems += _platform_problems(manifest, host)
    owner = dict((pkg.get('file'), pkg.get('name')) for pkg in manifest.get('packages') or [])
    for path, digest in sorted((manifest.get('files') or {}).items()):
        what = ' (package %s)' % owner[path] if path in owner else ''
        if path not in present:
            problems.append('%s%s is missing from the bundle' % (path, what))
        elif hashes.get(path) != digest:
            problems.append('%s%s has changed: sha256 %s, the manifest says %s' % (path, what, hashes.get(path), digest))
    for name, version in sorted((manifest.get('assumed') or {}).items()):
        if not installed.get(name):
            problems.append('package %s (%s on the builder) is not installed on this host and not in the bundle: build '
                            'the bundle on a host as minimal as this one' % (name, version))
    return problems


def unlisted_files(manifest, present):
    """Files in the bundle directory that the manifest does not list (reported, never installed from)."""
    listed = set(manifest.get('files') or {}) | set(UNLISTED)
    return sorted(path for path in present if path not in listed)


def stale_files(want, have):
    """The paths of `want` (path -> sha256, the controller's copy) that `have` (the host's) lacks or holds otherwise."""
    return sorted(path for path, digest in (want or {}).items() if have.get(path) != digest)


def install_result(manifest, steps, host, path):
    """docker_result of the docker role's bundle steps (roles/docker/tasks/main.yml), from their registered results.

    steps: {'install', 'service'}, each a task's registered result (a skipped task: skipped=True); install is the
    package step given the bundle (changed also when it only copied files or wrote the repository). changed_packages:
    the packages whose version the step changed (check mode: would change).
    """
    steps = dict((name, step if isinstance(step, dict) else {}) for name, step in (steps or {}).items())
    install, service = steps.get('install') or {}, steps.get('service') or {}
    engine = manifest.get('engine') or {}
    started = bool(service) and not service.get('skipped')
    repository = (manifest.get('repository') or {}).get('dir') or APT_DIR
    return {
        'family': 'RedHat' if host.get('format') == 'rpm' else 'Debian',
        'source': 'bundle',
        'bundle': {'id': str(manifest.get('id', '')), 'fingerprint': str((manifest.get('key') or {}).get('fingerprint', ''))},
        'packages': dict((name, (value or {}).get('after')) for name, value in (install.get('packages') or {}).items()),
        'changed_packages': sorted(name for name, value in (install.get('packages') or {}).items()
                                   if (value or {}).get('before') != (value or {}).get('after')),
        'removed_conflicts': [],
        'repository': 'file:%s/%s' % (path, repository),
        'held': str(engine.get('version', '')),
        'service': {'enabled': started, 'active': started},
        'changed': any(bool(step.get('changed')) for step in steps.values()),
    }


def host_platform(module):
    values = {}
    if os.path.isfile('/etc/os-release'):
        with open('/etc/os-release') as handle:
            for line in handle:
                if '=' in line:
                    key, value = line.rstrip('\n').split('=', 1)
                    values[key] = value.strip('"\'')
    rpm = os.path.isfile('/etc/redhat-release') and module.get_bin_path('rpm')
    argv = ['rpm', '--eval', '%{_arch}'] if rpm else ['dpkg', '--print-architecture']
    rc, out, err = module.run_command(argv, environ_update=C_ENV)
    return platform(values, 'rpm' if rpm else 'deb', out.strip() if rc == 0 else '')


def signers(module, path):
    gpgv = module.get_bin_path('gpgv')
    key, sig = os.path.join(path, KEY), os.path.join(path, SIGNATURE)
    if not gpgv or not os.path.isfile(key) or not os.path.isfile(sig):
        return []
    home = tempfile.mkdtemp(prefix='fleetops-gnupg-')
    try:
        rc, out, err = module.run_command([gpgv, '--status-fd', '1', '--keyring', key, sig, os.path.join(path, MANIFEST)],
                                          environ_update=dict(C_ENV, GNUPGHOME=home))
        return parse_gpgv_status(out) if rc == 0 else []
    finally:
        shutil.rmtree(home, ignore_errors=True)


def installed(module, names, package_format='deb'):
    if not names:
        return {}
    if package_format == 'rpm':
        rc, out, err = module.run_command(['rpm', '-q', '--qf', 'ii|%{NAME}|%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n']
                                          + names, environ_update=C_ENV)
    else:
        rc, out, err = module.run_command(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}|${Package}|${Version}\n'] + names,
                                          environ_update=C_ENV)
    found = {}
    for line in out.splitlines():
        fields = line.split('|')
        if len(fields) == 3 and fields[0].startswith('ii'):
            found[fields[1]] = fields[2]
    return found


def index_ready(path, package_format):
    """Whether apt has lists from the bundle's apt directory, or dnf a repository file naming its rpm directory."""
    if package_format == 'rpm':
        try:
            with open(RPM_REPO_FILE) as handle:
                return ('baseurl=file://%s/%s\n' % (path, RPM_DIR)) in handle.read()
        except OSError:
            return False
    # apt names a list file after its URI: file:/var/cache/x/apt ./ -> _var_cache_x_apt_._Packages
    stem = (os.path.join(path, APT_DIR)).replace('/', '_')
    return bool(glob.glob('/var/lib/apt/lists/%s_._Packages*' % glob.escape(stem)))


def present_files(path):
    found = []
    for root, _dirs, files in os.walk(path):
        for name in files:
            found.append(os.path.relpath(os.path.join(root, name), path))
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            fingerprint=dict(type='str', default=''),
            fail_on_error=dict(type='bool', default=True),
            want=dict(type='dict', default={}),
            steps=dict(type='dict'),
            platform=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    path = module.params['path'].rstrip('/')
    host = host_platform(module)
    result = dict(changed=False, valid=False, problems=[], id='', fingerprint='', engine={}, images=[], host=host,
                  unlisted=[], index_ready=False, repository={}, stale=[])
    if module.params['platform'] is not None:
        early = _platform_problems({'platform': module.params['platform']}, host)
        if early:
            result['problems'] = early
            module.fail_json(msg='the bundle for %s is refused, nothing was copied or installed: %s'
                             % (path, '; '.join(early)), **result)
    digests = {}

    def digest(rel):
        # Each file is read once per call, whether compared with want or with the manifest.
        if rel not in digests:
            digests[rel] = sha256_file(os.path.join(path, rel))
        return digests[rel]

    steps = module.params['steps']
    want = module.params['want']
    if steps is None:
        result['stale'] = stale_files(want, dict((rel, digest(rel)) for rel in want if os.path.isfile(os.path.join(path, rel))))
    manifest = None
    try:
        with open(os.path.join(path, MANIFEST)) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        result['problems'] = ['%s/%s cannot be read as JSON: %s' % (path, MANIFEST, exc)]
    if isinstance(manifest, dict) and steps is not None:
        result.update(id=str(manifest.get('id', '')), result=install_result(manifest, steps, host, path))
        module.exit_json(**result)
    if isinstance(manifest, dict):
        present = present_files(path)
        listed = manifest.get('files') or {}
        hashes = dict((rel, digest(rel)) for rel in present if rel in listed)
        result['problems'] = manifest_problems(manifest, present=set(present), hashes=hashes, host=host,
                                               installed=installed(module, sorted(manifest.get('assumed') or {}),
                                                                   host['format']),
                                               signer=signers(module, path), pinned=module.params['fingerprint'])
        result.update(id=str(manifest.get('id', '')), fingerprint=str((manifest.get('key') or {}).get('fingerprint', '')),
                      engine=manifest.get('engine') or {}, images=manifest.get('images') or [],
                      repository=manifest.get('repository') or {'format': 'deb', 'dir': APT_DIR, 'keys': []},
                      unlisted=unlisted_files(manifest, present))
    result['index_ready'] = index_ready(path, host['format'])
    result['valid'] = not result['problems']
    if result['problems'] and module.params['fail_on_error']:
        module.fail_json(msg='the bundle in %s is refused, nothing was installed: %s' % (path, '; '.join(result['problems'])),
                         **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
