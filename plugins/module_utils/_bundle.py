# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind building the offline bundle (playbooks/bundle.yml): the package closure, the apt
repository's index files and the manifest's names.

  bundle_fetch (on the connected builder)  platform, closure_names, packages_stanza, trusted_signers (apt);
                                           repo_gpgkeys, parse_rpm_query, unmet_requirements (dnf);
                                           spec_name, stage_packages (the other stages' packages, both)
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
RPM_DIR = 'rpm'
# The rpm repository's own files beside its package files: the source keys the packages are signed with.
RPM_KEYS_DIR = 'rpm/keys'
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


def platform(os_release, package_format, architecture):
    """The platform a bundle is built for and a host is compared with (bundle_verify has the same function).

    os_release: /etc/os-release as a dict. deb hosts compare the whole VERSION_ID (Debian 12, Ubuntu 24.04); rpm
    hosts its major release (a bundle for EL 9 serves 9.5 and 9.6 alike). architecture: dpkg's or rpm's name
    (amd64, x86_64), so a deb bundle never matches an rpm host.
    """
    release = str(os_release.get('VERSION_ID', ''))
    if package_format == 'rpm':
        release = release.split('.', 1)[0]
    return {'distribution': os_release.get('ID', ''), 'release': release,
            'codename': os_release.get('VERSION_CODENAME', ''), 'architecture': architecture, 'format': package_format}


def spec_name(spec):
    """The package name of a package spec: NAME, NAME=VERSION or (apt) NAME/RELEASE (linux-image-amd64/bookworm-backports)."""
    return str(spec).split('=', 1)[0].split('/', 1)[0].strip()


# The packages each stage installs, by package format, where the bundle's `stages` names a stage with no list.
# k8s_node: the commands kubeadm needs (roles/k8s_node's __k8s_node_packages); kernel_ml: the kernel line (Debian:
# linux-image-<arch> from <codename>-backports, as the role installs it; EL: ELRepo's kernel-ml, its repository set up
# on the builder).
STAGE_DEFAULTS = {
    'k8s_node': {'deb': ['conntrack', 'socat'], 'rpm': ['conntrack-tools', 'socat']},
    'kernel_ml': {'deb': ['linux-image-{architecture}/{codename}-backports'], 'rpm': ['kernel-ml']},
}


def stage_specs(stages, host):
    """{stage: [spec, ...]} with each stage's default packages for the builder's platform where its list is empty.

    host: platform()'s dict. An unknown stage with no list is an error: (specs, problems).
    """
    specs, problems = {}, []
    for stage, given in sorted((stages or {}).items()):
        if given:
            specs[stage] = [str(spec) for spec in given]
        elif stage in STAGE_DEFAULTS:
            specs[stage] = [spec.format(**host) for spec in STAGE_DEFAULTS[stage][host.get('format') or 'deb']]
        else:
            problems.append('stage %s has no package list and no default (known: %s)' % (stage, ', '.join(sorted(STAGE_DEFAULTS))))
    return specs, problems


def stage_packages(bundled, stages):
    """The manifest's `stages`: {stage: {'packages': {name: version}}} from the files fetched, and the missing specs.

    bundled: {name: version} of every package file fetched; stages: {stage: [spec, ...]} (bundle_fetch's `stages`,
    e.g. {'k8s_node': ['conntrack', 'socat'], 'kernel_ml': ['linux-image-amd64/bookworm-backports']}).
    Returns (stages, missing), missing a sorted list of 'SPEC (stage STAGE)' that no fetched file provides.
    """
    found, missing = {}, []
    for stage, specs in sorted((stages or {}).items()):
        found[stage] = {'packages': {}}
        for spec in specs or []:
            name = spec_name(spec)
            if name in bundled:
                found[stage]['packages'][name] = bundled[name]
            else:
                missing.append('%s (stage %s)' % (spec, stage))
    return found, sorted(missing)


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


def repo_gpgkeys(texts):
    """The gpgkey locations of the enabled repositories, from the texts of /etc/yum.repos.d/*.repo (in order).

    A repository is enabled unless `enabled=0`; gpgkey holds one or more locations, separated by spaces, commas or
    new lines (continuation lines start with white space).
    """
    found = []
    for text in texts:
        section, last, sections = None, None, []
        for line in (text or '').splitlines():
            stripped = line.strip()
            if not stripped or stripped[0] in '#;':
                continue
            if stripped.startswith('[') and stripped.endswith(']'):
                section = {}
                sections.append(section)
                last = None
            elif section is not None and line[:1] in (' ', '\t') and last:
                section[last] += ' ' + stripped
            elif section is not None and '=' in stripped:
                key, value = stripped.split('=', 1)
                last = key.strip().lower()
                section[last] = value.strip()
        for values in sections:
            if values.get('enabled', '1').strip() in ('0', 'false', 'no', 'False'):
                continue
            for location in values.get('gpgkey', '').replace(',', ' ').split():
                if location not in found:
                    found.append(location)
    return found


# rpm -qp --qf RPM_QUERY FILE...: one line per package file.
RPM_QUERY = '%{NAME}|%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}|%{ARCH}\\n'


def parse_rpm_query(text):
    """`rpm -qp --qf RPM_QUERY` -> [{'name', 'version' ([epoch:]version-release), 'architecture'}] in order."""
    found = []
    for line in (text or '').splitlines():
        fields = line.strip().split('|')
        if len(fields) == 3 and fields[0]:
            found.append({'name': fields[0], 'version': fields[1], 'architecture': fields[2]})
    return found


def unmet_requirements(requires, provides, files):
    """The capabilities the bundled packages require that no bundled package provides, sorted.

    requires/provides: `rpm -qp --requires|--provides FILE...` (one capability a line, `name [op version]`);
    files: `rpm -qlp FILE...` (the paths they hold). rpmlib() features are rpm's own, never a package.
    """
    given = set(line.split()[0] for line in (provides or '').splitlines() if line.strip())
    given |= set(line.strip() for line in (files or '').splitlines() if line.strip())
    unmet = set()
    for line in (requires or '').splitlines():
        if not line.strip():
            continue
        name = line.split()[0]
        if not name.startswith('rpmlib(') and name not in given:
            unmet.add(name)
    return sorted(unmet)
