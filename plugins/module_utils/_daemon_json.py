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
import math
import re

try:  # Python 3
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for import sanity
    from urlparse import urlsplit  # type: ignore

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import mask as _mask, split_host_port


class DaemonJsonError(Exception):
    """Bad input: the message is meant for the operator, as is."""


LIST_MERGE_MODES = ('replace', 'append_unique')

# Deeper than this, a daemon.json is refused (read or given): dockerd's deepest option (default-network-opts,
# runtimes' options) nests 3-4 levels, and Python's JSON reader would raise RecursionError near 1000.
MAX_DEPTH = 32

# Keys dockerd applies on SIGHUP (systemctl reload docker). From moby's reload code, not only the documentation
# ("Configuration reload behavior" in the dockerd reference, which misspells authorization-plugins):
#   daemon/reload.go Reload(): reloadPlatform, reloadDebug, reloadMaxConcurrentDownloadsAndUploads,
#     reloadMaxDownloadAttempts, reloadShutdownTimeout, reloadDefaultStopTimeout (29+), reloadFeatures,
#     reloadLabels, reloadRegistryConfig (insecure-registries, registry-mirrors, and through Docker 28
#     allow-nondistributable-artifacts), reloadLiveRestore, reloadNetworkDiagnosticPort, reloadNRI (29+);
#   daemon/reload_unix.go reloadPlatform: default-runtime, runtimes, default-shm-size, default-cgroupns-mode,
#     default-ipc-mode;
#   daemon/command/daemon.go reloadConfig: authorization-plugins (authzMiddleware.SetPlugins), debug.
# (moby/moby b985e23, checked against v20.10.0, v23.0.0, v25.0.0, v27.5.0.)
RELOADABLE_KEYS = frozenset([
    'debug', 'labels', 'live-restore', 'max-concurrent-downloads', 'max-concurrent-uploads',
    'max-download-attempts', 'default-runtime', 'runtimes', 'authorization-plugins',
    'insecure-registries', 'registry-mirrors', 'allow-nondistributable-artifacts', 'shutdown-timeout',
    'default-stop-timeout', 'default-shm-size', 'default-cgroupns-mode', 'default-ipc-mode',
    'network-diagnostic-port', 'nri-opts',
])

# reloadPlatform takes these only when the new file sets them (`if conf.DefaultRuntime != ""`): deleting one
# from the file leaves the running value in place until dockerd restarts.
RELOAD_IGNORES_REMOVAL = frozenset(['default-runtime', 'default-cgroupns-mode', 'default-ipc-mode'])

# "features" is reloaded as a map (reloadFeatures), but every feature dockerd knows is read at start only:
# containerd-snapshotter (the image store, daemon/image_store_choice.go), containerd-migration (daemon.go),
# embedded-containerd and cdi (daemon/command), time-namespaces (getSysInfo at start), buildkit (the builder).
# Docker's documentation of the containerd image store says the same: restart the daemon. So a change of
# "features" restarts. Known members (others are kept but warned about):
KNOWN_FEATURES = frozenset([
    'buildkit', 'cdi', 'containerd-snapshotter', 'containerd-migration', 'embedded-containerd',
    'time-namespaces', 'swarm-nftables',
])

# JSON type of each key a current or recent dockerd (Linux) accepts in daemon.json. Built from moby's flag
# definitions (daemon/command/config.go, config_unix.go, options.go: dockerd checks the file's keys against its
# flags and named options, daemon/config/config.go findConfigurationConflicts) and the JSON tags of its Config
# structs, for Docker 20.10 through 29. Kinds:
#   str, bool, int, list_str, dict_str (object of strings), dict_bool (object of booleans),
#   list_dict (list of objects), dict (object, contents checked per key below).
KNOWN_KEYS = {
    'allow-direct-routing': 'bool',
    'allow-nondistributable-artifacts': 'list_str',
    'api-cors-header': 'str',
    'authorization-plugins': 'list_str',
    'bip': 'str',
    'bip6': 'str',
    'bridge': 'str',
    'bridge-accept-fwmark': 'str',
    'builder': 'dict',
    'cdi-spec-dirs': 'list_str',
    'cgroup-parent': 'str',
    'containerd': 'str',
    'containerd-namespace': 'str',
    'containerd-plugins-namespace': 'str',
    'cpu-rt-period': 'int',
    'cpu-rt-runtime': 'int',
    'cri-containerd': 'bool',
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
    'default-stop-timeout': 'int',
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
    'min-api-version': 'str',
    'mtu': 'int',
    'network-control-plane-mtu': 'int',
    'network-diagnostic-port': 'int',
    'no-new-privileges': 'bool',
    'node-generic-resources': 'list_str',
    'nri-opts': 'dict',
    'oom-score-adjust': 'int',
    'pidfile': 'str',
    'proxies': 'dict_str',
    'raw-logs': 'bool',
    'registry-mirrors': 'list_str',
    'rootless': 'bool',
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

# Keys only some versions accept (moby's flag definitions per release): a warning names the versions, since the
# module does not know which dockerd will read the file next (an upgrade may come between).
VERSIONED_KEYS = {
    'api-cors-header': 'removed in Docker 29 (dockerd 29 refuses it)',
    'oom-score-adjust': 'removed in Docker 26 (dockerd 26 and later refuse it)',
    'allow-nondistributable-artifacts': 'deprecated: Docker 29 ignores it',
    'host-gateway-ip': 'deprecated since Docker 28 in favour of "host-gateway-ips"',
    'proxies': 'new in Docker 23 (older dockerd refuses it; use docker_daemon_proxy there)',
    'default-network-opts': 'new in Docker 24 (older dockerd refuses it)',
    'cdi-spec-dirs': 'new in Docker 25 (older dockerd refuses it)',
    'log-format': 'new in Docker 25 (older dockerd refuses it)',
    'host-gateway-ips': 'new in Docker 28 (older dockerd refuses it)',
    'bip6': 'new in Docker 28 (older dockerd refuses it)',
    'ip-forward-no-drop': 'new in Docker 28 (older dockerd refuses it)',
    'allow-direct-routing': 'new in Docker 28.2 (older dockerd refuses it)',
    'firewall-backend': 'new in Docker 29 (older dockerd refuses it)',
    'bridge-accept-fwmark': 'new in Docker 29 (older dockerd refuses it)',
    'min-api-version': 'new in Docker 29 (older dockerd refuses it)',
    'nri-opts': 'new in Docker 29.2 (older dockerd refuses it)',
    'default-stop-timeout': 'new after Docker 29.7 (moby master; older dockerd refuses it)',
}

# The same as data: the first release whose dockerd accepts the key, and the last one that does. Used where the
# module knows the installed dockerd's version and dockerd cannot validate the file itself (before Docker 23).
KEY_SINCE = {
    'proxies': (23, 0), 'default-network-opts': (24, 0), 'cdi-spec-dirs': (25, 0), 'log-format': (25, 0),
    'host-gateway-ips': (28, 0), 'bip6': (28, 0), 'ip-forward-no-drop': (28, 0), 'allow-direct-routing': (28, 2),
    'firewall-backend': (29, 0), 'bridge-accept-fwmark': (29, 0), 'min-api-version': (29, 0), 'nri-opts': (29, 2),
    'default-stop-timeout': (29, 8),
}
KEY_UNTIL = {'api-cors-header': (28, 99), 'oom-score-adjust': (25, 99)}


def parse_docker_version(text):
    """(major, minor) from `dockerd --version` ("Docker version 20.10.24+dfsg1, build 5d6db84"), else None."""
    match = re.search(r'version v?(\d+)\.(\d+)', text or '')
    return (int(match.group(1)), int(match.group(2))) if match else None


def version_error(key, version):
    """Error when dockerd `version` ((major, minor)) refuses `key` at start, else None."""
    if version is None:
        return None
    since, until = KEY_SINCE.get(key), KEY_UNTIL.get(key)
    if since and version < since:
        return ('daemon.json: key "%s" is new in Docker %d.%d; the installed dockerd %d.%d refuses to start with it '
                '("the following directives don\'t match any configuration option"); upgrade Docker or drop the key'
                % (key, since[0], since[1], version[0], version[1]))
    if until and version > until:
        return ('daemon.json: key "%s" was removed after Docker %d; the installed dockerd %d.%d refuses to start with '
                'it; delete it' % (key, until[0], version[0], version[1]))
    return None


# Keys that dockerd 23 and later refuse (removed features), with the fix.
REMOVED_KEYS = {
    'cluster-store': 'legacy overlay networking was removed in Docker 23; delete it (use swarm mode)',
    'cluster-advertise': 'legacy overlay networking was removed in Docker 23; delete it (use swarm mode)',
    'cluster-store-opts': 'legacy overlay networking was removed in Docker 23; delete it (use swarm mode)',
    'graph': 'removed in Docker 23; write "data-root" instead',
    'swarm-raft-heartbeat-tick': 'not a configuration option of dockerd; delete it',
    'swarm-raft-election-tick': 'not a configuration option of dockerd; delete it',
    'containerd-plugin-namespace': 'write "containerd-plugins-namespace" (the flag name) instead',
}

# Flag names dockerd's unknown-key check lets through although the file's reader ignores them (the JSON key is
# another): the setting would silently do nothing.
FLAG_NAME_KEYS = {
    'add-runtime': 'runtimes', 'authorization-plugin': 'authorization-plugins', 'cdi-spec-dir': 'cdi-spec-dirs',
    'default-address-pool': 'default-address-pools', 'default-network-opt': 'default-network-opts',
    'default-ulimit': 'default-ulimits', 'dns-opt': 'dns-opts', 'exec-opt': 'exec-opts', 'feature': 'features',
    'host': 'hosts', 'insecure-registry': 'insecure-registries', 'label': 'labels', 'log-opt': 'log-opts',
    'node-generic-resource': 'node-generic-resources', 'registry-mirror': 'registry-mirrors',
    'storage-opt': 'storage-opts', 'http-proxy': 'proxies.http-proxy', 'https-proxy': 'proxies.https-proxy',
    'no-proxy': 'proxies.no-proxy',
}
COMMAND_LINE_ONLY = frozenset(['config-file', 'validate', 'version', 'restart', 'identity'])

PROXY_KEYS = ('http-proxy', 'https-proxy', 'no-proxy')
LOG_LEVELS = ('panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace')
LOG_FORMATS = ('text', 'json')
CGROUPNS_MODES = ('host', 'private')
IPC_MODES = ('private', 'shareable')
FIREWALL_BACKENDS = ('iptables', 'nftables')
HOST_SCHEMES = ('unix', 'tcp', 'fd')
# strconv.ParseBool, which the json-file and local drivers use for "compress".
_GO_BOOLS = ('1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False')
# Log drivers whose options dockerd checks by name (daemon/logger/jsonfilelog, daemon/logger/local).
# The log drivers built into dockerd 26 on Linux (daemon/logger/*; logentries went in 25). Any other name is a
# logging plugin's name or alias (e.g. "loki" for grafana/loki-docker-driver installed with --alias loki).
LOG_DRIVERS = ('awslogs', 'fluentd', 'gcplogs', 'gelf', 'journald', 'json-file', 'local', 'none', 'splunk', 'syslog')
LOG_MODES = ('blocking', 'non-blocking')
LOG_MODE_KEYS = ('mode', 'max-buffer-size')
LOG_OPT_KEYS = {
    'json-file': ('max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'),
    'local': ('max-file', 'max-size', 'compress'),
}
# A size as docker/go-units reads it (RAMInBytes, FromHumanSize): 64m, 1.5GB, 10 MiB. No sign.
_SIZE_RE = re.compile(r'^\d+(\.\d+)? ?[kKmMgGtTpP]?[iI]?[bB]?$')
_ULIMIT_NAMES = ('core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc',
                 'rss', 'rtprio', 'rttime', 'sigpending', 'stack')

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

def decode(data, path='daemon.json'):
    """Bytes of a daemon.json -> text, as dockerd reads it (UTF-8, a byte order mark dropped).

    Protects against: a file saved in Latin-1 or UTF-16 by an editor, which dockerd refuses at its next start
    ("failed to decode configuration JSON"); the module refuses it too, naming the byte, instead of writing a
    file that replaced what it could not read.
    """
    if data is None:
        return None
    if isinstance(data, str):
        return data
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise DaemonJsonError(
            '%s is not valid UTF-8 (byte 0x%02x at offset %d): dockerd reads daemon.json as UTF-8 and refuses '
            'this file; convert it (e.g. `iconv -f latin1 -t utf-8`) or fix it by hand, then run again'
            % (path, bytearray(data[exc.start:exc.start + 1])[0], exc.start)) from None


def _depth(value):
    """Nesting depth of a JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
        if level + 1 > MAX_DEPTH:
            return level + 1
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_document(text, path='daemon.json'):
    """Text (or bytes) of a daemon.json -> (dict, warnings). Empty text counts as {} (dockerd accepts it).

    Protects against: invalid JSON, a top-level value that is not an object, NaN/Infinity (not JSON; dockerd
    refuses them), nesting deeper than MAX_DEPTH (refused with a message, never a RecursionError), and
    duplicate keys: dockerd (Go's encoding/json) keeps the last value, so does this module, and a warning
    says which earlier value is dropped when the file is written.
    """
    text = decode(text, path)
    if text is None or not text.strip():
        return {}, []
    duplicates = []

    def pairs_hook(pairs):
        result = {}
        for key, value in pairs:
            if key in result:
                duplicates.append((key, result[key], value))
            result[key] = value
        return result

    def no_constant(name):
        raise DaemonJsonError(
            '%s contains %s, which is not JSON (dockerd refuses the file); write a number or a string instead'
            % (path, name))

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=no_constant)
    except RecursionError:
        raise DaemonJsonError(
            '%s is nested too deeply to read (more than %d levels; no dockerd option nests more than 4); '
            'fix the file by hand and run again' % (path, MAX_DEPTH)) from None
    except ValueError as exc:
        if isinstance(exc, DaemonJsonError):
            raise
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
    if _depth(data) > MAX_DEPTH:
        raise DaemonJsonError(
            '%s is nested more than %d levels deep (no dockerd option nests more than 4); fix the file by hand '
            'and run again' % (path, MAX_DEPTH))
    warnings = ['%s: key "%s" appears more than once in the same object; dockerd uses the last value (%s) '
                'and so does this module: the earlier value %s is dropped when the file is written'
                % (path, key, _show(last), _show(first)) for key, first, last in duplicates]
    return data, warnings


def parse(text, path='daemon.json'):
    """Text of a daemon.json -> dict (see parse_document, which also returns the warnings)."""
    return parse_document(text, path)[0]


def render(config):
    """Stable text: sorted keys, 2-space indent, final newline (a rerun compares equal)."""
    return json.dumps(config, indent=2, sort_keys=True, separators=(',', ': '), ensure_ascii=False,
                      allow_nan=False) + '\n'


def check_values(config, where='settings'):
    """Errors for values that are not JSON at all: NaN/Infinity, non-string object keys, other Python types,
    nesting deeper than MAX_DEPTH. Checked before merging, so nothing below recurses into such a value."""
    if _depth(config) > MAX_DEPTH:
        return ['daemon.json: %s are nested more than %d levels deep; no dockerd option nests more than 4'
                % (where, MAX_DEPTH)]
    errors = []
    stack = [('', config)]
    while stack:
        name, value = stack.pop()
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    errors.append('daemon.json: key %r%s must be a string (JSON object keys are strings); quote it'
                                  % (key, ' in "%s"' % name if name else ''))
                    continue
                stack.append(('%s.%s' % (name, key) if name else key, value[key]))
        elif isinstance(value, list):
            stack.extend(('%s[%d]' % (name, index), item) for index, item in enumerate(value))
        elif isinstance(value, float):
            if math.isnan(value) or math.isinf(value):
                errors.append('daemon.json: "%s" is %r, which JSON cannot hold (dockerd refuses NaN and '
                              'infinities); write a number' % (name, value))
        elif value is not None and not isinstance(value, (str, bool, int)):
            errors.append('daemon.json: "%s" is a %s, not a JSON value; write a string, number, boolean, list '
                          'or object' % (name, type(value).__name__))
    return sorted(errors)


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


def _resolve(config, entry):
    """Where a remove entry points: (object, key) or None when absent.

    An exact key wins ("log-opts" or a key with a dot in its name); otherwise "a.b.c" walks objects, trying
    each "." as a separator (so "log-opts.max-size" is key "max-size" inside "log-opts"). Raises when the
    path runs into a value that is not an object.
    """
    if entry in config:
        return config, entry
    for index, char in enumerate(entry):
        if char != '.':
            continue
        head, rest = entry[:index], entry[index + 1:]
        if head not in config or not rest:
            continue
        inner = config[head]
        if not isinstance(inner, dict):
            raise DaemonJsonError(
                'daemon.json: remove entry "%s" names a key inside "%s", but "%s" is %s, not an object; remove '
                '"%s" itself, or set it in settings to the value you want' % (entry, head, head, _json_kind(inner), head))
        found = _resolve(inner, rest)
        if found is not None:
            return found
    return None


def merge(current, settings=None, remove=None, list_merge='replace'):
    """Return a new dict: `current` with `settings` merged in and the keys in `remove` deleted.

    Objects merge key by key (recursively); lists are replaced, or with list_merge=append_unique extended by
    the items not yet present; keys `settings` does not name are kept as they are. A remove entry is a
    top-level key or a dotted path into objects (`log-opts.max-size`); the object that held it stays, even
    when it becomes empty. Removing what is absent changes nothing.
    """
    settings = settings or {}
    remove = list(remove or [])
    if list_merge not in LIST_MERGE_MODES:
        raise DaemonJsonError('list_merge must be one of %s, not %r' % (', '.join(LIST_MERGE_MODES), list_merge))
    for entry in remove:
        if not isinstance(entry, str) or not entry or entry.startswith('.') or entry.endswith('.'):
            raise DaemonJsonError('daemon.json: remove entry %s is not a key; write a key ("debug") or a dotted '
                                  'path to a nested key ("log-opts.max-size")' % _show(entry))
    both = sorted(entry for entry in remove if _resolve(copy.deepcopy(settings), entry) is not None)
    if both:
        raise DaemonJsonError(
            'daemon.json: %s both in settings and in remove; keep each key in one of them'
            % ', '.join('"%s"' % key for key in both))
    result = _merge_value(current if isinstance(current, dict) else {}, settings, list_merge)
    for entry in remove:
        found = _resolve(result, entry)
        if found is not None:
            holder, key = found
            del holder[key]
    return result


def changed_keys(before, after):
    """Sorted top-level keys added, changed or removed."""
    keys = set(before) | set(after)
    return sorted(key for key in keys
                  if key not in before or key not in after or before[key] != after[key])


def restart_reasons(keys, before=None, after=None):
    """Changed top-level keys that a SIGHUP does not apply, each with the reason (see RELOADABLE_KEYS)."""
    before = before or {}
    after = after or {}
    reasons = {}
    for key in keys:
        if key == 'features':
            reasons[key] = 'dockerd reads "features" at start only (the image store, CDI, BuildKit...)'
        elif key not in RELOADABLE_KEYS:
            reasons[key] = 'dockerd reads "%s" at start only' % key
        elif key in RELOAD_IGNORES_REMOVAL and key in before and key not in after:
            reasons[key] = 'a reload keeps the running "%s" when the key is deleted' % key
    return reasons


def classify(keys, before=None, after=None):
    """(reload_required, restart_required) for a list of changed top-level keys; never both True.

    With `before` and `after`, a removed key that a reload would not reset counts as a restart.
    """
    keys = list(keys)
    restart = bool(restart_reasons(keys, before, after))
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


def strip_registry_scheme(entry):
    """An insecure-registries entry as dockerd uses it: a leading http:// or https:// removed."""
    lower = entry.lower()
    for scheme in ('http://', 'https://'):
        if lower.startswith(scheme):
            return entry[len(scheme):]
    return entry


def insecure_registry_warning(entry):
    """dockerd's warning for an entry with a scheme (which it accepts, the scheme removed), or None."""
    stripped = strip_registry_scheme(entry)
    if stripped == entry:
        return None
    return ('daemon.json: "insecure-registries" entry %s carries a scheme; dockerd removes it and uses %s (write %s '
            'to silence this)' % (_show(entry), _show(stripped), _show(stripped)))


def check_insecure_registry(entry):
    """Error message for one insecure-registries entry, or None (rules of moby registry/config.go)."""
    name = 'daemon.json: "insecure-registries" entry %s' % _show(entry)
    # dockerd strips an http:// or https:// with a warning (see insecure_registry_warning) and judges the rest.
    entry = strip_registry_scheme(entry)
    if '://' in entry:
        return "%s must not contain '://' (only a CIDR or host[:port] is allowed)" % name
    if '/' in entry:
        try:
            ipaddress.ip_network(entry, strict=False)
            return None
        except ValueError:
            return '%s is neither a CIDR (e.g. "10.0.0.0/8") nor host[:port]' % name
    if split_host_port(entry):
        return None
    return '%s is not valid: expected a CIDR (e.g. "10.0.0.0/8") or host[:port] (e.g. "registry.local:5000")' % name


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
    """(error, warning) for one exec-opts entry (moby daemon/config parseExecOptions, validatePlatformExecOpt)."""
    name = 'daemon.json: "exec-opts" entry %s' % _show(entry)
    if '=' not in entry:
        # dockerd 26 starts with it: the cgroup driver lookup (daemon_unix.go getCgroupDriver) fails on it and
        # UsingSystemd drops that error, so the entry - and with it the whole exec-opts list - sets nothing.
        return None, ("%s is not 'opt=value'; dockerd starts but ignores it and chooses the cgroup driver as if "
                      "\"exec-opts\" did not name one (cgroupfs unless cgroup v2 under systemd); write e.g. "
                      "\"native.cgroupdriver=systemd\" or delete it" % name)
    key, value = entry.split('=', 1)
    key, value = key.strip(), value.strip()
    if not key or not value:
        return "%s must be formatted 'opt=value', e.g. \"native.cgroupdriver=systemd\"" % name, None
    if key.lower() == 'native.cgroupdriver':
        if value not in CGROUP_DRIVERS:
            return '%s: cgroup driver must be one of %s (got %s)' % (name, ', '.join(CGROUP_DRIVERS), _show(value)), None
        return None, None
    return ('%s: option %s is not one dockerd knows on Linux (only native.cgroupdriver); dockerd 28 and later '
            'refuse to start with it, older ones ignore it; delete it' % (name, _show(key))), None


def _ip(value, version=None):
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if version and address.version != version:
        return None
    return address


def _cidr(value, version=None):
    """An ip_interface for "addr/len" (host bits allowed, as Go's net.ParseCIDR and netip.ParsePrefix), else None."""
    if not isinstance(value, str) or '/' not in value:
        return None
    address, _sep, length = value.partition('/')
    if not length.isdigit() or (len(length) > 1 and length.startswith('0')):
        return None
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        return None
    if version and interface.version != version or _ip(address) is None:
        return None
    return interface


def _err(key, value, problem, fix):
    return 'daemon.json: "%s" %s %s; %s' % (key, _show(value), problem, fix)


def _check_path(key, value):
    if value and not value.startswith('/'):
        return [_err(key, value, 'is a relative path (dockerd would resolve it against its working directory)',
                     'write an absolute path, e.g. "/%s"' % value.lstrip('./'))]
    return []


def _check_choice(key, value, choices, lower=False):
    if (value.lower() if lower else value) in choices:
        return []
    return [_err(key, value, 'is not a value dockerd accepts', 'write one of %s' % ', '.join(choices))]


def _check_size(key, value, allow_zero=True):
    if _SIZE_RE.match(value.strip()) and (allow_zero or re.search(r'[1-9]', value)):
        return []
    return [_err(key, value, 'is not a size', 'write a positive size such as "64m", "1g" or "512k"')]


def _check_non_negative(key, value, upper=None):
    if value < 0 or (upper is not None and value > upper):
        span = 'between 0 and %d' % upper if upper is not None else '0 or more'
        return [_err(key, value, 'is out of range (dockerd refuses it at start)', 'write a number %s' % span)]
    return []


def _check_labels(values, key='labels'):
    errors, seen = [], {}
    for label in values:
        if '=' not in label:
            errors.append(_err(key, label, "is not a label (dockerd: 'bad attribute format')",
                               'write "key=value", e.g. "rack=r12"'))
            continue
        if label.lower().startswith(('com.docker.', 'io.docker.', 'org.dockerproject.')):
            errors.append(_err(key, label, 'uses a namespace dockerd reserves (com.docker.*, io.docker.*, '
                               'org.dockerproject.*)', 'choose another prefix, e.g. "com.example."'))
            continue
        name, value = label.split('=', 1)
        if name in seen and seen[name] != value:
            errors.append(_err(key, label, 'conflicts with "%s=%s" (dockerd refuses two values for one label)'
                               % (name, seen[name]), 'keep one of them'))
        seen[name] = value
    return errors


def check_host(entry, config, allow_tcp_without_tls=False):
    """Errors for one "hosts" entry (moby daemon/pkg/opts ParseDaemonHost), and the refusal of a TCP socket
    without TLS client verification: that socket is root on this host for anyone who can reach the port."""
    key = 'hosts'
    if not entry.strip():
        return [_err(key, entry, 'is empty', 'write "unix:///var/run/docker.sock", "fd://" or '
                     '"tcp://0.0.0.0:2376" (with tlsverify)')]
    scheme, sep, rest = entry.partition('://')
    if not sep:
        # As dockerd's ParseDaemonHost: an address without a scheme is TCP.
        scheme, rest = 'tcp', entry
    if scheme not in HOST_SCHEMES:
        return [_err(key, entry, 'uses a scheme dockerd does not listen on', 'use unix://, tcp:// or fd://')]
    if scheme == 'unix' and rest and not rest.startswith('/'):
        return [_err(key, entry, 'is a relative socket path', 'write unix:///absolute/path.sock')]
    if scheme == 'tcp':
        hostport = rest.split('/', 1)[0]
        port = hostport.rsplit(':', 1)[1] if ':' in hostport and not hostport.endswith(']') else ''
        if port and (not port.isdigit() or not 0 < int(port) <= 65535):
            return [_err(key, entry, 'has an invalid port', 'write a port between 1 and 65535 (2376 for TLS)')]
        tls_ready = (config.get('tlsverify') is True and all(config.get(name) for name in ('tlscacert', 'tlscert', 'tlskey')))
        if not tls_ready and not allow_tcp_without_tls:
            return [_err(key, entry, 'opens the Docker API on the network without TLS client verification: anyone '
                         'who reaches the port is root on this host',
                         'set "tlsverify": true with "tlscacert", "tlscert" and "tlskey", or set the option '
                         'allow_tcp_without_tls (docker_daemon_allow_tcp_without_tls) if that is really meant')]
    return []


def check_address_pools(pools):
    errors = []
    for index, pool in enumerate(pools):
        name = 'default-address-pools[%d]' % index
        base, size = pool.get('base'), pool.get('size')
        network = _cidr(base)
        if network is None:
            errors.append(_err(name + '.base', base, 'is not a CIDR', 'write a network such as "172.30.0.0/16"'))
        if not _is_int(size):
            errors.append('daemon.json: "%s.size" must be an integer prefix length (got %s); write e.g. 24'
                          % (name, _show(size)))
            continue
        if network is not None:
            bits = 32 if network.version == 4 else 128
            if not network.network.prefixlen <= size <= bits:
                errors.append(_err(name + '.size', size, 'is not between the base prefix length (%d) and %d'
                                   % (network.network.prefixlen, bits),
                                   'write a size such as %d' % min(bits, max(network.network.prefixlen, 24))))
    return errors


def check_runtimes(runtimes):
    errors = []
    for name in sorted(runtimes):
        spec = runtimes[name]
        where = 'runtimes.%s' % name
        if name == 'runc':
            errors.append('daemon.json: runtime name "runc" is reserved (dockerd refuses it); name yours differently')
            continue
        if not isinstance(spec, dict):
            errors.append(_type_error(where, 'dict', spec))
            continue
        path, runtime_type = spec.get('path'), spec.get('runtimeType')
        if not path and not runtime_type:
            errors.append('daemon.json: "%s" needs "path" (an OCI runtime binary) or "runtimeType" (a containerd '
                          'shim), as dockerd requires' % where)
        elif path and runtime_type:
            errors.append('daemon.json: "%s" sets both "path" and "runtimeType"; dockerd refuses that, keep one' % where)
        elif path and 'options' in spec:
            errors.append('daemon.json: "%s" has "options", which dockerd allows only with "runtimeType"' % where)
        elif runtime_type and 'runtimeArgs' in spec:
            errors.append('daemon.json: "%s" has "runtimeArgs", which dockerd allows only with "path"' % where)
    return errors


def check_ulimits(ulimits):
    errors = []
    for name in sorted(ulimits):
        spec = ulimits[name]
        where = 'default-ulimits.%s' % name
        if name not in _ULIMIT_NAMES:
            errors.append('daemon.json: "%s" is not a ulimit dockerd knows; use one of %s' % (where, ', '.join(_ULIMIT_NAMES)))
            continue
        if not isinstance(spec, dict) or not _is_int(spec.get('Soft')) or not _is_int(spec.get('Hard')):
            errors.append('daemon.json: "%s" must be {"Name": "%s", "Soft": <integer>, "Hard": <integer>} (got %s)'
                          % (where, name, _show(spec)))
            continue
        if spec['Soft'] > spec['Hard'] and spec['Hard'] >= 0:
            errors.append('daemon.json: "%s" has Soft %d above Hard %d; dockerd refuses it, lower Soft'
                          % (where, spec['Soft'], spec['Hard']))
    return errors


def check_proxies(proxies):
    errors = []
    for key in sorted(proxies):
        if key not in PROXY_KEYS:
            hint = key.replace('_', '-').lower()
            fix = 'write "%s"' % hint if hint in PROXY_KEYS else 'use %s' % ', '.join(PROXY_KEYS)
            errors.append('daemon.json: "proxies.%s" is not a proxy setting dockerd knows; %s' % (key, fix))
            continue
    return errors


def log_driver_warning(driver):
    """dockerd 26 starts with any "log-driver" and refuses only each container's start when no logging plugin of
    that name is installed; a plugin may be installed after the file is written (docker plugin install ...
    --alias NAME), so the module warns and does not refuse (tests/differential: known difference)."""
    built_in = ', '.join(LOG_DRIVERS)
    return ('daemon.json: "log-driver" %s is not a log driver built into dockerd (%s); it must be a logging plugin '
            'installed on the host (docker plugin install IMAGE --alias %s), or every container fails to start '
            '("error looking up logging plugin"); check the spelling' % (_show(driver), built_in, driver))


def check_log_opts(driver, log_opts):
    if driver == 'none':
        return []  # dockerd checks no log-opts for the none driver (daemon/logger ValidateLogOpts)
    errors = []
    # mode and max-buffer-size are dockerd's own, for every log driver (daemon/logger ValidateLogOpts).
    mode = log_opts.get('mode')
    if mode is not None and mode not in LOG_MODES:
        errors.append(_err('log-opts.mode', mode, 'is not a logging mode dockerd knows', 'write "blocking" or '
                           '"non-blocking"'))
    if 'max-buffer-size' in log_opts:
        if mode != 'non-blocking':
            errors.append(_err('log-opts.max-buffer-size', log_opts['max-buffer-size'], 'is only read with '
                               '"mode": "non-blocking" (dockerd refuses it otherwise)', 'add "mode": "non-blocking" '
                               'or drop it'))
        errors.extend(_check_size('log-opts.max-buffer-size', log_opts['max-buffer-size']))
    allowed = LOG_OPT_KEYS.get(driver or 'json-file')
    if allowed is None:
        return errors
    for key in sorted(log_opts):
        if key in LOG_MODE_KEYS:
            continue
        if key not in allowed:
            errors.append('daemon.json: "log-opts.%s" is not an option of the %s log driver (dockerd refuses it when '
                          'it creates a container); use %s' % (key, driver or 'json-file', ', '.join(allowed)))
    if 'max-size' in log_opts:
        errors.extend(_check_size('log-opts.max-size', log_opts['max-size'], allow_zero=False))
    if 'max-file' in log_opts:
        text = log_opts['max-file']
        if not text.isdigit() or int(text) < 1:
            errors.append(_err('log-opts.max-file', text, 'is not a positive whole number', 'write e.g. "3"'))
    if 'compress' in log_opts and log_opts['compress'] not in _GO_BOOLS:
        errors.append(_err('log-opts.compress', log_opts['compress'], 'is not "true" or "false"', 'write "true"'))
    return errors


def check_values_of(key, value, config, allow_tcp_without_tls=False):
    """Errors for the value of one known key whose JSON type is right: what dockerd's own validation
    (moby daemon/config Validate, validatePlatformConfig, the option parsers and the checks at start)
    refuses. Each message names key, value and fix."""
    errors = []
    if key == 'insecure-registries':
        errors.extend(e for e in (check_insecure_registry(item) for item in value) if e)
    elif key == 'registry-mirrors':
        errors.extend(e for e in (check_registry_mirror(item) for item in value) if e)
    elif key == 'exec-opts':
        errors.extend(e for e in (check_exec_opt(item)[0] for item in value) if e)
    elif key == 'default-address-pools':
        errors.extend(check_address_pools(value))
    elif key in ('bip', 'fixed-cidr'):
        if _cidr(value, 4) is None:
            errors.append(_err(key, value, 'is not an IPv4 address with prefix length',
                               'write e.g. "172.26.0.1/16"' if key == 'bip' else 'write e.g. "172.26.0.0/24"'))
    elif key in ('bip6', 'fixed-cidr-v6'):
        if _cidr(value, 6) is None:
            errors.append(_err(key, value, 'is not an IPv6 address with prefix length', 'write e.g. "fd00:1::1/64"'))
    elif key in ('ip', 'host-gateway-ip'):
        if _ip(value) is None:
            errors.append(_err(key, value, 'is not an IP address', 'write e.g. "0.0.0.0"'))
    elif key == 'default-gateway':
        if _ip(value, 4) is None:
            errors.append(_err(key, value, 'is not an IPv4 address', 'write e.g. "172.26.0.1"'))
    elif key == 'default-gateway-v6':
        if _ip(value, 6) is None:
            errors.append(_err(key, value, 'is not an IPv6 address', 'write e.g. "fd00:1::1"'))
    elif key in ('dns', 'host-gateway-ips'):
        errors.extend(_err(key, item, 'is not an IP address', 'write e.g. "192.0.2.53"')
                      for item in value if _ip(item) is None)
    elif key == 'dns-search':
        for item in value:
            if not _HOSTNAME_RE.match(item.rstrip('.')) and item != '.' or len(item) > 255:
                errors.append(_err(key, item, 'is not a DNS domain', 'write e.g. "example.com"'))
    elif key in ('labels', 'node-generic-resources'):
        if key == 'labels':
            errors.extend(_check_labels(value))
        else:
            errors.extend(_err(key, item, 'is not "name=value"', 'write e.g. "gpu=UUID1"') for item in value if '=' not in item)
    elif key == 'log-level':
        errors.extend(_check_choice(key, value, LOG_LEVELS, lower=True))
    elif key == 'log-format':
        errors.extend(_check_choice(key, value, LOG_FORMATS))
    elif key == 'log-opts':
        errors.extend(check_log_opts(config.get('log-driver') if isinstance(config.get('log-driver'), str) else None, value))
    elif key in ('data-root', 'exec-root', 'pidfile', 'userland-proxy-path', 'init-path', 'tlscacert', 'tlscert', 'tlskey'):
        errors.extend(_check_path(key, value))
    elif key in ('mtu', 'max-concurrent-downloads', 'max-concurrent-uploads', 'max-download-attempts',
                 'default-stop-timeout'):
        errors.extend(_check_non_negative(key, value))
    elif key == 'network-diagnostic-port':
        errors.extend(_check_non_negative(key, value, 65535))
    elif key == 'default-shm-size':
        errors.extend(_check_size(key, value))
    elif key == 'default-cgroupns-mode':
        errors.extend(_check_choice(key, value, CGROUPNS_MODES))
    elif key == 'default-ipc-mode':
        errors.extend(_check_choice(key, value, IPC_MODES))
    elif key == 'firewall-backend':
        errors.extend(_check_choice(key, value, FIREWALL_BACKENDS))
    elif key == 'hosts':
        for item in value:
            errors.extend(check_host(item, config, allow_tcp_without_tls))
    elif key == 'runtimes':
        errors.extend(check_runtimes(value))
    elif key == 'default-ulimits':
        errors.extend(check_ulimits(value))
    elif key == 'proxies':
        errors.extend(check_proxies(value))
    elif key == 'default-network-opts':
        for driver in sorted(value):
            errors.extend(check_type('default-network-opts.%s' % driver, 'dict_str', value[driver]))
    elif key == 'userland-proxy' and value and config.get('userland-proxy-path') == '':
        errors.append('daemon.json: "userland-proxy-path" is empty while "userland-proxy" is true; delete it')
    return errors


def unknown_key_message(key):
    """Why dockerd would refuse (or ignore) a key this module does not know, with the fix."""
    if key in REMOVED_KEYS:
        return 'daemon.json: key "%s": %s' % (key, REMOVED_KEYS[key])
    if key in FLAG_NAME_KEYS:
        return ('daemon.json: key "%s" is the command-line flag\'s name; dockerd ignores it in the file, write "%s" '
                'instead' % (key, FLAG_NAME_KEYS[key]))
    if key in COMMAND_LINE_ONLY:
        return 'daemon.json: key "%s" is a command-line option of dockerd, not a setting of the file; delete it' % key
    near = [known for known in KNOWN_KEYS if _close(key, known)]
    hint = '; did you mean %s?' % ' or '.join('"%s"' % name for name in sorted(near)[:3]) if near else ''
    return ('daemon.json: unknown key "%s": dockerd refuses to start with a key it does not know ("the following '
            'directives don\'t match any configuration option")%s' % (key, hint))


def _close(a, b):
    """True when b is a plausible correction of a (one edit apart, or the same after - / _ folding)."""
    if a.replace('_', '-').lower() == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def validate(config, strict=False, allow_tcp_without_tls=False, changed=None, dockerd_version=None):
    """(errors, warnings) for a whole daemon.json dict.

    Warnings about keys only some Docker versions accept are given for the keys in `changed` (all when None),
    so an unchanged file does not warn on every run. With `dockerd_version` (given where dockerd cannot
    validate the file itself), a key that version refuses is an error instead.

    Unknown keys are errors with strict=True, warnings otherwise (the module decides strict: see
    validate_document). Removed keys and flag names are always errors: dockerd refuses or ignores them.
    """
    errors, warnings = [], []
    errors.extend(check_values(config, 'the keys'))
    if errors:
        return errors, warnings
    for key in sorted(config):
        value = config[key]
        kind = KNOWN_KEYS.get(key)
        if kind is None:
            message = unknown_key_message(key)
            if key in REMOVED_KEYS or key in FLAG_NAME_KEYS or key in COMMAND_LINE_ONLY:
                errors.append(message)
            else:
                (errors if strict else warnings).append(message)
            continue
        type_errors = check_type(key, kind, value)
        if type_errors:
            errors.extend(type_errors)
            continue
        too_new_or_old = version_error(key, dockerd_version)
        if too_new_or_old:
            errors.append(too_new_or_old)
            continue
        if key in VERSIONED_KEYS and (changed is None or key in changed):
            warnings.append('daemon.json: key "%s" is %s' % (key, VERSIONED_KEYS[key]))
        if key == 'features':
            for feature in sorted(set(value) - KNOWN_FEATURES):
                warnings.append('daemon.json: "features.%s" is not a feature dockerd is known to read (known: %s); '
                                'it is kept, check the spelling' % (feature, ', '.join(sorted(KNOWN_FEATURES))))
        errors.extend(check_values_of(key, value, config, allow_tcp_without_tls))
        if key == 'insecure-registries':
            warnings.extend(w for w in (insecure_registry_warning(item) for item in value) if w)
        if key == 'exec-opts':
            warnings.extend(w for w in (check_exec_opt(item)[1] for item in value) if w)
        if key == 'log-driver' and value not in LOG_DRIVERS:
            warnings.append(log_driver_warning(value))
    if config.get('tlsverify') is True:
        missing = [name for name in ('tlscacert', 'tlscert', 'tlskey') if not config.get(name)]
        if missing:
            warnings.append('daemon.json: "tlsverify" is true but %s not set; dockerd then looks in ~/.docker'
                            % ', '.join('"%s"' % name for name in missing))
    if config.get('features', {}).get('embedded-containerd') is True and config.get('cri-containerd') is True:
        errors.append('daemon.json: "features.embedded-containerd" and "cri-containerd" cannot both be true '
                      '(dockerd refuses it); drop one')
    return errors, warnings


def mask_url(value):
    """A URL with its password (or its whole userinfo) replaced by ****, for messages, diffs and results."""
    if not isinstance(value, str) or '@' not in value:
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return re.sub(r'//[^@/]*@', '//****@', value)
    if parts.username is None and parts.password is None:
        return value
    user = parts.username or ''
    netloc = '%s:****@%s' % (user, parts.netloc.rsplit('@', 1)[1]) if parts.password is not None \
        else '****@%s' % parts.netloc.rsplit('@', 1)[1]
    return parts._replace(netloc=netloc).geturl()


def url_userinfo(value, bare=False):
    """The credential a URL string carries (its password, else its user or token), or ''. With bare, a value
    without a scheme (user:pw@proxy:3128, which proxy settings accept) is read as http://; a value that does not
    parse is returned whole, so that it is treated as a secret rather than shown."""
    if not isinstance(value, str) or '@' not in value:
        return ''
    if '://' not in value:
        if not bare:
            return ''
        value = 'http://' + value
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    return parts.password or parts.username or ''


def secrets(config):
    """The credentials a daemon.json holds (userinfo of proxy URLs, with or without a scheme, and anywhere a URL
    string carries one): the module writes such a file 0600 and masks them in diffs and results."""
    found = []
    proxies = config.get('proxies') if isinstance(config, dict) else None
    if isinstance(proxies, dict):
        found.extend(url_userinfo(value, bare=True) for value in proxies.values())
    stack = [config]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        else:
            found.append(url_userinfo(value))
    return sorted(set(item for item in found if item), key=lambda item: (-len(item), item))


def mask(config_or_text, secret_values):
    """A copy of a config (or a text) with every secret value replaced by **** (the collection's one masking,
    _files.mask)."""
    return _mask(config_or_text, secret_values)


def compute(current, settings=None, remove=None, list_merge='replace', *, validate_result=True, strict=False,
            allow_tcp_without_tls=False, dockerd_version=None):
    """The whole decision without side effects.

    Returns a dict: config, changed_keys, reload_required, restart_required, restart_reasons, warnings.
    Raises DaemonJsonError for bad input.
    """
    problems = check_values(settings or {})
    if problems:
        raise DaemonJsonError('; '.join(problems))
    result = merge(current, settings, remove, list_merge)
    keys = changed_keys(current, result)
    warnings = []
    if validate_result:
        errors, warnings = validate(result, strict, allow_tcp_without_tls, changed=keys, dockerd_version=dockerd_version)
        if errors:
            raise DaemonJsonError('; '.join(errors))
    reasons = restart_reasons(keys, current, result)
    restart = bool(reasons)
    return {
        'config': result,
        'changed_keys': keys,
        'reload_required': bool(keys) and not restart,
        'restart_required': restart,
        'restart_reasons': reasons,
        'warnings': warnings,
    }
