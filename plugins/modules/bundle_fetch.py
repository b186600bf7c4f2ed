#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: bundle_fetch
short_description: Download the complete package closure of the Docker engine for an offline bundle
version_added: 0.3.0
description:
  - Run on a connected host of the target platform (the builder) by the C(fleetops.docker_host.bundle) playbook.
  - With O(manager=apt) (Debian, Ubuntu), as follows; with O(manager=dnf) (the EL family) see the last paragraph.
  - Refreshes apt's lists, then checks that every source's C(InRelease) carries a valid signature by a key in
    O(trusted_fingerprints) (C(gpgv) against O(keyring)); a source signed by no trusted key fails the task, naming
    the list file and the keys that did sign it. Nothing is downloaded before this check.
  - Downloads, into an empty archive directory (C(apt-get install --download-only -o Dir::Cache::archives=)),
    every package that installing O(packages) on this host would fetch - the engine and each dependency it lacks.
    The builder must be as minimal as the targets (the same image); a package of O(packages) already installed on
    it fails the task, since it would then be missing from the bundle.
  - Names, in RV(assumed), the packages of the dependency closure (C(apt-cache depends --recurse)) that the
    builder already has; each target checks that it has them too before installing (M(fleetops.docker_host.bundle_verify)).
  - Writes the flat repository's C(Packages) index next to the package files.
  - With O(manager=dnf) - downloads into an empty directory (C(dnf install --downloadonly)) every package that
    installing O(packages) on this host would fetch; checks each package file's signature (C(rpmkeys --checksig)
    in a throw-away rpm database holding only the keys of the enabled repositories' C(gpgkey) whose fingerprint is
    in O(trusted_fingerprints)) - a file signed by no trusted key fails the task, naming it, before it goes into the
    bundle; copies those keys beside the packages (C(keys/)); writes the repository's metadata with C(createrepo_c)
    (C(bundle_write) signs its C(repomd.xml)). RV(assumed) names what the packages require that the bundle does not
    provide, as installed on the builder (C(rpm -q --whatprovides)).
options:
  manager:
    description: The builder's package manager (C(ansible_facts.pkg_mgr)); the bundle holds an apt or an rpm repository.
    type: str
    choices: [apt, dnf]
    default: apt
  packages:
    description:
      - The packages to bundle, installed together on the targets (the engine); V(name=version) bundles that
        version (apt's C(name=version), dnf's C(name-version), e.g. V(docker-ce=20.10.24)).
    type: list
    elements: str
    required: true
  stages:
    description:
      - The packages of the collection's other stages to bundle too, by stage (C(k8s_node) - conntrack and socat;
        C(kernel_ml) - the kernel line's packages), each a list of specs as O(packages) takes them; on apt also
        V(name/release) (V(linux-image-amd64/bookworm-backports), the builder needing that source). They are
        fetched in the same step as the engine, so their dependencies are part of the closure; RV(stages) names the
        version of each, and a spec no file was downloaded for fails the task naming it and its stage.
    type: dict
    default: {}
  dest:
    description: Directory on the builder for the package files and their index; emptied of package files first.
    type: path
    default: /var/tmp/fleetops-bundle
  install_recommends:
    description: Bundle the recommended packages too (the targets then install them too).
    type: bool
    default: false
  trusted_fingerprints:
    description: Primary key fingerprints (40 hex digits, spaces allowed) one of which must sign each source.
    type: list
    elements: str
    required: true
  keyring:
    description: The keyring C(gpgv) checks the sources' signatures with (apt).
    type: path
    default: /usr/share/keyrings/debian-archive-keyring.gpg
  update_cache:
    description: Refresh the package lists first (C(apt-get update), C(dnf makecache --refresh)).
    type: bool
    default: true
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  check_mode:
    description: Refreshes the lists and checks the sources (apt), then lists the closure (C(apt-get -s)) without downloading.
    support: full
  diff_mode:
    description: No diff; the files written are a build output.
    support: none
  platform:
    description: Debian and Ubuntu (apt) with C(gpgv) and C(dpkg-deb); the EL family (dnf) with C(createrepo_c) and C(gpg).
'''

EXAMPLES = r'''
- name: Download Debian's engine and its dependencies into /var/tmp/fleetops-bundle
  fleetops.docker_host.bundle_fetch:
    packages: [docker.io, containerd, runc]
    trusted_fingerprints:
      - B8B8 0B5B 623E AB6A D877  5C45 B7C5 D7D6 3509 47F8
  register: bundle_fetch

- name: Download Docker's EL engine at 20.10.24 from the builder's repositories (their keys checked first)
  fleetops.docker_host.bundle_fetch:
    manager: dnf
    packages: [docker-ce=20.10.24, docker-ce-cli=20.10.24, containerd.io]
    trusted_fingerprints: [060A 61C5 1B55 8A7F 742B  77AA C52F EB6B 621E 9F35]
'''

RETURN = r'''
platform:
  description:
    - The builder's platform (C(/etc/os-release) ID and VERSION_ID, its major release on rpm hosts; C(dpkg
      --print-architecture) or C(rpm --eval %{_arch}); the package C(format), deb or rpm).
  returned: always
  type: dict
  sample: {"distribution": "debian", "release": "12", "codename": "bookworm", "architecture": "amd64", "format": "deb"}
repository:
  description: The bundle's repository - its C(format), its directory in the bundle (C(dir)), the source keys (C(keys)).
  returned: always
  type: dict
  sample: {"format": "rpm", "dir": "rpm", "keys": ["rpm/keys/A5067BB15A006A934892213795F1E74EFEF8BA25.asc"]}
packages:
  description: The downloaded package files, each with C(name), C(version), C(architecture), C(file) (base name) and C(sha256).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "runc", "version": "1.1.5+ds1-1+deb12u1", "architecture": "amd64", "file": "runc_1.1.5+ds1-1+deb12u1_amd64.deb",
            "sha256": "0a3c..."}]
engine:
  description: O(packages) with the version of each in the bundle, and O(install_recommends).
  returned: always
  type: dict
  sample: {"packages": {"docker.io": "20.10.24+dfsg1-1+b3"}, "install_recommends": false}
stages:
  description: O(stages) with the version of each package in the bundle, by stage.
  returned: always
  type: dict
  sample: {"k8s_node": {"packages": {"conntrack": "1:1.4.7-1+b2", "socat": "1.7.4.4-2"}}}
assumed:
  description: Packages of the dependency closure the builder already had (name -> version); each target must have them.
  returned: always
  type: dict
  sample: {"libc6": "2.36-9+deb12u9"}
sources:
  description: Each source's list file and the trusted primary keys that signed it (dnf - each trusted key's location).
  returned: always
  type: list
  elements: dict
  sample: [{"list": "deb.debian.org_debian_dists_bookworm_InRelease", "signed_by": ["B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8"]}]
files:
  description: What to fetch into the bundle - C(src) on the builder, C(dest) relative to the bundle directory.
  returned: always
  type: list
  elements: dict
  sample: [{"src": "/var/tmp/fleetops-bundle/debs/runc_1.1.5+ds1-1+deb12u1_amd64.deb", "dest": "apt/runc_1.1.5+ds1-1+deb12u1_amd64.deb"}]
'''

import glob
import hashlib
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url
from ansible_collections.fleetops.docker_host.plugins.module_utils._bundle import (
    APT_DIR, RPM_DIR, RPM_KEYS_DIR, RPM_QUERY, closure_names, control_fields, packages_stanza, parse_rpm_query, platform,
    spec_name, stage_packages, stage_specs as default_stages,
    repo_gpgkeys, sha256_file, trusted_signers, unmet_requirements)
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    parse_gpgv_status, primary_fingerprints)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C', 'DEBIAN_FRONTEND': 'noninteractive'}
LISTS = '/var/lib/apt/lists'


def engine_packages(module, result, names, manager):
    """Sets result's engine packages from the files fetched ({name: version} of all, returned), or fails naming
    each of NAMES the package manager downloaded no file for."""
    bundled = dict((pkg['name'], pkg['version']) for pkg in result['packages'])
    missing = [name for name in names if name not in bundled]
    if missing:
        module.fail_json(msg='bundle_fetch: %s downloaded no package file for %s' % (manager, ', '.join(missing)), **result)
    result['engine']['packages'] = dict((name, bundled[name]) for name in names)
    result['stages'], missing = stage_packages(bundled, module.params['stages'])
    if missing:
        module.fail_json(msg='bundle_fetch: %s downloaded no package file for %s' % (manager, ', '.join(missing)), **result)
    return bundled


def stage_specs(params):
    """Every package spec of O(stages) (each stage's defaults where its list is empty), in stage order."""
    return [spec for stage in sorted(params['stages']) for spec in params['stages'][stage]]


def resolve_stages(module, host):
    """Replaces O(stages) with each stage's specs for this platform (_bundle.stage_specs), or fails naming the stage."""
    module.params['stages'], problems = default_stages(module.params['stages'], host)
    if problems:
        module.fail_json(msg='bundle_fetch: %s' % '; '.join(problems))


def run(module, argv, what):
    rc, out, err = module.run_command(argv, environ_update=C_ENV)
    if rc != 0:
        module.fail_json(msg='%s failed (%s, rc=%d): %s' % (what, ' '.join(argv), rc, (err or out).strip()[-2000:]))
    return out


def os_release():
    values = {}
    with open('/etc/os-release') as handle:
        for line in handle:
            if '=' in line:
                key, value = line.rstrip('\n').split('=', 1)
                values[key] = value.strip('"\'')
    return values


def check_sources(module, trusted, keyring):
    gpgv = module.get_bin_path('gpgv', required=True)
    sources = []
    untrusted = []
    for path in sorted(glob.glob(os.path.join(LISTS, '*InRelease'))):
        rc, out, err = module.run_command([gpgv, '--status-fd', '1', '--keyring', keyring, path], environ_update=C_ENV)
        signers = trusted_signers(parse_gpgv_status(out), trusted)
        if not signers:
            untrusted.append('%s (valid signatures by: %s)' % (os.path.basename(path), ', '.join(parse_gpgv_status(out)) or 'none'))
        sources.append({'list': os.path.basename(path), 'signed_by': signers})
    if untrusted:
        module.fail_json(msg='bundle_fetch: sources not signed by a key of trusted_fingerprints: %s. Nothing was '
                             'downloaded; check the source or add its key fingerprint' % '; '.join(untrusted))
    if not sources:
        module.fail_json(msg='bundle_fetch: apt has no signed lists (no InRelease in %s); run with update_cache' % LISTS)
    return sources


def installed_versions(module, names):
    rc, out, err = module.run_command(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}|${Package}|${Version}\n'] + names,
                                      environ_update=C_ENV)
    found = {}
    for line in out.splitlines():
        fields = line.split('|')
        if len(fields) == 3 and fields[0].startswith('ii'):
            found[fields[1]] = fields[2]
    return found


def rpm_query(module, args, paths, what):
    return run(module, ['rpm', '-qp'] + args + paths, what) if paths else ''


def trusted_rpm_keys(module, trusted, dest):
    """The enabled repositories' gpgkey files whose fingerprint is trusted, written to dest/keys/<FPR>.asc."""
    texts = []
    for path in sorted(glob.glob('/etc/yum.repos.d/*.repo')):
        with open(path) as handle:
            texts.append(handle.read())
    gpg = module.get_bin_path('gpg', required=True)
    keys_dir = os.path.join(dest, 'keys')
    os.makedirs(keys_dir, mode=0o755, exist_ok=True)
    keys, seen = {}, []
    home = tempfile.mkdtemp(prefix='fleetops-bundle-gnupg-')
    try:
        for location in repo_gpgkeys(texts):
            if location.startswith('file://'):
                with open(location[len('file://'):], 'rb') as handle:
                    data = handle.read()
            else:
                data = open_url(location, timeout=30).read()
            scratch = os.path.join(home, 'key')
            with open(scratch, 'wb') as handle:
                handle.write(data)
            found = primary_fingerprints(run(module, [gpg, '--batch', '--homedir', home, '--with-colons', '--show-keys',
                                                      scratch], 'gpg --show-keys %s' % location))
            seen.append('%s (%s)' % (location, ', '.join(found) or 'no key'))
            for fingerprint in trusted_signers(found, trusted):
                path = os.path.join(keys_dir, fingerprint + '.asc')
                run(module, [gpg, '--batch', '--homedir', home, '--import', scratch], 'gpg --import')
                key_text = run(module, [gpg, '--batch', '--homedir', home, '--armor', '--export', fingerprint], 'gpg --export')
                with open(path, 'w') as handle:
                    handle.write(key_text)
                keys[fingerprint] = {'location': location, 'path': path}
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if not keys:
        module.fail_json(msg='bundle_fetch: no gpgkey of an enabled repository is one of trusted_fingerprints (found: %s). '
                             'Nothing was downloaded; check the repository or add its key fingerprint' % ('; '.join(seen) or 'none'))
    return keys


def check_rpm_signatures(module, keys, paths):
    """Each package file signed by a trusted key, checked in a throw-away rpm database holding those keys alone."""
    dbpath = tempfile.mkdtemp(prefix='fleetops-bundle-rpmdb-')
    try:
        run(module, ['rpmdb', '--dbpath', dbpath, '--initdb'], 'rpmdb --initdb')
        for key in keys.values():
            run(module, ['rpmkeys', '--dbpath', dbpath, '--import', key['path']], 'rpmkeys --import')
        bad = []
        for path in paths:
            rc, out, err = module.run_command(['rpmkeys', '--dbpath', dbpath, '--checksig', path], environ_update=C_ENV)
            if rc != 0 or not out.strip().endswith('digests signatures OK'):
                bad.append('%s (%s)' % (os.path.basename(path), (out + err).strip().split(':', 1)[-1].strip()))
    finally:
        shutil.rmtree(dbpath, ignore_errors=True)
    if bad:
        module.fail_json(msg='bundle_fetch: package files not signed by a key of trusted_fingerprints: %s. Nothing went '
                             'into the bundle' % '; '.join(bad))


def fetch_rpm(module):
    """manager=dnf: the closure as a signed-package rpm repository (createrepo_c); exits the module."""
    params = module.params
    names = [spec_name(spec) for spec in params['packages']]
    if params['update_cache']:
        run(module, ['dnf', '-y', '-q', 'makecache', '--refresh'], 'dnf makecache')
    arch = run(module, ['rpm', '--eval', '%{_arch}'], 'rpm --eval').strip()
    host = platform(os_release(), 'rpm', arch)
    resolve_stages(module, host)
    specs = [spec.replace('=', '-', 1) for spec in params['packages'] + stage_specs(params)]
    result = dict(changed=False, platform=host, sources=[], packages=[], files=[], assumed={},
                  engine={'packages': {}, 'install_recommends': params['install_recommends']}, stages={},
                  repository={'format': 'rpm', 'dir': RPM_DIR, 'keys': []})
    every = names + [spec_name(spec) for spec in stage_specs(params)]
    rc, out, err = module.run_command(['rpm', '-q', '--qf', '%{NAME}\n'] + every, environ_update=C_ENV)
    already = [line for line in out.splitlines() if line in every]
    if already:
        module.fail_json(msg='bundle_fetch: the builder already has %s installed, so the bundle would lack it: build on '
                             'a fresh host of the platform' % ', '.join(sorted(already)))
    repo = os.path.join(params['dest'], RPM_DIR)
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(os.path.join(repo, 'Packages'), mode=0o755)
    keys = trusted_rpm_keys(module, params['trusted_fingerprints'], repo)
    result['sources'] = [{'list': key['location'], 'signed_by': [fpr]} for fpr, key in sorted(keys.items())]
    weak = 'install_weak_deps=%s' % ('True' if params['install_recommends'] else 'False')
    if module.check_mode:
        module.exit_json(**result)
    # dnf checks a downloaded file against the rpm database's keys only (none on a fresh builder); each file is
    # checked against the trusted keys alone right after, before it goes into the bundle.
    run(module, ['dnf', '-y', '-q', 'install', '--downloadonly', '--nogpgcheck', '--downloaddir',
                 os.path.join(repo, 'Packages'), '--setopt', weak] + specs, 'dnf install --downloadonly')
    paths = sorted(glob.glob(os.path.join(repo, 'Packages', '*.rpm')))
    check_rpm_signatures(module, keys, paths)
    for path, found in zip(paths, parse_rpm_query(rpm_query(module, ['--qf', RPM_QUERY], paths, 'rpm -qp'))):
        rel = 'Packages/' + os.path.basename(path)
        result['packages'].append(dict(found, file=rel, sha256=sha256_file(path)))
        result['files'].append({'src': path, 'dest': '%s/%s' % (RPM_DIR, rel)})
    bundled = engine_packages(module, result, names, 'dnf')
    unmet = unmet_requirements(rpm_query(module, ['--requires'], paths, 'rpm -qp --requires'),
                               rpm_query(module, ['--provides'], paths, 'rpm -qp --provides'),
                               rpm_query(module, ['--list'], paths, 'rpm -qlp'))
    if unmet:
        rc, out, err = module.run_command(['rpm', '-q', '--whatprovides', '--qf', '%{NAME}|%|EPOCH?{%{EPOCH}:}:{}|'
                                           '%{VERSION}-%{RELEASE}\n'] + unmet, environ_update=C_ENV)
        for line in out.splitlines():
            fields = line.split('|')
            if len(fields) == 2 and fields[0] not in bundled:
                result['assumed'][fields[0]] = fields[1]
    run(module, ['createrepo_c', '--quiet', repo], 'createrepo_c')
    for path in sorted(glob.glob(os.path.join(repo, 'repodata', '*'))) + sorted(k['path'] for k in keys.values()):
        result['files'].append({'src': path, 'dest': '%s/%s' % (RPM_DIR, os.path.relpath(path, repo))})
    result['repository']['keys'] = ['%s/%s.asc' % (RPM_KEYS_DIR, fpr) for fpr in sorted(keys)]
    result['changed'] = True
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manager=dict(type='str', default='apt', choices=['apt', 'dnf']),
            packages=dict(type='list', elements='str', required=True),
            stages=dict(type='dict', default={}),
            dest=dict(type='path', default='/var/tmp/fleetops-bundle'),
            install_recommends=dict(type='bool', default=False),
            trusted_fingerprints=dict(type='list', elements='str', required=True, no_log=False),
            keyring=dict(type='path', default='/usr/share/keyrings/debian-archive-keyring.gpg'),
            update_cache=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params['manager'] == 'dnf':
        fetch_rpm(module)
    names = [spec_name(spec) for spec in params['packages']]
    if params['update_cache']:
        run(module, ['apt-get', 'update', '-q'], 'apt-get update')
    sources = check_sources(module, params['trusted_fingerprints'], params['keyring'])
    release = os_release()
    architecture = run(module, ['dpkg', '--print-architecture'], 'dpkg --print-architecture').strip()
    host = platform(release, 'deb', architecture)
    resolve_stages(module, host)
    specs = params['packages'] + stage_specs(params)
    every = names + [spec_name(spec) for spec in stage_specs(params)]
    already = installed_versions(module, every)
    if already:
        module.fail_json(msg='bundle_fetch: the builder already has %s installed, so the bundle would lack it: build on '
                             'a fresh host of the platform' % ', '.join(sorted(already)))
    flags = ['--install-recommends' if params['install_recommends'] else '--no-install-recommends']
    depends = ['apt-cache', 'depends', '--recurse', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces',
               '--no-enhances'] + ([] if params['install_recommends'] else ['--no-recommends'])
    closure = closure_names(run(module, depends + every, 'apt-cache depends'))
    result = dict(changed=False, platform=host, sources=sources, packages=[], files=[], assumed={},
                  engine={'packages': {}, 'install_recommends': params['install_recommends']}, stages={},
                  repository={'format': 'deb', 'dir': APT_DIR, 'keys': []})
    if module.check_mode:
        run(module, ['apt-get', 'install', '-s', '-q'] + flags + specs, 'apt-get install -s')
        module.exit_json(**result)

    debs = os.path.join(params['dest'], 'debs')
    os.makedirs(os.path.join(debs, 'partial'), mode=0o755, exist_ok=True)
    for old in glob.glob(os.path.join(debs, '*.deb')):
        os.unlink(old)
    os.chmod(debs, 0o755)
    run(module, ['apt-get', 'install', '--download-only', '-y', '-q', '-o', 'Dir::Cache::archives=' + debs + '/',
                 '-o', 'APT::Sandbox::User=root'] + flags + specs, 'apt-get install --download-only')
    stanzas = []
    for path in sorted(glob.glob(os.path.join(debs, '*.deb'))):
        control = run(module, ['dpkg-deb', '--field', path], 'dpkg-deb --field')
        fields = control_fields(control)
        with open(path, 'rb') as handle:
            md5 = hashlib.md5(handle.read()).hexdigest()  # noqa: S324 - apt's index field, not a security check
        digest = sha256_file(path)
        name = os.path.basename(path)
        stanzas.append(packages_stanza(control, name, os.path.getsize(path), md5, digest))
        result['packages'].append({'name': fields.get('Package'), 'version': fields.get('Version'),
                                   'architecture': fields.get('Architecture'), 'file': name, 'sha256': digest})
        result['files'].append({'src': path, 'dest': '%s/%s' % (APT_DIR, name)})
    bundled = engine_packages(module, result, names, 'apt')
    result['assumed'] = dict((name, version) for name, version in installed_versions(module, closure).items()
                             if name not in bundled)
    index = os.path.join(params['dest'], 'Packages')
    with open(index, 'w') as handle:
        handle.write('\n'.join(stanzas))
    result['files'].append({'src': index, 'dest': '%s/Packages' % APT_DIR})
    result['changed'] = True
    module.exit_json(**result)


if __name__ == '__main__':
    main()
