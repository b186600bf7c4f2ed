# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.daemon_json: parse, merge, validate, render, classify.

Nothing here touches the host, so every rule is unit-tested without one. Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import copy
import ipaddress
import json
import re

try:  # Python 3
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for import sanity
    from urlparse import urlsplit  # type: ignore


class DaemonJsonError(Exception):
    """Bad input: the message is meant for the operator, as is."""


LIST_MERGE_MODES = ('replace', 'append_unique')

# Keys dockerd applies on SIGHUP (systemctl reload docker): the documented list ("Configuration reload
# behavior", where authorization-plugins is misspelt) plus what moby daemon/reload.go also reloads.
RELOADABLE_KEYS = frozenset([
    'debug', 'labels', 'live-restore', 'max-concurrent-downloads', 'max-concurrent-uploads',
    'max-download-attempts', 'default-runtime', 'runtimes', 'authorization-plugins',
    'insecure-registries', 'registry-mirrors', 'shutdown-timeout', 'features',
    'default-shm-size', 'default-cgroupns-mode', 'default-ipc-mode', 'network-diagnostic-port',
])

# JSON type of each key dockerd knows (Linux). Kinds:
#   str, bool, int, list_str, dict_str (object of strings), dict_bool (object of booleans),
#   list_dict (list of objects), dict (object, contents not checked here).
KNOWN_KEYS = {
    'allow-nondistributable-artifacts': 'list_str',
    'api-cors-header': 'str',
    'authorization-plugins': 'list_str',
    'bip': 'str',
    'bip6': 'str',
    'bridge': 'str',
    'builder': 'dict',
    'cdi-spec-dirs': 'list_str',
    'cgroup-parent': 'str',
    'containerd': 'str',
    'containerd-namespace': 'str',
    'containerd-plugins-namespace': 'str',
    'cpu-rt-period': 'int',
    'cpu-rt-runtime': 'int',
    'data-root': 'str',
    'debug': 'bool',
    'default-address-pools': 'list_dict',
    'default-cgroupns-mode': 'str',
    'default-gateway': 'str',
    'default-gateway-v6': 'str',
    'default-ipc-mode': 'str',
    'default-network-opts': 'dict',
    'default-runtime': 'str',
    'default-shm-size': 'str',
    'default-ulimits': 'dict',
    'dns': 'list_str',
    'dns-opts': 'list_str',
    'dns-search': 'list_str',
    'exec-opts': 'list_str',
    'exec-root': 'str',
    'experimental': 'bool',
    'features': 'dict_bool',
    'firewall-backend': 'str',
    'fixed-cidr': 'str',
    'fixed-cidr-v6': 'str',
    'group': 'str',
    'host-gateway-ip': 'str',
    'host-gateway-ips': 'list_str',
    'hosts': 'list_str',
    'icc': 'bool',
    'init': 'bool',
    'init-path': 'str',
    'insecure-registries': 'list_str',
    'ip': 'str',
    'ip-forward': 'bool',
    'ip-forward-no-drop': 'bool',
    'ip-masq': 'bool',
    'ip6tables': 'bool',
    'iptables': 'bool',
    'ipv6': 'bool',
    'labels': 'list_str',
    'live-restore': 'bool',
    'log-driver': 'str',
    'log-format': 'str',
    'log-level': 'str',
    'log-opts': 'dict_str',
    'max-concurrent-downloads': 'int',
    'max-concurrent-uploads': 'int',
    'max-download-attempts': 'int',
    'metrics-addr': 'str',
    'mtu': 'int',
    'network-diagnostic-port': 'int',
    'no-new-privileges': 'bool',
    'node-generic-resources': 'list_str',
    'oom-score-adjust': 'int',
    'pidfile': 'str',
    'proxies': 'dict_str',
    'raw-logs': 'bool',
    'registry-mirrors': 'list_str',
    'runtimes': 'dict',
    'seccomp-profile': 'str',
    'selinux-enabled': 'bool',
    'shutdown-timeout': 'int',
    'storage-driver': 'str',
    'storage-opts': 'list_str',
    'swarm-default-advertise-addr': 'str',
    'tls': 'bool',
    'tlscacert': 'str',
    'tlscert': 'str',
    'tlskey': 'str',
    'tlsverify': 'bool',
    'userland-proxy': 'bool',
    'userland-proxy-path': 'str',
    'userns-remap': 'str',
}

KIND_TEXT = {
    'str': 'a string',
    'bool': 'a boolean (true or false)',
    'int': 'an integer',
    'list_str': 'a list of strings',
    'dict_str': 'an object whose values are strings',
    'dict_bool': 'an object whose values are booleans',
    'list_dict': 'a list of objects',
    'dict': 'an object',
}

CGROUP_DRIVERS = ('cgroupfs', 'systemd')

# One DNS label: letters, digits, inner hyphens (no leading or trailing hyphen), as in docker/distribution.
_LABEL = r'(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])'
_HOSTNAME_RE = re.compile(r'^' + _LABEL + r'(?:\.' + _LABEL + r')*$')


# ---------------------------------------------------------------------------------------------- parse

def parse(text, path='daemon.json'):
    """Text of a daemon.json -> dict. Empty text counts as {} (dockerd accepts an empty file)."""
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, 'lineno', None)
        col = getattr(exc, 'colno', None)
        where = ' (line %s, column %s)' % (line, col) if line is not None else ''
        reason = getattr(exc, 'msg', None) or str(exc)
        raise DaemonJsonError(
            '%s is not valid JSON%s: %s; fix the file by hand (or move it away) and run again'
            % (path, where, reason)) from None
    if not isinstance(data, dict):
        raise DaemonJsonError(
            '%s must hold a JSON object ({...}) at the top level, not %s; fix the file by hand and run again'
            % (path, _json_kind(data)))
    return data


def render(config):
    """Stable text: sorted keys, 2-space indent, final newline (a rerun compares equal)."""
    return json.dumps(config, indent=2, sort_keys=True, separators=(',', ': '), ensure_ascii=False) + '\n'


# ---------------------------------------------------------------------------------------------- merge

def _merge_value(current, new, list_merge):
    if isinstance(current, dict) and isinstance(new, dict):
        result = copy.deepcopy(current)
        for key, value in new.items():
            if key in result:
                result[key] = _merge_value(result[key], value, list_merge)
            else:
                result[key] = copy.deepcopy(value)
        return result
    if list_merge == 'append_unique' and isinstance(current, list) and isinstance(new, list):
        result = copy.deepcopy(current)
        for item in new:
            if item not in result:
                result.append(copy.deepcopy(item))
        return result
    return copy.deepcopy(new)


def merge(current, settings=None, remove=None, list_merge='replace'):
    """Return a new dict: `current` with `settings` merged in and the top-level keys in `remove` deleted.

    Objects merge key by key (recursively); lists are replaced, or with list_merge=append_unique extended by
    the items not yet present; keys `settings` does not name are kept as they are.
    """
    settings = settings or {}
    remove = list(remove or [])
    if list_merge not in LIST_MERGE_MODES:
        raise DaemonJsonError('list_merge must be one of %s, not %r' % (', '.join(LIST_MERGE_MODES), list_merge))
    both = sorted(set(settings) & set(remove))
    if both:
        raise DaemonJsonError(
            'daemon.json: %s both in settings and in remove; keep each key in one of them'
            % ', '.join('"%s"' % key for key in both))
    result = _merge_value(current if isinstance(current, dict) else {}, settings, list_merge)
    for key in remove:
        result.pop(key, None)
    return result


def changed_keys(before, after):
    """Sorted top-level keys added, changed or removed."""
    keys = set(before) | set(after)
    return sorted(key for key in keys
                  if key not in before or key not in after or before[key] != after[key])


def classify(keys):
    """(reload_required, restart_required) for a list of changed top-level keys; never both True."""
    keys = list(keys)
    restart = any(key not in RELOADABLE_KEYS for key in keys)
    reload_ = bool(keys) and not restart
    return reload_, restart


# ------------------------------------------------------------------------------------------- validate

def _json_kind(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, int):
        return 'an integer'
    if isinstance(value, float):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, list):
        return 'a list'
    if isinstance(value, dict):
        return 'an object'
    return type(value).__name__


def _show(value):
    """A value as the operator would write it in daemon.json."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _suggest(kind, value):
    """A corrected value for a wrong type, or None when there is no obvious one."""
    if kind == 'str' and (_is_int(value) or isinstance(value, (bool, float))):
        return _show(_show(value))
    if kind == 'bool' and isinstance(value, str) and value.strip().lower() in ('true', 'false', 'yes', 'no', '1', '0', 'on', 'off'):
        return 'true' if value.strip().lower() in ('true', 'yes', '1', 'on') else 'false'
    if kind == 'bool' and _is_int(value) and value in (0, 1):
        return 'true' if value else 'false'
    if kind == 'int' and isinstance(value, str) and re.match(r'^-?\d+$', value.strip()):
        return value.strip()
    if kind == 'list_str' and isinstance(value, str):
        return _show([value])
    return None


def _type_error(name, kind, value):
    msg = 'daemon.json: "%s" must be %s (got %s)' % (name, KIND_TEXT[kind], _show(value))
    hint = _suggest(kind, value)
    if hint is not None:
        msg += '; write %s' % hint
    return msg


def _check_scalar(name, kind, value):
    ok = {
        'str': lambda v: isinstance(v, str),
        'bool': lambda v: isinstance(v, bool),
        'int': _is_int,
    }[kind](value)
    return [] if ok else [_type_error(name, kind, value)]


def check_type(name, kind, value):
    """List of error messages for `value` of key `name` against kind `kind`."""
    if kind in ('str', 'bool', 'int'):
        return _check_scalar(name, kind, value)
    if kind == 'list_str':
        if not isinstance(value, list):
            return [_type_error(name, kind, value)]
        errors = []
        for index, item in enumerate(value):
            errors.extend(_check_scalar('%s[%d]' % (name, index), 'str', item))
        return errors
    if kind in ('dict_str', 'dict_bool', 'dict'):
        if not isinstance(value, dict):
            return [_type_error(name, kind, value)]
        if kind == 'dict':
            return []
        inner = 'str' if kind == 'dict_str' else 'bool'
        errors = []
        for key in sorted(value):
            errors.extend(_check_scalar('%s.%s' % (name, key), inner, value[key]))
        return errors
    if kind == 'list_dict':
        if not isinstance(value, list):
            return [_type_error(name, kind, value)]
        return [_type_error('%s[%d]' % (name, index), 'dict', item)
                for index, item in enumerate(value) if not isinstance(item, dict)]
    raise ValueError('unknown kind %r' % kind)  # programming error, not input


def check_insecure_registry(entry):
    """Error message for one insecure-registries entry, or None (rules of moby registry/config.go)."""
    name = 'daemon.json: "insecure-registries" entry %s' % _show(entry)
    lower = entry.lower()
    for scheme in ('http://', 'https://'):
        if lower.startswith(scheme):
            return '%s must not carry a scheme; write %s' % (name, _show(entry[len(scheme):].rstrip('/')))
    if '://' in entry:
        return "%s must not contain '://' (only a CIDR or host[:port] is allowed)" % name
    if '/' in entry:
        try:
            ipaddress.ip_network(entry, strict=False)
            return None
        except ValueError:
            return '%s is neither a CIDR (e.g. "10.0.0.0/8") nor host[:port]' % name
    if _valid_host_port(entry):
        return None
    return '%s is not valid: expected a CIDR (e.g. "10.0.0.0/8") or host[:port] (e.g. "registry.local:5000")' % name


def _valid_host_port(entry):
    host, port = entry, None
    if entry.startswith('['):  # [IPv6]:port
        end = entry.find(']')
        if end < 0:
            return False
        host, rest = entry[1:end], entry[end + 1:]
        if rest:
            if not rest.startswith(':'):
                return False
            port = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
    else:
        if entry.count(':') == 1:
            host, port = entry.split(':')
        elif entry.count(':') > 1:  # bare IPv6 address
            try:
                ipaddress.IPv6Address(entry)
                return True
            except ValueError:
                return False
        if not _HOSTNAME_RE.match(host):
            return False
    if port is not None:
        if not port.isdigit() or not 0 < int(port) <= 65535:
            return False
    return True


def check_registry_mirror(entry):
    """Error message for one registry-mirrors entry, or None."""
    name = 'daemon.json: "registry-mirrors" entry %s' % _show(entry)
    try:
        parts = urlsplit(entry)
    except ValueError as exc:
        return '%s is not a valid URL: %s' % (name, exc)
    if parts.scheme not in ('http', 'https'):
        return '%s must be an http:// or https:// URL (e.g. "https://mirror.example.com")' % name
    if not parts.hostname:
        return '%s has no host' % name
    if parts.username is not None or parts.password is not None:
        return '%s must not contain credentials; use `docker login` for the mirror instead' % name
    if parts.query or entry.rstrip().endswith('?'):
        return '%s must not contain a query (?...)' % name
    if parts.fragment or '#' in entry:
        return '%s must not contain a fragment (#...)' % name
    return None


def check_exec_opt(entry):
    """(error, warning) for one exec-opts entry."""
    name = 'daemon.json: "exec-opts" entry %s' % _show(entry)
    if '=' not in entry:
        return "%s must be formatted 'opt=value', e.g. \"native.cgroupdriver=systemd\"" % name, None
    key, value = entry.split('=', 1)
    key, value = key.strip(), value.strip()
    if key.lower() == 'native.cgroupdriver':
        if value not in CGROUP_DRIVERS:
            return '%s: cgroup driver must be one of %s (got %s)' % (name, ', '.join(CGROUP_DRIVERS), _show(value)), None
        return None, None
    return None, '%s: option %s is not one dockerd uses on Linux (only native.cgroupdriver)' % (name, _show(key))


def validate(config, strict=False):
    """(errors, warnings) for a whole daemon.json dict."""
    errors, warnings = [], []
    for key in sorted(config):
        value = config[key]
        kind = KNOWN_KEYS.get(key)
        if kind is None:
            msg = ('daemon.json: unknown key "%s"; dockerd refuses keys it does not know '
                   '(check the spelling against the dockerd reference)' % key)
            (errors if strict else warnings).append(msg)
            continue
        type_errors = check_type(key, kind, value)
        if type_errors:
            errors.extend(type_errors)
            continue
        if key == 'insecure-registries':
            errors.extend(e for e in (check_insecure_registry(item) for item in value) if e)
        elif key == 'registry-mirrors':
            errors.extend(e for e in (check_registry_mirror(item) for item in value) if e)
        elif key == 'exec-opts':
            for item in value:
                error, warning = check_exec_opt(item)
                if error:
                    errors.append(error)
                if warning:
                    (errors if strict else warnings).append(warning)
        elif key == 'default-address-pools':
            for index, pool in enumerate(value):
                if not isinstance(pool.get('base'), str):
                    errors.append('daemon.json: "default-address-pools[%d].base" must be a string CIDR (got %s)'
                                  % (index, _show(pool.get('base'))))
                if not _is_int(pool.get('size')):
                    errors.append('daemon.json: "default-address-pools[%d].size" must be an integer (got %s)'
                                  % (index, _show(pool.get('size'))))
    return errors, warnings


def compute(current, settings=None, remove=None, list_merge='replace', *, validate_result=True, strict=False):
    """The whole decision without side effects.

    Returns a dict: config, changed_keys, reload_required, restart_required, warnings.
    Raises DaemonJsonError for bad input.
    """
    result = merge(current, settings, remove, list_merge)
    warnings = []
    if validate_result:
        errors, warnings = validate(result, strict)
        if errors:
            raise DaemonJsonError('; '.join(errors))
    keys = changed_keys(current, result)
    reload_, restart = classify(keys)
    return {
        'config': result,
        'changed_keys': keys,
        'reload_required': reload_,
        'restart_required': restart,
        'warnings': warnings,
    }
