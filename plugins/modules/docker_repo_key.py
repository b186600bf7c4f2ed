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
  - Only the key with O(fingerprint) is installed; a key file that holds others too is reduced to that key (exported
    with gpg), since apt trusts every key in the file. A secret-key export is refused. A O(dest) ending in C(.asc)
    gets the ASCII-armoured key and one ending in C(.gpg) the binary key (apt reads them so, and ignores a key in
    the other form); the key is converted when it came in the other form. An expired key is installed with a
    warning and RV(expired).
  - O(dest) must be an absolute path to a regular file (or nothing yet); a symlink is written through. Credentials
    in O(url) (C(https://user:token@...)) are masked in every message, the result and the diff.
  - In check mode the key is still downloaded and verified (to a temporary file only), so C(--check) reports a
    bad key too; O(dest) is not written.
options:
  url:
    description:
      - URL of the key (C(https://), C(http://), C(ftp://) or C(file://)).
      - Required unless O(settings) is given.
    type: str
  fingerprint:
    description:
      - Expected primary key fingerprint, 40 (or 64) hex digits, spaces allowed.
      - Required unless O(settings) is given.
    type: str
  dest:
    description:
      - Where the verified key is installed; a missing directory is created (mode 0755).
      - Required unless O(settings) is given.
    type: path
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for the download.
    type: int
    default: 30
  settings:
    description:
      - The C(fleetops.docker_host.docker) role's settings, as its look (P(fleetops.docker_host.docker_install_info#module))
        gets them. Given, O(url), O(fingerprint) and O(dest) default to the role's key, and after the key the
        role's repository file is written from them (mode C(0600) where it holds credentials, else C(0644)), so
        that a mirror's C(user:token@) never passes through a task result.
      - Internal to the role; with O(os) and O(facts).
    type: dict
  os:
    description: The role's per-family data (the host's entry of C(__docker_os_families) in the role's C(defaults/main.yml)), with O(settings).
    type: dict
  facts:
    description: The host facts the role reads, with O(settings).
    type: dict
  architecture:
    description: The apt architecture for the repository file (from the look), with O(settings).
    type: str
    default: ''
  install_key:
    description: Download, check and install the key; V(false) writes only the repository file (with O(settings)).
    type: bool
    default: true
extends_documentation_fragment:
  - fleetops.docker_host.common
  - ansible.builtin.files
attributes:
  check_mode:
    description: Downloads and verifies the key, reports whether O(dest) would change, writes nothing.
    support: full
  diff_mode:
    description: The old and the new key text (and repository file, credentials masked).
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
expired:
  description: Whether the installed key has expired (apt then refuses what it signs).
  returned: always
  type: bool
expires:
  description: When the key expires (Unix time), V(null) when it does not.
  returned: when a key was read
  type: int
notes:
  description: What was done to the downloaded key file (other keys dropped, converted to the form O(dest) asks for).
  returned: when a key was read
  type: list
  elements: str
target:
  description: The file written, when O(dest) is a symlink to it.
  returned: when O(dest) is a symlink
  type: str
repo_file:
  description: The role's repository file, with O(settings) - C(path), C(mode) and whether it C(changed).
  returned: when O(settings) names a repository
  type: dict
  sample: {"path": "/etc/apt/sources.list.d/docker.sources", "mode": "0644", "changed": true}
url:
  description: Where the key came from (credentials masked).
  returned: always
  type: str
  sample: https://download.docker.com/linux/debian/gpg
'''

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.module_utils.urls import fetch_url

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    C_ENV,
    RepoKeyError,
    decide,
    is_fingerprint,
    normalize_fingerprint,
    parse_keys,
    repository_files,
    settings_secrets,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import (
    UnsafeFileError,
    mask_userinfo,
    printable,
    read_regular,
    resolve_target,
    text_secrets,
    userinfo_secrets,
    write_atomic,
)


def masked(text, secret_values):
    """TEXT with the URL's credentials masked (a token in the URL never reaches a message or the result)."""
    text = mask_userinfo(to_native(text, errors='surrogate_or_replace'))
    for secret in secret_values:
        text = text.replace(secret, '****')
    return printable(text)


def download(module, url, shown_url, secret_values):
    """The key's bytes; fails naming the URL (credentials masked)."""
    if url.startswith('file://'):
        if not url[len('file://'):].startswith('/'):
            module.fail_json(msg='url %s does not name an absolute file (it would be read relative to the module\'s '
                                 'working directory); write file:///absolute/path/to/key' % shown_url, url=shown_url)
        try:
            data = read_regular(url[len('file://'):], option='url', what='the key file')
        except (OSError, UnsafeFileError) as exc:
            module.fail_json(msg='cannot read the signing key at %s: %s' % (shown_url, masked(exc, secret_values)),
                             url=shown_url)
        if data is None:
            module.fail_json(msg='cannot read the signing key at %s: no such file' % shown_url, url=shown_url)
        return data
    response, info = fetch_url(module, url, timeout=module.params['timeout'])
    if response is None or info.get('status') not in (200, None):
        module.fail_json(msg='cannot download the signing key from %s: HTTP %s %s'
                             % (shown_url, info.get('status'), masked(info.get('msg', ''), secret_values)),
                         url=shown_url)
    return response.read()


def gpg(module, home, args):
    binary = module.get_bin_path('gpg') or module.get_bin_path('gpg2')
    if not binary:
        module.fail_json(msg='docker_repo_key needs gpg (GnuPG 2) on the host to verify the key; install gnupg')
    return module.run_command([binary, '--batch'] + args, environ_update=dict(C_ENV, GNUPGHOME=home),
                              encoding=None)


def inspect(module, home, candidate):
    """The keys in CANDIDATE, as parse_keys reads them. gpg before 2.2.8 (EL7's 2.0) has no --show-keys; given only
    a file, it lists the keys in it."""
    rc, out, err = gpg(module, home, ['--show-keys', '--with-colons', candidate])
    if rc != 0:
        rc, out, err = gpg(module, home, ['--with-colons', '--with-fingerprint', candidate])
    return parse_keys(out.decode('utf-8', 'replace'))


def export(module, home, candidate, fingerprint, form):
    """Only the key FINGERPRINT from CANDIDATE, armoured or binary, through a throw-away keyring."""
    rc, out, err = gpg(module, home, ['--import', candidate])
    if rc != 0:
        raise RepoKeyError('gpg could not import the downloaded key to export %s alone: %s'
                           % (fingerprint, err.decode('utf-8', 'replace').strip()))
    rc, out, err = gpg(module, home, ['--export'] + (['--armor'] if form == 'armor' else []) + [fingerprint])
    if rc != 0 or not out:
        raise RepoKeyError('gpg could not export %s: %s' % (fingerprint, err.decode('utf-8', 'replace').strip()))
    return out


def install_key(module, url, expected, dest, *, shown_url, secret_values, result):
    """Download the key, prove its fingerprint, install it at DEST (the module's own step)."""
    try:
        target = resolve_target(dest, 'dest', '/etc/apt/keyrings/docker.asc', 'the key file')
        before = read_regular(target, option='dest', what='the key file')
    except (UnsafeFileError, OSError) as exc:
        module.fail_json(msg='docker_repo_key: %s. Nothing was installed' % masked(exc, secret_values), **result)
    if target != dest:
        result['target'] = target

    content = download(module, url, shown_url, secret_values)
    tmpdir = tempfile.mkdtemp(prefix='fleetops-key-')
    try:
        os.chmod(tmpdir, 0o700)
        home = os.path.join(tmpdir, 'gnupg')
        os.mkdir(home, 0o700)
        candidate = os.path.join(tmpdir, 'key')
        with open(candidate, 'wb') as handle:
            handle.write(content)
        keys = inspect(module, home, candidate)
        result['fingerprints'] = [key['fingerprint'] for key in keys]
        try:
            plan = decide(keys, expected, content, dest, shown_url)
            if plan['export']:
                content = export(module, home, candidate, expected, plan['export'])
        except RepoKeyError as exc:
            module.fail_json(msg=masked(exc, secret_values), **result)
        result['expired'], result['expires'], result['notes'] = plan['expired'], plan['expires'], plan['notes']
        for warning in plan['warnings']:
            module.warn(warning)

        result['changed'] = before != content
        if module._diff:
            result['diff'] = [{'before_header': dest, 'after_header': shown_url,
                               'before': printable(before or b''), 'after': printable(content)}]
        if result['changed'] and not module.check_mode:
            # The keyring directory (/etc/apt/keyrings, /etc/pki/rpm-gpg) is missing on older releases.
            if not os.path.isdir(os.path.dirname(target)):
                os.makedirs(os.path.dirname(target), 0o755)
            write_atomic(module, target, content)
        if not module.check_mode or os.path.exists(target):
            file_args = module.load_file_common_arguments(module.params, path=target)
            result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def install_repo_file(module, path, text, secret_values, result):
    """The docker role's repository file, after its key: written from the role's settings on the host, so that
    a mirror's credentials never pass through a task result; 0600 where it holds them, else 0644."""
    try:
        target = resolve_target(path, 'repo_file', '/etc/apt/sources.list.d/docker.sources', 'the repository file')
        before = read_regular(target, option='repo_file', what='the repository file')
    except (UnsafeFileError, OSError) as exc:
        module.fail_json(msg='docker_repo_key: %s. The key is in place; the repository file was not written'
                             % masked(exc, secret_values), **result)
    content = to_bytes(text, errors='surrogate_or_strict')
    mode = '0600' if text_secrets(text) else '0644'
    changed = before != content
    result['repo_file'] = {'path': path, 'changed': changed, 'mode': mode}
    if module._diff and changed:
        result.setdefault('diff', []).append({
            'before_header': path if before is not None else '%s (absent)' % path, 'after_header': path,
            'before': masked(before or b'', secret_values), 'after': masked(text, secret_values)})
    if changed and not module.check_mode:
        write_atomic(module, target, content, int(mode, 8))
    if not module.check_mode or os.path.exists(target):
        file_args = module.load_file_common_arguments(dict(path=target, mode=mode, owner='root', group='root'))
        changed = module.set_fs_attributes_if_different(file_args, changed)
    result['repo_file']['changed'] = changed
    result['changed'] = result['changed'] or changed


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type='str'),
            fingerprint=dict(type='str'),
            dest=dict(type='path'),
            validate_certs=dict(type='bool', default=True),
            timeout=dict(type='int', default=30),
            settings=dict(type='dict'),
            os=dict(type='dict'),
            facts=dict(type='dict'),
            architecture=dict(type='str', default=''),
            install_key=dict(type='bool', default=True),
        ),
        required_one_of=[('url', 'settings'), ('fingerprint', 'settings'), ('dest', 'settings')],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    repo = None
    secret_values = []
    if params['settings'] is not None:
        # The docker role: what to install comes from its settings, as its look got them.
        secret_values = settings_secrets(params['settings'])
        repo = repository_files(params['settings'], params['os'] or {}, params['facts'] or {}, params['architecture'])
        for name in ('url', 'fingerprint', 'dest'):
            params[name] = params[name] or repo[name]
    url = params['url'] or ''
    secret_values = sorted(set(secret_values + userinfo_secrets(url) + text_secrets((repo or {}).get('repo_text'))))
    for secret in secret_values:
        module.no_log_values.add(secret)
    shown_url = masked(url, secret_values)
    dest = params['dest']
    expected = normalize_fingerprint(params['fingerprint'] or '')
    result = dict(changed=False, url=shown_url, dest=dest, fingerprint=expected, fingerprints=[], expired=False)
    if not is_fingerprint(expected):
        module.fail_json(msg='fingerprint %r must be 40 hex digits (spaces allowed)' % params['fingerprint'], **result)
    if params['install_key']:
        install_key(module, url, expected, dest, shown_url=shown_url, secret_values=secret_values, result=result)
    if repo and repo['repo_text'] is not None:
        install_repo_file(module, repo['repo_file'], repo['repo_text'], secret_values, result)
    if isinstance(result.get('diff'), list) and len(result['diff']) == 1:
        result['diff'] = result['diff'][0]
    module.exit_json(**result)


if __name__ == '__main__':
    main()
