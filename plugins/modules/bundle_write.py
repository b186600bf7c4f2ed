#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: bundle_write
short_description: Sign an offline bundle's apt or rpm repository, add the images and write its manifest
version_added: 0.3.0
description:
  - Run on the controller by the C(fleetops.docker_host.bundle) playbook, after the package files and their
    C(Packages) index (from M(fleetops.docker_host.bundle_fetch)) were fetched into O(path)C(/apt), or the
    package files, C(repodata/) and source keys of an rpm repository into O(path)C(/rpm).
  - Generates a signing key for this bundle alone (ed25519, in a throw-away GnuPG home, no passphrase); writes
    C(apt/Release), signs it (C(apt/InRelease), C(apt/Release.gpg)), and exports the public key as C(key.gpg)
    (what apt's C(signed-by) and C(gpgv) read) and C(key.asc); an rpm repository's C(repodata/repomd.xml) is signed
    as C(repodata/repomd.xml.asc) (what dnf's C(repo_gpgcheck) reads). The private key is deleted after signing - a bundle
    is never re-signed; a new build makes a new bundle.
  - Saves each image of O(images) present in the controller's Docker with C(docker save) into C(images/); an image
    of O(optional_images) that is not present is named in RV(images_skipped) (there is no registry to pull from), an
    image of O(images) that is not present fails the task.
  - Writes C(manifest.json) (every file's sha256, the key fingerprint, the platform, the engine, what it was built
    from and when) and its detached ASCII-armored signature C(manifest.json.sig), then the tarball O(path)C(.tar.gz).
options:
  path:
    description: The bundle directory on the controller; C(apt/) (or C(rpm/)) holds the fetched repository.
    type: path
    required: true
  build:
    description: The result of M(fleetops.docker_host.bundle_fetch) (platform, packages, engine, assumed, sources, repository).
    type: dict
    required: true
  builder:
    description: The name of the host the packages came from, recorded in the manifest.
    type: str
    default: ''
  images:
    description: Images to save into the bundle; each must be present in the controller's Docker.
    type: list
    elements: str
    default: []
  optional_images:
    description: Images saved when present, else named in RV(images_skipped).
    type: list
    elements: str
    default: []
  created:
    description: The build time (UTC, C(YYYY-MM-DDTHH:MM:SSZ)); also makes the bundle's id unique.
    type: str
    required: true
  tarball:
    description: Also write O(path)C(.tar.gz).
    type: bool
    default: true
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Writes nothing; returns the manifest's platform and engine.
    support: full
  diff_mode:
    description: No diff; the bundle is a new build output.
    support: none
  platform:
    description: The controller, with C(gpg) and, for images, the C(docker) CLI.
'''

EXAMPLES = r'''
- name: Sign the repository, save the hello image and write the manifest
  fleetops.docker_host.bundle_write:
    path: /srv/bundles/debian12-amd64
    build: "{{ bundle_fetch }}"
    builder: "{{ inventory_hostname }}"
    images: [fleetops/hello:latest]
    optional_images: [registry.k8s.io/pause:3.10]
    created: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"
  delegate_to: localhost
'''

RETURN = r'''
id:
  description: The bundle's id, the base name of O(path).
  returned: always
  type: str
  sample: docker-debian12-amd64-20261207T010203Z
fingerprint:
  description: The bundle key's primary fingerprint.
  returned: success
  type: str
  sample: 3F1B0C2E6A0E4C7F9B1D2A3C4E5F60718293A4B5
tarball:
  description: The tarball's path, or empty.
  returned: always
  type: str
images:
  description: The images saved, each with C(name) and C(file).
  returned: always
  type: list
  elements: dict
images_skipped:
  description: The images of O(optional_images) that were not present, with the reason.
  returned: always
  type: list
  elements: str
manifest:
  description: The manifest written.
  returned: success
  type: dict
'''

import json
import os
import shutil
import tarfile
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetops.docker_host.plugins.module_utils._bundle import (
    APT_DIR, FORMAT, IMAGES_DIR, KEY, KEY_ASC, MANIFEST, RPM_DIR, SIGNATURE, UNLISTED, release_text, sha256_file)
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import primary_fingerprints

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}


def run(module, argv, what, env=None):
    rc, out, err = module.run_command(argv, environ_update=dict(C_ENV, **(env or {})))
    if rc != 0:
        module.fail_json(msg='bundle_write: %s failed (rc=%d): %s' % (what, rc, (err or out).strip()[-2000:]))
    return out


def save_images(module, path, images, optional):
    docker = module.get_bin_path('docker')
    saved, skipped = [], []
    for name in images + optional:
        present = False
        if docker:
            rc, out, err = module.run_command([docker, 'image', 'inspect', name], environ_update=C_ENV)
            present = rc == 0
        if not present:
            if name in images:
                module.fail_json(msg='bundle_write: image %s is not in the controller\'s Docker%s: load or build it '
                                     'first' % (name, '' if docker else ' (no docker CLI)'))
            skipped.append('%s: not present on the controller and no registry to pull from' % name)
            continue
        rel = '%s/%s.tar' % (IMAGES_DIR, name.replace('/', '_').replace(':', '_'))
        run(module, [docker, 'save', '-o', os.path.join(path, rel), name], 'docker save %s' % name)
        saved.append({'name': name, 'file': rel})
    return saved, skipped


def sign_apt_repository(module, sign, apt, *, architecture, created, env):
    with open(os.path.join(apt, 'Packages'), 'rb') as handle:
        indexes = {'Packages': handle.read()}
    with open(os.path.join(apt, 'Release'), 'w') as handle:
        handle.write(release_text(indexes, created.replace('T', ' ').replace('Z', ' UTC'),
                                  architectures=architecture))
    for name in ('InRelease', 'Release.gpg'):
        target = os.path.join(apt, name)
        if os.path.exists(target):
            os.unlink(target)
    run(module, sign + ['--clearsign', '-o', os.path.join(apt, 'InRelease'), os.path.join(apt, 'Release')], 'sign InRelease', env)
    run(module, sign + ['--detach-sign', '-o', os.path.join(apt, 'Release.gpg'), os.path.join(apt, 'Release')],
        'sign Release.gpg', env)


def sign_rpm_repository(module, sign, repomd, env):
    run(module, sign + ['--armor', '--detach-sign', '-o', repomd + '.asc', repomd], 'sign repomd.xml', env)


def listed_files(path):
    found = []
    for root, _dirs, files in os.walk(path):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), path)
            if rel not in UNLISTED:
                found.append(rel)
    return sorted(found)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            build=dict(type='dict', required=True),
            builder=dict(type='str', default=''),
            images=dict(type='list', elements='str', default=[]),
            optional_images=dict(type='list', elements='str', default=[]),
            created=dict(type='str', required=True),
            tarball=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path = params['path'].rstrip('/')
    build = params['build']
    platform = build.get('platform') or {}
    engine = build.get('engine') or {}
    engine_version = ''.join(list((engine.get('packages') or {}).values())[:1])
    ident = os.path.basename(path)
    repository = dict({'format': 'deb', 'dir': APT_DIR, 'keys': []}, **(build.get('repository') or {}))
    result = dict(changed=False, id=ident, tarball='', images=[], images_skipped=[])
    if module.check_mode:
        module.exit_json(**result)
    apt = os.path.join(path, APT_DIR)
    index = os.path.join(apt, 'Packages')
    if repository['dir'] == RPM_DIR:
        index = os.path.join(path, RPM_DIR, 'repodata', 'repomd.xml')
    if not os.path.isfile(index):
        module.fail_json(msg='bundle_write: %s is missing: fetch the output of bundle_fetch first' % index)
    os.makedirs(os.path.join(path, IMAGES_DIR), mode=0o755, exist_ok=True)
    gpg = module.get_bin_path('gpg', required=True)
    home = tempfile.mkdtemp(prefix='fleetops-bundle-gnupg-')
    try:
        env = {'GNUPGHOME': home}
        run(module, [gpg, '--batch', '--passphrase', '', '--quick-gen-key', 'fleetops bundle %s' % ident,
                     'ed25519', 'sign', 'never'], 'gpg --quick-gen-key', env)
        fingerprint = primary_fingerprints(run(module, [gpg, '--batch', '--with-colons', '--list-keys'], 'gpg --list-keys', env))[0]
        sign = [gpg, '--batch', '--yes', '--local-user', fingerprint]
        if repository['dir'] == RPM_DIR:
            sign_rpm_repository(module, sign, index, env)
        else:
            sign_apt_repository(module, sign, apt, architecture=platform.get('architecture', ''), created=params['created'],
                                env=env)
        run(module, [gpg, '--batch', '--yes', '--export', '-o', os.path.join(path, KEY), fingerprint], 'gpg --export', env)
        run(module, [gpg, '--batch', '--yes', '--armor', '--export', '-o', os.path.join(path, KEY_ASC), fingerprint],
            'gpg --export --armor', env)
        result['images'], result['images_skipped'] = save_images(module, path, params['images'], params['optional_images'])
        files = dict((rel, sha256_file(os.path.join(path, rel))) for rel in listed_files(path))
        manifest = {
            'format': FORMAT,
            'id': ident,
            'created': params['created'],
            'platform': platform,
            'engine': {'packages': engine.get('packages') or {}, 'version': engine_version,
                       'install_recommends': bool(engine.get('install_recommends'))},
            'key': {'fingerprint': fingerprint, 'file': KEY},
            'built_from': {'host': params['builder'], 'sources': build.get('sources') or []},
            'repository': repository,
            'packages': [{'name': pkg.get('name'), 'version': pkg.get('version'), 'architecture': pkg.get('architecture'),
                          'file': '%s/%s' % (repository['dir'], pkg.get('file'))} for pkg in build.get('packages') or []],
            'assumed': build.get('assumed') or {},
            # The other stages' packages (k8s_node, kernel_ml), by stage: {stage: {'packages': {name: version}}}.
            'stages': build.get('stages') or {},
            'images': result['images'],
            'skipped_images': result['images_skipped'],
            'files': files,
        }
        with open(os.path.join(path, MANIFEST), 'w') as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.write('\n')
        signature = os.path.join(path, SIGNATURE)
        if os.path.exists(signature):
            os.unlink(signature)
        run(module, sign + ['--armor', '--detach-sign', '-o', signature, os.path.join(path, MANIFEST)], 'sign the manifest', env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if params['tarball']:
        result['tarball'] = path + '.tar.gz'
        with tarfile.open(result['tarball'], 'w:gz') as tar:
            tar.add(path, arcname=os.path.basename(path))
    result.update(changed=True, fingerprint=fingerprint, manifest=manifest)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
