# -*- coding: utf-8 -*-
"""_containerd (config.toml and its TOML reader) under hostile input (issue 27): a byte order mark, nesting thousands deep, registry
credentials found and masked, the runtime the pods use."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _containerd as c

pytestmark = pytest.mark.usefixtures('bounded')


BOM = '\ufeff'


@pytest.mark.parametrize('text, table, key, value, expected', [
    ('a = 1\n', (), 'a', 2, 'a = 2\n'),
    ('version = 2\n[t]\n  x = "old"\n', ('t',), 'x', 'new', 'version = 2\n[t]\n  x = "new"\n'),
    ('[t]\n  x = 1\n', ('t',), 'y', True, '[t]\n  x = 1\n  y = true\n'),
    ('', ('t', 'u'), 'k', 'v', '[t.u]\n  k = "v"\n'),
    ('# c\n', (), 'version', 2, '# c\nversion = 2\n'),
])
def test_set_value_after_a_byte_order_mark_edits_the_same_place(text, table, key, value, expected):
    plain = c.set_value(text, table, key, value)
    with_bom = c.set_value(BOM + text, table, key, value)
    assert with_bom == BOM + plain
    assert c.loads(with_bom) == c.loads(plain)
    assert plain == expected


@pytest.mark.parametrize('depth, ok', [(10, True), (99, True), (100, True), (101, False), (5000, False)])
def test_array_depth_is_bounded(depth, ok):
    text = 'a = ' + '[' * depth + ']' * depth + '\n'
    if ok:
        assert c.loads(text)['a'] is not None
    else:
        with pytest.raises(c.TomlError, match='nested more than 100 deep'):
            c.loads(text)


@pytest.mark.parametrize('text', [
    'a = ' + '{ b = ' * 2000 + '1' + ' }' * 2000,
    '.'.join(['k'] * 2000) + ' = 1',
    '[' + '.'.join(['k'] * 2000) + ']',
    '[[' + '.'.join(['k'] * 2000) + ']]',
    'x = [' + '{ a = [' * 1000 + ']}' * 1000 + ']',
])
def test_other_deep_documents_are_toml_errors(text):
    with pytest.raises(c.TomlError, match='deep'):
        c.loads(text)


def test_merge_names_the_file_for_a_deep_document():
    with pytest.raises(c.ContainerdConfigError) as err:
        c.merge('a = ' + '[' * 3000, '/etc/containerd/config.toml')
    assert '/etc/containerd/config.toml' in str(err.value) and 'line 1' in str(err.value)


AUTH = '[plugins."io.containerd.grpc.v1.cri".registry.configs."r".auth]\n'


@pytest.mark.parametrize('text, found', [
    (AUTH + '  username = "u"\n  password = "p4ss"\n', ['p4ss', 'u']),
    (AUTH + '  PASSWORD = "upper-case"\n', ['upper-case']),
    (AUTH + '  "password" = "quoted-key"\n', ['quoted-key']),
    (AUTH + '  identitytoken = "idt"\n  auth = "YTpi"\n', ['YTpi', 'idt']),
    ('[x]\n  endpoint = ["https://a:m1rror@h"]\n', ['m1rror']),
    ('[x]\n  Authorization = ["Bearer t0k"]\n', ['Bearer t0k']),
    ('[x]\n  password = 3\n', []),
    ('[x]\n  note = "password = not a secret"\n', []),
    ('version = 2\n', []),
])
def test_secrets_found(text, found):
    assert sorted(c.secrets(c.loads(text))) == sorted(found)


@pytest.mark.parametrize('text, hidden', [
    (AUTH + '  username = "u"\n  password = "p4ss"\n', ['"u"', 'p4ss']),
    (AUTH + "  password = 'lit-secret'\n", ['lit-secret']),
    (AUTH + '  password = "esc\\"aped"\n', ['esc\\"aped']),
    (AUTH + '  password = """multi\nline"""\n', ['multi\nline']),
    ('[x]\n  auth = { username = "u2", password = "inline-pw" }\n', ['inline-pw', '"u2"']),
    ('[x]\n  endpoint = ["https://a:m1rror@h"]\n', ['m1rror']),
    ('[x]\n  Authorization = ["Bearer t0k3n"]\n', ['Bearer t0k3n']),
])
def test_mask_text_hides_every_credential(text, hidden):
    masked = c.mask_text(text, c.secrets(c.loads(text)))
    for secret in hidden:
        assert secret not in masked
    assert '****' in masked


def test_mask_text_leaves_a_file_without_credentials_alone():
    text = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "pause:3.9"\n'
    assert c.mask_text(text, c.secrets(c.loads(text))) == text


@pytest.mark.parametrize('text, default, driver', [
    ('version = 2\n', 'runc', None),
    ('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = ""\n', 'runc', None),
    ('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = 7\n', 'runc', None),
    ('version = 3\n[plugins."io.containerd.cri.v1.runtime".containerd]\n  default_runtime_name = "nvidia"\n'
     '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia.options]\n  SystemdCgroup = true\n',
     'nvidia', 'systemd'),
    ('[plugins.cri.containerd]\n  default_runtime_name = "gpu"\n'
     '[plugins.cri.containerd.runtimes.gpu.options]\n  SystemdCgroup = false\n', 'gpu', 'cgroupfs'),
    ('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "missing"\n',
     'missing', None),
])
def test_summary_reports_the_default_runtime(text, default, driver):
    summary = c.summary(c.loads(text))
    assert summary['default_runtime'] == default and summary['cgroup_driver'] == driver


@pytest.mark.parametrize('text', [
    '[x]\n  token = ""\n', '[x]\n  password = ""\n', 'version = 2\n# password = "example"\n',
])
def test_mask_text_without_credentials_keeps_the_text_byte_for_byte(text):
    assert c.secrets(c.loads(text)) == [] and c.mask_text(text, c.secrets(c.loads(text))) == text
