# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.docker_install_info and docker_repo_key: parsing what dpkg,
rpm, gpg and the versionlock plugin say, and comparing package versions with docker_version.

The decisions made from these (what to install, hold, remove) are the controller's, in
plugins/filter/docker_install.py, which imports the version helpers from here so both sides agree.
Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import os
import re
import shutil
import tempfile

from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import (  # noqa: F401 - used by the look
    apt_version_matches, el_version_matches, parse_versionlock, versionlock_evr)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}

# dpkg-query / dpkg-deb formats the parsers below read: one record per line, fields split on '|'.

DPKG_QUERY_FORMAT = '${db:Status-Abbrev}|${Package}|${Version}|${Depends}|${Recommends}\n'
DPKG_DEB_FORMAT = '${Package}|${Version}'
# rpm: the epoch only when there is one, as dnf shows versions ("3:28.0.0-1.el9").
RPM_QUERY_FORMAT = '%{NAME}|%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n'

_FINGERPRINT = re.compile(r'^[0-9A-F]{40}$|^[0-9A-F]{64}$')


def normalize_fingerprint(text):
    """'9dc8 5822 ...' -> '9DC858229FC7...' (spaces dropped, upper case)."""
    return ''.join((text or '').split()).upper()


def is_fingerprint(text):
    """True for 40 (v4 key) or 64 (v5/v6 key) hex digits, spaces allowed."""
    return bool(_FINGERPRINT.match(normalize_fingerprint(text)))


def primary_fingerprints(colons):
    """Primary-key fingerprints from `gpg --with-colons` output: the `fpr` record right after each `pub`.

    Subkeys (`sub` then `fpr`) are not primary keys: a subkey's fingerprint never identifies the key.
    """
    found = []
    expect = False
    for line in (colons or '').splitlines():
        fields = line.split(':')
        kind = fields[0]
        if kind == 'pub':
            expect = True
        elif kind == 'fpr' and expect:
            if len(fields) > 9 and fields[9]:
                found.append(fields[9].upper())
            expect = False
        elif kind in ('sub', 'ssb', 'sec'):
            expect = kind == 'sec'
    return found


def parse_relations(text):
    """Package names in a Depends/Recommends field: 'a (>= 1), b | c' -> ['a', 'b', 'c']."""
    names = []
    for group in (text or '').split(','):
        for alternative in group.split('|'):
            name = alternative.strip().split(' ')[0].split('(')[0].split(':')[0].strip()
            if name and name not in names:
                names.append(name)
    return names


def parse_dpkg_query(text):
    """dpkg-query --show with DPKG_QUERY_FORMAT -> {name: {'version', 'relations'}} of installed packages.

    Only status `ii` (installed, no error) counts: a removed package keeps its `rc` record.
    """
    installed = {}
    for line in (text or '').splitlines():
        fields = line.split('|')
        if len(fields) < 3 or not fields[0].startswith('ii'):
            continue
        relations = parse_relations(', '.join(fields[3:5]))
        installed[fields[1]] = {'version': fields[2], 'relations': relations}
    return installed


def parse_name_version(text):
    """'name|version' (dpkg-deb / rpm -qp with the formats above) -> {'name', 'version'} or None."""
    fields = (text or '').strip().split('|')
    if len(fields) != 2 or not fields[0] or not fields[1]:
        return None
    return {'name': fields[0], 'version': fields[1]}


def parse_rpm_query(text):
    """rpm -q --qf RPM_QUERY_FORMAT -> {name: '[epoch:]version-release'}; 'not installed' lines are skipped."""
    installed = {}
    for line in (text or '').splitlines():
        parsed = parse_name_version(line)
        if parsed:
            installed[parsed['name']] = parsed['version']
    return installed


def gpg_fingerprints(module, path):
    """Primary fingerprints of the keys in a key file or keyring, or None when gpg cannot read it.

    A throw-away GNUPGHOME keeps root's keyring out of it. gpg before 2.2.8 (EL7 has 2.0) has no
    --show-keys; given only a file, it lists the keys in it.
    """
    gpg = module.get_bin_path('gpg') or module.get_bin_path('gpg2')
    if not gpg or not os.path.isfile(path):
        # Not a regular file (a FIFO would block gpg for ever, a directory has no keys): nothing to read.
        return None
    home = tempfile.mkdtemp(prefix='fleetops-gnupg-')
    try:
        env = dict(C_ENV, GNUPGHOME=home)
        rc, out, err = module.run_command([gpg, '--batch', '--show-keys', '--with-colons', path], environ_update=env)
        if rc != 0:
            rc, out, err = module.run_command([gpg, '--batch', '--with-colons', '--with-fingerprint', path], environ_update=env)
        if rc != 0 and not out:
            return None
        return primary_fingerprints(out)
    finally:
        shutil.rmtree(home, ignore_errors=True)
