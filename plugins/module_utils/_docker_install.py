# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.docker_install_info and docker_repo_key, on the host: parsing what
dpkg, rpm, gpg and the versionlock plugin say, comparing package versions with docker_version, and the role's
decisions (docker_install_decide: the input problems, the plan each task of roles/docker acts on, and
docker_result); at the end, what docker_repo_key installs from a downloaded signing key.
Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import json
import os
import re
import shutil
import tempfile
import time

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import text_secrets
from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import apt_version_matches, el_version_matches

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


def parse_gpgv_status(text):
    """`gpgv --status-fd 1` (a signature checked against a keyring) -> primary key fingerprints of the valid signatures (the last field of VALIDSIG)."""
    found = []
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == '[GNUPG:]' and fields[1] == 'VALIDSIG':
            primary = fields[-1].upper()
            if primary not in found:
                found.append(primary)
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

    Only status `ii` or `hi` (installed, no error; `h` = held by apt-mark) counts: a removed package keeps its `rc`
    record.
    """
    installed = {}
    for line in (text or '').splitlines():
        fields = line.split('|')
        if len(fields) < 3 or fields[0][1:2] != 'i' or fields[0][2:3].strip():
            continue
        relations = parse_relations(', '.join(fields[3:5]))
        installed[fields[1]] = {'version': fields[2], 'relations': relations, 'held': fields[0][0] == 'h'}
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
    """Primary fingerprints of the keys in a key file or keyring, or None when gpg cannot read it."""
    colons = gpg_colons(module, path)
    return None if colons is None else primary_fingerprints(colons)


def key_expiry(colons):
    """{fingerprint: expiry (Unix time)} of the primary keys in `gpg --with-colons` output that have one."""
    return dict((key['fingerprint'], key['expires']) for key in parse_keys(colons) if key['expires'] and key['fingerprint'])


def gpg_colons(module, path):
    """`gpg --with-colons` output for the keys in a key file or keyring, or None when gpg cannot read it.

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
        return out
    finally:
        shutil.rmtree(home, ignore_errors=True)


def key_form(path):
    """'armor' or 'binary': the form of the key file at PATH (as apt tells them apart), or None when it is not a
    regular file (a FIFO is never opened)."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, 'rb') as handle:
            head = handle.read(4096)
    except OSError:
        return None
    return 'armor' if is_armored(head) else 'binary'


# The role's decisions (run by docker_install_info when it is given the role's settings) ----------------------

MANAGED = '# Managed by Ansible (fleetops.docker_host.docker); local changes are overwritten.'
APT_TRUSTED = '/etc/apt/trusted.gpg'


def _major(facts):
    return str(facts.get('distribution_major_version', ''))


def _by_major(os_data, facts):
    return (os_data.get('by_major') or {}).get(_major(facts), {})


def _family_setting(settings, os_data, key):
    """An option of the apt family only (docker_install_ubuntu_*) by its short key; None on EL."""
    prefix = os_data.get('option_prefix', '')
    return settings.get(prefix + key) if prefix else None


def package_dir(settings, os_data):
    return settings.get('docker_package_dir') or os_data.get('package_dir') or '/var/cache/fleetops-docker-packages'


def _join(base, path):
    return base.rstrip('/') + '/' + path


def _version_tuple(text):
    """(major, minor) of a Docker version as users write it ("26.1.4", "3:26.1.4-1.el7", "5:27.0.3*"), or None."""
    match = re.match(r'^(?:\d+:)?(\d+)\.(\d+)', str(text or '').strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def newest_docker(settings, os_data, facts):
    """{'newest', 'reason', 'too_new'} when Docker stopped building for this major version (EL7: 26.1), else {}.

    Only Docker's repository is capped: package files (docker_package_source=files) are whatever the user brings.
    """
    newest = _by_major(os_data, facts).get('newest_docker')
    if not newest or settings.get('docker_package_source') != 'repo':
        return {}
    wanted = _version_tuple(settings.get('docker_version'))
    return {'newest': str(newest), 'reason': _by_major(os_data, facts).get('newest_docker_reason', ''),
            'too_new': bool(wanted and wanted > _version_tuple(newest))}


def selinux_on(facts):
    """SELinux enforcing or permissive (ansible_facts.selinux, in the "min" fact subset); False when unknown."""
    selinux = facts.get('selinux') or {}
    return isinstance(selinux, dict) and selinux.get('status') == 'enabled'


def selinux_packages(os_data, facts):
    """The packages an SELinux host needs before Docker's engine (EL: container-selinux), [] otherwise."""
    return list(os_data.get('selinux_packages') or []) if selinux_on(facts) else []


def expected_fingerprint(settings, os_data):
    return normalize_fingerprint(settings.get('docker_gpg_fingerprint') or os_data.get('default_fingerprint', ''))


def repository(settings, os_data, facts):
    """{'url', 'key_url', 'suite'} of Docker's repository for this distribution, or {} when none applies."""
    if settings.get('docker_package_source') != 'repo':
        return {}
    distribution = facts.get('distribution', '')
    if os_data.get('manager') == 'apt':
        uri = settings.get('docker_repo_uri') or ''
        if not uri:
            path = (os_data.get('repo_paths') or {}).get(distribution)
            if not path:
                return {}
            uri = _join(settings.get('docker_repo_url', ''), path)
        uri = uri.rstrip('/')
        return {'url': uri, 'key_url': settings.get('docker_gpg_key_url') or uri + '/gpg',
                'suite': settings.get('docker_install_ubuntu_suite') or facts.get('distribution_release', '')}
    base = settings.get('docker_repo_uri') or ''
    if not base:
        paths = os_data.get('repo_paths') or {}
        # Docker's rhel/7 tree has no x86_64 packages: RHEL 7 and its rebuilds use centos/7.
        path = paths.get(distribution) or (os_data.get('repo_paths_by_major') or {}).get(_major(facts)) or os_data.get('default_repo_path')
        base = _join(settings.get('docker_repo_url', ''), path)
    base = base.rstrip('/')
    return {'url': base, 'key_url': settings.get('docker_gpg_key_url') or base + '/gpg', 'suite': ''}


def docker_install_problems(settings, os_data, facts):
    """One sentence per problem in the input, naming the variable, the value and the fix."""
    problems = []
    source = settings.get('docker_package_source')
    fingerprint = settings.get('docker_gpg_fingerprint') or ''
    version = settings.get('docker_version') or ''
    family = os_data.get('family')
    if fingerprint and not is_fingerprint(fingerprint):
        problems.append('docker_gpg_fingerprint=%s must be empty or 40 hex digits (spaces allowed), e.g. '
                        '"9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88"' % json.dumps(fingerprint))
    if not re.match(r'^(https?|file|ftp)://', settings.get('docker_repo_url') or ''):
        problems.append('docker_repo_url=%s must start with https://, http://, ftp:// or file://' % json.dumps(settings.get('docker_repo_url')))
    if re.search(r'\s', version):
        problems.append('docker_version=%s must not contain whitespace' % json.dumps(version))
    if source == 'files' and not settings.get('docker_package_files'):
        problems.append('docker_package_source=files needs docker_package_files (the package files on the controller)')
    if source == 'repo' and not settings.get('docker_packages'):
        problems.append('docker_package_source=repo needs at least one package in docker_packages')
    if not family:
        problems.append('%s %s (os_family %s) is not supported: the docker role installs on the Debian and RedHat '
                        'families' % (facts.get('distribution'), facts.get('distribution_version'), facts.get('os_family')))
        return problems
    suffix = os_data.get('package_file_suffix', '')
    wrong = [path for path in settings.get('docker_package_files') or [] if not str(path).endswith(suffix)]
    if wrong:
        problems.append('docker_package_files must be %s files on %s hosts (got %s)' % (suffix, family, json.dumps(wrong)))
    if source not in (os_data.get('sources') or []):
        problems.append('docker_package_source=%s is not available on %s: %s' % (json.dumps(source), family, os_data.get('sources_hint', '')))
    if os_data.get('by_major') and _major(facts) not in os_data['by_major']:
        supported = ', '.join(sorted(os_data['by_major'], key=int))
        problems.append('%s %s is not supported (EL %s are)' % (facts.get('distribution'), facts.get('distribution_version'), supported))
    cap = newest_docker(settings, os_data, facts)
    if cap.get('too_new'):
        problems.append('docker_version=%s cannot be installed on %s %s: %s; pin %s.x or older, or move the host to '
                        'EL 8 or later' % (json.dumps(version), facts.get('distribution'), facts.get('distribution_version'),
                                           cap['reason'], cap['newest']))
    if source == 'repo' and not repository(settings, os_data, facts):
        problems.append('Docker publishes no repository for %s: set docker_repo_uri (a mirror for this '
                        'Debian derivative) or use docker_package_source=distro' % facts.get('distribution'))
    return problems


def _distro_packages(settings, os_data, facts, docker_cli):
    engine = list(os_data.get('distro_engine') or [])
    if docker_cli:
        engine.append(os_data.get('distro_cli'))
    compose = ''
    if _family_setting(settings, os_data, 'distro_compose'):
        compose = ((os_data.get('distro_compose') or {}).get(facts.get('distribution'), {}) or {}).get(_major(facts), '')
    return engine, engine + ([compose] if compose else [])


def _conflicts(settings, os_data, facts):
    if settings.get('docker_package_source') == 'distro':
        return []
    return list(settings.get('docker_conflicting_packages') or os_data.get('conflicts') or _by_major(os_data, facts).get('conflicts') or [])


def docker_install_look(settings, os_data, facts):
    """The options of the one docker_install_info call: every package the role may install or remove."""
    manager = os_data.get('manager')
    source = settings.get('docker_package_source')
    engine, distro = _distro_packages(settings, os_data, facts, True)
    packages = list(settings.get('docker_packages') or []) if source == 'repo' else []
    packages += distro if source == 'distro' else []
    packages += list(settings.get('docker_pinned_packages') or [])
    packages += list(os_data.get('tools') or []) if source == 'repo' else []
    packages += list(_by_major(os_data, facts).get('prerequisites') or []) if source == 'repo' else []
    packages += selinux_packages(os_data, facts)
    files = []
    if source == 'repo':
        files += [os_data['repo_file'], os_data['key_dest']]
    if os_data.get('hold_file'):
        files.append(os_data['hold_file'])
    return {
        'manager': manager,
        'packages': sorted(set(packages)),
        'conflicts': _conflicts(settings, os_data, facts),
        'files': files,
        'keyrings': [os_data['key_dest']] if source == 'repo' else [],
        'docker_cli': manager == 'apt' and source == 'distro',
        'legacy': manager == 'apt' and source == 'repo',
        'package_dir': package_dir(settings, os_data),
        'package_files': list(settings.get('docker_package_files') or []) if source == 'files' else [],
        'users': list(settings.get('docker_users') or []),
        'versionlock': manager == 'rpm',
    }


def package_specs(packages, pinned, version, manager):
    """apt `name=version*`, EL `name-version` for the pinned packages when a version is asked for."""
    if not version:
        return list(packages)
    pin = '=%s*' if manager == 'apt' else '-%s'
    return [name + (pin % version if name in pinned else '') for name in packages]


def apt_source(repo, channel, architecture, key_dest):
    return '\n'.join([
        MANAGED,
        'Types: deb',
        'URIs: %s' % repo['url'],
        'Suites: %s' % repo['suite'],
        'Components: %s' % channel,
        'Architectures: %s' % architecture,
        'Signed-By: %s' % key_dest,
    ]) + '\n'


def apt_hold(pinned, version):
    return '\n'.join([
        MANAGED,
        '# Holds the Docker engine at docker_version so that `apt upgrade` does not move it.',
        'Package: %s' % ' '.join(pinned),
        'Pin: version %s*' % version,
        'Pin-Priority: 1001',
    ]) + '\n'


def el_repo(repo, channel, major, key_dest, fingerprint):
    lines = [MANAGED, '# The key was verified (%s) before it was installed at gpgkey.' % fingerprint]
    for name in ['stable'] + (['test'] if channel == 'test' else []):
        lines += ['', '[docker-ce-%s]' % name,
                  'name=Docker CE %s - $basearch' % name.capitalize(),
                  'baseurl=%s/%s/$basearch/%s' % (repo['url'], major, name),
                  'enabled=1',
                  'gpgcheck=1',
                  'gpgkey=file://%s' % key_dest]
    return '\n'.join(lines) + '\n'


def repo_file_text(settings, os_data, facts, architecture):
    """The text of Docker's repository file (os_data['repo_file']), or None where the role writes none (another
    source, docker_add_repo false, no repository for this distribution)."""
    repo = repository(settings, os_data, facts)
    if not repo or not settings.get('docker_add_repo', True):
        return None
    if os_data.get('manager') == 'apt':
        return apt_source(repo, settings.get('docker_channel'), architecture, os_data['key_dest'])
    return el_repo(repo, settings.get('docker_channel'), _major(facts), os_data['key_dest'],
                   expected_fingerprint(settings, os_data))


def repository_files(raw_settings, os_data, facts, architecture):
    """What docker_repo_key installs for the docker role, from the role's settings (as the look gets them):
    {url, fingerprint, dest} of the signing key and {repo_file, repo_text} of the repository file."""
    settings = resolve_settings(raw_settings, os_data.get('family'))[0]
    repo = repository(settings, os_data, facts)
    return {'url': repo.get('key_url', ''), 'fingerprint': expected_fingerprint(settings, os_data),
            'dest': os_data.get('key_dest') or '', 'repo_file': os_data.get('repo_file') or '',
            'repo_text': repo_file_text(settings, os_data, facts, architecture)}


def settings_secrets(raw_settings):
    """The credentials in the role's settings: the userinfo of every URL among its values (docker_repo_uri,
    docker_repo_url, docker_gpg_key_url and their deprecated aliases)."""
    found = []
    for value in (raw_settings or {}).values():
        found.extend(text_secrets(value) if isinstance(value, str) and '://' in value else [])
    return found


def docker_install_plan(probe, settings, os_data, facts, check_mode=False):  # noqa: C901, PLR0912, PLR0915
    """What must change on this host, from the probe. `work` is false on a host that is already right."""
    if not isinstance(probe, dict) or 'packages' not in probe:
        raise ValueError('docker_install_plan needs the result of fleetops.docker_host.docker_install_info')
    manager = os_data.get('manager')
    source = settings.get('docker_package_source')
    version = settings.get('docker_version') or ''
    installed = probe.get('packages') or {}
    files_now = probe.get('files') or {}
    fingerprint = expected_fingerprint(settings, os_data)
    repo = repository(settings, os_data, facts)
    changes = []

    engine, distro = _distro_packages(settings, os_data, facts, probe.get('docker_cli'))
    package_files = probe.get('package_files') or {}
    if source == 'repo':
        packages = list(settings.get('docker_packages') or [])
    elif source == 'distro':
        packages = distro
    else:
        packages = [info['name'] for info in package_files.values() if info]
    default_pinned = engine if source == 'distro' else list(os_data.get('upstream_engine_packages') or [])
    pinned = list(settings.get('docker_pinned_packages') or []) or default_pinned
    matches = apt_version_matches if manager == 'apt' else el_version_matches
    specs = package_specs(packages, pinned, version, manager)

    if source == 'files':
        stale = [base for base, info in package_files.items() if not info or installed.get(info['name']) != info['version']]
        to_change = [package_files[base]['name'] if package_files.get(base) else base for base in stale]
        file_paths = [package_dir(settings, os_data).rstrip('/') + '/' + str(path).rsplit('/', 1)[-1]
                      for path in settings.get('docker_package_files') or []]
    else:
        to_change = [name for name in packages
                     if not installed.get(name) or (version and name in pinned and not matches(installed.get(name), version))]
        file_paths = []
    install = bool(to_change)
    if install:
        changes.append('install %s' % ' '.join(to_change))

    conflicts = [name for name in probe.get('conflicts_installed') or [] if name not in packages]
    if conflicts:
        changes.append('remove %s' % ' '.join(conflicts))

    # Repository, key and hold files: path -> wanted text (None = remove).
    wanted_files = {}
    key_install = False
    rpm_key_import = False
    expired_key = None
    repo_text = repo_file_text(settings, os_data, facts, probe.get('architecture', ''))
    if repo_text is not None:
        wanted_files[os_data['repo_file']] = repo_text
        if manager != 'apt':
            rpm_key_import = fingerprint[-8:].lower() not in (probe.get('rpm_keys') or [])
        # Right only with the expected key alone (apt trusts every key in a Signed-By file) and in the form its
        # name asks for (apt ignores a binary key in a .asc file and an armoured one in a .gpg file).
        form_now = (probe.get('key_forms') or {}).get(os_data['key_dest'])
        form_wanted = wanted_form(os_data['key_dest'])
        key_install = ((probe.get('keyrings') or {}).get(os_data['key_dest']) or []) != [fingerprint] or bool(
            form_now and form_wanted and form_now != form_wanted)
        if key_install:
            changes.append('install the signing key %s at %s' % (fingerprint, os_data['key_dest']))
        expires = ((probe.get('key_expires') or {}).get(os_data['key_dest']) or {}).get(fingerprint)
        if not key_install and expires and expires <= probe.get('now', time.time()):
            expired_key = (fingerprint, os_data['key_dest'], time.strftime('%Y-%m-%d', time.gmtime(expires)))
        if rpm_key_import:
            changes.append('import the signing key into the rpm database')
    hold_file = os_data.get('hold_file')
    if hold_file and source != 'files':
        wanted_files[hold_file] = apt_hold(pinned, version) if version else None
    file_changes = dict((path, text) for path, text in wanted_files.items() if files_now.get(path) != text)
    changes += ['%s %s' % ('remove' if text is None else 'write', path) for path, text in sorted(file_changes.items())]

    warnings = list(settings.get('__warnings') or [])
    host = facts.get('nodename', facts.get('hostname', ''))
    if expired_key:
        warnings.append('%s: the signing key %s at %s expired on %s, so the package manager refuses the repository it '
                        'signs: fetch a current key from docker_gpg_key_url (or replace the file) and run again'
                        % ((host,) + expired_key))
    # Every package of the step is held at docker_version (containerd.io included: an unattended upgrade of it
    # stops dockerd, docker/for-linux#1155), or released when docker_version is empty; package files are left alone.
    # On apt the pinned packages are held by the preferences file (Pin-Priority 1001 at docker_version), the others
    # (containerd.io, the plugins) by apt-mark hold.
    hold = None if source == 'files' else bool(version)
    pinned_by_file = pinned if os_data.get('hold_file') else []
    hold_names = [name for name in packages if name not in pinned_by_file]
    held_now = set(probe.get('held') or [])
    hold_changes = [] if hold is None else [name for name in hold_names if (name in held_now) != hold
                                            and (hold is False or installed.get(name) or name in to_change)]
    changes += ['%s %s' % ('hold' if hold else 'release the hold of', name) for name in hold_changes]

    legacy = probe.get('legacy') or {}
    legacy_lists = list(legacy.get('lists') or [])
    legacy_remove, legacy_delete_key = [], []
    for path, found in sorted((legacy.get('keyrings') or {}).items()):
        if not found or fingerprint not in found:
            continue
        if found == [fingerprint] and path != APT_TRUSTED:
            legacy_remove.append(path)
        elif path.endswith('.gpg'):
            legacy_delete_key.append(path)
    changes += ['remove %s' % path for path in legacy_lists + legacy_remove]
    changes += ['delete Docker\'s key from %s' % path for path in legacy_delete_key]

    tools = [name for name in os_data.get('tools') or [] if not installed.get(name)] if key_install else []
    prerequisites = [name for name in _by_major(os_data, facts).get('prerequisites') or [] if not installed.get(name)] if source == 'repo' else []
    # Before the engine, so that a repository without container-selinux fails on that package, by name.
    prerequisites += [name for name in selinux_packages(os_data, facts) if not installed.get(name) and name not in prerequisites]
    selinux_repo = (_by_major(os_data, facts).get('selinux_repo') or {}).get(facts.get('distribution', ''), '')
    changes += ['install %s' % ' '.join(tools + prerequisites)] if tools + prerequisites else []
    cap = newest_docker(settings, os_data, facts)
    if cap and not cap['too_new']:
        warnings.append('%s: %s %s gets Docker %s at most: %s. Plan the move to EL 8 or later.'
                        % (host, facts.get('distribution'), facts.get('distribution_version'), cap['newest'], cap['reason']))
    if selinux_repo and any(name in prerequisites for name in selinux_packages(os_data, facts)):
        warnings.append('%s: SELinux is on and %s comes from the %s repository on %s %s, which is disabled by '
                        'default: enable it (subscription-manager repos --enable=%s) if the install cannot find it.'
                        % (host, ', '.join(selinux_packages(os_data, facts)), selinux_repo, facts.get('distribution'),
                           facts.get('distribution_major_version'), selinux_repo))

    service = probe.get('service') or {}
    manage = settings.get('docker_service_manage', True)
    service_work = manage and not (service.get('enabled') and service.get('active'))
    # dockerd runs its containers through containerd.service (--containerd=/run/containerd/containerd.sock) but only
    # Wants= it: a containerd stopped (by hand, or by a run cut off between a stop and a start) stays stopped beside
    # an active dockerd, which then cannot start a container. Started before dockerd. Only an enabled unit: one the
    # packages left disabled (an engine whose dockerd runs its own containerd, as the EL tooling stand-in's) is not
    # the engine's, and starting it would change the host on every first rerun.
    containerd = probe.get('containerd') or {}
    containerd_work = bool(manage and containerd.get('exists') and containerd.get('enabled') and not containerd.get('active'))
    if containerd_work:
        changes.append('start %s (enabled, stopped)' % containerd.get('name', 'containerd.service'))
    if service_work:
        changes.append('enable and start %s' % service.get('name', 'docker.service'))
    users = probe.get('users') or {}
    users_to_add = [name for name in settings.get('docker_users') or [] if not (users.get(name) or {}).get('member')]
    if users_to_add:
        changes.append('add %s to the docker group' % ', '.join(users_to_add))
        # Membership of the docker group is root-equivalent: the daemon runs containers as root with any host path.
        warnings.append('adding %s to the docker group on %s: members can control the Docker daemon and so gain root '
                        'on the host' % (', '.join(users_to_add), host))

    fetch_lists = manager == 'apt' and probe.get('apt_lists') is False
    repo_file_changed = os_data.get('repo_file') in file_changes if source == 'repo' else False
    # The one install step (fleetops.docker_host.packages). In check mode a repository this run adds is not in the
    # cache yet and package files were not copied: the step is left out and the plan says what would be installed.
    fresh = bool(file_changes or key_install or legacy_lists or legacy_remove or legacy_delete_key)
    install_step = {
        'packages': [] if source == 'files' else [
            {'name': name, 'version': version if version and name in pinned else ''} for name in packages],
        'files': file_paths,
        'hold': hold if hold_names else None,
        'hold_names': hold_names if hold is not None and hold_names else None,
        'allow_downgrade': bool(version) or source == 'files',
        'update_cache': manager == 'apt' or repo_file_changed,
        'cache_valid_time': 0 if fresh else int(_family_setting(settings, os_data, 'cache_valid_time') or 0),
        'install_recommends': _family_setting(settings, os_data, 'install_recommends'),
    }
    install_step = dict((key, value) for key, value in install_step.items() if value is not None)
    install_now = bool(install or hold_changes) and not (check_mode and (repo_file_changed or source == 'files'))
    if check_mode and install and not install_now:
        warnings.append('Check mode: would install %s%s' % (
            ' '.join(to_change), ' from the new repository' if repo_file_changed else ' from the package files'))

    return {
        'family': os_data.get('family'),
        'manager': manager,
        'source': source,
        'work': bool(changes) or fetch_lists,
        'changes': changes,
        'warnings': warnings,
        'fetch_lists': fetch_lists,
        'packages': packages,
        'pinned': pinned,
        'specs': specs,
        'install': install,
        'to_change': to_change,
        'file_paths': file_paths,
        'install_step': install_step,
        'install_now': install_now,
        'conflicts_to_remove': conflicts,
        'repository': repo.get('url', ''),
        'repo_file': os_data.get('repo_file') if source == 'repo' else '',
        'repo_file_changed': repo_file_changed,
        'key': {'url': repo.get('key_url', ''), 'fingerprint': fingerprint, 'dest': os_data.get('key_dest'),
                'install': key_install, 'rpm_import': rpm_key_import,
                # In check mode on a fresh host the key file was not written.
                'rpm_import_now': rpm_key_import and not (check_mode and key_install)},
        'file_changes': file_changes,
        'hold': version if hold else '',
        'hold_changes': hold_changes,
        'legacy': {'lists': legacy_lists, 'remove': legacy_remove, 'delete_key': legacy_delete_key},
        'tools': tools,
        'prerequisites': prerequisites,
        'service_work': service_work,
        # The units the role enables and starts, in order.
        'services': (['containerd'] if containerd_work else []) + (['docker'] if service_work else []),
        'users_to_add': users_to_add,
        'users_missing': [name for name in settings.get('docker_users') or [] if not (users.get(name) or {}).get('exists')],
        'group_exists': bool(probe.get('group_exists')),
    }


def _state(probe):
    """The parts of a look that the role changes; two equal states mean nothing changed."""
    return {
        'packages': probe.get('packages') or {},
        'files': probe.get('files') or {},
        'keyrings': probe.get('keyrings') or {},
        'legacy': probe.get('legacy') or {},
        'versionlock': [e.get('raw') for e in (probe.get('versionlock') or {}).get('entries') or []],
        'rpm_keys': probe.get('rpm_keys') or [],
        'service': probe.get('service') or {},
        'containerd': probe.get('containerd') or {},
        'users': probe.get('users') or {},
        'files_on_host': sorted(base for base, info in (probe.get('package_files') or {}).items() if info),
    }


def docker_install_result(plan, before, after, check_mode=False):
    """docker_result: {family, source, packages, changed_packages, removed_conflicts, repository, held, service, changed}.

    `before` is the first look, `after` the last (the same look on a host that needed nothing, and in check
    mode, where nothing changed: there `changed` and the lists are what would change).
    """
    if not isinstance(after, dict) or 'packages' not in after:
        after = before
    versions = after.get('packages') or {}
    was = before.get('packages') or {}
    if check_mode:
        changed_packages = list(plan.get('to_change') or [])
        removed = list(plan.get('conflicts_to_remove') or [])
        changed = bool(plan.get('changes'))
        held = plan.get('hold', '')
    else:
        names = list(plan.get('packages') or []) + [n for n in plan.get('pinned') or [] if n in versions]
        changed_packages = sorted(set(name for name in names if was.get(name) != versions.get(name)))
        removed = sorted(name for name in before.get('conflicts_installed') or [] if not versions.get(name))
        changed = _state(before) != _state(after)
        held = plan.get('hold', '')
    service = after.get('service') or {}
    return {
        'family': plan.get('family'),
        'source': plan.get('source'),
        'packages': dict((name, versions.get(name)) for name in plan.get('packages') or []),
        'changed_packages': changed_packages,
        'removed_conflicts': removed,
        'repository': plan.get('repository', ''),
        'held': held,
        'service': {'enabled': bool(service.get('enabled')), 'active': bool(service.get('active'))},
        'changed': changed,
    }


# The role's settings: neutral names, their deprecated per-family aliases, and geerlingguy.docker's variables ------

UNSET = '__docker_unset__'
ALIAS_REMOVED_IN = '0.3.0'
# Old per-family option -> (neutral option, the family it applied to). Kept for one release.
ALIASES = {
    'docker_install_ubuntu_repo_uri': ('docker_repo_uri', 'Debian'),
    'docker_install_centos_repo_baseurl': ('docker_repo_uri', 'RedHat'),
    'docker_install_ubuntu_gpg_key_url': ('docker_gpg_key_url', 'Debian'),
    'docker_install_centos_gpg_key_url': ('docker_gpg_key_url', 'RedHat'),
    'docker_install_ubuntu_package_dir': ('docker_package_dir', 'Debian'),
    'docker_install_centos_package_dir': ('docker_package_dir', 'RedHat'),
    'docker_install_ubuntu_conflicting_packages': ('docker_conflicting_packages', 'Debian'),
    'docker_install_centos_conflicting_packages': ('docker_conflicting_packages', 'RedHat'),
}
_COMPOSE_BINARY = ('this role does not download the standalone docker-compose binary; the compose plugin comes with '
                   'docker_packages (docker-compose-plugin)')
# geerlingguy.docker's variables (defaults/main.yml) that a play moving to this role may still set:
# name -> {value accepted as is: None} or a mapping function (value -> ({our variable: value}, refusal or None)).
# A refusal names what to use instead; it fails the role's input check.


def _accept(*values):
    def check(name, value):
        if value in values:
            return {}, None
        return {}, '%s=%s has no equivalent here (accepted: %s)' % (name, json.dumps(value), ', '.join(json.dumps(v) for v in values))
    return check


def _refuse(reason):
    return lambda name, value: ({}, '%s is not supported: %s' % (name, reason))


def _to(ours, transform=None):
    return lambda name, value: ({ours: transform(value) if transform else value}, None)


def _channel(name, value):
    if value in ('stable', 'test'):
        return {'docker_channel': value}, None
    return {}, '%s=%s: only stable and test are offered; set docker_channel' % (name, json.dumps(value))


def _yum_test(name, value):
    return ({'docker_channel': 'test'} if str(value) in ('1', 'True', 'true') else {}), None


def _compose_plugin(name, value):
    return {'__compose_plugin': bool(value)}, None


def _add_repo(name, value):
    return {'docker_add_repo': bool(value)}, None


def _service_manage(name, value):
    return {'docker_service_manage': bool(value)}, None


GEERLINGGUY = {
    'docker_edition': _accept('ce'),
    'docker_package': _accept('docker-ce'),
    'docker_package_state': _accept('present'),
    'docker_packages_state': _accept('present'),
    'docker_obsolete_packages': _to('docker_conflicting_packages'),
    'docker_service_state': _accept('started'),
    'docker_service_enabled': _accept(True),
    'docker_service_manage': _service_manage,
    'docker_restart_handler_state': _accept('restarted'),
    'docker_install_compose_plugin': _compose_plugin,
    'docker_compose_package': _to('__compose_package'),
    'docker_compose_package_state': _accept('present'),
    'docker_install_compose': _accept(False),
    'docker_compose_version': _refuse(_COMPOSE_BINARY),
    'docker_compose_arch': _refuse(_COMPOSE_BINARY),
    'docker_compose_url': _refuse(_COMPOSE_BINARY),
    'docker_compose_path': _refuse(_COMPOSE_BINARY),
    'docker_add_repo': _add_repo,
    'docker_apt_release_channel': _channel,
    'docker_apt_arch': _refuse('the repository uses the host\'s own dpkg architecture'),
    'docker_apt_repository': _refuse('set docker_repo_uri (the repository URI), docker_install_ubuntu_suite and docker_channel'),
    'docker_apt_ignore_key_error': _accept(False),
    'docker_apt_gpg_key': _to('docker_gpg_key_url'),
    'docker_apt_gpg_key_checksum': _refuse('the key is checked by its fingerprint: set docker_gpg_fingerprint'),
    'docker_apt_filename': _refuse('the role writes /etc/apt/sources.list.d/docker.sources'),
    'docker_yum_repo_url': _refuse('the role writes its own .repo file: set docker_repo_uri (the base URL holding <major>/<arch>/<channel>)'),
    'docker_yum_repo_enable_nightly': _accept('0', 0, False),
    'docker_yum_repo_enable_test': _yum_test,
    'docker_yum_gpg_key': _to('docker_gpg_key_url'),
}
# Why each accepted value above may only be the default there.
ACCEPT_REASONS = {
    'docker_edition': 'Docker EE is no longer published in Docker\'s repositories; the role installs Docker CE',
    'docker_package': 'set docker_packages (a list)',
    'docker_package_state': 'the role installs docker_packages, at docker_version when set; it does not upgrade or remove them',
    'docker_packages_state': 'the role installs docker_packages, at docker_version when set; it does not upgrade or remove them',
    'docker_service_state': 'the role leaves docker.service running (docker_daemon needs it); set docker_service_manage: false to leave it alone',
    'docker_service_enabled': 'the role leaves docker.service enabled; set docker_service_manage: false to leave it alone',
    'docker_restart_handler_state': 'restarts are decided by fleetops.docker_host.docker_daemon',
    'docker_compose_package_state': 'the compose plugin is installed with docker_packages',
    'docker_install_compose': _COMPOSE_BINARY,
    'docker_apt_ignore_key_error': 'the role checks the key\'s fingerprint (docker_gpg_fingerprint) and never ignores a key error',
    'docker_yum_repo_enable_nightly': 'only the stable and test channels are offered (docker_channel)',
}


def resolve_settings(raw, family):
    """(settings, warnings, problems) from the role's variables as given (UNSET = not set by anyone).

    The neutral options win; a deprecated per-family alias fills its neutral option when that is empty, with a
    warning naming the new name; geerlingguy.docker's variables are mapped where they mean something here and
    refused, naming what to use instead, where not.
    """
    given = dict((name, value) for name, value in (raw or {}).items() if not (isinstance(value, str) and value == UNSET))
    settings = dict((name, value) for name, value in given.items() if name not in ALIASES and name not in GEERLINGGUY)
    warnings, problems = [], []
    for old, (new, old_family) in sorted(ALIASES.items()):
        if old not in given:
            continue
        warnings.append('%s is deprecated and will be removed in %s: set %s instead' % (old, ALIAS_REMOVED_IN, new))
        if old_family == family and not settings.get(new):
            settings[new] = given[old]
    mapped = {}
    for name in sorted(set(given) & set(GEERLINGGUY)):
        values, refusal = GEERLINGGUY[name](name, given[name])
        if refusal:
            reason = ACCEPT_REASONS.get(name)
            problems.append('%s (geerlingguy.docker\'s variable)%s' % (refusal, '; ' + reason if reason and 'accepted' in refusal else ''))
        for key, value in values.items():
            mapped[key] = value
    for key, value in mapped.items():
        if key.startswith('__'):
            continue
        if key in ('docker_conflicting_packages', 'docker_gpg_key_url') and settings.get(key):
            continue
        settings[key] = value
    if '__compose_plugin' in mapped:
        compose = mapped.get('__compose_package') or 'docker-compose-plugin'
        packages = [p for p in settings.get('docker_packages') or [] if p != compose]
        settings['docker_packages'] = packages + ([compose] if mapped['__compose_plugin'] else [])
    return settings, warnings, problems


def docker_install_decide(probe, raw_settings, os_data, facts, *, check_mode=False, before=None):
    """What the look returns to the role: {problems, warnings, plan, result}.

    before: the first look of this run (the role passes it to its last look, so that the result compares the two).
    """
    settings, deprecations, problems = resolve_settings(raw_settings, os_data.get('family'))
    problems = docker_install_problems(settings, os_data, facts) + problems
    users = probe.get('users') or {}
    missing = [name for name in settings.get('docker_users') or [] if not (users.get(name) or {}).get('exists')]
    if missing:
        problems.append('docker_users lists %s, which do not exist: create the users first (this role does not create '
                        'accounts) or remove them from docker_users' % ', '.join(missing))
    if problems:
        return {'problems': problems, 'warnings': deprecations, 'plan': {'work': False}, 'result': {}}
    settings['__warnings'] = []
    first = before if isinstance(before, dict) and 'packages' in before else probe
    plan = docker_install_plan(first, settings, os_data, facts, check_mode)
    # The repository file may carry credentials (a mirror's user:token@): docker_repo_key writes it from the
    # settings, so the plan the role gets (returned, logged) names it in repo_file_changed only.
    plan['file_changes'] = dict((path, text) for path, text in plan['file_changes'].items()
                                if path != os_data.get('repo_file'))
    if first is probe:
        result = docker_install_result(plan, probe, probe, check_mode)
    else:
        result = docker_install_result(plan, first, probe, False)
        # The looks return the repository file masked: a credential that changed reads the same in both, so the
        # first look's plan says whether the key step rewrote it.
        result['changed'] = result['changed'] or bool((before.get('plan') or {}).get('repo_file_changed'))
    return {'problems': [], 'warnings': deprecations + plan['warnings'], 'plan': plan, 'result': result}


# --- docker_repo_key: what to install from a downloaded signing key (`gpg --with-colons`) ---
# apt trusts every key in a keyring file it is pointed at, so a file holding the expected key plus another is
# installed as the expected key alone (exported with gpg); a secret-key export is refused (it would leave a private
# key readable on the host); apt reads a file ending in .asc as ASCII-armoured and one ending in .gpg as a binary
# keyring, ignoring a key in the other form, so the key is converted to the form the name asks for; an expired key
# is installed with a warning (apt refuses what it signs).

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
