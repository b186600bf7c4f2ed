# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.containerd_config and k8s_node_info: containerd's config.toml
for the kubelet (the CRI plugin enabled, the runc cgroup driver, the sandbox image, the registry host
files), and what `ctr plugins ls` says. Runs on Python 3.6+.

Where the settings live depends on the file's `version` (containerd's docs/PLUGINS.md): version 1 (or none)
names the plugin `cri`, version 2 (containerd 1.x) `io.containerd.grpc.v1.cri`, version 3 (containerd 2.x)
splits it into `io.containerd.cri.v1.runtime` and `io.containerd.cri.v1.images`. A file without a version
and without any plugin table (containerd.io's shipped file) is given `version = 2`, which containerd 1.6,
1.7 and 2.x all read.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import re

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import mask_userinfo, userinfo_secrets
from ansible_collections.fleetops.docker_host.plugins.module_utils._toml import TomlError, parse, set_value

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
