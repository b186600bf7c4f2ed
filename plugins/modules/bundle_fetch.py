#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: bundle_fetch
short_description: Download the complete package closure of the Docker engine for an offline bundle
version_added: 0.3.0
description:
  - Run on a connected host of the target platform (the builder) by the C(fleetops.docker_host.bundle) playbook.
  - Refreshes apt's lists, then checks that every source's C(InRelease) carries a valid signature by a key in
    O(trusted_fingerprints) (C(gpgv) against O(keyring)); a source signed by no trusted key fails the task, naming
    the list file and the keys that did sign it. Nothing is downloaded before this check.
  - Downloads, into an empty archive directory (C(apt-get install --download-only -o Dir::Cache::archives=)),
    every package that installing O(packages) on this host would fetch - the engine and each dependency it lacks.
    The builder must be as minimal as the targets (the same image); a package of O(packages) already installed on
    it fails the task, since it would then be missing from the bundle.
  - Names, in RV(assumed), the packages of the dependency closure (C(apt-cache depends --recurse)) that the
    builder already has; each target checks that it has them too before installing (M(fleetops.docker_host.bundle_verify)).
  - Writes the flat repository's C(Packages) index next to the package files.
options:
  packages:
    description: The packages to bundle, installed together on the targets (the engine).
    type: list
    elements: str
    required: true
  dest:
    description: Directory on the builder for the package files and C(Packages); emptied of C(.deb) files first.
    type: path
    default: /var/tmp/fleetops-bundle
  install_recommends:
    description: Bundle the recommended packages too (the targets then install them too).
    type: bool
    default: false
  trusted_fingerprints:
    description: Primary key fingerprints (40 hex digits, spaces allowed) one of which must sign each source.
    type: list
    elements: str
    required: true
  keyring:
    description: The keyring C(gpgv) checks the sources' signatures with.
    type: path
    default: /usr/share/keyrings/debian-archive-keyring.gpg
  update_cache:
    description: Refresh apt's lists first (C(apt-get update)).
    type: bool
    default: true
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Refreshes the lists and checks the sources, then lists the closure (C(apt-get -s)) without downloading.
    support: full
  diff_mode:
    description: No diff; the files written are a build output.
    support: none
  platform:
    description: Debian and Ubuntu (apt) with C(gpgv) and C(dpkg-deb).
'''

EXAMPLES = r'''
- name: Download Debian's engine and its dependencies into /var/tmp/fleetops-bundle
  fleetops.docker_host.bundle_fetch:
    packages: [docker.io, containerd, runc]
    trusted_fingerprints:
      - B8B8 0B5B 623E AB6A D877  5C45 B7C5 D7D6 3509 47F8
  register: bundle_fetch
'''

RETURN = r'''
platform:
  description: The builder's platform (C(/etc/os-release) ID and VERSION_ID, C(dpkg --print-architecture)).
  returned: always
  type: dict
  sample: {"distribution": "debian", "release": "12", "codename": "bookworm", "architecture": "amd64"}
packages:
  description: The downloaded package files, each with C(name), C(version), C(architecture), C(file) (base name) and C(sha256).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "runc", "version": "1.1.5+ds1-1+deb12u1", "architecture": "amd64", "file": "runc_1.1.5+ds1-1+deb12u1_amd64.deb",
            "sha256": "0a3c..."}]
engine:
  description: O(packages) with the version of each in the bundle, and O(install_recommends).
  returned: always
  type: dict
  sample: {"packages": {"docker.io": "20.10.24+dfsg1-1+b3"}, "install_recommends": false}
assumed:
  description: Packages of the dependency closure the builder already had (name -> version); each target must have them.
  returned: always
  type: dict
  sample: {"libc6": "2.36-9+deb12u9"}
sources:
  description: Each source's list file and the trusted primary keys that signed it.
  returned: always
  type: list
  elements: dict
  sample: [{"list": "deb.debian.org_debian_dists_bookworm_InRelease", "signed_by": ["B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8"]}]
files:
  description: Paths on the builder to fetch into the bundle's apt directory (the package files, then C(Packages)).
  returned: always
  type: list
  elements: str
'''

import glob
import hashlib
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetops.docker_host.plugins.module_utils._bundle import (
    closure_names, control_fields, packages_stanza, sha256_file, trusted_signers)
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import parse_gpgv_status

C_ENV = {'LANG': 'C', 'LC_ALL': 'C', 'DEBIAN_FRONTEND': 'noninteractive'}
LISTS = '/var/lib/apt/lists'


def run(module, argv, what):
    rc, out, err = module.run_command(argv, environ_update=C_ENV)
    if rc != 0:
        module.fail_json(msg='%s failed (%s, rc=%d): %s' % (what, ' '.join(argv), rc, (err or out).strip()[-2000:]))
    return out


def os_release():
    values = {}
    with open('/etc/os-release') as handle:
        for line in handle:
            if '=' in line:
                key, value = line.rstrip('\n').split('=', 1)
                values[key] = value.strip('"\'')
    return values


def check_sources(module, trusted, keyring):
    gpgv = module.get_bin_path('gpgv', required=True)
    sources = []
    untrusted = []
    for path in sorted(glob.glob(os.path.join(LISTS, '*InRelease'))):
        rc, out, err = module.run_command([gpgv, '--status-fd', '1', '--keyring', keyring, path], environ_update=C_ENV)
        signers = trusted_signers(parse_gpgv_status(out), trusted)
        if not signers:
            untrusted.append('%s (valid signatures by: %s)' % (os.path.basename(path), ', '.join(parse_gpgv_status(out)) or 'none'))
        sources.append({'list': os.path.basename(path), 'signed_by': signers})
    if untrusted:
        module.fail_json(msg='bundle_fetch: sources not signed by a key of trusted_fingerprints: %s. Nothing was '
                             'downloaded; check the source or add its key fingerprint' % '; '.join(untrusted))
    if not sources:
        module.fail_json(msg='bundle_fetch: apt has no signed lists (no InRelease in %s); run with update_cache' % LISTS)
    return sources


def installed_versions(module, names):
    rc, out, err = module.run_command(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}|${Package}|${Version}\n'] + names,
                                      environ_update=C_ENV)
    found = {}
    for line in out.splitlines():
        fields = line.split('|')
        if len(fields) == 3 and fields[0].startswith('ii'):
            found[fields[1]] = fields[2]
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            packages=dict(type='list', elements='str', required=True),
            dest=dict(type='path', default='/var/tmp/fleetops-bundle'),
            install_recommends=dict(type='bool', default=False),
            trusted_fingerprints=dict(type='list', elements='str', required=True, no_log=False),
            keyring=dict(type='path', default='/usr/share/keyrings/debian-archive-keyring.gpg'),
            update_cache=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    names = params['packages']
    if params['update_cache']:
        run(module, ['apt-get', 'update', '-q'], 'apt-get update')
    sources = check_sources(module, params['trusted_fingerprints'], params['keyring'])
    release = os_release()
    architecture = run(module, ['dpkg', '--print-architecture'], 'dpkg --print-architecture').strip()
    platform = {'distribution': release.get('ID', ''), 'release': release.get('VERSION_ID', ''),
                'codename': release.get('VERSION_CODENAME', ''), 'architecture': architecture}
    already = installed_versions(module, names)
    if already:
        module.fail_json(msg='bundle_fetch: the builder already has %s installed, so the bundle would lack it: build on '
                             'a fresh host of the platform' % ', '.join(sorted(already)))
    flags = ['--install-recommends' if params['install_recommends'] else '--no-install-recommends']
    depends = ['apt-cache', 'depends', '--recurse', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces',
               '--no-enhances'] + ([] if params['install_recommends'] else ['--no-recommends'])
    closure = closure_names(run(module, depends + names, 'apt-cache depends'))
    result = dict(changed=False, platform=platform, sources=sources, packages=[], files=[], assumed={},
                  engine={'packages': {}, 'install_recommends': params['install_recommends']})
    if module.check_mode:
        run(module, ['apt-get', 'install', '-s', '-q'] + flags + names, 'apt-get install -s')
        module.exit_json(**result)

    debs = os.path.join(params['dest'], 'debs')
    os.makedirs(os.path.join(debs, 'partial'), mode=0o755, exist_ok=True)
    for old in glob.glob(os.path.join(debs, '*.deb')):
        os.unlink(old)
    os.chmod(debs, 0o755)
    run(module, ['apt-get', 'install', '--download-only', '-y', '-q', '-o', 'Dir::Cache::archives=' + debs + '/',
                 '-o', 'APT::Sandbox::User=root'] + flags + names, 'apt-get install --download-only')
    stanzas = []
    for path in sorted(glob.glob(os.path.join(debs, '*.deb'))):
        control = run(module, ['dpkg-deb', '--field', path], 'dpkg-deb --field')
        fields = control_fields(control)
        with open(path, 'rb') as handle:
            md5 = hashlib.md5(handle.read()).hexdigest()  # noqa: S324 - apt's index field, not a security check
        digest = sha256_file(path)
        name = os.path.basename(path)
        stanzas.append(packages_stanza(control, name, os.path.getsize(path), md5, digest))
        result['packages'].append({'name': fields.get('Package'), 'version': fields.get('Version'),
                                   'architecture': fields.get('Architecture'), 'file': name, 'sha256': digest})
        result['files'].append(path)
    bundled = dict((pkg['name'], pkg['version']) for pkg in result['packages'])
    missing = [name for name in names if name not in bundled]
    if missing:
        module.fail_json(msg='bundle_fetch: apt downloaded no package file for %s' % ', '.join(missing), **result)
    result['engine']['packages'] = dict((name, bundled[name]) for name in names)
    result['assumed'] = dict((name, version) for name, version in installed_versions(module, closure).items()
                             if name not in bundled)
    index = os.path.join(params['dest'], 'Packages')
    with open(index, 'w') as handle:
        handle.write('\n'.join(stanzas))
    result['files'].append(index)
    result['changed'] = True
    module.exit_json(**result)


if __name__ == '__main__':
    main()
