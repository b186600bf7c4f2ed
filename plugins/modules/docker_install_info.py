#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: docker_install_info
short_description: Report what a Docker Engine install depends on, in one look
version_added: 0.2.0
description:
  - Reports, without changing anything, what the C(fleetops.docker_host.docker) role decides from, and what an
    audit of a Docker host wants to know - the installed version of each package in O(packages) (C(dpkg-query)
    on apt, C(rpm) on the EL family), which of O(conflicts) are installed, whether apt has package lists, the
    content of O(files) (the repository file, the apt hold file), the primary key fingerprints in O(keyrings), the
    state of the service, the members of the docker group.
  - On apt, with O(docker_cli), whether the archive ships the client as a separate C(docker-cli) package (Debian
    13 does) - read from an installed C(docker.io)'s Depends and Recommends, else asked of C(apt-cache) when apt
    has lists.
  - On apt, with O(legacy), the old Docker source lists and the global keyrings (C(/etc/apt/trusted.gpg.d),
    C(/etc/apt/*.gpg)) with the fingerprints they hold, which older install instructions leave behind.
  - On the EL family, with O(versionlock), the versionlock plugin and its locks (read from its list file), and the
    keys imported into the rpm database.
  - Credentials are masked (C(****)) in everything it returns - the files' text, the plan, the result and its
    warnings. A credential is the C(user:password@) or C(token@) of a URL (in an apt source, a C(.repo) file's
    C(baseurl), the role's C(docker_repo_uri), C(docker_repo_url) or C(docker_gpg_key_url)), and the value of a
    C(.repo) file's C(password=) or C(proxy_password=). The role's repository file is written by
    P(fleetops.docker_host.docker_repo_key#module) from the settings, so it never passes through this result.
options:
  manager:
    description: Package manager to ask; V(auto) picks V(apt) where C(dpkg-query) exists, else V(rpm).
    type: str
    choices: [auto, apt, rpm]
    default: auto
  packages:
    description: Packages whose installed version to report in RV(packages).
    type: list
    elements: str
    default: []
  conflicts:
    description: Packages that conflict with Docker's; those installed are listed in RV(conflicts_installed).
    type: list
    elements: str
    default: []
  files:
    description: Files whose text to return in RV(files) (small text files, such as a repository file).
    type: list
    elements: path
    default: []
  keyrings:
    description: Key files or keyrings whose primary key fingerprints to return in RV(keyrings) (needs C(gpg)).
    type: list
    elements: path
    default: []
  docker_cli:
    description: Apt only. Find out whether the archive ships a separate C(docker-cli) package (RV(docker_cli)).
    type: bool
    default: false
  legacy:
    description: Apt only. Look for the old Docker source lists and read the global keyrings (RV(legacy)).
    type: bool
    default: false
  package_dir:
    description: Directory on the host that holds the files of O(package_files).
    type: path
    default: /var/cache/fleetops-docker-packages
  package_files:
    description:
      - Package files (C(.deb) or C(.rpm)); only their base names count, looked up in O(package_dir). Their
        package name and version are returned in RV(package_files), and the installed version of each in
        RV(packages).
    type: list
    elements: path
    default: []
  users:
    description: Users to look up in RV(users) (whether they exist and are members of O(group)).
    type: list
    elements: str
    default: []
  group:
    description: The group of RV(users) and RV(group_exists).
    type: str
    default: docker
  versionlock:
    description: EL only. Report the versionlock plugin, its locks (RV(versionlock)) and the imported rpm keys (RV(rpm_keys)).
    type: bool
    default: false
  service:
    description: The systemd unit whose state to return in RV(service).
    type: str
    default: docker.service
  settings:
    description:
      - The docker role's look. Its variables by name (V(__docker_unset__) for one nobody set); the options above
        are then derived from them and the decisions returned in RV(problems), RV(plan) and RV(result). Private to
        the role - the keys of RV(plan) may change between releases.
      - Deprecated per-family names (C(docker_install_ubuntu_repo_uri) ...) fill their neutral option, with a
        deprecation warning; geerlingguy.docker's variables are mapped or refused by name (RV(problems)). The
        plan's warnings (EL7's last Docker release, root-equivalent group members) are Ansible warnings.
    type: dict
  os:
    description: With O(settings), the role's OS family data (the host's entry of C(__docker_os_families) in the role's C(defaults/main.yml)).
    type: dict
  facts:
    description: With O(settings), the host's facts the decisions read (distribution, release, major version, SELinux).
    type: dict
  before:
    description: With O(settings), this run's first look, so that RV(result) compares the first look with this one.
    type: dict
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
attributes:
  platform:
    description: Debian, Ubuntu and the EL family with systemd.
'''

EXAMPLES = r'''
- name: Audit the Docker install of an apt host
  fleetops.docker_host.docker_install_info:
    packages: [docker-ce, docker-ce-cli, containerd.io]
    conflicts: [docker.io, podman-docker]
    files: [/etc/apt/sources.list.d/docker.sources, /etc/apt/preferences.d/docker.pref]
    keyrings: [/etc/apt/keyrings/docker.asc]
    users: [deploy]
  register: docker_install

- name: Say which engine is installed
  ansible.builtin.debug:
    msg: "docker-ce {{ docker_install.packages['docker-ce'] | default('not installed', true) }}"

- name: Read the version locks of an EL host
  fleetops.docker_host.docker_install_info:
    packages: [docker-ce, docker-ce-cli]
    versionlock: true
  register: docker_install
'''

RETURN = r'''
manager:
  description: The package manager asked.
  returned: always
  type: str
  sample: apt
architecture:
  description: The package architecture (C(dpkg --print-architecture) on apt, the machine name on EL).
  returned: always
  type: str
  sample: amd64
packages:
  description: Each package of O(packages), O(conflicts) and the packages of O(package_files) -> installed version, or null.
  returned: always
  type: dict
  sample: {"docker.io": "20.10.24+dfsg1-1+b3", "docker-cli": null}
conflicts_installed:
  description: The packages of O(conflicts) that are installed.
  returned: always
  type: list
  elements: str
  sample: [docker-doc]
apt_lists:
  description: Whether apt has package lists (C(/var/lib/apt/lists/*_Packages*)); null on EL.
  returned: always
  type: bool
  sample: true
docker_cli:
  description: Whether the archive ships C(docker-cli); null when not asked, or when apt has no lists and C(docker.io) is not installed.
  returned: always
  type: bool
  sample: false
files:
  description: Each path of O(files) -> its text (credentials masked), or null when it does not exist.
  returned: always
  type: dict
  sample: {"/etc/apt/preferences.d/docker.pref": null}
keyrings:
  description: Each path of O(keyrings) -> the primary key fingerprints in it, or null when it does not exist or gpg cannot read it.
  returned: always
  type: dict
  sample: {"/etc/apt/keyrings/docker.asc": ["9DC858229FC7DD38854AE2D88D81803C0EBFCD88"]}
key_expires:
  description:
    - Each path of O(keyrings) -> {fingerprint -> the Unix time its primary key expires} for the keys that expire
      (empty when none does or the file cannot be read). The role warns when the expected key in place has expired.
  returned: always
  type: dict
  sample: {"/etc/apt/keyrings/docker.asc": {}}
key_forms:
  description:
    - Each path of O(keyrings) -> C(armor) or C(binary), or null when it is not a regular file. apt reads a C(.asc)
      file as ASCII-armoured and a C(.gpg) file as binary, and ignores a key in the other form.
  returned: always
  type: dict
  sample: {"/etc/apt/keyrings/docker.asc": "armor"}
legacy:
  description: With O(legacy), C(lists) (old Docker source lists) and C(keyrings) (global keyring path -> fingerprints or null).
  returned: always
  type: dict
  sample: {"lists": ["/etc/apt/sources.list.d/docker.list"], "keyrings": {"/etc/apt/trusted.gpg": ["9DC8..."]}}
package_files:
  description: Each base name of O(package_files) -> C(path), C(name), C(version); null when the file is not in O(package_dir).
  returned: always
  type: dict
  sample: {"docker.io_20.10.24_amd64.deb": {"path": "/var/cache/fleetops-docker-packages/docker.io_20.10.24_amd64.deb",
           "name": "docker.io", "version": "20.10.24+dfsg1-1+b3"}}
users:
  description: Each user of O(users) -> C(exists) and C(member) (of O(group)).
  returned: always
  type: dict
  sample: {"deploy": {"exists": true, "member": false}}
group_exists:
  description: Whether O(group) exists.
  returned: always
  type: bool
  sample: true
versionlock:
  description:
    - With O(versionlock), C(tool) (V(dnf), V(yum) or null when the plugin is not installed), C(path) of the list
      and its C(entries) (C(raw), C(name), C(epoch), C(version), C(release), C(arch)).
  returned: always
  type: dict
  sample: {"tool": "dnf", "path": "/etc/dnf/plugins/versionlock.list", "entries": []}
held:
  description: The looked-at packages held by C(apt-mark hold) (apt) or version-locked (EL).
  returned: always
  type: list
  elements: str
problems:
  description: With O(settings), the input problems, one sentence each naming the variable, the value and the fix.
  returned: with O(settings)
  type: list
  elements: str
plan:
  description: With O(settings), what the docker role must change on this host (C(work) false when nothing).
  returned: with O(settings)
  type: dict
result:
  description: With O(settings), the docker role's C(docker_result) (its README, "Results").
  returned: with O(settings)
  type: dict
rpm_keys:
  description: With O(versionlock), the versions (short key ids) of the C(gpg-pubkey) packages.
  returned: always
  type: list
  elements: str
  sample: ["621e9f35"]
service:
  description: C(name), C(enabled) (unit file state V(enabled)), C(active) (V(active)), C(exists).
  returned: always
  type: dict
  sample: {"name": "docker.service", "enabled": true, "active": true, "exists": true}
containerd:
  description: The same for C(containerd.service), which dockerd runs its containers through (C(exists) false where
    the engine brings no containerd unit).
  returned: always
  type: dict
  sample: {"name": "containerd.service", "enabled": true, "active": false, "exists": true}
'''

import glob
import grp
import os
import platform
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    C_ENV,
    DPKG_DEB_FORMAT,
    DPKG_QUERY_FORMAT,
    RPM_QUERY_FORMAT,
    gpg_colons,
    gpg_fingerprints,
    key_expiry,
    key_form,
    primary_fingerprints,
    parse_dpkg_query,
    parse_name_version,
    parse_rpm_query,
    docker_install_decide,
    docker_install_look,
    resolve_settings,
    settings_secrets,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import parse_versionlock

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import look_text, mask, text_secrets

LEGACY_LISTS = ('docker.list', 'docker-ce.list', 'download_docker_com_linux_*.list')
LEGACY_KEYRINGS = ('/etc/apt/trusted.gpg.d/*.gpg', '/etc/apt/trusted.gpg.d/*.asc', '/etc/apt/*.gpg', '/etc/apt/*.asc')
VERSIONLOCK = (
    ('dnf', '/etc/dnf/plugins/versionlock.conf', '/etc/dnf/plugins/versionlock.list'),
    ('yum', '/etc/yum/pluginconf.d/versionlock.conf', '/etc/yum/pluginconf.d/versionlock.list'),
)


def read_text(path):
    # Never blocks on a FIFO (anything but a regular file reads as absent). The text is compared with what the
    # docker role would write, so it is returned as it is.
    return look_text(path)


def run(module, argv):
    rc, out, err = module.run_command(argv, environ_update=C_ENV)
    return rc, out


def apt_installed(module, names):
    if not names:
        return {}
    rc, out = run(module, ['dpkg-query', '--show', '--showformat=' + DPKG_QUERY_FORMAT] + list(names))
    return parse_dpkg_query(out)


def rpm_installed(module, names):
    if not names:
        return {}
    rc, out = run(module, ['rpm', '-q', '--qf', RPM_QUERY_FORMAT] + list(names))
    return parse_rpm_query(out)


def apt_has_lists():
    return bool(glob.glob('/var/lib/apt/lists/*_Packages*'))


def archive_has_docker_cli(module, installed, lists):
    """An installed docker.io names docker-cli when the archive ships it apart; else ask apt-cache (slow)."""
    if 'docker.io' in installed:
        return 'docker-cli' in installed['docker.io']['relations']
    if not lists:
        return None
    rc, out = run(module, ['apt-cache', 'show', '--no-all-versions', 'docker-cli'])
    return rc == 0


def package_file_info(module, manager, path):
    if not os.path.isfile(path):
        return None
    if manager == 'apt':
        argv = ['dpkg-deb', '--show', '--showformat=' + DPKG_DEB_FORMAT, path]
    else:
        argv = ['rpm', '-qp', '--nosignature', '--qf', RPM_QUERY_FORMAT.replace('\\n', ''), path]
    rc, out = run(module, argv)
    parsed = parse_name_version(out) if rc == 0 else None
    if parsed:
        parsed['path'] = path
    return parsed


def user_state(name, group):
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        return {'exists': False, 'member': False}
    member = bool(group) and (name in group.gr_mem or user.pw_gid == group.gr_gid)
    return {'exists': True, 'member': member}


def service_state(module, name):
    systemctl = module.get_bin_path('systemctl')
    if not systemctl:
        return {'name': name, 'enabled': False, 'active': False, 'exists': False}
    rc, out = run(module, [systemctl, 'show', name, '--property=UnitFileState,ActiveState,LoadState'])
    props = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
    return {'name': name, 'enabled': props.get('UnitFileState') == 'enabled',
            'active': props.get('ActiveState') == 'active', 'exists': props.get('LoadState') == 'loaded'}


def look(module):
    params = module.params
    manager = params['manager']
    if manager == 'auto':
        manager = 'apt' if module.get_bin_path('dpkg-query') else 'rpm'

    file_info = {}
    for name in params['package_files']:
        base = os.path.basename(name)
        file_info[base] = package_file_info(module, manager, os.path.join(params['package_dir'], base))
    names = list(params['packages']) + list(params['conflicts'])
    names += [info['name'] for info in file_info.values() if info]
    names = sorted(set(names))

    result = {'manager': manager, 'apt_lists': None, 'held': [], 'docker_cli': None, 'legacy': {'lists': [], 'keyrings': {}},
              'versionlock': {'tool': None, 'path': None, 'entries': []}, 'rpm_keys': []}
    if manager == 'apt':
        installed = apt_installed(module, names + (['docker.io'] if params['docker_cli'] else []))
        versions = dict((name, installed[name]['version'] if name in installed else None) for name in names)
        result['held'] = sorted(name for name in names if installed.get(name, {}).get('held'))
        result['apt_lists'] = apt_has_lists()
        if params['docker_cli']:
            result['docker_cli'] = archive_has_docker_cli(module, installed, result['apt_lists'])
        rc, out = run(module, ['dpkg', '--print-architecture'])
        result['architecture'] = out.strip()
        if params['legacy']:
            lists = []
            for pattern in LEGACY_LISTS:
                lists.extend(glob.glob(os.path.join('/etc/apt/sources.list.d', pattern)))
            keyrings = []
            for pattern in LEGACY_KEYRINGS:
                keyrings.extend(glob.glob(pattern))
            result['legacy'] = {'lists': sorted(set(lists)),
                                'keyrings': dict((path, gpg_fingerprints(module, path)) for path in sorted(set(keyrings)))}
    else:
        installed = rpm_installed(module, names)
        versions = dict((name, installed.get(name)) for name in names)
        result['architecture'] = platform.machine()
        if params['versionlock']:
            for tool, conf, path in VERSIONLOCK:
                if os.path.exists(conf):
                    entries = parse_versionlock(read_text(path))
                    result['versionlock'] = {'tool': tool, 'path': path, 'entries': entries}
                    break
            result['held'] = sorted(set(e['name'] for e in result['versionlock']['entries'] if e['name'] in names))
            rc, out = run(module, ['rpm', '-q', 'gpg-pubkey', '--qf', '%{VERSION}\\n'])
            result['rpm_keys'] = sorted(set(line.strip().lower() for line in out.splitlines()
                                            if line.strip() and ' ' not in line.strip()))

    result['packages'] = versions
    result['conflicts_installed'] = [name for name in params['conflicts'] if versions.get(name)]
    result['files'] = dict((path, read_text(path)) for path in params['files'])
    colons = dict((path, gpg_colons(module, path)) for path in params['keyrings'])
    result['keyrings'] = dict((path, None if out is None else primary_fingerprints(out)) for path, out in colons.items())
    result['key_expires'] = dict((path, key_expiry(out or '')) for path, out in colons.items())
    result['key_forms'] = dict((path, key_form(path)) for path in params['keyrings'])
    result['package_files'] = file_info
    try:
        group = grp.getgrnam(params['group'])
    except KeyError:
        group = None
    result['group_exists'] = group is not None
    result['users'] = dict((name, user_state(name, group)) for name in params['users'])
    result['service'] = service_state(module, params['service'])
    result['containerd'] = service_state(module, 'containerd.service')
    return result


def file_secrets(probe):
    """The credentials in the files the look read (a mirror's user:token@ in an apt source or a .repo baseurl,
    a .repo file's password=)."""
    return [secret for text in (probe.get('files') or {}).values() for secret in text_secrets(text)]


def exit_masked(module, result, secrets):
    """Return the look with every credential masked (****), as daemon_json masks its own: in the files' text,
    the plan, the result and the messages; also kept out of the logged arguments (no_log_values)."""
    for secret in secrets:
        module.no_log_values.add(secret)
    module.exit_json(changed=False, **mask(result, secrets))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manager=dict(type='str', default='auto', choices=['auto', 'apt', 'rpm']),
            packages=dict(type='list', elements='str', default=[]),
            conflicts=dict(type='list', elements='str', default=[]),
            files=dict(type='list', elements='path', default=[]),
            keyrings=dict(type='list', elements='path', default=[], no_log=False),
            docker_cli=dict(type='bool', default=False),
            legacy=dict(type='bool', default=False),
            package_dir=dict(type='path', default='/var/cache/fleetops-docker-packages'),
            package_files=dict(type='list', elements='path', default=[]),
            users=dict(type='list', elements='str', default=[]),
            group=dict(type='str', default='docker'),
            versionlock=dict(type='bool', default=False),
            service=dict(type='str', default='docker.service'),
            settings=dict(type='dict'),
            os=dict(type='dict'),
            facts=dict(type='dict'),
            before=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params['settings'] is None:
        probe = look(module)
        exit_masked(module, probe, file_secrets(probe))
    # The docker role's look: the options come from its settings, and the decisions are returned with the look.
    os_data, facts = params['os'] or {}, params['facts'] or {}
    settings = resolve_settings(params['settings'], os_data.get('family'))[0]
    probe = {'packages': {}}
    if os_data.get('family'):
        params.update(docker_install_look(settings, os_data, facts))
        probe = look(module)
    secrets = settings_secrets(params['settings']) + file_secrets(probe)
    if params['before']:
        # The first look came back masked: the result compares it with this one masked the same way.
        probe = mask(probe, secrets)
    decided = docker_install_decide(probe, params['settings'], os_data, facts, check_mode=module.check_mode,
                                    before=params['before'])
    for text in decided.pop('warnings'):
        if ' is deprecated ' in text:
            module.deprecate(mask(text, secrets), version='0.3.0', collection_name='fleetops.docker_host')
        else:
            module.warn(mask(text, secrets))
    probe.update(decided)
    exit_masked(module, probe, secrets)


if __name__ == '__main__':
    main()
