# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files as the modules meet them on a host, shared by every module that reads or replaces a file (daemon_json,
docker_repo_key, sysctl_apply, containerd_config, node_swap, and the looks).

- write_atomic: the content goes to a temporary file beside the real target (a symlinked file is written through
  its link, the link kept) and is renamed over it with AnsibleModule.atomic_move, so a reader sees the old file or
  the new one, never half of one.
- resolve_target / read_regular: a relative path is refused (over SSH it lands in the remote user's home), links
  are followed to the file they name, and anything that is not a regular file (a FIFO whose read would block for
  ever, a directory, a device) is refused naming it, before a byte is read. A FIFO is never opened blocking.
- printable / mask_userinfo / text_secrets / mask: what goes into a task result is valid UTF-8 (newer ansible-core
  refuses anything else) and carries no credential (a URL's userinfo, a .repo file's password=).
- split_host_port: a registry's host[:port] as the files that name registries hold it, read once for the
  collection: daemon.json's insecure-registries (_daemon_json.check_insecure_registry) and k8s_node_registries
  (_k8s_node.registry_host_kind, also on the controller for the k8s_node filter).
- docker_cli / hello_argv / hello_result / run_hello: the hello proof (`docker run --rm IMAGE echo hello`), run and judged in
  this one place for the two modules that prove an engine with it: docker_hello (the k8s_node role after a
  containerd restart, users) and docker_daemon_proof (the docker_daemon role, when its look finds nothing to
  change). It lives here because this is the one module_util in both roles' flows (a file of its own would put
  k8s_node's flow over its 12 files).
Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import errno
import json
import ipaddress
import os
import re
import stat
import tempfile

from ansible.module_utils.common.text.converters import to_bytes

# Reads of files a module only looks at stop there: a look never needs more, and /dev/zero never ends.
READ_LIMIT = 16 * 1024 * 1024


class UnsafeFileError(OSError):
    """A path a module refuses to read or write: the message names the file, what it is and the fix. An OSError,
    so a module that reports OSError (cannot read or write) reports this too, with its message."""

    def __str__(self):
        return self.args[0] if self.args else ''


def kind_of(mode):
    """'a directory', 'a FIFO (named pipe)', ... for a st_mode that is not a regular file."""
    for test, text in ((stat.S_ISDIR, 'a directory'), (stat.S_ISFIFO, 'a FIFO (named pipe)'),
                       (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'),
                       (stat.S_ISSOCK, 'a socket'), (stat.S_ISLNK, 'a symlink')):
        if test(mode):
            return text
    return 'not a regular file'


def require_absolute(path, option, example):
    """Refuse a relative PATH given as OPTION, naming an absolute EXAMPLE."""
    if not path or not os.path.isabs(path):
        raise UnsafeFileError('%s %r is relative; over SSH a relative path would land in the remote user\'s home '
                              'directory (or the module\'s working directory). Write an absolute path such as %s'
                              % (option, path, example))


def _shown(path, target):
    return path if target == path else '%s (-> %s)' % (path, target)


def resolve_target(path, option='path', example='/etc/...', what='the file'):
    """The file to read and write for PATH: the real file a symlink names (the link is kept).

    Refuses, before anything is read: a relative path, a link loop, a dangling link whose directory is missing,
    and anything that is not a regular file. A missing file is fine (returned, to be created)."""
    require_absolute(path, option, example)
    target = os.path.realpath(path)
    if os.path.islink(target):
        raise UnsafeFileError('%s %s is a symlink loop; fix the link by hand and run again' % (option, path))
    try:
        info = os.stat(target)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
        if os.path.islink(path) and not os.path.isdir(os.path.dirname(target)):
            raise UnsafeFileError('%s %s is a symlink to %s, whose directory does not exist; fix the link or '
                                  'create the directory' % (option, path, target)) from None
        return target
    if not stat.S_ISREG(info.st_mode):
        shown, kind = _shown(path, target), kind_of(info.st_mode)
        raise UnsafeFileError('%s %s is %s, which is not a regular file; %s must be one (move it away, or point %s '
                              'at the file, and run again)' % (option, shown, kind, what, option))
    return target


def read_regular(path, limit=None, option='path', what='the file'):
    """The bytes of the regular file PATH (links followed), or None when it does not exist.

    The file is opened without blocking and checked on the open descriptor, so a FIFO (or a device, a
    directory) swapped in between is refused, never read. LIMIT: read at most that many bytes."""
    flags = os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_NOCTTY', 0) | getattr(os, 'O_CLOEXEC', 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.ELOOP:
            raise UnsafeFileError('%s %s is a symlink loop; fix the link by hand and run again' % (option, path)) from None
        try:
            mode = os.stat(path).st_mode
        except OSError:
            raise exc from None
        if not stat.S_ISREG(mode):
            # A directory (EISDIR), a socket (ENXIO), a device without its driver: named, not read.
            raise UnsafeFileError('%s %s is %s; %s must be a regular file (move it away and run again)'
                                  % (option, _shown(path, os.path.realpath(path)), kind_of(mode), what)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError('%s %s is %s; %s must be a regular file (move it away and run again)'
                                  % (option, _shown(path, os.path.realpath(path)), kind_of(info.st_mode), what))
        chunks = []
        left = READ_LIMIT if limit is None else limit
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b''.join(chunks)
    finally:
        os.close(fd)


def look_bytes(path, limit=None):
    """For the looks, which never fail on what they find: the bytes of a regular file, else None (missing,
    unreadable, a FIFO, a directory, a device)."""
    try:
        return read_regular(path, limit)
    except (OSError, UnsafeFileError):
        return None


def look_text(path, limit=None, default=None):
    """look_bytes as text: UTF-8, a byte that is not UTF-8 replaced by U+FFFD (results must be valid UTF-8)."""
    data = look_bytes(path, limit)
    if data is None:
        return default
    return data.decode('utf-8', 'replace')


def printable(value):
    """VALUE (text, or dicts/lists of it) valid for a task result: text decoded with surrogateescape (bytes that
    are not UTF-8 kept for the write) has those bytes shown as U+FFFD; bytes are decoded the same way."""
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    if isinstance(value, str):
        try:
            value.encode('utf-8')
            return value
        except UnicodeEncodeError:
            return value.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
    if isinstance(value, dict):
        return dict((printable(key), printable(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [printable(item) for item in value]
    return value


def first_bad_byte(data):
    """(offset, line number, byte) of the first byte of DATA that is not UTF-8, or None."""
    try:
        data.decode('utf-8')
        return None
    except UnicodeDecodeError as exc:
        return exc.start, data.count(b'\n', 0, exc.start) + 1, bytearray(data[exc.start:exc.start + 1])[0]


# scheme://user:password@host -> scheme://user:****@host; scheme://token@host -> scheme://****@host
_USERINFO_RE = re.compile(r'([A-Za-z][A-Za-z0-9+.\-]*://)([^\s/@"\'<>]*)@')


def _mask_userinfo_match(match):
    userinfo = match.group(2)
    if ':' in userinfo:
        return '%s%s:****@' % (match.group(1), userinfo.split(':', 1)[0])
    return '%s****@' % match.group(1)


def mask_userinfo(text):
    """TEXT with the credentials of every URL in it (user:password@, token@) replaced by ****."""
    if not isinstance(text, str) or '@' not in text:
        return text
    return _USERINFO_RE.sub(_mask_userinfo_match, text)


def userinfo_secrets(text):
    """The passwords (or bare tokens) URLs in TEXT carry, for no_log_values."""
    found = []
    for match in _USERINFO_RE.finditer(text or ''):
        userinfo = match.group(2)
        secret = userinfo.split(':', 1)[1] if ':' in userinfo else userinfo
        if secret:
            found.append(secret)
    return found


# Lines of a yum/dnf .repo file (or any INI file) that carry a credential: password=, proxy_password=.
_INI_SECRET_RE = re.compile(r'^[ \t]*(?:password|proxy_password)[ \t]*=[ \t]*(\S.*?)[ \t]*$', re.MULTILINE | re.IGNORECASE)


def text_secrets(text):
    """The credentials a configuration text carries: the userinfo of URLs in it (user:password@, token@) and the
    values of password= and proxy_password= lines (a .repo file's own way to hold them)."""
    if not isinstance(text, str):
        return []
    return userinfo_secrets(text) + [match.group(1) for match in _INI_SECRET_RE.finditer(text)]


def mask(value, secret_values):
    """A copy of VALUE (text, or dicts/lists of it) with every secret value replaced by ****, longest first (so a
    secret that contains another is masked whole). daemon_json's masking, shared by every module that returns a
    file's text or a URL."""
    if not secret_values:
        return value
    if isinstance(value, str):
        for secret in sorted(set(secret_values), key=lambda item: (-len(item), item)):
            value = value.replace(secret, '****')
        return value
    if isinstance(value, dict):
        return dict((mask(key, secret_values), mask(item, secret_values)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [mask(item, secret_values) for item in value]
    return value


def write_atomic(module, path, content, mode=None):
    """Replace PATH with CONTENT (text, or bytes) in one rename. A symlinked PATH is written through its link (the
    link stays, the file it names gets the content). A missing directory is made with mode 0755; MODE (an int)
    is set on the temporary file before the rename, else atomic_move keeps an existing file's mode and owner."""
    real = os.path.realpath(path)
    if os.path.lexists(real) and (os.path.islink(real) or not os.path.isfile(real)):
        # Never rename over a device, a FIFO or a directory a link points at (a file masked as /dev/null).
        mode = os.lstat(real).st_mode
        raise UnsafeFileError('%s is %s; refusing to replace it (point the path at a regular file, or remove it, and '
                              'run again)' % (_shown(path, real), 'a symlink loop' if os.path.islink(real)
                                              else kind_of(mode)))
    path = real
    directory = os.path.dirname(path) or '.'
    if not os.path.isdir(directory):
        os.makedirs(directory)
        os.chmod(directory, 0o755)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content if isinstance(content, bytes) else to_bytes(content, errors='surrogate_or_strict'))
        if mode is not None:
            os.chmod(tmp, mode)
        module.atomic_move(tmp, path, unsafe_writes=False)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def stale_temp_files(path):
    """The temporary files write_atomic leaves beside PATH when its run is cut off between the write and the
    rename (".<name>.XXXXXXXX"). Nothing reads them (dockerd reads daemon.json only, systemd ignores hidden
    files); the writer removes them under its lock, where no other write of PATH can be under way."""
    directory = os.path.dirname(path) or '.'
    prefix = '.%s.' % os.path.basename(path)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(os.path.join(directory, name) for name in names if name.startswith(prefix))


# One DNS label: letters, digits, inner hyphens (no leading or trailing hyphen), at most 63 characters.
HOST_LABEL = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')
BRACKETED = re.compile(r'^\[([0-9A-Fa-f:.]+)\](?::([^:]*))?$')


def _ipv6(text):
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _ipv4(text):
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def split_host_port(text):
    """(host, port, form) of TEXT read as host[:port], or None when it is not one.

    form: 'name' (a DNS name of valid labels, at most 253 characters, whose last label is not all digits: 1.2.3.999
    is a mistyped address, not a name), 'ipv4', 'ipv6' ([address] with an optional :port) or 'ipv6-bare' (an IPv6
    address without brackets, hence without a port). port: the digits of 1-65535, or None.
    """
    if not isinstance(text, str) or not text or text != text.strip():
        return None
    match = BRACKETED.match(text)
    if match:
        host, port, form = match.group(1), match.group(2), 'ipv6'
        if not _ipv6(host):
            return None
    elif text.count(':') > 1:
        return (text, None, 'ipv6-bare') if _ipv6(text) else None
    else:
        host, _sep, port = text.partition(':')
        port = port if _sep else None
        if _ipv4(host):
            form = 'ipv4'
        else:
            labels = host.split('.')
            if len(host) > 253 or not all(HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
                return None
            form = 'name'
    if port is not None and not (port.isdigit() and 0 < int(port) <= 65535):
        return None
    return host, port, form


# ---------------------------------------------------------------------------------------- the hello proof
HELLO_ENV = {'LANG': 'C', 'LC_ALL': 'C'}


def _trim(text):
    # As the command module does: the trailing newline is the stream's, not the text's.
    return (text or '').rstrip('\r\n')


def hello_result(cmd, rc, stdout, stderr, expect='hello'):
    """The hello container's run and its verdict, judged here only (docker_hello and docker_daemon_proof return it,
    roles read it).

    passed: exit 0 and the output, trimmed, is `expect`. reason: why not, in one line ('' when it passed).
    """
    stdout = _trim(stdout)
    stderr = _trim(stderr)
    # `docker run --pull never` with the image absent: "No such image: <name>".
    image_missing = rc != 0 and 'no such image' in stderr.lower()
    passed = rc == 0 and stdout.strip() == expect
    if passed:
        reason = ''
    elif image_missing:
        reason = 'the image is not on the host and was not pulled (%s)' % stderr.strip()
    elif rc != 0:
        reason = 'exited %s: %s' % (rc, (stderr or stdout).strip() or '(no output)')
    else:
        reason = 'printed %s, not %s' % (json.dumps(stdout.strip()), json.dumps(expect))
    return {
        'cmd': list(cmd),
        'rc': rc,
        'stdout': stdout,
        'stderr': stderr,
        'image_missing': image_missing,
        'passed': passed,
        'reason': reason,
    }


def docker_cli(module):
    """The docker CLI the hello runs with (PATH, then the usual directories), or None."""
    return module.get_bin_path('docker', opt_dirs=['/usr/bin', '/usr/local/bin', '/bin'])


def hello_argv(docker, image, command, pull):
    """`docker run --rm [--pull never] IMAGE COMMAND...`; pull 'missing' leaves docker's default (no flag, so
    engines without --pull work too)."""
    return [docker, 'run', '--rm'] + (['--pull', 'never'] if pull == 'never' else []) + [image] + list(command)


def hello_failure(hello):
    """The message of a task that fails on a hello that did not pass."""
    return '`%s` did not pass: %s' % (' '.join(hello['cmd']), hello['reason'])


def run_hello(module, argv, docker, expect='hello', archive=None):
    """Run the hello (argv) and judge it: the result docker_hello returns (ran, passed, reason, cmd, rc, stdout,
    stderr, image_missing, loaded, changed). Nothing runs in check mode or without the docker CLI (docker None).
    With `archive` (a `docker save` file on the host), an image reported missing is loaded and the run repeated;
    a load that fails fails the task."""
    if module.check_mode or not docker:
        return {'changed': False, 'ran': False, 'passed': None if docker else False, 'cmd': argv,
                'reason': 'not run in check mode' if docker else 'the docker CLI is not installed (no docker in PATH)',
                'rc': None, 'stdout': '', 'stderr': '', 'image_missing': False, 'loaded': False}
    rc, out, err = module.run_command(argv, environ_update=HELLO_ENV)
    result = hello_result(argv, rc, out, err, expect)
    result['loaded'] = False
    if result['image_missing'] and archive:
        if not os.path.exists(archive):
            result['reason'] += '; the image archive %s is not on the host' % archive
        else:
            rc, out, err = module.run_command([docker, 'load', '--input', archive], environ_update=HELLO_ENV)
            if rc != 0:
                module.fail_json(msg='docker load --input %s failed (rc %s): %s' % (archive, rc, (err or out).strip()),
                                 changed=False, ran=True, **result)
            rc, out, err = module.run_command(argv, environ_update=HELLO_ENV)
            result = hello_result(argv, rc, out, err, expect)
            result['loaded'] = True
    result['ran'] = True
    result['changed'] = result['loaded']
    return result
