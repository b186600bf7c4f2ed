#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: daemon_json
short_description: Merge settings into Docker's daemon.json, validated, and say whether a reload or a restart is needed
version_added: 0.1.0
description:
  - Reads the Docker daemon configuration file (a missing file counts as C({})), merges O(settings) into it,
    deletes the keys in O(remove), checks the result and writes it atomically.
  - Keys that O(settings) does not name are kept as they are; nested objects (C(log-opts), C(features),
    C(runtimes), C(proxies), ...) merge key by key.
  - The file is written in a stable form (sorted keys, two-space indent, final newline), so a second run with
    the same input reports no change.
  - Bad input fails with a message naming the key, the value and the fix, before anything is written, and the
    file is left byte for byte as it was. What each check protects against is listed under O(validate),
    O(path), O(mode), O(strict), O(allow_tcp_without_tls) and O(lock_timeout).
  - Reading an existing file, the module refuses invalid UTF-8 (naming the byte offset; dockerd refuses such a
    file at start), invalid JSON, NaN and infinities, and nesting deeper than 32 levels (never a Python
    traceback). A key given twice in one object is read as dockerd reads it (the last value wins) with a
    warning that the earlier value is dropped when the file is written.
  - Tells which action the change needs, in RV(reload_required) and RV(restart_required), from moby's reload
    code (the keys a SIGHUP applies in daemon/reload.go and reload_unix.go), with the reason for a restart in
    RV(restart_reasons). C(features) restarts, since dockerd reads every feature (the containerd image store, CDI,
    BuildKit) at start only. Deleting C(default-runtime), C(default-cgroupns-mode) or C(default-ipc-mode)
    restarts, since a reload keeps the running value.
  - When the file holds credentials (a URL with C(user:password@), as in C(proxies)), it is written with mode
    C(0600), the credentials are masked (C(****)) in the diff, in RV(config), in RV(previous_content) and in
    messages, and the previous file is kept as a C(0600) backup (RV(backup_file)) for a rollback.
  - The module does not reload or restart Docker itself; the P(fleetops.docker_host.docker_daemon#role) role does.
options:
  path:
    description:
      - Absolute path of the daemon configuration file. Its directory is created (mode C(0755)) when missing.
      - A relative path is refused (over SSH it would land in the remote user's home directory).
      - A symlink is written through (the file it points to is replaced, the link is kept); a link loop, a
        directory, a FIFO or a device is refused before anything is read.
    type: path
    default: /etc/docker/daemon.json
  settings:
    description:
      - Keys to merge into the file. Values are written as given (use JSON types, e.g. strings for
        C(log-opts) values such as C("3")).
    type: dict
    default: {}
  remove:
    description:
      - Keys to delete from the file. A top-level key (C(debug)) or a dotted path into objects
        (C(log-opts.max-size)); an exact key with a dot in its name wins over the path. The object that held a
        nested key stays (possibly empty). A path through a value that is not an object is refused.
      - A key may not appear in both O(settings) and O(remove).
    type: list
    elements: str
    default: []
  list_merge:
    description:
      - How a list value in O(settings) combines with the list already in the file.
      - V(replace) writes the given list; V(append_unique) keeps the existing items and appends the given items
        that are not present yet.
    type: str
    choices: [replace, append_unique]
    default: replace
  validate:
    description:
      - Check the result before writing it, so that a value dockerd would refuse at its next start fails the
        task instead of stopping the engine. The checks follow moby's own (daemon/config C(Validate),
        C(validatePlatformConfig), the option parsers and the checks at start), on every Docker version,
        including what C(dockerd --validate) lets through (it accepts C(bip) set to C(x)).
      - JSON types of the known keys; C(bip), C(bip6), C(fixed-cidr), C(fixed-cidr-v6) as addresses with prefix
        length; C(default-address-pools) bases as CIDRs and sizes between the base prefix and 32 (128);
        C(ip), C(default-gateway), C(dns), C(host-gateway-ips) as IP addresses; C(dns-search) as domains;
        C(mtu), C(max-concurrent-*), C(max-download-attempts) not negative; C(network-diagnostic-port) 0-65535;
        C(labels) as C(key=value) outside Docker's reserved namespaces and without two values for one key;
        C(log-level) (panic, fatal, error, warn, info, debug, trace), C(log-format); C(log-opts) of the
        json-file and local drivers (known names, a positive C(max-size), C(max-file) of at least 1);
        C(data-root), C(exec-root), C(pidfile) and the TLS files as absolute paths; C(default-shm-size) as a
        size; C(default-cgroupns-mode) (host, private), C(default-ipc-mode) (private, shareable),
        C(firewall-backend); C(exec-opts) (only C(native.cgroupdriver=cgroupfs|systemd)); C(runtimes)
        (C(path) or C(runtimeType), not both; C(runc) reserved); C(default-ulimits); C(proxies) members;
        C(hosts) schemes, and C(tcp://) without TLS (see O(allow_tcp_without_tls));
        C(insecure-registries) (CIDR or host[:port], no scheme); C(registry-mirrors) (http(s) URLs without
        credentials, query or fragment).
      - Where dockerd has no C(--validate) (before Docker 23), a key newer than the installed dockerd (for
        example C(proxies), new in 23) is refused, since that dockerd would not start with it.
      - Keys removed from dockerd (C(cluster-store), C(graph), ...) and command-line flag names that dockerd
        ignores in the file (C(insecure-registry), C(label), ...) are refused with the key to write instead.
      - When the installed dockerd has C(--validate) (Docker 23 and later), the candidate file is also checked
        with C(dockerd --validate --config-file <file>); that file is written in the module's temporary
        directory, never in the configuration directory (also in check mode).
    type: bool
    default: true
  strict:
    description:
      - What to do with a key the module does not know. dockerd refuses to start with one ("the following
        directives don't match any configuration option").
      - Unset (the default), it is refused when dockerd cannot validate the file itself (no C(dockerd
        --validate), Docker before 23), and left to C(dockerd --validate) (with a warning) where it can.
      - V(true) refuses it always, V(false) only warns.
    type: bool
  allow_tcp_without_tls:
    description:
      - A C(tcp://) entry in C(hosts) without C(tlsverify=true) and C(tlscacert), C(tlscert), C(tlskey) opens
        the Docker API, which is root on the host, to anyone who can reach the port. It is refused unless this
        is V(true).
    type: bool
    default: false
    version_added: 0.2.0
  lock_timeout:
    description:
      - Seconds to wait for another run holding the lock on the configuration directory. The read, merge and
        write happen under an exclusive C(flock) of the directory, so two runs at the same time (two plays, a
        play and a person) do not lose an update. A writer that does not take the lock (an editor) and changes
        the file during the run makes the module refuse to write instead of overwriting that change.
      - On timeout the task fails naming the process that holds the lock, and nothing is written.
    type: float
    default: 30
    version_added: 0.2.0
  backup:
    description: Keep a timestamped copy of the previous file next to it when the file changes.
    type: bool
    default: false
  mode:
    description:
      - Permissions of the file, as an octal string (V('0644')) or a symbolic mode. Owner and group are always
        C(root). Refused before anything is read or written when it is not a mode (V('0999'), V('rw')).
      - Default V('0644'), or V('0600') when the file holds credentials; a mode that lets other users read a
        file with credentials is refused.
      - Mode and owner are set on the old file before the new content replaces it, so a failure leaves the
        content as it was.
    type: raw
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Reports what would change (RV(changed_keys), RV(reload_required), RV(restart_required)) without writing.
    support: full
  diff_mode:
    description: Shows the file before and after as text.
    support: full
  platform:
    description: Hosts with a POSIX file system; owner and group root.
notes:
  - Docker refuses a key given both as a dockerd flag and in the file (for example C(hosts) with the packaged
    C(-H fd://)); the role P(fleetops.docker_host.docker_daemon#role) adds the systemd drop-in for that. Used
    alone, write C(hosts) only together with such a drop-in.
seealso:
  - name: dockerd reference, daemon configuration file
    description: Keys, types and the configuration reload behaviour.
    link: https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file
'''

EXAMPLES = r'''
- name: Send container logs to rotating files and trust a lab registry
  fleetops.docker_host.daemon_json:
    settings:
      log-driver: json-file
      log-opts:
        max-size: 10m
        max-file: "3"
      insecure-registries:
        - 10.100.0.0/24
        - registry.lab:5000
  register: daemon

- name: Add a registry mirror to those already configured, drop an old key
  fleetops.docker_host.daemon_json:
    settings:
      registry-mirrors: [https://mirror.example.com]
    list_merge: append_unique
    remove: [cluster-store]
    backup: true

- name: Reload or restart as the result says
  ansible.builtin.systemd_service:
    name: docker
    state: "{{ 'restarted' if daemon.restart_required else 'reloaded' }}"
  when: daemon.changed
'''

RETURN = r'''
config:
  description: The resulting configuration (what the file holds after the run, or would hold in check mode).
  returned: success
  type: dict
  sample: {"log-driver": "json-file", "log-opts": {"max-file": "3", "max-size": "10m"}}
changed_keys:
  description: Sorted top-level keys added, changed or removed.
  returned: success
  type: list
  elements: str
  sample: ["insecure-registries", "log-opts"]
reload_required:
  description: True when only keys dockerd reloads on SIGHUP changed (C(systemctl reload docker) suffices).
  returned: success
  type: bool
  sample: true
restart_required:
  description: True when a changed key needs a restart of dockerd. Never true together with RV(reload_required).
  returned: success
  type: bool
  sample: false
backup_file:
  description: Path of the copy of the previous file (mode C(0600) when the file holds credentials).
  returned: when the file changed and O(backup=true) or the file holds credentials
  type: str
  sample: /etc/docker/daemon.json.12345.2026-01-01@12:00:00~
previous_content:
  description:
    - The text of the file before this run, for a caller that must put it back (a rollback after dockerd
      refused the new configuration); V(null) when there was no file.
    - Saves the caller a read of the file before the module runs.
    - With credentials in the file they are masked here (RV(previous_content_masked)); put RV(backup_file) back
      instead.
  returned: when the content changed (or would change, in check mode)
  type: str
  sample: '{"log-driver": "json-file"}'
  version_added: 0.2.0
previous_content_masked:
  description: True when RV(previous_content) had credentials masked, so it cannot be written back as is.
  returned: when the content changed and the file holds credentials
  type: bool
  sample: true
  version_added: 0.2.0
restart_reasons:
  description: For each changed key that a reload does not apply, why dockerd must restart.
  returned: success
  type: dict
  sample: {"log-opts": "dockerd reads \"log-opts\" at start only"}
  version_added: 0.2.0
path:
  description: The path given.
  returned: success
  type: str
  sample: /etc/docker/daemon.json
  version_added: 0.2.0
target:
  description: The file written when O(path) is a symlink (the link itself is kept).
  returned: when O(path) is a symlink
  type: str
  sample: /srv/docker/daemon.json
  version_added: 0.2.0
removed_temp_files:
  description:
    - Temporary files that a cut-off write of this module left beside the file (C(.daemon.json.XXXXXXXX)),
      removed (or, in check mode, to be removed) under the lock; they count as a change.
  returned: when there were any
  type: list
  elements: str
  sample: [/etc/docker/.daemon.json.k2j4x9aa]
  version_added: 0.2.0
validated_with_dockerd:
  description: Whether C(dockerd --validate) checked the candidate file.
  returned: success
  type: bool
  sample: false
'''

import errno
import fcntl
import os
import re
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import (
    DaemonJsonError,
    compute,
    decode,
    mask,
    parse_docker_version,
    parse_document,
    render,
    secrets,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import (
    UnsafeFileError,
    read_regular,
    stale_temp_files,
    write_atomic,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import resolve_target as _resolve_target
from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import parse_proc_locks

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
_OCTAL_MODE_RE = re.compile(r'^0?[0-7]{3,4}$')
_SYMBOLIC_MODE_RE = re.compile(r'^[ugoa]*[-+=](?:[rwxXst]*|[ugo])(?:[-+=](?:[rwxXst]*|[ugo]))*'
                               r'(?:,[ugoa]*[-+=](?:[rwxXst]*|[ugo])(?:[-+=](?:[rwxXst]*|[ugo]))*)*$')


def dockerd_binary(module):
    """The dockerd to validate with, when it has --validate (Docker 23 and later), else None."""
    dockerd = module.get_bin_path('dockerd', opt_dirs=['/usr/sbin', '/usr/local/bin', '/usr/bin'])
    if not dockerd:
        return None
    rc, out, err = module.run_command([dockerd, '--help'], environ_update=C_ENV)
    return dockerd if '--validate' in (out + err) else None


def dockerd_version(module):
    """(major, minor) of the installed dockerd, or None."""
    dockerd = module.get_bin_path('dockerd', opt_dirs=['/usr/sbin', '/usr/local/bin', '/usr/bin'])
    if not dockerd:
        return None
    rc, out, err = module.run_command([dockerd, '--version'], environ_update=C_ENV)
    return parse_docker_version(out) if rc == 0 else None


def dockerd_validate(module, candidate_text, dockerd, shown_path, secret_values=()):
    """Run `dockerd --validate` on the candidate, written in the module's own temporary directory (never the
    configuration directory, also in check mode). Raises DaemonJsonError with dockerd's message."""
    fd, tmp = tempfile.mkstemp(prefix='daemon.json.validate.', suffix='.json', dir=module.tmpdir)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(to_bytes(candidate_text))
        rc, out, err = module.run_command([dockerd, '--validate', '--config-file', tmp], environ_update=C_ENV)
    finally:
        os.unlink(tmp)
    if rc != 0:
        message = mask((err or out).strip().replace(tmp, shown_path), list(secret_values))
        raise DaemonJsonError('dockerd --validate refused the new daemon.json: %s' % message)
    return True


def check_mode_param(mode):
    """The mode parameter, refused before anything is read or written when it is not a file mode.
    Returns the numeric mode, or None for a symbolic one."""
    if isinstance(mode, bool) or mode is None:
        raise DaemonJsonError('daemon_json: mode %r is not a file mode; write an octal string such as "0644"' % (mode,))
    if isinstance(mode, int):
        if not 0 <= mode <= 0o7777:
            raise DaemonJsonError('daemon_json: mode %r is out of range; write an octal string such as "0644"' % mode)
        return mode
    text = str(mode).strip()
    if _OCTAL_MODE_RE.match(text):
        return int(text, 8)
    if _SYMBOLIC_MODE_RE.match(text):
        return None
    raise DaemonJsonError('daemon_json: mode %r is not a file mode; write an octal string such as "0644" (quoted, '
                          'so YAML does not read it as a decimal number) or a symbolic mode such as "u=rw,go=r"' % (mode,))


def resolve_target(path):
    """The file to write for `path` (_files.resolve_target: a symlinked daemon.json is written through its link,
    the link kept; a relative path, a link loop, a dangling link whose directory is missing and anything that is
    not a regular file are refused before anything is read), its refusal worded as this module's."""
    try:
        return _resolve_target(path, 'daemon_json: path', '/etc/docker/daemon.json', 'daemon.json')
    except UnsafeFileError as exc:
        raise DaemonJsonError(str(exc)) from None


def lock_holder(directory):
    """Who holds a flock on `directory`, from /proc/locks: "pid 123 (ansible-playbook ...)" or None."""
    try:
        info = os.stat(directory)
        with open('/proc/locks') as handle:
            text = handle.read()
    except OSError:
        return None
    pid = parse_proc_locks(text).get((os.major(info.st_dev), os.minor(info.st_dev), info.st_ino))
    if pid is not None:
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                command = handle.read().replace(b'\0', b' ').decode('utf-8', 'replace').strip()
        except OSError:
            command = '?'
        return 'pid %s (%s)' % (pid, command[:120])
    return None


class DirectoryLock:
    """An exclusive flock on the configuration directory for the read-merge-write, so two runs (two plays, a
    play and a person using this module) do not lose each other's update. Waits up to `timeout` seconds."""

    def __init__(self, directory, timeout):
        self.directory = directory
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.directory, os.O_RDONLY)
        deadline = time.time() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.time() >= deadline:
                holder = lock_holder(self.directory) or 'another process'
                os.close(self.fd)
                self.fd = None
                raise DaemonJsonError(
                    'daemon_json: %s is locked by %s, which is changing daemon.json; waited %s s (lock_timeout). '
                    'Nothing was written: run again when it is done, or raise lock_timeout'
                    % (self.directory, holder, self.timeout))
            time.sleep(0.1)

    def __exit__(self, *exc_info):
        if self.fd is not None:
            os.close(self.fd)
        return False


def read_bytes(path):
    """daemon.json's bytes, or None when it does not exist; opened without blocking, so a FIFO swapped in after
    resolve_target is refused, never read."""
    return read_regular(path, option='daemon_json: path', what='daemon.json')


def run(module):
    params = module.params
    path = params['path']
    numeric_mode = check_mode_param(params['mode']) if params['mode'] is not None else None
    target = resolve_target(path)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        if module.check_mode:
            return _decide(module, path, target, None, numeric_mode=numeric_mode, locked=False)
        os.makedirs(directory)
        os.chmod(directory, 0o755)
    if not module.check_mode and not os.access(directory, os.W_OK):
        raise DaemonJsonError('daemon_json: cannot write in %s (not writable for uid %d); run with become: true. '
                              'Nothing was written' % (directory, os.geteuid()))
    if not module.check_mode and os.geteuid() != 0:
        raise DaemonJsonError('daemon_json: %s is owned by root; the module needs root (become: true) to keep it so. '
                              'Nothing was written' % path)
    with DirectoryLock(directory, params['lock_timeout']):
        return _decide(module, path, target, read_bytes(target), numeric_mode=numeric_mode, locked=True)


def _decide(module, path, target, before_bytes, *, numeric_mode, locked):
    params = module.params
    current, read_warnings = parse_document(before_bytes, path)
    before_text = decode(before_bytes, path)

    dockerd = dockerd_binary(module) if params['validate'] else None
    strict = params['strict']
    if strict is None:
        # Unknown keys: refused where dockerd cannot judge the file itself; where it can, dockerd judges.
        strict = dockerd is None
    # Where dockerd cannot validate (Docker before 23), its version tells which keys it would refuse at start.
    version = dockerd_version(module) if params['validate'] and dockerd is None else None
    outcome = compute(current, params['settings'], params['remove'], params['list_merge'],
                      validate_result=params['validate'], strict=strict,
                      allow_tcp_without_tls=params['allow_tcp_without_tls'], dockerd_version=version)
    secret_values = secrets(current) + secrets(outcome['config'])
    for value in secret_values:
        module.no_log_values.add(value)
    for warning in read_warnings + outcome.pop('warnings'):
        module.warn(mask(warning, secret_values))

    mode = params['mode']
    if mode is None:
        mode = '0600' if secret_values else '0644'
    elif secret_values and (numeric_mode is None or numeric_mode & 0o007):
        raise DaemonJsonError(
            'daemon_json: %s would hold credentials (a proxy URL with user:password) with mode %s, readable by every '
            'local user; use mode "0600" (the default when credentials are present). Nothing was written' % (path, mode))

    after_text = render(outcome['config'])
    content_changed = before_text != after_text
    result = dict(changed=content_changed, validated_with_dockerd=False, path=path, **outcome)
    if target != path:
        result['target'] = target
    result['config'] = mask(outcome['config'], secret_values)
    if content_changed:
        if secret_values:
            # Not returned (it would go into task logs); the role's rollback uses backup_file instead.
            result['previous_content'] = None if before_text is None else mask(before_text, secret_values)
            result['previous_content_masked'] = before_text is not None
        else:
            result['previous_content'] = before_text
    if module._diff:
        result['diff'] = {
            'before_header': path if before_text is not None else '%s (absent)' % path,
            'after_header': path,
            'before': mask(before_text or '', secret_values),
            'after': mask(after_text, secret_values),
        }

    if content_changed and dockerd:
        result['validated_with_dockerd'] = dockerd_validate(module, after_text, dockerd, path, secret_values)

    # Temporary files of a write that was cut off (between its write and its rename): removed under the lock.
    stale = stale_temp_files(target)
    if stale:
        result['removed_temp_files'] = stale
        result['changed'] = True
    file_args = module.load_file_common_arguments(dict(path=target, mode=mode, owner='root', group='root'))
    if module.check_mode or not locked:
        if not content_changed and before_bytes is not None:
            result['changed'] = module.set_fs_attributes_if_different(file_args, False, expand=False) or bool(stale)
        return result

    for tmp in stale:
        os.unlink(tmp)
    if content_changed:
        # Another writer that does not take the lock (an editor) changed the file since it was read: refuse
        # rather than overwrite its change.
        if read_bytes(target) != before_bytes:
            raise DaemonJsonError('daemon_json: %s changed while this run merged it (another writer that does not '
                                  'take the lock); nothing was written, run again' % path)
        if (params['backup'] or secret_values) and before_bytes is not None:
            result['backup_file'] = module.backup_local(target)
            if secret_values:
                os.chmod(result['backup_file'], 0o600)
        if before_bytes is None:
            # Create the file with its final mode and owner first, so the content never lands with another one
            # (atomic_move gives a new file the umask's mode until the attributes are set after it).
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # Mode and owner on the old file first: a failure here leaves the content as it was; atomic_move then
        # copies them onto the new content.
        module.set_fs_attributes_if_different(file_args, False)
        write_atomic(module, target, after_text)

    result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/docker/daemon.json'),
            settings=dict(type='dict', default={}),
            remove=dict(type='list', elements='str', default=[]),
            list_merge=dict(type='str', default='replace', choices=['replace', 'append_unique']),
            validate=dict(type='bool', default=True),
            strict=dict(type='bool'),
            backup=dict(type='bool', default=False),
            mode=dict(type='raw'),
            lock_timeout=dict(type='float', default=30),
            allow_tcp_without_tls=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except DaemonJsonError as exc:
        module.fail_json(msg=to_native(exc))
    except OSError as exc:
        module.fail_json(msg='daemon.json: cannot read or write %s: %s' % (module.params['path'], to_native(exc)))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
