# -*- coding: utf-8 -*-
"""Module-level tests for plugins/modules/bundle_verify.py on a real bundle directory signed with a real gpg key
(gpgv checks the manifest's signature); the host's platform and dpkg are fakes."""

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import primary_fingerprints
from ansible_collections.fleetops.docker_host.plugins.modules import bundle_verify

from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import module_runner, needs_module_testing

pytestmark = [needs_module_testing,
              pytest.mark.skipif(not (shutil.which('gpg') and shutil.which('gpgv')), reason='needs gpg and gpgv')]
run_module = module_runner(bundle_verify)
HOST = {'distribution': 'debian', 'release': '12', 'architecture': 'amd64', 'format': 'deb'}
DEB = 'apt/runc_1.1.5_amd64.deb'


def gpg(home, *args):
    return subprocess.run(['gpg', '--batch', '--homedir', str(home)] + list(args), check=True,
                          capture_output=True).stdout.decode()


@pytest.fixture(scope='module')
def signer(tmp_path_factory):
    home = tmp_path_factory.mktemp('gnupg')
    os.chmod(str(home), 0o700)
    gpg(home, '--passphrase', '', '--quick-gen-key', 'fleetops bundle test', 'ed25519', 'sign', 'never')
    return home, primary_fingerprints(gpg(home, '--with-colons', '--list-keys'))[0]


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def bundle(tmp_path, signer, monkeypatch):
    home, fingerprint = signer
    os.makedirs(str(tmp_path / 'apt'))
    (tmp_path / DEB).write_bytes(b'deb bytes')
    gpg(home, '--yes', '--export', '-o', str(tmp_path / 'key.gpg'), fingerprint)
    files = dict((rel, sha((tmp_path / rel).read_bytes())) for rel in (DEB, 'key.gpg'))
    manifest = {'format': 1, 'id': 'docker-debian12-amd64-1', 'platform': dict(HOST, codename='bookworm'),
                'key': {'fingerprint': fingerprint, 'file': 'key.gpg'},
                'engine': {'packages': {'runc': '1.1.5'}, 'version': '1.1.5', 'install_recommends': False},
                'packages': [{'name': 'runc', 'version': '1.1.5', 'architecture': 'amd64', 'file': DEB}],
                'assumed': {'libc6': '2.36'}, 'images': [], 'files': files}

    def write(data):
        (tmp_path / 'manifest.json').write_text(json.dumps(data))
        gpg(home, '--yes', '--local-user', fingerprint, '--armor', '--detach-sign', '-o',
            str(tmp_path / 'manifest.json.sig'), str(tmp_path / 'manifest.json'))

    write(manifest)
    monkeypatch.setattr(bundle_verify, 'host_platform', lambda module: dict(HOST))
    monkeypatch.setattr(bundle_verify, 'installed', lambda module, names, package_format='deb': {'libc6': '2.36'})
    return tmp_path, fingerprint, manifest, write


def test_an_intact_bundle_is_valid_and_reports_its_id_and_key(capsys, bundle):
    path, fingerprint, manifest, write = bundle
    result = run_module(capsys, {'path': str(path), 'fingerprint': fingerprint}, check_mode=True)
    assert result['valid'] and result['problems'] == [] and not result['changed']
    assert result['id'] == 'docker-debian12-amd64-1' and result['fingerprint'] == fingerprint
    assert result['engine']['packages'] == {'runc': '1.1.5'}


def test_a_changed_byte_fails_naming_file_and_package(capsys, bundle):
    path = bundle[0]
    (path / DEB).write_bytes(b'deb bytez')
    result = run_module(capsys, {'path': str(path)})
    assert result['failed'] and not result['valid']
    assert '%s (package runc) has changed' % DEB in result['msg'] and 'nothing was installed' in result['msg']


def test_a_removed_dependency_fails_naming_it(capsys, bundle):
    path = bundle[0]
    os.unlink(str(path / DEB))
    result = run_module(capsys, {'path': str(path)})
    assert result['failed'] and '%s (package runc) is missing from the bundle' % DEB in result['msg']


def test_a_manifest_edited_after_signing_fails_its_signature(capsys, bundle):
    path, fingerprint, manifest = bundle[:3]
    os.unlink(str(path / DEB))
    edited = dict(manifest, files={'key.gpg': manifest['files']['key.gpg']}, packages=[])
    (path / 'manifest.json').write_text(json.dumps(edited))
    result = run_module(capsys, {'path': str(path)})
    assert result['failed'] and 'manifest.json is not signed by the bundle key %s' % fingerprint in result['msg']


def test_a_manifest_re_signed_by_another_key_fails_the_pin(capsys, bundle, tmp_path_factory):
    path, fingerprint, manifest, write = bundle
    home = tmp_path_factory.mktemp('other')
    os.chmod(str(home), 0o700)
    gpg(home, '--passphrase', '', '--quick-gen-key', 'mallory', 'ed25519', 'sign', 'never')
    other = primary_fingerprints(gpg(home, '--with-colons', '--list-keys'))[0]
    gpg(home, '--yes', '--export', '-o', str(path / 'key.gpg'), other)
    data = dict(manifest, key={'fingerprint': other, 'file': 'key.gpg'},
                files=dict(manifest['files'], **{'key.gpg': sha((path / 'key.gpg').read_bytes())}))
    (path / 'manifest.json').write_text(json.dumps(data))
    gpg(home, '--yes', '--local-user', other, '--armor', '--detach-sign', '-o', str(path / 'manifest.json.sig'),
        str(path / 'manifest.json'))
    assert run_module(capsys, {'path': str(path)})['valid']
    result = run_module(capsys, {'path': str(path), 'fingerprint': fingerprint})
    assert result['failed'] and 'docker_bundle_fingerprint pins %s' % fingerprint in result['msg']


def test_without_fail_on_error_it_reports_and_lists_what_to_copy(capsys, bundle):
    path, fingerprint, manifest = bundle[:3]
    os.unlink(str(path / DEB))
    want = dict(manifest['files'], **{'manifest.json': sha((path / 'manifest.json').read_bytes())})
    result = run_module(capsys, {'path': str(path), 'want': want, 'fail_on_error': False})
    assert not result.get('failed') and not result['valid'] and result['stale'] == [DEB]


def test_no_manifest_is_a_problem_not_a_crash(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(bundle_verify, 'host_platform', lambda module: dict(HOST))
    result = run_module(capsys, {'path': str(tmp_path / 'none'), 'want': {'manifest.json': 'x'}, 'fail_on_error': False})
    assert not result['valid'] and 'cannot be read as JSON' in result['problems'][0]
    assert result['stale'] == ['manifest.json']


def test_another_platform_fails_before_anything_is_compared_or_copied(capsys, bundle):
    path = bundle[0]
    result = run_module(capsys, {'path': str(path), 'want': {DEB: 'x' * 64},
                                 'platform': {'distribution': 'rocky', 'release': '9', 'architecture': 'x86_64'}})
    assert result['failed'] and 'nothing was copied or installed' in result['msg']
    assert 'the bundle is for distribution rocky, this host is distribution debian' in result['msg']
    assert result['stale'] == []


def test_with_steps_it_returns_the_docker_result_without_checking_again(capsys, bundle):
    path = bundle[0]
    (path / DEB).write_bytes(b'deb bytez')  # not looked at: the verify step before the package step checked it
    steps = {'key': {'changed': False}, 'source': {'changed': False}, 'service': {'changed': False},
             'install': {'changed': False, 'packages': {'runc': {'before': '1.1.5', 'after': '1.1.5'}}}}
    result = run_module(capsys, {'path': str(path), 'steps': steps})
    assert not result.get('failed') and result['problems'] == []
    assert result['result']['bundle']['id'] == 'docker-debian12-amd64-1' and result['result']['packages'] == {'runc': '1.1.5'}
    assert result['result']['repository'] == 'file:%s/apt' % path and result['result']['changed'] is False
