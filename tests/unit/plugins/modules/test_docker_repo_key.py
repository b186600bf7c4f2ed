# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/docker_repo_key.py with a key generated here (needs gpg)."""

import os
import shutil
import subprocess

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import docker_repo_key

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [
    needs_module_testing,
    pytest.mark.skipif(shutil.which('gpg') is None, reason='needs gpg'),
]


@pytest.fixture(scope='module')
def key(tmp_path_factory):
    home = tmp_path_factory.mktemp('gnupg')
    os.chmod(str(home), 0o700)
    env = dict(os.environ, GNUPGHOME=str(home), LANG='C')
    subprocess.run(['gpg', '--batch', '--passphrase', '', '--quick-gen-key', 'fleetops test <t@fleetops.invalid>',
                    'ed25519', 'sign', 'never'], env=env, check=True, capture_output=True)
    colons = subprocess.run(['gpg', '--batch', '--with-colons', '--list-keys'], env=env, check=True, capture_output=True, text=True).stdout
    fpr = [line.split(':')[9] for line in colons.splitlines() if line.startswith('fpr:')][0]
    path = home / 'key.asc'
    path.write_bytes(subprocess.run(['gpg', '--batch', '--armor', '--export', fpr], env=env, check=True, capture_output=True).stdout)
    return {'path': str(path), 'fpr': fpr}


run_module = module_runner(docker_repo_key)


def test_verified_key_is_installed_then_unchanged(capsys, key, tmp_path):
    dest = str(tmp_path / 'docker.asc')
    spaced = ' '.join(key['fpr'][i:i + 4] for i in range(0, 40, 4))
    args = {'url': 'file://' + key['path'], 'fingerprint': spaced, 'dest': dest, 'mode': '0644'}
    check = run_module(capsys, dict(args, _ansible_check_mode=True))
    assert check['changed'] and not os.path.exists(dest) and check['fingerprints'] == [key['fpr']]
    first = run_module(capsys, args)
    assert first['changed'] and os.path.exists(dest) and oct(os.stat(dest).st_mode & 0o777) == '0o644'
    assert not run_module(capsys, args)['changed']


def test_wrong_fingerprint_fails_and_writes_nothing(capsys, key, tmp_path):
    dest = str(tmp_path / 'docker.asc')
    expected = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88'
    result = run_module(capsys, {'url': 'file://' + key['path'], 'fingerprint': expected, 'dest': dest})
    assert result['failed'] and not os.path.exists(dest)
    assert key['fpr'] in result['msg'] and expected in result['msg'] and key['path'] in result['msg']


def test_malformed_fingerprint_fails(capsys, key, tmp_path):
    result = run_module(capsys, {'url': 'file://' + key['path'], 'fingerprint': '9DC8', 'dest': str(tmp_path / 'k')})
    assert result['failed'] and '40 hex digits' in result['msg']
