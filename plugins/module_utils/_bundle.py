# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind the offline bundle (playbooks/bundle.yml and docker_package_source=bundle): the apt
repository's index files, the manifest and the checks a host makes of a bundle before any package step.

  bundle_fetch (on the connected builder)  closure_names, packages_stanza, trusted_signers
  bundle_write (on the controller)         release_text
  bundle_verify (on each target)           manifest_problems, parse_gpgv_status

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


def parse_gpgv_status(text):
    """`gpgv --status-fd 1` -> primary key fingerprints of the valid signatures (the last field of VALIDSIG)."""
    found = []
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == '[GNUPG:]' and fields[1] == 'VALIDSIG':
            primary = fields[-1].upper()
            if primary not in found:
                found.append(primary)
    return found


def trusted_signers(found, trusted):
    """The fingerprints of `found` that are in `trusted` (spaces and case ignored)."""
    wanted = set(''.join(str(fpr).split()).upper() for fpr in trusted or [])
    return [fpr for fpr in found if fpr in wanted]


def _platform_problems(manifest, host):
    want = manifest.get('platform') or {}
    keys = ('distribution', 'release', 'architecture')
    this = ' '.join(str(host.get(key, '')) for key in keys)
    problems = []
    for key in keys:
        if str(want.get(key, '')).lower() != str(host.get(key, '')).lower():
            problems.append('the bundle is for %s %s, this host is %s %s (%s): build a bundle on a host of this platform'
                            % (key, want.get(key), key, host.get(key), this))
    return problems


def manifest_problems(manifest, *, present, hashes, host, installed, signer, pinned=''):
    """Every reason not to install from this bundle, each naming the file, package or value, in a stable order.

    manifest:  the parsed manifest.json
    present:   the relative paths that exist in the bundle directory
    hashes:    relative path -> sha256 of the file as found (for the present ones)
    host:      {'distribution', 'release', 'architecture'} of the target
    installed: package name -> installed version on the target
    signer:    primary fingerprints that signed manifest.json with the bundle's key.gpg ([] when none)
    pinned:    the fingerprint the user pinned (docker_bundle_fingerprint), or ''
    """
    problems = []
    if not isinstance(manifest, dict) or manifest.get('format') != FORMAT:
        return ['%s is not a fleetops bundle manifest of format %d' % (MANIFEST, FORMAT)]
    key = ''.join(str((manifest.get('key') or {}).get('fingerprint', '')).split()).upper()
    pin = ''.join(str(pinned or '').split()).upper()
    if key not in signer:
        problems.append('%s is not signed by the bundle key %s in %s (signed by: %s)'
                        % (MANIFEST, key or '(none named)', KEY, ', '.join(signer) or 'no valid signature'))
    if pin and pin != key:
        problems.append('the bundle key is %s, docker_bundle_fingerprint pins %s' % (key, pin))
    problems += _platform_problems(manifest, host)
    owner = dict((pkg.get('file'), pkg.get('name')) for pkg in manifest.get('packages') or [])
    for path, digest in sorted((manifest.get('files') or {}).items()):
        what = ' (package %s)' % owner[path] if path in owner else ''
        if path not in present:
            problems.append('%s%s is missing from the bundle' % (path, what))
        elif hashes.get(path) != digest:
            problems.append('%s%s has changed: sha256 %s, the manifest says %s' % (path, what, hashes.get(path), digest))
    for name, version in sorted((manifest.get('assumed') or {}).items()):
        if not installed.get(name):
            problems.append('package %s (%s on the builder) is not installed on this host and not in the bundle: build '
                            'the bundle on a host as minimal as this one' % (name, version))
    return problems


def unlisted_files(manifest, present):
    """Files in the bundle directory that the manifest does not list (reported, never installed from)."""
    listed = set(manifest.get('files') or {}) | set(UNLISTED)
    return sorted(path for path in present if path not in listed)


def stale_files(want, have):
    """The paths of `want` (path -> sha256, the controller's copy) that `have` (the host's) lacks or holds otherwise."""
    return sorted(path for path, digest in (want or {}).items() if have.get(path) != digest)
