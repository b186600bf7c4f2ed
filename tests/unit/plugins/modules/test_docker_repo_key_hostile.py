# -*- coding: utf-8 -*-
"""docker_repo_key under hostile input (issue 27), with keys made by gpg in the test: a file holding another key
too, a secret-key export, binary and armoured keys against .asc and .gpg names, an expired key, a token in the
URL, relative, linked and odd destinations."""

import os
import shutil

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    RepoKeyError,
    decide,
    is_armored,
    parse_keys,
    wanted_form,
)
from ansible_collections.fleetops.docker_host.plugins.modules import docker_repo_key

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    KIND_WORDS,
    KINDS,
    Keys,
    files_in,
    make_kind,
    needs_gpg,
    runner,
)
from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import needs_module_testing

run = runner(docker_repo_key)
module_level = [needs_module_testing, needs_gpg]

pytestmark = pytest.mark.usefixtures('bounded')


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    if shutil.which('gpg') is None:
        pytest.skip('needs gpg')
    made = Keys(tmp_path_factory.mktemp('gnupg'))
    made.good = made.make('docker')
    made.other = made.make('intruder')
    made.old = made.make('expired', expire='1d', faked_time='20200101T000000')
    made.dir = tmp_path_factory.mktemp('keys')

    def write(name, data):
        path = made.dir / name
        path.write_bytes(data)
        return 'file://%s' % path
    made.write = write
    return made


# ------------------------------------------------------------------------------------------------ pure decisions

COLONS_TWO = '''pub:-:255:22:AAAA:1700000000:::-:::scSC:::::ed25519:::0:
fpr:::::::::%s:
uid:-::::1700000000::X::a <a@x>::::::::::0:
sub:-:255:18:BBBB:1700000000::::::e:::::cv25519::
fpr:::::::::%s:
pub:-:255:22:CCCC:1700000000:1700000100::-:::scSC:::::ed25519:::0:
fpr:::::::::%s:
''' % ('A' * 40, 'B' * 40, 'C' * 40)


def test_parse_keys_reads_primary_keys_only():
    keys = parse_keys(COLONS_TWO)
    assert [key['fingerprint'] for key in keys] == ['A' * 40, 'C' * 40]
    assert keys[0]['expires'] is None and keys[1]['expires'] == 1700000100
    assert not any(key['secret'] for key in keys)


@pytest.mark.parametrize('dest, form', [
    ('/etc/apt/keyrings/docker.asc', 'armor'), ('/etc/apt/keyrings/docker.ASC', 'armor'),
    ('/etc/apt/keyrings/docker.gpg', 'binary'), ('/usr/share/keyrings/docker.key', None), ('/k', None),
    # rpm reads armoured keys only: EL's docker-ce.gpg stays armoured (el_userland imported it with rpm_key).
    ('/etc/pki/rpm-gpg/docker-ce.gpg', 'armor'), ('/etc/pki/rpm-gpg/RPM-GPG-KEY-elrepo', 'armor'),
])
def test_wanted_form(dest, form):
    assert wanted_form(dest) == form


@pytest.mark.parametrize('data, armored', [
    (b'-----BEGIN PGP PUBLIC KEY BLOCK-----\n', True), (b'\n  -----BEGIN PGP PUBLIC KEY BLOCK-----', True),
    (b'\x99\x01\x0d', False), (b'', False), (b'-----BEGIN PGP PRIVATE KEY BLOCK-----', False),
])
def test_is_armored(data, armored):
    assert is_armored(data) is armored


def test_decide_refuses_a_secret_key_naming_url_dest_and_fix():
    keys = [{'fingerprint': 'A' * 40, 'secret': True, 'validity': '-', 'expires': None}]
    with pytest.raises(RepoKeyError) as err:
        decide(keys, 'A' * 40, b'', '/etc/apt/keyrings/d.asc', 'https://x/key')
    assert 'https://x/key' in str(err.value) and '/etc/apt/keyrings/d.asc' in str(err.value)
    assert 'secret-key export' in str(err.value) and '--export' in str(err.value)


@pytest.mark.parametrize('expires, validity, expired', [
    (None, '-', False), (1000, '-', True), (4102444800, '-', False), (4102444800, 'e', True), (None, 'e', True),
])
def test_decide_on_expiry(expires, validity, expired):
    keys = [{'fingerprint': 'A' * 40, 'secret': False, 'validity': validity, 'expires': expires}]
    plan = decide(keys, 'A' * 40, b'-----BEGIN PGP PUBLIC KEY BLOCK-----', '/k.asc', 'u', now=2000000000)
    assert plan['expired'] is expired and bool(plan['warnings']) is expired
    assert plan['export'] is None


# ------------------------------------------------------------------------------------------------ with gpg

@pytest.mark.parametrize('dest_name', ['docker.asc', 'docker.gpg', 'docker.key'])
@pytest.mark.parametrize('armor_order', [(True, 'expected-first'), (True, 'other-first'), (False, 'expected-first'),
                                         (False, 'other-first')])
def test_a_file_with_another_key_installs_only_the_expected_one(keys, tmp_path, capsys, dest_name, armor_order):
    pytestmark_apply()
    armor, order = armor_order
    pair = (keys.good, keys.other) if order == 'expected-first' else (keys.other, keys.good)
    url = keys.write('two-%s-%s' % (armor, order), keys.export(*pair, armor=armor))
    dest = tmp_path / dest_name
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(dest), 'mode': '0644'})
    assert not result.get('failed'), result.get('msg')
    assert sorted(result['fingerprints']) == sorted([keys.good, keys.other])
    assert keys.fingerprints_in(dest) == [keys.good]
    assert keys.other not in str(dest.read_bytes()) and any('only %s' % keys.good in note for note in result['notes'])
    assert run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(dest), 'mode': '0644'})['changed'] is False


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('dest_name', ['docker.asc', 'docker.gpg', 'docker'])
def test_a_secret_key_export_is_refused_and_nothing_installed(keys, tmp_path, capsys, dest_name, check_mode):
    pytestmark_apply()
    url = keys.write('secret.asc', keys.export_secret(keys.good))
    dest = tmp_path / dest_name
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(dest)}, check_mode=check_mode)
    assert result['failed'] and 'secret-key export' in result['msg'] and url in result['msg']
    assert str(dest) in result['msg'] and files_in(tmp_path) == []
    assert 'PRIVATE KEY' not in str(result)


@pytest.mark.parametrize('case', [
    ('docker.asc', False, True), ('docker.asc', True, True), ('docker.gpg', True, False),
    ('docker.gpg', False, False), ('docker.key', True, True), ('docker.key', False, False),
])
def test_the_key_is_installed_in_the_form_apt_reads_for_the_name(keys, tmp_path, capsys, case):
    pytestmark_apply()
    dest_name, source_armored, installed_armored = case
    url = keys.write('one-%s' % source_armored, keys.export(keys.good, armor=source_armored))
    dest = tmp_path / dest_name
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(dest), 'mode': '0644'})
    assert result['changed'] and is_armored(dest.read_bytes()) is installed_armored
    assert keys.fingerprints_in(dest) == [keys.good]
    assert bool(result['notes']) is (source_armored != installed_armored)
    assert run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(dest), 'mode': '0644'})['changed'] is False


def test_an_expired_key_is_installed_with_a_warning(keys, tmp_path, capsys, warned):
    pytestmark_apply()
    url = keys.write('old.asc', keys.export(keys.old))
    dest = tmp_path / 'old.asc'
    result = run(capsys, {'url': url, 'fingerprint': keys.old, 'dest': str(dest)})
    assert result['changed'] and result['expired'] is True and result['expires'] < 1600000000
    assert any('expired on 2020-01-02' in warning and keys.old in warning for warning in warned)
    assert run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(tmp_path / 'new.asc')})['failed']


def test_a_current_key_is_not_expired(keys, tmp_path, capsys, warned):
    pytestmark_apply()
    url = keys.write('good.asc', keys.export(keys.good))
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(tmp_path / 'k.asc')})
    # (warnings of earlier in-process runs may linger in ansible's global list: look for this key's only)
    assert result['expired'] is False and not [text for text in warned if keys.good in text]


@pytest.mark.parametrize('url', [
    'https://robot:gh-T0KEN-s3cr3t@127.0.0.1:9/linux/debian/gpg',
    'https://gh-T0KEN-s3cr3t@127.0.0.1:9/gpg',
    'http://user:gh-T0KEN-s3cr3t@127.0.0.1:9/gpg',
    'ftp://user:gh-T0KEN-s3cr3t@127.0.0.1:9/gpg',
    'file://user:gh-T0KEN-s3cr3t@/nonexistent/gpg',
])
def test_a_token_in_the_url_never_shows(tmp_path, capsys, url):
    pytestmark_apply(gpg=False)
    result = run(capsys, {'url': url, 'fingerprint': 'A' * 40, 'dest': str(tmp_path / 'k.asc'), 'timeout': 2},
                 diff=True, secrets=['gh-T0KEN-s3cr3t'])
    assert result['failed'] and '****' in result['msg'] and '****' in result['url']


def test_a_token_in_the_url_is_masked_on_success_and_in_the_diff(keys, tmp_path, capsys, monkeypatch):
    pytestmark_apply()
    data = keys.export(keys.good)
    monkeypatch.setattr(docker_repo_key, 'download', lambda module, url, shown, secrets: data)
    url = 'https://robot:gh-T0KEN-s3cr3t@download.example/gpg'
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(tmp_path / 'k.asc')}, diff=True,
                 secrets=['gh-T0KEN-s3cr3t'])
    assert result['changed'] and result['url'] == 'https://robot:****@download.example/gpg'
    assert result['diff']['after_header'] == result['url']


@pytest.mark.parametrize('dest', ['docker.asc', './docker.asc', 'keyrings/docker.asc', '../docker.asc'])
def test_a_relative_dest_is_refused(keys, tmp_path, capsys, monkeypatch, dest):
    pytestmark_apply()
    monkeypatch.chdir(str(tmp_path))
    url = keys.write('good.asc', keys.export(keys.good))
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': dest})
    assert result['failed'] and 'relative path' in result['msg'] and dest in result['msg']
    assert '/etc/apt/keyrings/docker.asc' in result['msg'] and files_in(tmp_path) == []


@pytest.mark.parametrize('kind', KINDS)
def test_a_dest_that_is_not_a_regular_file_is_refused(keys, tmp_path, capsys, kind):
    pytestmark_apply()
    dest = make_kind(tmp_path / 'docker.asc', kind)
    url = keys.write('good.asc', keys.export(keys.good))
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': dest})
    assert result['failed'] and dest in result['msg'] and KIND_WORDS[kind] in result['msg']


@pytest.mark.parametrize('kind', ['fifo', 'dir', 'device', 'zero', 'socket'])
def test_a_file_url_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path, capsys, kind):
    pytestmark_apply(gpg=False)
    source = make_kind(tmp_path / 'gpg', kind)
    result = run(capsys, {'url': 'file://' + source, 'fingerprint': 'A' * 40, 'dest': str(tmp_path / 'k.asc')})
    assert result['failed'] and source in result['msg'] and not os.path.exists(str(tmp_path / 'k.asc'))


def test_a_symlinked_dest_is_written_through(keys, tmp_path, capsys):
    pytestmark_apply()
    real = tmp_path / 'keyrings' / 'docker.asc'
    real.parent.mkdir()
    real.write_bytes(b'old')
    link = tmp_path / 'docker.asc'
    os.symlink(str(real), str(link))
    url = keys.write('good.asc', keys.export(keys.good))
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(link), 'mode': '0644'})
    assert result['changed'] and result['target'] == str(real) and os.path.islink(str(link))
    assert keys.fingerprints_in(real) == [keys.good] and files_in(real.parent) == ['docker.asc']


def test_junk_instead_of_a_key_fails_naming_the_url(tmp_path, capsys, keys):
    pytestmark_apply()
    url = keys.write('junk', b'\x00\xff<html>not a key</html>\xe9')
    result = run(capsys, {'url': url, 'fingerprint': keys.good, 'dest': str(tmp_path / 'k.asc')})
    assert result['failed'] and url in result['msg'] and 'none (gpg read no key)' in result['msg']


def pytestmark_apply(gpg=True):
    """Module-level cases need ansible.module_utils.testing (2.19+) and, most of them, gpg."""
    for mark in (module_level if gpg else module_level[:1]):
        if mark.args[0]:
            pytest.skip(mark.kwargs.get('reason', 'skipped'))


@pytest.mark.parametrize('url', ['file://key.asc', 'file://./key.asc', 'file://../keys/key.asc', 'file://'])
def test_a_relative_file_url_is_refused(tmp_path, capsys, monkeypatch, url):
    pytestmark_apply(gpg=False)
    monkeypatch.chdir(str(tmp_path))
    (tmp_path / 'key.asc').write_bytes(b'-----BEGIN PGP PUBLIC KEY BLOCK-----\n')
    result = run(capsys, {'url': url, 'fingerprint': 'A' * 40, 'dest': str(tmp_path / 'k.asc')})
    assert result['failed'] and 'absolute file' in result['msg'] and url in result['msg']
    assert 'file:///absolute/path/to/key' in result['msg'] and not os.path.exists(str(tmp_path / 'k.asc'))
