# -*- coding: utf-8 -*-
"""_containerd's TOML reader and editor: the reader agrees with Python's tomllib, and the editor changes one value and nothing else."""

import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import (
    TomlError,
    format_value,
    loads,
    parse,
    set_value,
)

tomllib = pytest.importorskip('tomllib')
FIXTURES = pathlib.Path(__file__).parent / 'fixtures'


@pytest.mark.parametrize('name', ['containerd-1.6-default.toml', 'containerd.io-config.toml'])
def test_reads_containerds_files_as_tomllib_does(name):
    text = (FIXTURES / name).read_text()
    assert loads(text) == tomllib.loads(text)


SAMPLES = [
    'a = 1\nb = "x"\n',
    "s = 'lit\\eral'\nt = \"esc \\\"q\\\" \\u00e9 \\t\"\n",
    'ml = """\nline1\nline2\\\n   joined"""\nml2 = \'\'\'\nraw \\n\'\'\'\n',
    'n = [1, 2,\n  3, # comment\n]\nm = []\nnested = [[1, 2], ["a"]]\n',
    'x = { a = 1, "b c" = "d", e.f = true }\n',
    '[t]\nk = 1\n[t.u]\nk = 2\n[[arr]]\nv = 1\n[[arr]]\nv = 2\n',
    'a.b.c = 1\na.b.d = 2\n"q.k" = 3\n',
    'hex = 0xff\noct = 0o17\nbin = 0b101\nbig = 1_000\nf = 1.5e3\ng = -0.5\ninf1 = inf\n',
    'd = 1979-05-27T07:32:00Z\nday = 1979-05-27\n',
    '[a]\n[a.b]\nc = 1\n[a.d]\n',
    '  [ "quoted table" . sub ]  # c\n  key = false\n',
    'a = 1\r\nb = 2\r\n',
]


@pytest.mark.parametrize('text', SAMPLES)
def test_samples_as_tomllib(text):
    expected = tomllib.loads(text)
    got = loads(text)
    # tomllib gives datetimes; the reader keeps them as their text.
    for key in ('d', 'day'):
        if key in expected:
            expected[key] = str(expected[key]).replace(' ', 'T').replace('+00:00', 'Z')
    assert got == expected


@pytest.mark.parametrize('text, message', [
    ('a = 1\na = 2\n', 'line 2: the key a is defined twice'),
    ('[t]\n[t]\n', 'line 2: the table [t] is defined twice'),
    ('a = \n', 'line 1: expected a value'),
    ('a = 1 b = 2\n', "line 1: unexpected 'b'"),
    ('a = "open\n', 'line 1: unterminated string'),
    ('a = [1, 2\n', 'line 2: expected "," or "]"'),
    ('= 1\n', 'line 1: expected a key'),
    ('a = 1\n[a.b]\n', 'line 2: a is a value, not a table'),
    ('x = {a = 1}\n[x.b]\n', 'line 2: x is a value, not a table'),
    ('a = nope\n', "line 1: not a TOML value: 'nope'"),
    ('a = "\\q"\n', 'line 1: bad escape'),
])
def test_bad_toml_names_the_line(text, message):
    with pytest.raises(TomlError) as err:
        loads(text)
    assert str(err.value).startswith(message), str(err.value)


def test_set_value_replaces_in_place_and_keeps_comments():
    text = '# head\n[t]\n  a = 1  # why\n  b = "x"\n'
    assert set_value(text, ('t',), 'a', 2) == '# head\n[t]\n  a = 2  # why\n  b = "x"\n'


def test_set_value_adds_to_the_end_of_its_table_with_its_indentation():
    text = '[t]\n    a = 1\n\n[u]\nb = 2\n'
    assert set_value(text, ('t',), 'c', True) == '[t]\n    a = 1\n    c = true\n\n[u]\nb = 2\n'


def test_set_value_appends_a_missing_table():
    assert set_value('a = 1\n', ('p', 'q.r'), 'k', 'v') == 'a = 1\n\n[p."q.r"]\n  k = "v"\n'
    assert set_value('', ('p',), 'k', 1) == '[p]\n  k = 1\n'


def test_top_level_keys_go_before_the_first_table():
    text = '# c\n\n[t]\na = 1\n'
    new = set_value(text, (), 'version', 2)
    assert new == 'version = 2\n# c\n\n[t]\na = 1\n' or tomllib.loads(new) == {'version': 2, 't': {'a': 1}}
    assert tomllib.loads(new) == {'version': 2, 't': {'a': 1}}
    assert set_value('x = 1\n\n[t]\n', (), 'y', 2) == 'x = 1\ny = 2\n\n[t]\n'


def test_set_value_in_an_inline_table_and_a_dotted_key():
    assert set_value('o = { a = false }\n', ('o',), 'a', True) == 'o = { a = true }\n'
    assert set_value('[t]\nx.y = 1\n', ('t', 'x'), 'y', 5) == '[t]\nx.y = 5\n'


@pytest.mark.parametrize('text, table, key, message', [
    ('o = { a = 1 }\n', ('o',), 'b', 'o is an inline table or array'),
    ('[t]\nx.y = 1\n', ('t', 'x'), 'z', 't.x is defined by dotted keys'),
    ('o = 1\n', ('o',), 'b', 'o is a value'),
    ('[o]\n', (), 'o', 'o is a table (or array of tables), not a value'),
    ('[[o]]\na = 1\n', ('o',), 'b', 'o is an inline table or array'),
])
def test_set_value_refuses_what_it_cannot_extend(text, table, key, message):
    with pytest.raises(TomlError) as err:
        set_value(text, table, key, 1)
    assert message in str(err.value)


def test_set_value_of_the_same_value_returns_the_text_unchanged():
    text = '[t]\n  a   =   true\n'
    assert set_value(text, ('t',), 'a', True) is text
    # 1 == True in Python, not in TOML: the type counts.
    assert set_value('[t]\na = 1\n', ('t',), 'a', True) == '[t]\na = true\n'


def test_format_value():
    assert format_value(['a', 1, True, 1.5, {'k': 'v'}]) == '["a", 1, true, 1.5, { k = "v" }]'
    assert format_value('tab\t"q"') == '"tab\\t\\"q\\""'
    with pytest.raises(TomlError):
        format_value(None)


def test_document_records_spans():
    doc = parse('[t]\na = [1,\n 2]\n')
    spot = doc.values[('t', 'a')]
    assert doc.text[spot['start']:spot['end']] == '[1,\n 2]'


# Property: any edit of a generated file reads back (by tomllib) with the new value and every other value as it was.
KEYS = st.from_regex(r'[a-z][a-z0-9_]{0,5}|"[a-z .]{1,6}"', fullmatch=True)
SCALARS = st.one_of(st.booleans(), st.integers(-10 ** 6, 10 ** 6), st.text(max_size=8),
                    st.lists(st.integers(0, 9), max_size=3))


def _key_name(key):
    return key[1:-1] if key.startswith('"') else key


@st.composite
def documents(draw):
    tables = draw(st.dictionaries(KEYS, st.dictionaries(KEYS, SCALARS, max_size=4), max_size=4))
    top = draw(st.dictionaries(KEYS, SCALARS, max_size=3))
    top = dict((k, v) for k, v in top.items() if _key_name(k) not in [_key_name(t) for t in tables])
    lines = ['# generated']
    for key, value in top.items():
        lines.append('%s = %s' % (key, format_value(value)))
    for table, body in tables.items():
        lines.append('')
        lines.append('[%s]  # table' % table)
        for key, value in body.items():
            lines.append('  %s = %s' % (key, format_value(value)))
    return '\n'.join(lines) + '\n'


@settings(max_examples=150, deadline=None)
@given(documents(), st.lists(KEYS, min_size=0, max_size=2), KEYS, SCALARS)
def test_edit_property(text, table, key, value):
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # the generator made duplicate keys (quoted and bare spellings of one name)
    assert loads(text) == before
    table = tuple(_key_name(part) for part in table)
    key = _key_name(key)
    try:
        new = set_value(text, table, key, value)
    except TomlError as exc:
        assert 'by hand' in str(exc), exc
        return
    after = tomllib.loads(new)
    node = after
    for part in table:
        node = node[part]
    assert node[key] == value
    # Everything else is as it was.
    node_before = before
    for part in table:
        node_before = node_before.setdefault(part, {}) if isinstance(node_before, dict) else {}
    if isinstance(node_before, dict):
        node_before[key] = value
    assert after == before
