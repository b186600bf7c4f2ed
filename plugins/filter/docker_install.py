# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of the fleetops.docker_host.docker role, as filters (controller side, Python 3.11+).

    settings  the role's inputs, a dict keyed by variable name (roles/docker/vars/main.yml)
    os_data   the family's data table (roles/docker/vars/<os_family>.yml, key __docker_os)
    facts     ansible_facts (os_family, distribution, distribution_release, distribution_major_version)
    probe     what fleetops.docker_host.docker_install_info returned

docker_install_problems  the input problems, one sentence each (the role's one early assert)
docker_install_look      the options of the probe call
docker_install_plan      what must change on this host (the role acts only on this)
docker_install_result    the role's docker_result
"""

import json
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    apt_version_matches,
    el_version_matches,
    is_fingerprint,
    normalize_fingerprint,
    versionlock_evr,
)

MANAGED = '# Managed by Ansible (fleetops.docker_host.docker); local changes are overwritten.'
APT_TRUSTED = '/etc/apt/trusted.gpg'


def _major(facts):
    return str(facts.get('distribution_major_version', ''))


def _by_major(os_data, facts):
    return (os_data.get('by_major') or {}).get(_major(facts), {})


def _family_setting(settings, os_data, key):
    """A family option (docker_install_ubuntu_* on apt, docker_install_centos_* on EL) by its short key."""
    prefix = os_data.get('option_prefix', '')
    return settings.get(prefix + key)


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
        uri = settings.get('docker_install_ubuntu_repo_uri') or ''
        if not uri:
            path = (os_data.get('repo_paths') or {}).get(distribution)
            if not path:
                return {}
            uri = _join(settings.get('docker_repo_url', ''), path)
        uri = uri.rstrip('/')
        return {'url': uri, 'key_url': settings.get('docker_install_ubuntu_gpg_key_url') or uri + '/gpg',
                'suite': settings.get('docker_install_ubuntu_suite') or facts.get('distribution_release', '')}
    base = settings.get('docker_install_centos_repo_baseurl') or ''
    if not base:
        paths = os_data.get('repo_paths') or {}
        # Docker's rhel/7 tree has no x86_64 packages: RHEL 7 and its rebuilds use centos/7.
        path = paths.get(distribution) or (os_data.get('repo_paths_by_major') or {}).get(_major(facts)) or os_data.get('default_repo_path')
        base = _join(settings.get('docker_repo_url', ''), path)
    base = base.rstrip('/')
    return {'url': base, 'key_url': settings.get('docker_install_centos_gpg_key_url') or base + '/gpg', 'suite': ''}


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
        problems.append('Docker publishes no repository for %s: set docker_install_ubuntu_repo_uri (a mirror for this '
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
    return list(_family_setting(settings, os_data, 'conflicting_packages') or _by_major(os_data, facts).get('conflicts') or [])


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
        'package_dir': _family_setting(settings, os_data, 'package_dir') or '/var/cache/fleetops-docker-packages',
        'package_files': list(settings.get('docker_package_files') or []) if source == 'files' else [],
        'users': list(settings.get('docker_users') or []),
        'versionlock': manager == 'rpm' and source == 'repo',
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


def _versionlock(probe, pinned, version, specs_by_name):
    """Which locks to delete and add so the pinned packages are locked at version (or not at all)."""
    lock = probe.get('versionlock') or {}
    locked = [entry for entry in lock.get('entries') or [] if entry.get('name') in pinned]
    if version:
        ok = (len(locked) == len(pinned) and set(e['name'] for e in locked) == set(pinned)
              and all(el_version_matches(versionlock_evr(e), version) for e in locked))
    else:
        ok = not locked
    available = bool(lock.get('tool'))
    return {
        'tool': lock.get('tool'),
        'ok': ok,
        'delete': [e['raw'] for e in locked] if available and not ok else [],
        'add': [specs_by_name[name] for name in pinned] if available and version and not ok else [],
    }


def docker_install_plan(probe, settings, os_data, facts):
    """What must change on this host, from the probe. `work` is false on a host that is already right."""
    if not isinstance(probe, dict) or 'packages' not in probe:
        raise AnsibleFilterError('docker_install_plan needs the result of fleetops.docker_host.docker_install_info')
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
        package_dir = _family_setting(settings, os_data, 'package_dir') or '/var/cache/fleetops-docker-packages'
        file_paths = [package_dir.rstrip('/') + '/' + str(path).rsplit('/', 1)[-1] for path in settings.get('docker_package_files') or []]
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
    if source == 'repo' and repo:
        if manager == 'apt':
            wanted_files[os_data['repo_file']] = apt_source(repo, settings.get('docker_channel'), probe.get('architecture', ''), os_data['key_dest'])
        else:
            wanted_files[os_data['repo_file']] = el_repo(repo, settings.get('docker_channel'), _major(facts), os_data['key_dest'], fingerprint)
            rpm_key_import = fingerprint[-8:].lower() not in (probe.get('rpm_keys') or [])
        key_install = fingerprint not in ((probe.get('keyrings') or {}).get(os_data['key_dest']) or [])
        if key_install:
            changes.append('install the signing key %s at %s' % (fingerprint, os_data['key_dest']))
        if rpm_key_import:
            changes.append('import the signing key into the rpm database')
    hold_file = os_data.get('hold_file')
    if hold_file and source != 'files':
        wanted_files[hold_file] = apt_hold(pinned, version) if version else None
    file_changes = dict((path, text) for path, text in wanted_files.items() if files_now.get(path) != text)
    changes += ['%s %s' % ('remove' if text is None else 'write', path) for path, text in sorted(file_changes.items())]

    lock = {'tool': None, 'ok': True, 'delete': [], 'add': []}
    warnings = []
    host = facts.get('nodename', facts.get('hostname', ''))
    if manager == 'rpm' and source == 'repo':
        lock = _versionlock(probe, pinned, version, dict(zip(pinned, package_specs(pinned, pinned, version, manager))))
        changes += ['delete version lock %s' % raw for raw in lock['delete']] + ['lock %s' % spec for spec in lock['add']]
        if version and not lock['tool']:
            warnings.append('WARNING: %s: docker_version=%s is installed but not held: the versionlock plugin is not installed. '
                            'Install %s to hold it.' % (host, version,
                                                        _by_major(os_data, facts).get('versionlock_package', 'the versionlock plugin')))

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
        warnings.append('WARNING: %s: %s %s gets Docker %s at most: %s. Plan the move to EL 8 or later.'
                        % (host, facts.get('distribution'), facts.get('distribution_version'), cap['newest'], cap['reason']))
    if selinux_repo and any(name in prerequisites for name in selinux_packages(os_data, facts)):
        warnings.append('WARNING: %s: SELinux is on and %s comes from the %s repository on %s %s, which is disabled by '
                        'default: enable it (subscription-manager repos --enable=%s) if the install cannot find it.'
                        % (host, ', '.join(selinux_packages(os_data, facts)), selinux_repo, facts.get('distribution'),
                           facts.get('distribution_major_version'), selinux_repo))

    service = probe.get('service') or {}
    service_work = not (service.get('enabled') and service.get('active'))
    if service_work:
        changes.append('enable and start %s' % service.get('name', 'docker.service'))
    users = probe.get('users') or {}
    users_to_add = [name for name in settings.get('docker_users') or [] if not (users.get(name) or {}).get('member')]
    if users_to_add:
        changes.append('add %s to the docker group' % ', '.join(users_to_add))

    fetch_lists = manager == 'apt' and probe.get('apt_lists') is False
    files_argv = []
    if source == 'files' and manager == 'apt':
        # apt-get's own wait for dpkg's lock (the apt module passes the same option for its lock_timeout).
        files_argv = ['apt-get', '-o', 'DPkg::Lock::Timeout=%d' % int(settings.get('docker_package_lock_timeout', 300)),
                      'install', '--yes', '--allow-downgrades']
        files_argv += [] if _family_setting(settings, os_data, 'install_recommends') else ['--no-install-recommends']
        files_argv += file_paths

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
        'files_install_argv': files_argv,
        'conflicts_to_remove': conflicts,
        'repository': repo.get('url', ''),
        'repo_file': os_data.get('repo_file') if source == 'repo' else '',
        'repo_file_changed': os_data.get('repo_file') in file_changes if source == 'repo' else False,
        'key': {'url': repo.get('key_url', ''), 'fingerprint': fingerprint, 'dest': os_data.get('key_dest'),
                'install': key_install, 'rpm_import': rpm_key_import},
        'file_changes': file_changes,
        'hold': version if version and source != 'files' and (manager == 'apt' or lock['tool']) else '',
        'versionlock': lock,
        'legacy': {'lists': legacy_lists, 'remove': legacy_remove, 'delete_key': legacy_delete_key},
        'tools': tools,
        'prerequisites': prerequisites,
        'service_work': service_work,
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


class FilterModule(object):
    def filters(self):
        return {
            'docker_install_problems': docker_install_problems,
            'docker_install_look': docker_install_look,
            'docker_install_plan': docker_install_plan,
            'docker_install_result': docker_install_result,
        }
