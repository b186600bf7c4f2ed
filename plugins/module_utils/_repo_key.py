# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of fleetops.docker_host.docker_repo_key about a downloaded signing key, from `gpg --with-colons`.

apt trusts every key in a keyring file it is pointed at, so a file holding the expected key plus another is
installed as the expected key alone (exported with gpg); a secret-key export is refused (it would leave a private
key readable on the host); apt reads a file ending in .asc as ASCII-armoured and one ending in .gpg as a binary
keyring, ignoring a key in the other form, so the key is converted to the form the name asks for; an expired key
is installed with a warning (apt refuses what it signs). Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import time

ARMOR_HEADER = b'-----BEGIN PGP PUBLIC KEY BLOCK-----'


class RepoKeyError(Exception):
    """The key cannot be installed as asked: the message names the URL, the destination, the key and the fix."""


def parse_keys(colons):
    """`gpg --show-keys --with-colons` output -> [{fingerprint, secret, validity, expires}] for each primary key
    (pub or sec record and the fpr record right after it). expires is a Unix time or None."""
    keys = []
    pending = None
    for line in (colons or '').splitlines():
        fields = line.split(':')
        kind = fields[0]
        if kind in ('pub', 'sec'):
            expires = fields[6] if len(fields) > 6 else ''
            pending = {'fingerprint': '', 'secret': kind == 'sec', 'validity': fields[1] if len(fields) > 1 else '',
                       'expires': int(expires) if expires.isdigit() else None}
            keys.append(pending)
        elif kind in ('sub', 'ssb', 'uid'):
            pending = None if kind != 'uid' else pending
        elif kind == 'fpr' and pending is not None and not pending['fingerprint'] and len(fields) > 9:
            pending['fingerprint'] = fields[9].upper()
            pending = None
    return keys


def is_armored(data):
    return data.lstrip()[:len(ARMOR_HEADER)] == ARMOR_HEADER


def wanted_form(dest):
    """'armor' for a .asc destination, 'binary' for .gpg, None for another name (the key is kept as it came).
    rpm's keys (/etc/pki/rpm-gpg, where EL names Docker's key docker-ce.gpg) are read armoured only, whatever the name:
    'armor'. The .gpg rule is apt's (a Signed-By keyring of that name must be binary)."""
    lower = dest.lower()
    if '/rpm-gpg/' in lower or lower.endswith('.asc'):
        return 'armor'
    if lower.endswith('.gpg'):
        return 'binary'
    return None


def decide(keys, expected, data, dest, shown_url, *, now=None):
    """What to install. Returns {'export': None | 'armor' | 'binary' (export only the expected key, in that form),
    'expired': bool, 'expires': Unix time or None, 'warnings': [...], 'notes': [...]}; raises RepoKeyError."""
    now = time.time() if now is None else now
    secret = [key['fingerprint'] for key in keys if key['secret']]
    if secret:
        raise RepoKeyError(
            'the key at %s is a secret-key export (private key %s); a private key must never be installed on a host '
            '(%s would leave it readable). Nothing was installed: point the URL at the public key (gpg --armor '
            '--export %s)' % (shown_url, ', '.join(secret), dest, secret[0]))
    found = [key['fingerprint'] for key in keys]
    if expected not in found:
        raise RepoKeyError(
            'the signing key at %s has fingerprint(s) %s, expected %s (docker_gpg_fingerprint). Nothing was '
            'installed and no repository was configured. Check the key URL (a mirror serving another key?) '
            'or set docker_gpg_fingerprint to the key you trust.'
            % (shown_url, ', '.join(found) or 'none (gpg read no key)', expected))
    key = [item for item in keys if item['fingerprint'] == expected][0]
    notes, warnings = [], []
    form = wanted_form(dest)
    armored = is_armored(data)
    export = None
    if len(keys) > 1:
        export = form or ('armor' if armored else 'binary')
        notes.append('the key file at %s holds %d keys (%s); only %s is installed, as apt trusts every key in %s'
                     % (shown_url, len(keys), ', '.join(found), expected, dest))
    elif form == 'armor' and not armored:
        export = 'armor'
        notes.append('the key at %s is binary, %s ends in .asc (apt reads it as ASCII-armoured): installed armoured'
                     % (shown_url, dest))
    elif form == 'binary' and armored:
        export = 'binary'
        notes.append('the key at %s is ASCII-armoured, %s ends in .gpg (apt reads it as a binary keyring): installed '
                     'binary' % (shown_url, dest))
    expired = key['validity'] == 'e' or (key['expires'] is not None and key['expires'] <= now)
    if expired:
        when = time.strftime('%Y-%m-%d', time.gmtime(key['expires'])) if key['expires'] else 'an earlier date'
        warnings.append('the signing key %s from %s expired on %s: apt refuses the repository it signs until the '
                        'vendor\'s renewed key is installed (download it again, or update the URL)'
                        % (expected, shown_url, when))
    return {'export': export, 'expired': expired, 'expires': key['expires'], 'warnings': warnings, 'notes': notes}
