#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: docker_repo_key
short_description: Install a repository signing key only after its fingerprint is proven
version_added: 0.2.0
description:
  - Downloads a repository signing key to a private temporary directory, reads its primary key fingerprints with
    C(gpg --with-colons), and installs it at O(dest) only when O(fingerprint) is one of them.
  - A mismatch fails naming the URL, the fingerprints found and the one expected, and writes nothing; run it
    before any repository file that trusts O(dest) is written.
  - In check mode the key is still downloaded and verified (to a temporary file only), so C(--check) reports a
    bad key too; O(dest) is not written.
options:
  url:
    description: URL of the key (C(https://), C(http://), C(ftp://) or C(file://)).
    type: str
    required: true
  fingerprint:
    description: Expected primary key fingerprint, 40 (or 64) hex digits, spaces allowed.
    type: str
    required: true
  dest:
    description: Where the verified key is installed; a missing directory is created (mode 0755).
    type: path
    required: true
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for the download.
    type: int
    default: 30
extends_documentation_fragment:
  - fleetops.docker_host.common
  - ansible.builtin.files
attributes:
  check_mode:
    description: Downloads and verifies the key, reports whether O(dest) would change, writes nothing.
    support: full
  diff_mode:
    description: The old and the new key text.
    support: full
  platform:
    description: Hosts with C(gpg) (GnuPG 2.0 or later).
'''

EXAMPLES = r'''
- name: Install Docker's apt key, verified
  fleetops.docker_host.docker_repo_key:
    url: https://download.docker.com/linux/debian/gpg
    fingerprint: 9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88
    dest: /etc/apt/keyrings/docker.asc
    owner: root
    group: root
    mode: "0644"
'''

RETURN = r'''
fingerprint:
  description: The expected fingerprint, normalized.
  returned: always
  type: str
  sample: 9DC858229FC7DD38854AE2D88D81803C0EBFCD88
fingerprints:
  description: The primary key fingerprints found in the downloaded key.
  returned: always
  type: list
  elements: str
  sample: [9DC858229FC7DD38854AE2D88D81803C0EBFCD88]
dest:
  description: Where the key is (or would be) installed.
  returned: always
  type: str
  sample: /etc/apt/keyrings/docker.asc
url:
  description: Where the key came from.
  returned: always
  type: str
  sample: https://download.docker.com/linux/debian/gpg
'''

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import fetch_url

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    gpg_fingerprints,
    is_fingerprint,
    normalize_fingerprint,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import write_atomic


def download(module, url):
    """The key's bytes; fails naming the URL."""
    if url.startswith('file://'):
        try:
            with open(url[len('file://'):], 'rb') as handle:
                return handle.read()
        except OSError as exc:
            module.fail_json(msg='cannot read the signing key at %s: %s' % (url, to_native(exc)), url=url)
    response, info = fetch_url(module, url, timeout=module.params['timeout'])
    if response is None or info.get('status') not in (200, None):
        module.fail_json(msg='cannot download the signing key from %s: HTTP %s %s' % (url, info.get('status'), info.get('msg', '')),
                         url=url)
    return response.read()


def read_bytes(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except OSError:
        return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type='str', required=True),
            fingerprint=dict(type='str', required=True),
            dest=dict(type='path', required=True),
            validate_certs=dict(type='bool', default=True),
            timeout=dict(type='int', default=30),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    url = module.params['url']
    dest = module.params['dest']
    expected = normalize_fingerprint(module.params['fingerprint'])
    result = dict(changed=False, url=url, dest=dest, fingerprint=expected, fingerprints=[])
    if not is_fingerprint(expected):
        module.fail_json(msg='fingerprint %r must be 40 hex digits (spaces allowed)' % module.params['fingerprint'], **result)

    content = download(module, url)
    tmpdir = tempfile.mkdtemp(prefix='fleetops-key-')
    try:
        os.chmod(tmpdir, 0o700)
        candidate = os.path.join(tmpdir, 'key.asc')
        with open(candidate, 'wb') as handle:
            handle.write(content)
        found = gpg_fingerprints(module, candidate)
        result['fingerprints'] = found or []
        if expected not in result['fingerprints']:
            module.fail_json(
                msg=('the signing key at %s has fingerprint(s) %s, expected %s (docker_gpg_fingerprint). Nothing was '
                     'installed and no repository was configured. Check the key URL (a mirror serving another key?) '
                     'or set docker_gpg_fingerprint to the key you trust.'
                     % (url, ', '.join(result['fingerprints']) or 'none (gpg read no key)', expected)),
                **result)

        before = read_bytes(dest)
        result['changed'] = before != content
        if module._diff:
            result['diff'] = {'before_header': dest, 'after_header': url,
                              'before': to_native(before or b'', errors='replace'),
                              'after': to_native(content, errors='replace')}
        if result['changed'] and not module.check_mode:
            # The keyring directory (/etc/apt/keyrings, /etc/pki/rpm-gpg) is missing on older releases.
            if not os.path.isdir(os.path.dirname(dest)):
                os.makedirs(os.path.dirname(dest), 0o755)
            write_atomic(module, dest, content)
        if not module.check_mode or os.path.exists(dest):
            file_args = module.load_file_common_arguments(module.params, path=dest)
            result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
