# -*- coding: utf-8 -*-
"""Helpers of the hostile-input tests (issue 27): real files of every kind, a module runner that checks the output,
and signing keys made with gpg in the test. The fixtures (bounded, warned) are in conftest.py."""

import json
import os
import shutil
import socket
import subprocess

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover - older ansible-core: the module-level tests are skipped there
    patch_module_args = None


def make_kind(path, kind):
    """Put something that is not a regular file at PATH: 'fifo', 'dir', 'device' (a link to /dev/null),
    'zero' (a link to /dev/zero), 'socket', 'loop' (a symlink loop). Returns str(PATH)."""
    path = str(path)
    if kind == 'fifo':
        os.mkfifo(path)
    elif kind == 'dir':
        os.mkdir(path)
    elif kind == 'device':
        os.symlink('/dev/null', path)
    elif kind == 'zero':
        os.symlink('/dev/zero', path)
    elif kind == 'socket':
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path)
        sock.close()
    elif kind == 'loop':
        os.symlink(path + '.other', path)
        os.symlink(path, path + '.other')
    else:
        raise ValueError(kind)
    return path


KINDS = ('fifo', 'dir', 'device', 'zero', 'socket', 'loop')
KIND_WORDS = {'fifo': 'FIFO', 'dir': 'directory', 'device': 'character device', 'zero': 'character device',
              'socket': 'socket', 'loop': 'symlink loop'}
RELATIVE = ('config.toml', './config.toml', '../etc/config.toml', 'etc/containerd/config.toml', '~user/x')


def runner(module):
    """run(capsys, args, check_mode=False, diff=False, secrets=()) -> MODULE's result, asserting its output is
    valid UTF-8 JSON, has no traceback and carries none of SECRETS."""
    def run(capsys, args, check_mode=False, diff=False, secrets=()):
        args = dict(args)
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        out = capsys.readouterr().out
        out.encode('utf-8')
        return assert_clean_output(out, secrets)
    return run


def warnings_of(result):
    """The warning texts of a result (plain strings, or ansible-core 2.19+'s structured warnings)."""
    texts = []
    for item in result.get('warnings') or []:
        if isinstance(item, dict):
            texts.append((item.get('event') or {}).get('msg') or item.get('msg') or json.dumps(item))
        else:
            texts.append(item)
    return texts


def files_in(directory):
    return sorted(os.listdir(str(directory)))


def assert_clean_output(out_text, secrets=()):
    """The module's JSON output: valid UTF-8 JSON, no traceback, no secret."""
    assert 'Traceback' not in out_text
    for secret in secrets:
        assert secret not in out_text, secret
    return json.loads(out_text)


# ------------------------------------------------------------------------------------------------ gpg

needs_gpg = pytest.mark.skipif(shutil.which('gpg') is None, reason='needs gpg')


class Keys(object):
    """A throw-away GnuPG home that makes ed25519 keys fast, exports them and reads them back."""

    def __init__(self, home):
        self.home = str(home)
        os.chmod(self.home, 0o700)
        self.env = dict(os.environ, GNUPGHOME=self.home, LANG='C', LC_ALL='C')

    def gpg(self, *args, **kwargs):
        return subprocess.run(['gpg', '--batch', '--passphrase', '', '--pinentry-mode', 'loopback'] + list(args),
                              env=self.env, check=True, capture_output=True, **kwargs).stdout

    def make(self, name, expire='never', faked_time=None):
        extra = ['--faked-system-time', faked_time] if faked_time else []
        self.gpg(*(extra + ['--quick-gen-key', '%s <%s@fleetops.invalid>' % (name, name), 'ed25519', 'sign', expire]))
        colons = self.gpg('--with-colons', '--list-keys', '%s@fleetops.invalid' % name).decode()
        return [line.split(':')[9] for line in colons.splitlines() if line.startswith('fpr:')][0]

    def export(self, *fingerprints, **options):
        args = ['--armor'] if options.get('armor', True) else []
        return self.gpg(*(args + ['--export'] + list(fingerprints)))

    def export_secret(self, fingerprint):
        return self.gpg('--armor', '--export-secret-keys', fingerprint)

    def fingerprints_in(self, path):
        """Primary fingerprints of a key file, read by a fresh gpg (what apt would trust)."""
        home = self.home + '.read'
        os.makedirs(home, mode=0o700, exist_ok=True)
        out = subprocess.run(['gpg', '--batch', '--show-keys', '--with-colons', str(path)], check=True,
                             capture_output=True, env=dict(self.env, GNUPGHOME=home)).stdout.decode()
        found, after_pub = [], False
        for line in out.splitlines():
            kind = line.split(':')[0]
            if kind == 'fpr' and after_pub:
                found.append(line.split(':')[9])
            after_pub = kind == 'pub'
        return found
