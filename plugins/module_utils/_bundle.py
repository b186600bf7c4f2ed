# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind building the offline bundle (playbooks/bundle.yml): the package closure, the apt
repository's index files and the manifest's names.

  bundle_fetch (on the connected builder)  closure_names, packages_stanza, trusted_signers
  bundle_write (on the controller)         release_text
  (the checks on each target are in plugins/modules/bundle_verify.py itself)

Standard library only; runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import hashlib

FORMAT = 1
MANIFEST = 'manifest.json'
SIGNATURE = 'manifest.json.sig'
KEY = 'key.gpg'
KEY_ASC = 'key.asc'
APT_DIR = 'apt'
IMAGES_DIR = 'images'
# Files of the bundle the manifest does not list (it cannot list itself, nor its own signature).
UNLISTED = (MANIFEST, SIGNATURE)

# Fields apt reads from each stanza of Packages besides the package's own control fields.
_INDEX_FIELDS = ('Filename', 'Size', 'MD5sum', 'SHA256')


def sha256_file(path, chunk=1024 * 1024):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def closure_names(depends_output):
    """Package names from `apt-cache depends --recurse ...`: every top-level name and every dependency target.

    Virtual packages (`<name>`) are dropped: apt resolves them to a real package, listed on its own line.
    """
    names = set()
    for line in (depends_output or '').splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            name = line.strip()
        elif ':' in line:
            name = line.split(':', 1)[1].strip()
        else:
            continue
        if name and not name.startswith('<'):
            names.add(name.split(':', 1)[0] if name.endswith(':any') else name)
    return sorted(names)


def control_fields(control):
    """`dpkg-deb --field FILE` (one control paragraph) -> {'Package': ..., 'Version': ..., ...}."""
    fields = {}
    last = None
    for line in (control or '').splitlines():
        if line[:1] in (' ', '\t') and last:
            fields[last] += '\n' + line
        elif ':' in line:
            key, value = line.split(':', 1)
            last = key.strip()
            fields[last] = value.strip()
    return fields


def packages_stanza(control, filename, size, md5, sha256):
    """One stanza of a flat repository's Packages file: the control paragraph plus where and what the file is."""
    lines = [line for line in (control or '').rstrip('\n').splitlines()
             if line.split(':', 1)[0] not in _INDEX_FIELDS]
    lines += ['Filename: %s' % filename, 'Size: %d' % size, 'MD5sum: %s' % md5, 'SHA256: %s' % sha256]
    return '\n'.join(lines) + '\n'


def release_text(indexes, date, origin='fleetops-bundle', label='fleetops docker bundle', architectures=''):
    """The Release file of a flat repository (`deb [signed-by=...] file:/dir ./`).

    indexes: {name: bytes} of the index files (Packages). apt compares each index with its SHA256 line.
    """
    lines = ['Origin: %s' % origin, 'Label: %s' % label, 'Date: %s' % date]
    if architectures:
        lines.append('Architectures: %s' % architectures)
    lines.append('SHA256:')
    for name in sorted(indexes):
        data = indexes[name]
        lines.append(' %s %d %s' % (hashlib.sha256(data).hexdigest(), len(data), name))
    return '\n'.join(lines) + '\n'


def trusted_signers(found, trusted):
    """The fingerprints of `found` that are in `trusted` (spaces and case ignored)."""
    wanted = set(''.join(str(fpr).split()).upper() for fpr in trusted or [])
    return [fpr for fpr in found if fpr in wanted]
