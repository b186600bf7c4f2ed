# -*- coding: utf-8 -*-
"""docker_engine_info and docker_install_info under hostile input (issue 27): credentials in drop-ins and source
files masked in what the looks return; FIFOs, directories and non-UTF-8 bytes never hang or break a look."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _docker_engine, _docker_install
from ansible_collections.fleetops.docker_host.plugins.modules import docker_install_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    KINDS,
    make_kind,
)

PROXY_DOC = ('[Service]\nEnvironment="HTTP_PROXY=http://%s@proxy.example:3128"\n'
             'Environment="HTTPS_PROXY=https://%s@proxy.example:3129"\n'
             'Environment="NO_PROXY=localhost,127.0.0.1,docker-registry.example.com,.corp"\n')

pytestmark = pytest.mark.usefixtures('bounded')


@pytest.mark.parametrize('userinfo, secret, shown', [
    ('bob:S3cr3t-pw', 'S3cr3t-pw', 'bob:****'),
    ('DOMAIN%5Cbob:p%40ss%3Aword', 'p%40ss%3Aword', 'DOMAIN%5Cbob:****'),
    ('tok3n-only-abc', 'tok3n-only-abc', '****'),
    ('bob:', None, 'bob:****'),
])
def test_a_proxy_dropin_with_credentials_is_returned_masked(tmp_path, userinfo, secret, shown):
    (tmp_path / 'http-proxy.conf').write_text(PROXY_DOC % (userinfo, userinfo))
    dropins = _docker_engine.look_dropins(str(tmp_path), ['http-proxy.conf'])
    content = dropins['http-proxy.conf']['content']
    assert 'http://%s@proxy.example:3128' % shown in content and 'https://%s@proxy.example:3129' % shown in content
    if secret:
        assert secret not in content
    assert 'NO_PROXY=localhost' in content


def test_a_dropin_without_credentials_is_returned_as_it_is(tmp_path):
    text = '[Service]\nEnvironment="HTTP_PROXY=http://proxy.example:3128"\nExecStart=\nExecStart=/usr/bin/dockerd\n'
    (tmp_path / 'http-proxy.conf').write_text(text)
    assert _docker_engine.look_dropins(str(tmp_path), ['http-proxy.conf'])['http-proxy.conf']['content'] == text


@pytest.mark.parametrize('kind', KINDS)
def test_dropins_that_are_not_files_read_as_absent_without_blocking(tmp_path, kind):
    make_kind(tmp_path / 'http-proxy.conf', kind)
    make_kind(tmp_path / 'http-proxy.env', kind)
    dropins = _docker_engine.look_dropins(str(tmp_path), ['http-proxy.conf'], ['http-proxy.env'])
    assert dropins['http-proxy.conf']['exists'] is False and dropins['http-proxy.env']['exists'] is False


def test_a_masked_env_file_gives_its_digest_and_mode_only(tmp_path):
    path = tmp_path / 'http-proxy.env'
    path.write_text('HTTP_PROXY=http://bob:S3cr3t@proxy:3128\n')
    os.chmod(str(path), 0o600)
    dropin = _docker_engine.look_dropins(str(tmp_path), [], ['http-proxy.env'])['http-proxy.env']
    assert dropin['content'] is None and dropin['mode'] == '0600' and len(dropin['sha256']) == 64


@pytest.mark.parametrize('raw', [b'[Service]\n# caf\xe9\n', b'\xff\xfe\x00', b'\xef\xbb\xbf[Service]\n'])
def test_a_dropin_that_is_not_utf8_is_valid_text(tmp_path, raw):
    (tmp_path / 'x.conf').write_bytes(raw)
    content = _docker_engine.look_dropins(str(tmp_path), ['x.conf'])['x.conf']['content']
    content.encode('utf-8')


@pytest.mark.parametrize('kind', KINDS)
def test_install_look_reads_odd_files_as_absent(tmp_path, kind):
    assert docker_install_info.read_text(make_kind(tmp_path / 'versionlock.list', kind)) is None


@pytest.mark.parametrize('kind', KINDS)
def test_gpg_is_never_given_a_fifo_or_a_directory(tmp_path, kind):
    class Module(object):
        @staticmethod
        def get_bin_path(name):
            return '/usr/bin/gpg'

        @staticmethod
        def run_command(*args, **kwargs):
            raise AssertionError('gpg must not be run on %s' % kind)
    assert _docker_install.gpg_fingerprints(Module(), make_kind(tmp_path / 'docker.gpg', kind)) is None
