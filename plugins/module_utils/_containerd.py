# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Containerd as the kubelet meets it, behind fleetops.docker_host.containerd_config and k8s_node_info, in three
parts: containerd's config.toml for the kubelet (the CRI plugin enabled, the runc cgroup driver, the sandbox image,
the registry host files) and what `ctr plugins ls` says; the TOML reader and editor that file is read and changed
with; the CRI call that asks the running plugin. Runs on Python 3.6+.

Where the settings live depends on the file's `version` (containerd's docs/PLUGINS.md): version 1 (or none)
names the plugin `cri`, version 2 (containerd 1.x) `io.containerd.grpc.v1.cri`, version 3 (containerd 2.x)
splits it into `io.containerd.cri.v1.runtime` and `io.containerd.cri.v1.images`. A file without a version
and without any plugin table (containerd.io's shipped file) is given `version = 2`, which containerd 1.6,
1.7 and 2.x all read.

The TOML reader and editor (below CONFIG ends), for config.toml on Python 3.6+ (no tomllib there):

parse(text) reads TOML 1.0 as containerd writes and documents it: tables, arrays of tables, bare, quoted and
dotted keys, basic and literal strings (also multi-line), integers (decimal, hex, octal, binary, with _),
floats, booleans, arrays (multi-line, comments, trailing comma) and inline tables. Dates and times are kept
as their text. Duplicate keys and tables are refused, as TOML refuses them.

set_value(text, table, key, value) changes one value without rewriting the file: the text of the old value is
replaced where it stands (comments, order and indentation stay), a missing key is added at the end of its
table, a missing table is appended. The result is parsed again and must hold the value, or TomlError is
raised: the editor never returns a file that does not read back as intended.

The CRI call (the last part), k8s_node_info's: RuntimeService Version and Status, asked with crictl
where it is installed, else with Python's grpc module where it is importable (Debian's python3-grpcio; Debian
packages no crictl), as raw method calls whose protobuf answers are decoded here by hand - two small messages,
no generated code. Runs on Python 3.6+.

The messages (Kubernetes' cri-api, api.proto; the same field numbers in runtime.v1 and runtime.v1alpha2):
  VersionRequest  {string version = 1}                       -> sent empty
  VersionResponse {string version = 1; string runtime_name = 2; string runtime_version = 3;
                   string runtime_api_version = 4}
  StatusRequest   {bool verbose = 1}                         -> sent empty (verbose false)
  StatusResponse  {RuntimeStatus status = 1; map<string, string> info = 2}
  RuntimeStatus   {repeated RuntimeCondition conditions = 1}
  RuntimeCondition {string type = 1; bool status = 2; string reason = 3; string message = 4}
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import json
import re

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import mask_userinfo, userinfo_secrets

CGROUP_DRIVERS = ('systemd', 'cgroupfs')
RUNC_V2 = 'io.containerd.runc.v2'

# Per config version: where each setting lives, and the names under which the CRI plugin can be disabled.
LAYOUTS = {
    1: {
        'runc': ('plugins', 'cri', 'containerd', 'runtimes', 'runc'),
        'sandbox': (('plugins', 'cri'), 'sandbox_image'),
        'config_path': (('plugins', 'cri', 'registry'), 'config_path'),
        'cri_names': ('cri', 'io.containerd.grpc.v1.cri'),
    },
    2: {
        'runc': ('plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc'),
        'sandbox': (('plugins', 'io.containerd.grpc.v1.cri'), 'sandbox_image'),
        'config_path': (('plugins', 'io.containerd.grpc.v1.cri', 'registry'), 'config_path'),
        'cri_names': ('cri', 'io.containerd.grpc.v1.cri'),
    },
    3: {
        'runc': ('plugins', 'io.containerd.cri.v1.runtime', 'containerd', 'runtimes', 'runc'),
        'sandbox': (('plugins', 'io.containerd.cri.v1.images', 'pinned_images'), 'sandbox'),
        'config_path': (('plugins', 'io.containerd.cri.v1.images', 'registry'), 'config_path'),
        'cri_names': ('cri', 'io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.runtime', 'io.containerd.cri.v1.images'),
    },
}


class ContainerdConfigError(Exception):
    """The file cannot be read or changed as asked: the message names the file, the setting and the fix."""


def config_version(data):
    """(version the file is read as, version to write or None): see the module docstring."""
    version = data.get('version')
    if version is None:
        if 'plugins' in data:
            return 1, None
        return 2, 2
    if isinstance(version, bool) or version not in LAYOUTS:
        raise ContainerdConfigError('version = %r is not a containerd config version (1, 2 or 3); fix the file' % (version,))
    return version, None


def default_runtime(data, layout):
    """The runtime the kubelet's pods get: containerd's default_runtime_name (runc when unset)."""
    name = _get(data, layout['runc'][:-2] + ('default_runtime_name',))
    return name if isinstance(name, str) and name else 'runc'


def cgroup_runtimes(data, layout):
    """The runtimes whose SystemdCgroup the kubelet's cgroup driver must match: runc, every runtime of runc's type
    (io.containerd.runc.v2: nvidia's, for one, runs runc with another binary) and the default runtime, unless it
    names another type (kata's, gVisor's), whose shims take no SystemdCgroup."""
    runtimes = _get(data, layout['runc'][:-1])
    runtimes = runtimes if isinstance(runtimes, dict) else {}
    names = ['runc']
    default = default_runtime(data, layout)
    for name in sorted(runtimes):
        table = runtimes[name]
        if name in names or not isinstance(table, dict):
            continue
        kind = table.get('runtime_type')
        if kind == RUNC_V2 or (name == default and kind is None):
            names.append(name)
    return names


def summary(data):
    """What matters for the kubelet in the parsed config DATA: a dict documented in k8s_node_info's RETURN.
    cgroup_driver is that of the runtime the pods use (default_runtime_name), not runc's when they differ."""
    layout = LAYOUTS[config_version(data)[0]]
    disabled = data.get('disabled_plugins') or []
    runc = _get(data, layout['runc']) or {}
    runc = runc if isinstance(runc, dict) else {}
    default = default_runtime(data, layout)
    used = _get(data, layout['runc'][:-1] + (default,))
    used = used if isinstance(used, dict) else ({} if default == 'runc' else None)
    options = (used or {}).get('options') if isinstance((used or {}).get('options'), dict) else {}
    sandbox_table, sandbox_key = layout['sandbox']
    path_table, path_key = layout['config_path']
    systemd = options.get('SystemdCgroup')
    systemd = systemd if isinstance(systemd, bool) else None
    return {
        # As containerd reads it: a file without a version is version 1.
        'version': data.get('version') or 1,
        'disabled_plugins': list(disabled) if isinstance(disabled, list) else [],
        'cri_disabled': isinstance(disabled, list) and any(name in layout['cri_names'] for name in disabled),
        'runc_runtime_type': runc.get('runtime_type'),
        'default_runtime': default,
        'systemd_cgroup': systemd,
        'cgroup_driver': None if systemd is None else ('systemd' if systemd is True else 'cgroupfs'),
        'sandbox_image': (_get(data, sandbox_table) or {}).get(sandbox_key),
        'config_path': (_get(data, path_table) or {}).get(path_key),
    }


def _get(data, path):
    node = data
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def edits(data, enable_cri=True, cgroup_driver='systemd', sandbox_image='', config_path=''):
    """The (table, key, value, reason) edits that make DATA what the kubelet needs; empty when it is."""
    if cgroup_driver not in CGROUP_DRIVERS:
        raise ContainerdConfigError('cgroup_driver %r is not one of %s' % (cgroup_driver, ', '.join(CGROUP_DRIVERS)))
    version, write_version = config_version(data)
    layout = LAYOUTS[version]
    wanted = []
    if write_version is not None:
        wanted.append(((), 'version', write_version, 'containerd reads a file without a version as version 1'))
    disabled = data.get('disabled_plugins')
    if enable_cri and isinstance(disabled, list):
        kept = [name for name in disabled if name not in layout['cri_names']]
        if kept != disabled:
            wanted.append(((), 'disabled_plugins', kept, 'the CRI plugin is disabled'))
    elif enable_cri and disabled is not None:
        raise ContainerdConfigError('disabled_plugins must be a list, got %r; fix the file' % (disabled,))
    runc = _get(data, layout['runc'])
    if not isinstance(runc, dict) or runc.get('runtime_type') is None:
        # A runc table without runtime_type replaces containerd's default one, and the kubelet's pods get none.
        wanted.append((layout['runc'], 'runtime_type', RUNC_V2, 'runc needs its runtime type'))
    for name in cgroup_runtimes(data, layout):
        wanted.append((layout['runc'][:-1] + (name, 'options'), 'SystemdCgroup', cgroup_driver == 'systemd',
                       'the kubelet uses the %s cgroup driver' % cgroup_driver
                       + ('' if name == 'runc' else ' (runtime %s runs runc)' % name)))
    if sandbox_image:
        table, key = layout['sandbox']
        wanted.append((table, key, sandbox_image, 'the sandbox (pause) image is set'))
    if config_path:
        table, key = layout['config_path']
        wanted.append((table, key, config_path, 'registry host files (hosts.toml) are read from there'))
    return [(table, key, value, reason) for table, key, value, reason in wanted
            if not _same(_get(data, table + (key,)), value)]


def _same(current, value):
    return current == value and type(current) is type(value)


def merge(text, path, **options):
    """(new text, edits made as dicts {setting, before, after, reason}, summary of the new text)."""
    try:
        data = parse(text or '').data
    except RecursionError:
        raise ContainerdConfigError('%s nests values too deep to read; fix the file (the role changes nothing until '
                                    'then)' % path) from None
    except TomlError as exc:
        raise ContainerdConfigError('%s is not valid TOML, %s; fix the file (the role changes nothing until then)'
                                    % (path, toml_error_text(text, exc))) from None
    changes = []
    new = text or ''
    for table, key, value, reason in edits(data, **options):
        before = _get(data, table + (key,))
        try:
            new = set_value(new, table, key, value)
        except TomlError as exc:
            raise ContainerdConfigError('%s: %s' % (path, exc)) from exc
        changes.append({'setting': '.'.join(table + (key,)), 'before': before, 'after': value, 'reason': reason})
    return new, changes, summary(parse(new).data)


# Keys whose string values are registry credentials (registry.configs."<host>".auth, hosts.toml-like headers).
SECRET_KEYS = ('auth', 'username', 'password', 'identitytoken', 'registrytoken', 'token', 'authorization')
_SECRET_LINE_RE = re.compile(
    r'((?<![A-Za-z0-9_-])(["\']?)(?:%s)\2[ \t]*=[ \t]*)("""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
    % '|'.join(SECRET_KEYS), re.IGNORECASE)


_SECRET_KEY_RE = re.compile(r'(?<![A-Za-z0-9_-])["\']?(?:%s)["\']?[ \t]*=' % '|'.join(SECRET_KEYS), re.IGNORECASE)


def toml_error_text(text, exc):
    """The reader's message for EXC, without the text it quotes when the line it names holds a credential (a
    password written without quotes would otherwise be shown in the task's failure)."""
    message = str(exc)
    match = re.match(r'line (\d+):', message)
    if match and text:
        lines = text.split('\n')
        number = int(match.group(1))
        if 0 < number <= len(lines) and (_SECRET_KEY_RE.search(lines[number - 1]) or '@' in lines[number - 1]):
            return 'line %d: a credential (or URL with credentials) is not valid TOML; fix it by hand (not shown here)' \
                % number
    return message


def secrets(data):
    """The registry credentials in parsed config DATA (values of SECRET_KEYS anywhere, and the password of any URL
    with user:password@), longest first: the file is kept 0600 and they are masked in diffs and results."""
    found = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).lower() in SECRET_KEYS and isinstance(value, str):
                    found.append(value)
                elif str(key).lower() in SECRET_KEYS and isinstance(value, list):
                    # hosts.toml-like headers: Authorization = ["Basic ..."]
                    found.extend(item for item in value if isinstance(item, str))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            found.extend(userinfo_secrets(node))
    return sorted(set(item for item in found if item), key=lambda item: (-len(item), item))


def mask_text(text, secret_values=()):
    """TEXT (a config.toml) with every credential replaced by "****": the values of SECRET_KEYS by their place, the
    passwords of URLs, and any other occurrence of SECRET_VALUES (a value split over lines or escaped)."""
    if not text or not secret_values:
        # Nothing to hide: the text stays byte for byte (previous_content is then written back as it is).
        return text
    masked = _SECRET_LINE_RE.sub(lambda match: match.group(1) + '"****"', text)
    masked = mask_userinfo(masked)
    for value in secret_values:
        if len(value) >= 4:
            masked = masked.replace(value, '****')
    return masked


def parse_plugins(text):
    """`ctr plugins ls` output -> [{'type', 'id', 'platforms', 'status'}]."""
    plugins = []
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[0] == 'TYPE':
            continue
        plugins.append({'type': fields[0], 'id': fields[1], 'platforms': ' '.join(fields[2:-1]), 'status': fields[-1]})
    return plugins


def cri_status(plugins):
    """The status of the CRI gRPC plugin ('ok', 'skip', 'error') or None when ctr does not list it."""
    for plugin in plugins:
        if plugin['type'] == 'io.containerd.grpc.v1' and plugin['id'] == 'cri':
            return plugin['status']
    return None


# The TOML reader and editor: config.toml read and changed in place (Python 3.6 has no tomllib).

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


# The CRI call: RuntimeService Version and Status, asked of the running plugin (k8s_node_info).

# The CRI API versions, newest first: containerd 1.6/1.7 serve both, 2.x only v1.
CRI_APIS = ('runtime.v1', 'runtime.v1alpha2')
VERSION_FIELDS = {1: 'version', 2: 'runtime_name', 3: 'runtime_version', 4: 'runtime_api_version'}
CONDITION_FIELDS = {1: 'type', 2: 'status', 3: 'reason', 4: 'message'}
# crictl version's keys -> VersionResponse's.
CRICTL_VERSION_KEYS = {'Version': 'version', 'RuntimeName': 'runtime_name', 'RuntimeVersion': 'runtime_version',
                       'RuntimeApiVersion': 'runtime_api_version'}
# The length-delimited bytes fit in a small answer; a larger length is a broken message, not a big one.
MAX_MESSAGE = 1 << 24


class ProtobufError(ValueError):
    pass


def _varint(data, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ProtobufError('truncated varint at byte %d' % pos)
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError('varint longer than 10 bytes at byte %d' % pos)


def fields(data):
    """The fields of one protobuf message, in order: [(number, value)], a varint as int, a length-delimited
    field as bytes, a fixed 64/32-bit field as its raw bytes."""
    data = bytes(bytearray(data))
    found, pos = [], 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError('field number 0 at byte %d' % pos)
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if length > MAX_MESSAGE or pos + length > len(data):
                raise ProtobufError('field %d: length %d runs past the end (%d bytes)' % (number, length, len(data)))
            value, pos = data[pos:pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > len(data):
                raise ProtobufError('field %d: fixed value runs past the end' % number)
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ProtobufError('field %d: unsupported wire type %d' % (number, wire))
        found.append((number, value))
    return found


def _text(number, value):
    if not isinstance(value, bytes):
        raise ProtobufError('field %d: expected a string, got a varint' % number)
    return value.decode('utf-8', 'replace')


def decode_version(data):
    """VersionResponse bytes -> {version, runtime_name, runtime_version, runtime_api_version}."""
    result = dict((name, '') for name in VERSION_FIELDS.values())
    for number, value in fields(data):
        if number in VERSION_FIELDS:
            result[VERSION_FIELDS[number]] = _text(number, value)
    return result


def _condition(data):
    condition = {'type': '', 'status': False, 'reason': '', 'message': ''}
    for number, value in fields(data):
        if number == 2:
            if not isinstance(value, int):
                raise ProtobufError('RuntimeCondition.status: expected a bool')
            condition['status'] = bool(value)
        elif number in CONDITION_FIELDS:
            condition[CONDITION_FIELDS[number]] = _text(number, value)
    return condition


def decode_status(data):
    """StatusResponse bytes -> {conditions: [{type, status, reason, message}], info: {key: value}}."""
    conditions, info = [], {}
    for number, value in fields(data):
        if number == 1:
            for inner, item in fields(_raw(number, value)):
                if inner == 1:
                    conditions.append(_condition(_raw(inner, item)))
        elif number == 2:
            entry = dict(fields(_raw(number, value)))
            info[_text(1, entry.get(1, b''))] = _text(2, entry.get(2, b''))
    return {'conditions': conditions, 'info': info}


def _raw(number, value):
    if not isinstance(value, bytes):
        raise ProtobufError('field %d: expected a message, got a varint' % number)
    return value


def parse_crictl_version(text):
    """`crictl version` (Key:  value lines) -> the VersionResponse dict."""
    result = dict((name, '') for name in VERSION_FIELDS.values())
    for line in (text or '').splitlines():
        key, sep, value = line.partition(':')
        if sep and key.strip() in CRICTL_VERSION_KEYS:
            result[CRICTL_VERSION_KEYS[key.strip()]] = value.strip()
    return result


def parse_crictl_info(text):
    """`crictl info` (JSON, {status: {conditions: [...]}}) -> the decode_status dict (info left empty)."""
    try:
        data = json.loads(text or '')
    except ValueError as exc:
        raise ProtobufError('crictl info did not print JSON: %s' % exc) from None
    conditions = []
    for item in ((data.get('status') or {}).get('conditions') or []) if isinstance(data, dict) else []:
        if isinstance(item, dict):
            conditions.append({'type': str(item.get('type') or ''), 'status': item.get('status') is True,
                               'reason': str(item.get('reason') or ''), 'message': str(item.get('message') or '')})
    return {'conditions': conditions, 'info': {}}


def answer(client, version, status, api=None):
    """The k8s_node_info `cri_call` fields from a Version and a Status answer."""
    conditions = dict((item['type'], item['status']) for item in status.get('conditions') or [] if item['type'])
    runtime = [item for item in status.get('conditions') or [] if item['type'] == 'RuntimeReady']
    return {
        'client': client, 'proof': client, 'api': api or version.get('runtime_api_version') or None,
        'runtime_name': version.get('runtime_name') or None, 'runtime_version': version.get('runtime_version') or None,
        'runtime_api_version': version.get('runtime_api_version') or None, 'conditions': conditions,
        'runtime_ready': conditions.get('RuntimeReady'),
        'not_ready_reason': ' '.join(' '.join((runtime[0]['reason'], runtime[0]['message'])).split()) if runtime
        and not runtime[0]['status'] else '',
        'error': None,
    }


def failed(client, error):
    return {'client': client, 'proof': client, 'api': None, 'runtime_name': None, 'runtime_version': None,
            'runtime_api_version': None, 'conditions': {}, 'runtime_ready': None, 'not_ready_reason': '',
            'error': ' '.join(str(error).split())[-2000:]}


def no_client(proof='ctr plugins ls'):
    """No CRI client on the host (or nothing to ask): the proof is PROOF."""
    result = failed(None, '')
    result.update(proof=proof, error=None)
    return result


# grpc is imported in the functions, not at the top: it is optional (guarded), and its import (about 60 ms, measured
# with python3-grpcio 1.51 on Debian 12) is paid only when crictl is absent and the CRI plugin answers.
def grpc_available():
    """Whether Python's grpc module imports on this host."""
    try:
        import grpc  # noqa: F401, PLC0415 pylint: disable=unused-import
    except ImportError:
        return False
    return True


def grpc_call(socket_path, timeout=5.0):
    """Version and Status over the CRI socket with Python's grpc module: the cri_call dict."""
    import grpc  # noqa: PLC0415 - only called when grpc_available()

    channel = grpc.insecure_channel('unix://' + socket_path)
    try:
        error = None
        for api in CRI_APIS:
            try:
                version = channel.unary_unary('/%s.RuntimeService/Version' % api)(b'', timeout=timeout)
                status = channel.unary_unary('/%s.RuntimeService/Status' % api)(b'', timeout=timeout)
            except grpc.RpcError as exc:
                error = '%s: %s %s' % (api, exc.code(), exc.details())
                if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                    continue
                return failed('python-grpc', error)
            try:
                return answer('python-grpc', decode_version(version), decode_status(status), api=api)
            except ProtobufError as exc:
                return failed('python-grpc', '%s: the answer is not the expected message: %s' % (api, exc))
        return failed('python-grpc', error)
    finally:
        channel.close()
