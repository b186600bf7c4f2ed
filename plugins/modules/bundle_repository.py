#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: bundle_repository
short_description: Make a verified offline bundle's repository the host's package source for it
version_added: 0.3.0
description:
  - Given the host's copy of a bundle written by the C(fleetops.docker_host.bundle) playbook, and already verified
    (M(fleetops.docker_host.bundle_verify)), trusts the bundle's key for its repository alone and writes the
    repository file - apt's one C(deb [signed-by=...] file:... ./) line, or a dnf section with C(gpgcheck=1) and
    C(repo_gpgcheck=1) - then has the package manager read that repository alone (C(apt-get update) with this
    source only; C(dnf makecache) with this repository only), when the file changed or the index is not read yet.
  - The one writer of these files for every stage that installs from one bundle (docker, k8s_node, kernel_ml), so
    the stages never rewrite each other's files.
  - Called by the M(fleetops.docker_host.packages) action for a package step given O(ignore:bundle) (there, after
    the copy of the bundle has been verified), not usually on its own.
options:
  path:
    description: The host's copy of the bundle (a directory named after the bundle's id, with C(manifest.json)).
    type: path
    required: true
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Says which files would be written; reads no index.
    support: full
  diff_mode:
    description: The repository file's text, before and after.
    support: full
  platform:
    description: Debian and Ubuntu (apt) and the EL family (dnf); an rpm host is one with C(/etc/redhat-release).
    platforms: posix
'''

EXAMPLES = r'''
- name: Make the verified bundle the package source for it
  fleetops.docker_host.bundle_repository:
    path: /var/cache/fleetops-docker-bundle/docker-debian12-amd64-20261207T010203Z
'''

RETURN = r'''
key:
  description: Where the bundle's key is trusted for its repository.
  returned: always
  type: str
  sample: /etc/apt/keyrings/fleetops-docker-bundle.gpg
source:
  description: The repository file.
  returned: always
  type: str
  sample: /etc/apt/sources.list.d/fleetops-docker-bundle.list
repository:
  description: The dnf repository id (the one to enable alone), or V('') on apt.
  returned: always
  type: str
  sample: fleetops-docker-bundle
index_read:
  description: Whether the package manager read the bundle's index in this run.
  returned: always
  type: bool
index_ready:
  description:
    - Whether the package manager could read the bundle's repository before this run (the repository file as it
      should be and, on apt, the bundle's lists fetched); in check mode, whether a package step can be simulated.
  returned: always
  type: bool
'''

import filecmp
import glob
import json
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
REPO_ID = 'fleetops-docker-bundle'
# Per package format: the bundle's key file (in the bundle), where it is trusted, the repository file (bundle_verify's
# RPM_REPO_FILE is the rpm one: its index_ready reads it).
FILES = {
    'deb': {'key_src': 'key.gpg', 'key': '/etc/apt/keyrings/fleetops-docker-bundle.gpg',
            'source': '/etc/apt/sources.list.d/fleetops-docker-bundle.list'},
    'rpm': {'key_src': 'key.asc', 'key': '/etc/pki/rpm-gpg/fleetops-docker-bundle.asc',
            'source': '/etc/yum.repos.d/fleetops-docker-bundle.repo'},
}


def source_text(package_format, manifest, path):
    """The repository file's text for the bundle `manifest` copied at `path`."""
    ident = str(manifest.get('id', ''))
    repository = manifest.get('repository') or {}
    repo = '%s/%s' % (path, repository.get('dir') or 'apt')
    head = '# Managed by Ansible (fleetops.docker_host.docker): offline bundle %s\n' % ident
    if package_format != 'rpm':
        return head + 'deb [signed-by=%s] file:%s ./\n' % (FILES['deb']['key'], repo)
    keys = [FILES['rpm']['key']] + ['%s/%s' % (path, key) for key in repository.get('keys') or []]
    return head + '\n'.join([
        '[%s]' % REPO_ID,
        'name=fleetops offline Docker bundle %s' % ident,
        'baseurl=file://%s' % repo,
        'enabled=1',
        'gpgcheck=1',
        'repo_gpgcheck=1',
        'gpgkey=file://%s' % ' file://'.join(keys),
    ]) + '\n'


def index_argv(package_format, source):
    """The command that reads the bundle's repository alone."""
    if package_format == 'rpm':
        return ['dnf', '-y', '-q', 'makecache', '--disablerepo=*', '--enablerepo=%s' % REPO_ID]
    return ['apt-get', 'update', '-q', '-o', 'Dir::Etc::sourcelist=%s' % source, '-o', 'Dir::Etc::sourceparts=-',
            '-o', 'APT::Get::List-Cleanup=0']


def apt_index_read(path):
    """Whether apt has lists from the bundle's apt directory (bundle_verify's index_ready, apt half)."""
    stem = os.path.join(path, 'apt').replace('/', '_')
    return bool(glob.glob('/var/lib/apt/lists/%s_._Packages*' % glob.escape(stem)))


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def write(module, dest, text=None, src=None):
    """Atomic write of `text` (or a copy of `src`) to dest, 0644, its directory created."""
    directory = os.path.dirname(dest)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o755)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.fleetops-')
    with os.fdopen(fd, 'w' if text is not None else 'wb') as handle:
        if text is not None:
            handle.write(text)
        else:
            with open(src, 'rb') as source:
                shutil.copyfileobj(source, handle)
    os.chmod(tmp, 0o644)
    module.atomic_move(tmp, dest)


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type='path', required=True)), supports_check_mode=True)
    path = module.params['path'].rstrip('/')
    package_format = 'rpm' if os.path.isfile('/etc/redhat-release') and module.get_bin_path('rpm') else 'deb'
    files = FILES[package_format]
    try:
        with open(os.path.join(path, 'manifest.json')) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        module.fail_json(msg='%s/manifest.json cannot be read: %s; verify the bundle first' % (path, exc))
    key_src = os.path.join(path, files['key_src'])
    if not os.path.isfile(key_src):
        module.fail_json(msg='%s is missing from the bundle: verify the bundle first' % key_src)
    text = source_text(package_format, manifest, path)
    before = read(files['source'])
    key_changed = not (os.path.isfile(files['key']) and filecmp.cmp(key_src, files['key'], shallow=False))
    source_changed = before != text
    ready = apt_index_read(path) if package_format == 'deb' else not source_changed
    result = dict(changed=key_changed or source_changed, key=files['key'], source=files['source'],
                  repository=REPO_ID if package_format == 'rpm' else '', index_read=False,
                  index_ready=bool(ready) and not (key_changed or source_changed))
    if module._diff:
        result['diff'] = {'before_header': files['source'], 'after_header': files['source'],
                          'before': before or '', 'after': text}
    if module.check_mode:
        module.exit_json(**result)
    if key_changed:
        write(module, files['key'], src=key_src)
    if source_changed:
        write(module, files['source'], text=text)
    if result['changed'] or not ready:
        rc, out, err = module.run_command(index_argv(package_format, files['source']), environ_update=C_ENV)
        if rc != 0:
            module.fail_json(msg='reading the bundle repository %s failed: %s' % (files['source'], (err or out).strip()),
                             **result)
        result['index_read'] = True
    module.exit_json(**result)


if __name__ == '__main__':
    main()
