# -*- coding: utf-8 -*-
"""plugins/module_utils/_files.py on real files: links, FIFOs, devices, relative paths, bytes, URL credentials."""

import json
import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _files
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import UnsafeFileError

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    KIND_WORDS,
    KINDS,
    RELATIVE,
    make_kind,
)

pytestmark = pytest.mark.usefixtures('bounded')


@pytest.mark.parametrize('path', RELATIVE + ('',))
def test_relative_paths_are_refused_naming_path_and_fix(path):
    with pytest.raises(UnsafeFileError) as err:
        _files.resolve_target(path, 'path', '/etc/containerd/config.toml')
    assert 'relative path' in str(err.value) and repr(path) in str(err.value)
    assert 'absolute path such as /etc/containerd/config.toml' in str(err.value)


@pytest.mark.parametrize('kind', KINDS)
def test_resolve_target_refuses_what_is_not_a_regular_file(tmp_path, kind):
    path = make_kind(tmp_path / 'config.toml', kind)
    with pytest.raises(UnsafeFileError) as err:
        _files.resolve_target(path, 'path', '/etc/x', 'config.toml')
    assert path in str(err.value) and KIND_WORDS[kind] in str(err.value)


@pytest.mark.parametrize('kind', ('fifo', 'dir', 'device', 'zero', 'socket'))
def test_read_regular_never_blocks_and_names_the_kind(tmp_path, kind):
    path = make_kind(tmp_path / 'fstab', kind)
    with pytest.raises(UnsafeFileError) as err:
        _files.read_regular(path, option='fstab', what='fstab')
    assert path in str(err.value) and 'regular file' in str(err.value)


@pytest.mark.parametrize('kind', ('fifo', 'dir', 'device', 'zero', 'socket', 'loop'))
def test_look_bytes_is_none_for_anything_but_a_regular_file(tmp_path, kind):
    assert _files.look_bytes(make_kind(tmp_path / 'grubenv', kind)) is None
    assert _files.look_text(str(tmp_path / 'grubenv'), default='') == ''


def test_a_missing_file_is_none_and_a_dangling_link_into_an_existing_directory_is_its_target(tmp_path):
    assert _files.read_regular(str(tmp_path / 'absent')) is None
    os.symlink(str(tmp_path / 'real.toml'), str(tmp_path / 'link.toml'))
    assert _files.resolve_target(str(tmp_path / 'link.toml')) == str(tmp_path / 'real.toml')


def test_a_dangling_link_into_a_missing_directory_is_refused(tmp_path):
    os.symlink(str(tmp_path / 'gone' / 'real.toml'), str(tmp_path / 'link.toml'))
    with pytest.raises(UnsafeFileError, match='whose directory does not exist'):
        _files.resolve_target(str(tmp_path / 'link.toml'))


@pytest.mark.parametrize('hops', [1, 2, 5])
def test_a_chain_of_links_resolves_to_the_file_and_write_atomic_writes_through_it(tmp_path, hops):
    real = tmp_path / 'data' / 'config.toml'
    real.parent.mkdir()
    real.write_text('old\n')
    previous = str(real)
    for hop in range(hops):
        link = str(tmp_path / ('link%d' % hop))
        os.symlink(os.path.relpath(previous, str(tmp_path)) if hop % 2 else previous, link)
        previous = link
    assert _files.resolve_target(previous) == str(real)

    class Module(object):
        @staticmethod
        def atomic_move(src, dest, unsafe_writes=False):
            os.rename(src, dest)

    _files.write_atomic(Module(), previous, 'new\n')
    assert real.read_text() == 'new\n' and os.path.islink(previous)
    assert sorted(os.listdir(str(real.parent))) == ['config.toml']


def test_read_regular_reads_at_most_the_limit(tmp_path):
    path = tmp_path / 'big'
    path.write_bytes(b'x' * 5000)
    assert len(_files.read_regular(str(path), limit=100)) == 100
    assert len(_files.read_regular(str(path))) == 5000


@pytest.mark.parametrize('value, shown', [
    ('plain', 'plain'),
    (b'caf\xe9'.decode('utf-8', 'surrogateescape'), 'caf\ufffd'),
    (b'\xff\xfe'.decode('utf-8', 'surrogateescape'), '\ufffd\ufffd'),
    (b'caf\xe9', 'caf\ufffd'),
    ({'k': b'\xe9'.decode('utf-8', 'surrogateescape')}, {'k': '\ufffd'}),
    ([b'\xc3'.decode('utf-8', 'surrogateescape'), 1, None], ['\ufffd', 1, None]),
    ('\u00e9t\u00e9', '\u00e9t\u00e9'),
])
def test_printable_makes_results_valid_utf8(value, shown):
    assert _files.printable(value) == shown
    json.dumps(_files.printable(value), ensure_ascii=False).encode('utf-8')


@pytest.mark.parametrize('text, masked, secret', [
    ('Environment="HTTP_PROXY=http://bob:s3cret@proxy:3128"', 'Environment="HTTP_PROXY=http://bob:****@proxy:3128"',
     's3cret'),
    ('https://user:tok_en-1@download.example/key', 'https://user:****@download.example/key', 'tok_en-1'),
    ('https://ghp_TOKEN123@example/key', 'https://****@example/key', 'ghp_TOKEN123'),
    ('a http://x:p1@h b https://y:p2@k', 'a http://x:****@h b https://y:****@k', 'p2'),
    ('socks5://u:p%40ss@h:1080', 'socks5://u:****@h:1080', 'p%40ss'),
    ('no credentials http://host/path@x', 'no credentials http://host/path@x', None),
    ('mail bob@example.com', 'mail bob@example.com', None),
])
def test_mask_userinfo(text, masked, secret):
    assert _files.mask_userinfo(text) == masked
    if secret:
        assert secret in _files.userinfo_secrets(text) and secret not in _files.mask_userinfo(text)


@pytest.mark.parametrize('data, bad', [
    (b'ok\n', None), (b'# caf\xe9\n', (5, 1, 0xe9)), (b'a\nb\n\xff', (4, 3, 0xff)), (b'\xef\xbb\xbfok', None),
    (b'\xe2\x82', (0, 1, 0xe2)),
])
def test_first_bad_byte(data, bad):
    assert _files.first_bad_byte(data) == bad


class _Mover(object):
    @staticmethod
    def atomic_move(src, dest, unsafe_writes=False):
        os.rename(src, dest)


@pytest.mark.parametrize('kind', ['device', 'zero', 'fifo', 'dir', 'loop', 'socket'])
def test_write_atomic_never_replaces_what_a_path_or_its_link_names_if_not_a_file(tmp_path, kind):
    path = make_kind(tmp_path / 'k8s.conf', kind)
    with pytest.raises(UnsafeFileError) as err:
        _files.write_atomic(_Mover(), path, 'net.ipv4.ip_forward = 1\n')
    assert path in str(err.value) and 'refusing to replace it' in str(err.value)
    assert os.path.exists('/dev/null') and not os.path.isfile('/dev/null')
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith('.k8s.conf.')]


def test_text_secrets_finds_url_userinfo_and_repo_passwords():
    text = ('baseurl=https://ci:t0k@mirror.example/x\ngpgkey=https://only-token@mirror.example/gpg\n'
            'password = p w\nPROXY_PASSWORD=pr0xy\nusername=ci\n#password is set below\n')
    assert sorted(_files.text_secrets(text)) == sorted(['t0k', 'only-token', 'p w', 'pr0xy'])
    assert _files.text_secrets(None) == []


def test_mask_replaces_every_secret_in_nested_values_longest_first():
    value = {'a': ['x ab abc', {'b': 'abc'}], 'n': 3}
    assert _files.mask(value, ['ab', 'abc']) == {'a': ['x **** ****', {'b': '****'}], 'n': 3}
    assert _files.mask('same', []) == 'same'
