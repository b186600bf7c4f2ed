# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small TOML reader and an in-place editor, for containerd's config.toml on Python 3.6+ (no tomllib there).

parse(text) reads TOML 1.0 as containerd writes and documents it: tables, arrays of tables, bare, quoted and
dotted keys, basic and literal strings (also multi-line), integers (decimal, hex, octal, binary, with _),
floats, booleans, arrays (multi-line, comments, trailing comma) and inline tables. Dates and times are kept
as their text. Duplicate keys and tables are refused, as TOML refuses them.

set_value(text, table, key, value) changes one value without rewriting the file: the text of the old value is
replaced where it stands (comments, order and indentation stay), a missing key is added at the end of its
table, a missing table is appended. The result is parsed again and must hold the value, or TomlError is
raised: the editor never returns a file that does not read back as intended.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import re

BARE_KEY = re.compile(r'[A-Za-z0-9_-]+')
_NUMBER_CHARS = re.compile(r'[0-9A-Za-z_+\-.:]+')
_INT = re.compile(r'^[+-]?(0|[1-9](_?[0-9])*)$')
_FLOAT = re.compile(r'^[+-]?(0|[1-9](_?[0-9])*)((\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?|[eE][+-]?[0-9](_?[0-9])*)$')
_DATE = re.compile(r'^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?$|^\d{2}:\d{2}:\d{2}(\.\d+)?$')
# Integers with a prefix: hexadecimal, octal, binary (underscores only between digits).
_RADIX_INTS = tuple((re.compile(r'^0%s%s(_?%s)*$' % (prefix, digit, digit)), base)
                    for prefix, digit, base in (('x', '[0-9A-Fa-f]', 16), ('o', '[0-7]', 8), ('b', '[01]', 2)))
_ESCAPES = {'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r', '"': '"', '\\': '\\'}


# Deepest nesting of arrays and inline tables read (containerd's own files nest 2 or 3 deep).
MAX_DEPTH = 100
BOM = '\ufeff'


class TomlError(Exception):
    """The text is not TOML this reader understands, or an edit cannot be made: the message says where."""


class Document(object):
    """What parse() returns: the data, and where each value and table stands in the text."""

    def __init__(self, text):
        self.text = text
        self.data = {}
        # key path (tuple) -> {'start', 'end' (value's character span), 'line_end' (index after the statement's
        # line), 'table' (the path of the table header it is under), 'inline' (inside an inline table)}
        self.values = {}
        # table path -> {'header': True when it has its own [header], 'kind': 'header' | 'implicit' | 'dotted' |
        # 'inline' | 'array', 'body_end': index after the last line of its body (header tables)}
        self.tables = {(): {'kind': 'header', 'header': True, 'body_end': None, 'first_header': None}}

    def get(self, path, default=None):
        node = self.data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


class _Parser(object):
    def __init__(self, text):
        if text.startswith(BOM):
            text = text[len(BOM):]
        self.s = text
        self.i = 0
        self.n = len(text)
        self.depth = 0
        self.doc = Document(text)

    # -- helpers -------------------------------------------------------------------------------------------
    def error(self, message, position=None):
        position = self.i if position is None else position
        line = self.s.count('\n', 0, position) + 1
        return TomlError('line %d: %s' % (line, message))

    def peek(self, length=1):
        return self.s[self.i:self.i + length]

    def skip_ws(self):
        while self.i < self.n and self.s[self.i] in ' \t':
            self.i += 1

    def skip_comment(self):
        if self.peek() == '#':
            while self.i < self.n and self.s[self.i] != '\n':
                self.i += 1

    def skip_ws_newlines_comments(self):
        while self.i < self.n:
            char = self.s[self.i]
            if char in ' \t\r\n':
                self.i += 1
            elif char == '#':
                self.skip_comment()
            else:
                break

    def found(self):
        """What stands at the position, for an error message."""
        return self.peek() or 'end of file'

    def skip_newline(self):
        """Step over one line break (LF or CRLF) at the position; whether there was one."""
        for newline in ('\r\n', '\n'):
            if self.s.startswith(newline, self.i):
                self.i += len(newline)
                return True
        return False

    def end_of_line(self):
        """After a statement: only blanks and a comment may follow on the line."""
        self.skip_ws()
        self.skip_comment()
        if not self.skip_newline() and self.i < self.n:
            raise self.error('unexpected %r after the value; one key = value (or [table]) per line' % self.peek())

    # -- keys ----------------------------------------------------------------------------------------------
    def quoted(self):
        """The basic or literal string at the position (a key part or a value)."""
        return self.basic_string() if self.peek() == '"' else self.literal_string()

    def key_part(self):
        if self.peek() in ('"', "'"):
            return self.quoted()
        match = BARE_KEY.match(self.s, self.i)
        if not match:
            raise self.error('expected a key, found %r' % self.found())
        self.i = match.end()
        return match.group(0)

    def key_and_equals(self):
        """A key path and the `=` after it (blanks around it skipped)."""
        key = self.key_path()
        self.skip_ws()
        if self.peek() != '=':
            raise self.error('expected "=" after the key %s' % '.'.join(key))
        self.i += 1
        self.skip_ws()
        return key

    def key_path(self):
        parts = [self.key_part()]
        while True:
            self.skip_ws()
            if self.peek() != '.':
                return tuple(parts)
            self.i += 1
            self.skip_ws()
            parts.append(self.key_part())

    # -- strings -------------------------------------------------------------------------------------------
    def basic_string(self):
        start = self.i
        self.i += 1
        out = []
        while True:
            if self.i >= self.n or self.s[self.i] == '\n':
                raise self.error('unterminated string', start)
            char = self.s[self.i]
            if char == '"':
                self.i += 1
                return ''.join(out)
            if char == '\\':
                out.append(self.escape())
                continue
            out.append(char)
            self.i += 1

    def escape(self):
        code = self.s[self.i + 1:self.i + 2]
        if code in _ESCAPES:
            self.i += 2
            return _ESCAPES[code]
        if code in ('u', 'U'):
            width = 4 if code == 'u' else 8
            digits = self.s[self.i + 2:self.i + 2 + width]
            if len(digits) != width or not re.match(r'^[0-9A-Fa-f]+$', digits):
                raise self.error('bad unicode escape \\%s%s' % (code, digits))
            self.i += 2 + width
            return chr(int(digits, 16))
        raise self.error('bad escape \\%s' % code)

    def literal_string(self):
        start = self.i
        end = self.s.find("'", self.i + 1)
        newline = self.s.find('\n', self.i + 1)
        if end < 0 or (0 <= newline < end):
            raise self.error('unterminated string', start)
        self.i = end + 1
        return self.s[start + 1:end]

    def multiline_string(self, quote):
        start = self.i
        self.i += 3
        self.skip_newline()  # a line break right after the opening quotes is not part of the string
        out = []
        while True:
            if self.i >= self.n:
                raise self.error('unterminated multi-line string', start)
            if self.s.startswith(quote * 3, self.i):
                # Up to two quotes right before the closing three belong to the string.
                extra = 0
                while extra < 2 and self.s.startswith(quote, self.i + 3 + extra):
                    extra += 1
                out.append(quote * extra)
                self.i += 3 + extra
                return ''.join(out)
            char = self.s[self.i]
            if quote == '"' and char == '\\':
                after = re.match(r'\\[ \t]*\r?\n[ \t\r\n]*', self.s[self.i:])
                if after:
                    self.i += after.end()
                    continue
                out.append(self.escape())
                continue
            out.append(char)
            self.i += 1

    # -- values --------------------------------------------------------------------------------------------
    def value(self, path, inline_values):
        char = self.peek()
        if char in ('"', "'"):
            return self.multiline_string(char) if self.s.startswith(char * 3, self.i) else self.quoted()
        if char in ('[', '{'):
            # Arrays and inline tables nest by recursion: a file nested thousands deep gets a message, not
            # Python's "maximum recursion depth exceeded".
            if self.depth >= MAX_DEPTH:
                raise self.error('values nested more than %d deep (arrays or inline tables); no containerd setting '
                                 'nests so deep, the file is damaged' % MAX_DEPTH)
            self.depth += 1
            try:
                if char == '[':
                    return self.array(path, inline_values)
                return self.inline_table(path, inline_values)
            finally:
                self.depth -= 1
        for word, result in (('true', True), ('false', False)):
            if self.s.startswith(word, self.i) and not BARE_KEY.match(self.s[self.i + len(word):self.i + len(word) + 1]):
                self.i += len(word)
                return result
        match = _NUMBER_CHARS.match(self.s, self.i)
        if not match:
            raise self.error('expected a value, found %r' % self.found())
        word = match.group(0)
        # A date-time with a space between date and time.
        if re.match(r'^\d{4}-\d{2}-\d{2}$', word):
            more = re.match(r' \d{2}:\d{2}:\d{2}[0-9A-Za-z_+\-.:]*', self.s[match.end():])
            if more:
                word += more.group(0)
        self.i = match.start() + len(word)
        return self.scalar(word, match.start())

    def scalar(self, word, position):
        text = word.replace('_', '') if '_' in word else word
        try:
            if _INT.match(word):
                return int(text)
            for pattern, base in _RADIX_INTS:
                if pattern.match(word):
                    return int(text[2:], base)
            if _FLOAT.match(word):
                return float(text)
        except ValueError:
            pass
        if word in ('inf', '+inf', '-inf', 'nan', '+nan', '-nan'):
            return float(word)
        if _DATE.match(word):
            return word
        raise self.error('not a TOML value: %r' % word, position)

    def array(self, path, inline_values):
        self.i += 1
        items = []
        while True:
            self.skip_ws_newlines_comments()
            if self.peek() == ']':
                self.i += 1
                return items
            items.append(self.value(path + (len(items),), inline_values))
            self.skip_ws_newlines_comments()
            if self.peek() == ',':
                self.i += 1
            elif self.peek() != ']':
                raise self.error('expected "," or "]" in the array, found %r' % self.found())

    def inline_table(self, path, inline_values):
        self.i += 1
        table = {}
        self.skip_ws_newlines_comments()
        if self.peek() == '}':
            self.i += 1
            return table
        while True:
            self.skip_ws_newlines_comments()
            key = self.key_and_equals()
            start = self.i
            item = self.value(path + key, inline_values)
            _store(table, key, item, self.error)
            inline_values[path + key] = (start, self.i)
            self.skip_ws_newlines_comments()
            if self.peek() == ',':
                self.i += 1
            elif self.peek() == '}':
                self.i += 1
                return table
            else:
                raise self.error('expected "," or "}" in the inline table, found %r' % self.found())

    # -- statements ----------------------------------------------------------------------------------------
    def parse(self):
        doc = self.doc
        current, current_path = doc.data, ()
        while True:
            self.skip_ws_newlines_comments()
            if self.i >= self.n:
                break
            line_start = self.s.rfind('\n', 0, self.i) + 1
            if self.peek() == '[':
                is_array = self.peek(2) == '[['
                self.i += 2 if is_array else 1
                self.skip_ws()
                path = self.key_path()
                self.skip_ws()
                closing = ']]' if is_array else ']'
                if not self.s.startswith(closing, self.i):
                    raise self.error('expected %s after the table name' % closing)
                self.i += len(closing)
                self.end_of_line()
                if doc.tables[()]['first_header'] is None:
                    doc.tables[()]['first_header'] = line_start
                current = self.open_table(path, is_array, line_start)
                current_path = path
                info = doc.tables.get(path)
                if info is not None and not is_array:
                    info['body_end'] = self.i
                    info['header_start'] = line_start
                continue
            key = self.key_and_equals()
            start = self.i
            inline_values = {}
            full = current_path + key
            item = self.value(full, inline_values)
            end = self.i
            self.end_of_line()
            self.define_dotted(current, current_path, key)
            _store(current, key, item, self.error, start)
            in_array = self.in_array_table(current_path)
            if not in_array:
                doc.values[full] = {'start': start, 'end': end, 'line_end': self.i, 'table': current_path,
                                    'line_start': line_start, 'inline': False}
                for sub, (sub_start, sub_end) in inline_values.items():
                    doc.values[sub] = {'start': sub_start, 'end': sub_end, 'table': current_path, 'inline': True}
                if isinstance(item, dict):
                    self.mark_inline(full, item)
                info = doc.tables.get(current_path)
                if info is not None and info.get('header'):
                    info['body_end'] = self.i
                    info['last_value_start'] = line_start
        return doc

    def headerless(self, path, kind):
        """Record PATH as a table without its own [header]: implicit, dotted, inline or an array of tables."""
        self.doc.tables[path] = {'kind': kind, 'header': False}

    def in_array_table(self, path):
        return any(self.doc.tables.get(path[:depth], {}).get('kind') == 'array' for depth in range(1, len(path) + 1))

    def mark_inline(self, path, table):
        self.headerless(path, 'inline')
        for key, item in table.items():
            if isinstance(item, dict):
                self.mark_inline(path + (key,), item)

    def define_dotted(self, current, current_path, key):
        node = current
        for depth in range(1, len(key)):
            path = current_path + key[:depth]
            part = key[depth - 1]
            existing = node.get(part)
            info = self.doc.tables.get(path)
            if existing is None:
                node[part] = {}
                self.headerless(path, 'dotted')
            elif not isinstance(existing, dict) or (info and info['kind'] in ('header', 'inline', 'array')):
                raise self.error('the key %s is already defined; a dotted key cannot extend it' % '.'.join(path))
            node = node[part]

    def open_table(self, path, is_array, position):
        node = self.doc.data
        for depth in range(1, len(path)):
            part = path[depth - 1]
            prefix = path[:depth]
            if part not in node:
                node[part] = {}
                self.headerless(prefix, 'implicit')
            node = node[part]
            if isinstance(node, list):
                node = node[-1]
            elif not isinstance(node, dict) or self.doc.tables.get(prefix, {}).get('kind') == 'inline':
                raise self.error('%s is a value, not a table' % '.'.join(prefix), position)
        last = path[-1]
        info = self.doc.tables.get(path)
        if is_array:
            if last not in node:
                node[last] = []
                self.headerless(path, 'array')
            elif not isinstance(node[last], list) or (info or {}).get('kind') != 'array':
                raise self.error('%s is already defined as something other than an array of tables' % '.'.join(path), position)
            table = {}
            node[last].append(table)
            return table
        if last in node:
            if not isinstance(node[last], dict) or (info or {}).get('kind') != 'implicit':
                raise self.error('the table [%s] is defined twice' % '.'.join(path), position)
        else:
            node[last] = {}
        self.doc.tables[path] = {'kind': 'header', 'header': True, 'body_end': None}
        return node[last]


def _store(table, key, item, error, position=None):
    node = table
    for part in key[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise error('the key %s is already defined' % '.'.join(key), position)
    if key[-1] in node:
        raise error('the key %s is defined twice' % '.'.join(key), position)
    node[key[-1]] = item


def _too_deep(data):
    """The first keys of a path deeper than MAX_DEPTH tables (dotted keys and [a.b.c] headers nest without
    recursion in the parser, but whatever walks the data later would recurse), or None."""
    stack = [(data, 0, ())]
    while stack:
        node, level, head = stack.pop()
        if level > MAX_DEPTH:
            return head
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        stack.extend((item, level + 1, head + (key,) if level < 5 else head) for key, item in items)
    return None


def parse(text):
    """The Document of TEXT (TomlError names the line of the first problem)."""
    doc = _Parser(text).parse()
    deep = _too_deep(doc.data)
    if deep is not None:
        raise TomlError('tables nested more than %d deep (%s...); no containerd setting nests so deep, the file is '
                        'damaged' % (MAX_DEPTH, '.'.join(str(part) for part in deep)))
    return doc


def loads(text):
    """The data of TEXT as plain dicts and lists."""
    return parse(text).data


_WRITE_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r'}


def _basic_string(text):
    """A TOML basic string: quotes, backslashes and control characters escaped, everything else as it is."""
    out = []
    for char in text:
        if char in _WRITE_ESCAPES:
            out.append(_WRITE_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7f:
            out.append('\\u%04x' % ord(char))
        else:
            out.append(char)
    return '"' + ''.join(out) + '"'


def format_key(key):
    return key if BARE_KEY.match(key) and BARE_KEY.match(key).end() == len(key) else _basic_string(key)


def format_path(path):
    return '.'.join(format_key(part) for part in path)


def format_value(value):
    """TOML text of VALUE (str, bool, int, float, list, dict as an inline table)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _basic_string(value)
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(format_value(item) for item in value) + ']'
    if isinstance(value, dict):
        if not value:
            return '{}'
        return '{ ' + ', '.join('%s = %s' % (format_key(k), format_value(v)) for k, v in value.items()) + ' }'
    raise TomlError('cannot write %r as TOML' % (value,))


def _indent_of(text, line_start):
    match = re.match(r'[ \t]*', text[line_start:])
    return match.group(0) if match else ''


def set_value(text, table, key, value):
    """TEXT with TABLE.KEY set to VALUE, changed in place (see the module docstring). A byte order mark stays where
    it is: the parser reads positions after it, so the edit is made after it too."""
    if text.startswith(BOM):
        return BOM + set_value(text[len(BOM):], table, key, value)
    table = tuple(table)
    doc = parse(text)
    full = table + (key,)
    where = '.'.join(full)
    if doc.get(full, _MISSING) is not _MISSING and doc.get(full) == value and type(doc.get(full)) is type(value):
        return text
    if isinstance(doc.get(full), (dict, list)) and full not in doc.values:
        raise TomlError('%s is a table (or array of tables), not a value; change it by hand' % where)
    spot = doc.values.get(full)
    if spot is not None:
        new = text[:spot['start']] + format_value(value) + text[spot['end']:]
    else:
        new = _insert(text, doc, table, key, value, where=where)
    check = parse(new)
    if check.get(full, _MISSING) != value:
        raise TomlError('%s: the edit did not read back as %s' % (where, format_value(value)))
    return new


def _insert(text, doc, table, key, value, *, where):
    # Every part of the way must be a table this editor can extend.
    for depth in range(1, len(table) + 1):
        prefix = table[:depth]
        found = doc.get(prefix, _MISSING)
        if found is _MISSING:
            break
        kind = doc.tables.get(prefix, {}).get('kind')
        if not isinstance(found, dict) or kind in ('inline', 'array'):
            raise TomlError('%s: %s is %s, which this editor does not extend; set %s there by hand'
                            % (where, '.'.join(prefix), 'an inline table or array' if kind else 'a value', key))
    line = '%s = %s\n' % (format_key(key), format_value(value))
    info = doc.tables.get(table)
    if info is not None and info.get('header'):
        if table == ():
            # Top-level keys go before the first [table]; after the last top-level key when there is one.
            at = info.get('body_end')
            if at is None:
                at = info.get('first_header')
            if at is None:
                at = len(text)
            indent = ''
        else:
            at = info['body_end']
            indent = _indent_of(text, info.get('last_value_start', info['header_start']))
            if 'last_value_start' not in info:
                indent += '  '
        prefix_text = text[:at]
        if prefix_text and not prefix_text.endswith('\n'):
            prefix_text += '\n'
        return prefix_text + indent + line + text[at:]
    if info is not None and info.get('kind') == 'dotted':
        raise TomlError('%s: %s is defined by dotted keys; set %s there by hand' % (where, '.'.join(table), key))
    tail = text if not text or text.endswith('\n') else text + '\n'
    return tail + ('\n' if tail.strip() else '') + '[%s]\n  %s' % (format_path(table), line)


class _Missing(object):
    pass


_MISSING = _Missing()
