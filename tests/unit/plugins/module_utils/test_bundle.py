# -*- coding: utf-8 -*-
"""The offline bundle: its index files (plugins/module_utils/_bundle.py, the builder's side) and the checks a host
makes before installing (plugins/modules/bundle_verify.py, the target's side)."""

import hashlib

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _bundle
from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import parse_gpgv_status
from ansible_collections.fleetops.docker_host.plugins.modules import bundle_repository, bundle_verify

KEY = '327E0B3C5FFD022DE280922A76CF2F2BAFE4094A'
HOST = {'distribution': 'debian', 'release': '12', 'architecture': 'amd64'}
DEB = 'apt/runc_1.1.5+ds1-1+deb12u1_amd64.deb'


def manifest(**changes):
    data = {
        'format': 1, 'id': 'docker-debian12-amd64-20261207T011007Z',
        'platform': {'distribution': 'debian', 'release': '12', 'codename': 'bookworm', 'architecture': 'amd64'},
        'key': {'fingerprint': KEY, 'file': 'key.gpg'},
        'packages': [{'name': 'runc', 'version': '1.1.5+ds1-1+deb12u1', 'architecture': 'amd64', 'file': DEB}],
        'assumed': {'libc6': '2.36-9+deb12u14'},
        'files': {DEB: 'a' * 64, 'key.gpg': 'b' * 64},
    }
    data.update(changes)
    return data


def good_args(data=None):
    data = data or manifest()
    return dict(manifest=data, present=set(data['files']), hashes=dict(data['files']), host=dict(HOST),
                installed={'libc6': '2.36-9+deb12u14'}, signer=[KEY])


def test_an_intact_bundle_for_this_platform_has_no_problems():
    assert bundle_verify.manifest_problems(**good_args()) == []


def test_a_changed_byte_is_named_with_file_package_and_both_hashes():
    args = good_args()
    args['hashes'][DEB] = 'c' * 64
    problems = bundle_verify.manifest_problems(**args)
    assert problems == ['%s (package runc) has changed: sha256 %s, the manifest says %s' % (DEB, 'c' * 64, 'a' * 64)]


def test_a_missing_dependency_file_is_named_with_its_package():
    args = good_args()
    args['present'].discard(DEB)
    assert bundle_verify.manifest_problems(**args) == ['%s (package runc) is missing from the bundle' % DEB]


@pytest.mark.parametrize('key,value', [('distribution', 'ubuntu'), ('release', '13'), ('architecture', 'arm64')])
def test_another_platform_is_refused_naming_the_value(key, value):
    args = good_args()
    args['host'][key] = value
    problems = bundle_verify.manifest_problems(**args)
    assert len(problems) == 1
    assert 'this host is %s %s' % (key, value) in problems[0]


def test_a_package_the_bundle_assumes_but_the_host_lacks_is_named():
    args = good_args()
    args['installed'] = {}
    problems = bundle_verify.manifest_problems(**args)
    assert problems == ['package libc6 (2.36-9+deb12u14 on the builder) is not installed on this host and not in the '
                        'bundle: build the bundle on a host as minimal as this one']


def test_an_unsigned_manifest_is_refused():
    args = good_args()
    args['signer'] = []
    problems = bundle_verify.manifest_problems(**args)
    assert problems == ['manifest.json is not signed by the bundle key %s in key.gpg (signed by: no valid signature)' % KEY]


def test_a_pinned_fingerprint_must_be_the_bundle_key():
    args = good_args()
    assert bundle_verify.manifest_problems(pinned=' '.join([KEY[:20].lower(), KEY[20:]]), **args) == []
    problems = bundle_verify.manifest_problems(pinned='0' * 40, **args)
    assert problems == ['the bundle key is %s, docker_bundle_fingerprint pins %s' % (KEY, '0' * 40)]


@pytest.mark.parametrize('data', [None, [], {'format': 2}, {}])
def test_what_is_not_a_manifest_is_refused_alone(data):
    args = good_args()
    args['manifest'] = data
    assert bundle_verify.manifest_problems(**args) == ['manifest.json is not a fleetops bundle manifest of format 1']


def test_stale_files_are_the_missing_and_the_different():
    want = {'a': '1', 'b': '2', 'c': '3'}
    assert bundle_verify.stale_files(want, {'a': '1', 'b': 'x'}) == ['b', 'c']
    assert bundle_verify.stale_files(want, dict(want)) == []


def test_unlisted_files_leave_out_the_manifest_and_its_signature():
    assert bundle_verify.unlisted_files(manifest(), ['manifest.json', 'manifest.json.sig', DEB, 'apt/extra.deb']) == ['apt/extra.deb']


DEPENDS = """docker.io
  Depends: adduser
  Depends: containerd
 |Depends: iptables
  Depends: <libc6:any>
  Breaks: docker-doc
containerd
  Depends: libc6
libc6
"""


def test_closure_names_keep_real_packages_and_drop_virtual_ones():
    assert _bundle.closure_names(DEPENDS) == ['adduser', 'containerd', 'docker-doc', 'docker.io', 'iptables', 'libc6']


CONTROL = """Package: runc
Version: 1.1.5+ds1-1+deb12u1
Architecture: amd64
Depends: libc6 (>= 2.34),
 libseccomp2 (>= 2.5.0)
Description: Open Container Project - runtime
 runc is a CLI tool
"""


def test_control_fields_join_continuation_lines():
    fields = _bundle.control_fields(CONTROL)
    assert fields['Package'] == 'runc' and fields['Version'] == '1.1.5+ds1-1+deb12u1'
    assert fields['Depends'] == 'libc6 (>= 2.34),\n libseccomp2 (>= 2.5.0)'


def test_packages_stanza_appends_where_and_what_the_file_is():
    stanza = _bundle.packages_stanza(CONTROL + 'Size: 1\n', 'runc.deb', 2709960, 'm' * 32, 's' * 64)
    assert stanza.endswith('Filename: runc.deb\nSize: 2709960\nMD5sum: %s\nSHA256: %s\n' % ('m' * 32, 's' * 64))
    assert 'Size: 1\n' not in stanza and stanza.startswith('Package: runc\n')


def test_release_lists_each_index_with_its_sha256_and_size():
    data = b'Package: runc\n'
    text = _bundle.release_text({'Packages': data}, 'Mon, 07 Dec 2026 01:10:07 UTC', architectures='amd64')
    assert ' %s %d Packages\n' % (hashlib.sha256(data).hexdigest(), len(data)) in text
    assert text.startswith('Origin: fleetops-bundle\n') and 'Architectures: amd64\n' in text


STATUS = """[GNUPG:] NEWSIG
[GNUPG:] GOODSIG 76CF2F2BAFE4094A fleetops bundle
[GNUPG:] VALIDSIG 4CB50190207B4758A3F73A796ED0E7B82643E131 2026-12-05 1796436704 0 4 0 1 8 01 B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8
[GNUPG:] VALIDSIG 4CB50190207B4758A3F73A796ED0E7B82643E131 2026-12-05 1796436704 0 4 0 1 8 01 B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8
[GNUPG:] BADSIG 1111 someone
"""


def test_gpgv_status_gives_each_primary_key_once():
    assert parse_gpgv_status(STATUS) == ['B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8']
    assert parse_gpgv_status('[GNUPG:] BADSIG 1111 someone\n') == []


def test_trusted_signers_compare_without_spaces_or_case():
    found = ['B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8', 'AC530D520F2F3269F5E98313A48449044AAD5C5D']
    assert _bundle.trusted_signers(found, ['b8b8 0b5b 623e ab6a d877  5c45 b7c5 d7d6 3509 47f8']) == [found[0]]
    assert _bundle.trusted_signers(found, []) == []


def test_the_builder_and_the_target_name_the_bundle_layout_alike():
    for name in ('FORMAT', 'MANIFEST', 'SIGNATURE', 'KEY', 'APT_DIR', 'RPM_DIR', 'UNLISTED'):
        assert getattr(bundle_verify, name) == getattr(_bundle, name), name


# The EL half: an rpm repository built on a dnf builder, compared on an rpm host.
OS_RELEASE = {
    'debian': {'ID': 'debian', 'VERSION_ID': '12', 'VERSION_CODENAME': 'bookworm'},
    'rocky': {'ID': 'rocky', 'VERSION_ID': '9.5', 'ID_LIKE': 'rhel centos fedora'},
    'ubuntu': {'ID': 'ubuntu', 'VERSION_ID': '24.04', 'VERSION_CODENAME': 'noble'},
}


@pytest.mark.parametrize('name,package_format,arch,release', [
    ('debian', 'deb', 'amd64', '12'), ('ubuntu', 'deb', 'amd64', '24.04'), ('rocky', 'rpm', 'x86_64', '9')])
def test_the_builder_and_the_target_name_a_platform_alike(name, package_format, arch, release):
    built = _bundle.platform(OS_RELEASE[name], package_format, arch)
    assert built == bundle_verify.platform(OS_RELEASE[name], package_format, arch)
    assert (built['distribution'], built['release'], built['architecture'], built['format']) == (
        name, release, arch, package_format)


def test_an_el_bundle_serves_every_minor_release_of_its_major():
    bundle = manifest(platform=_bundle.platform(OS_RELEASE['rocky'], 'rpm', 'x86_64'))
    args = good_args(bundle)
    args['host'] = bundle_verify.platform({'ID': 'rocky', 'VERSION_ID': '9.6'}, 'rpm', 'x86_64')
    assert bundle_verify.manifest_problems(**args) == []


def test_a_debian_bundle_on_an_el_host_is_refused_naming_each_platform_value():
    args = good_args()
    args['host'] = bundle_verify.platform(OS_RELEASE['rocky'], 'rpm', 'x86_64')
    problems = bundle_verify.manifest_problems(**args)
    assert problems[:3] == [
        'the bundle is for distribution debian, this host is distribution rocky (rocky 9 x86_64): build a bundle on a '
        'host of this platform',
        'the bundle is for release 12, this host is release 9 (rocky 9 x86_64): build a bundle on a host of this platform',
        'the bundle is for architecture amd64, this host is architecture x86_64 (rocky 9 x86_64): build a bundle on a '
        'host of this platform']


REPOS = ["""# Docker's
[docker-ce-stable]
name=Docker CE Stable
baseurl=https://download.docker.com/linux/rhel/$releasever/$basearch/stable
enabled=1
gpgcheck=1
gpgkey=https://download.docker.com/linux/rhel/gpg

[docker-ce-test]
enabled=0
gpgkey=file:///etc/pki/rpm-gpg/test.asc
""", """[baseos]
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9,
  file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9-extra
; a comment
[again]
gpgkey = https://download.docker.com/linux/rhel/gpg
"""]


def test_repo_gpgkeys_lists_the_enabled_repositories_keys_once_in_order():
    assert _bundle.repo_gpgkeys(REPOS) == [
        'https://download.docker.com/linux/rhel/gpg', 'file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9',
        'file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9-extra']
    assert _bundle.repo_gpgkeys(['', '# nothing\n']) == []


def test_parse_rpm_query_keeps_epoch_and_architecture():
    text = 'containerd.io|0:1.6.20-1.el9|x86_64\ndocker-ce|3:20.10.24-1.el9|x86_64\nnot a line\n'
    assert _bundle.parse_rpm_query(text) == [
        {'name': 'containerd.io', 'version': '0:1.6.20-1.el9', 'architecture': 'x86_64'},
        {'name': 'docker-ce', 'version': '3:20.10.24-1.el9', 'architecture': 'x86_64'}]


def test_unmet_requirements_are_what_the_bundle_itself_does_not_provide():
    requires = ('/bin/sh\ncontainerd.io >= 1.6\ndocker-ce-cli\nlibc.so.6()(64bit)\nrpmlib(FileDigests) <= 4.6.0-1\n'
                '/usr/bin/docker\n')
    provides = 'containerd.io = 0:1.6.20-1.el9\nrunc\ndocker-ce-cli = 1:20.10.24-1.el9\n'
    files = '/usr/bin/docker\n/usr/bin/containerd\n'
    assert _bundle.unmet_requirements(requires, provides, files) == ['/bin/sh', 'libc.so.6()(64bit)']
    assert _bundle.unmet_requirements('', provides, files) == []


def test_an_rpm_host_reads_the_bundle_when_its_repository_file_names_it(tmp_path, monkeypatch):
    repo_file = tmp_path / 'fleetops-docker-bundle.repo'
    monkeypatch.setattr(bundle_verify, 'RPM_REPO_FILE', str(repo_file))
    path = '/var/cache/fleetops-docker-bundle/docker-rocky9-x86_64-1'
    assert not bundle_verify.index_ready(path, 'rpm')
    repo_file.write_text('[fleetops-docker-bundle]\nbaseurl=file://%s/rpm\n' % path)
    assert bundle_verify.index_ready(path, 'rpm')
    assert not bundle_verify.index_ready(path + '0', 'rpm')


def test_the_rpm_repository_file_is_the_one_bundle_repository_writes():
    assert bundle_verify.RPM_REPO_FILE == bundle_repository.FILES['rpm']['source']
    assert bundle_verify.RPM_DIR == _bundle.RPM_DIR


def test_the_docker_result_of_a_first_install_from_an_el_bundle():
    data = manifest(id='docker-rocky9-x86_64-1', repository={'format': 'rpm', 'dir': 'rpm', 'keys': []},
                    engine={'packages': {'docker-ce': '3:20.10.24-1.el9', 'containerd.io': '0:1.6.20-1.el9'},
                            'version': '3:20.10.24-1.el9'})
    steps = {'service': {'changed': True, 'status': {}},
             'install': {'changed': True, 'packages': {
                 'docker-ce': {'before': None, 'after': '3:20.10.24-1.el9'},
                 'containerd.io': {'before': None, 'after': '0:1.6.20-1.el9'}}}}
    host = bundle_verify.platform(OS_RELEASE['rocky'], 'rpm', 'x86_64')
    assert bundle_verify.install_result(data, steps, host, '/var/cache/b/docker-rocky9-x86_64-1') == {
        'family': 'RedHat', 'source': 'bundle', 'bundle': {'id': 'docker-rocky9-x86_64-1', 'fingerprint': KEY},
        'packages': {'docker-ce': '3:20.10.24-1.el9', 'containerd.io': '0:1.6.20-1.el9'},
        'changed_packages': ['containerd.io', 'docker-ce'], 'removed_conflicts': [],
        'repository': 'file:/var/cache/b/docker-rocky9-x86_64-1/rpm', 'held': '3:20.10.24-1.el9',
        'service': {'enabled': True, 'active': True}, 'changed': True}


def test_the_docker_result_of_a_second_run_and_of_check_mode_on_a_fresh_host():
    data = manifest(engine={'packages': {'runc': '1.1.5+ds1-1+deb12u1'}, 'version': '1.1.5+ds1-1+deb12u1'})
    same = {'service': {'changed': False},
            'install': {'changed': False, 'packages': {'runc': {'before': '1.1.5+ds1-1+deb12u1',
                                                                'after': '1.1.5+ds1-1+deb12u1'}}}}
    second = bundle_verify.install_result(data, same, HOST, '/b/x')
    assert (second['changed'], second['changed_packages'], second['packages'], second['repository'], second['family']) == (
        False, [], {'runc': '1.1.5+ds1-1+deb12u1'}, 'file:/b/x/apt', 'Debian')
    # Check mode on a fresh host: the package step would copy and write the repository (changed), simulates nothing
    # (no index to read yet: packages {}); the service step skipped.
    fresh = {'install': {'changed': True, 'packages': {}}, 'service': {'skipped': True, 'changed': False}}
    check = bundle_verify.install_result(data, fresh, HOST, '/b/x')
    assert (check['changed'], check['packages'], check['changed_packages'], check['service']) == (
        True, {}, [], {'enabled': False, 'active': False})


def test_a_run_that_only_rewrote_the_repository_changed_no_package():
    """The package step says changed when it copied files or rewrote the bundle's repository; changed_packages names
    only the packages whose version moved."""
    data = manifest(engine={'packages': {'runc': '1.1.5+ds1-1+deb12u1', 'containerd': '1.6.20~ds1-1+b1'},
                            'version': '1.1.5+ds1-1+deb12u1'})
    steps = {'service': {'changed': False}, 'install': {'changed': True, 'packages': {
        'runc': {'before': '1.1.5+ds1-1+deb12u1', 'after': '1.1.5+ds1-1+deb12u1'},
        'containerd': {'before': '1.6.20~ds1-1', 'after': '1.6.20~ds1-1+b1'}}}}
    result = bundle_verify.install_result(data, steps, HOST, '/b/x')
    assert (result['changed'], result['changed_packages']) == (True, ['containerd'])
    steps['install']['packages']['containerd']['before'] = '1.6.20~ds1-1+b1'
    assert bundle_verify.install_result(data, steps, HOST, '/b/x')['changed_packages'] == []


# The other stages (issue 30): their package specs, their defaults per platform, their versions in the manifest.

DEB_HOST = {'distribution': 'debian', 'release': '12', 'codename': 'bookworm', 'architecture': 'amd64', 'format': 'deb'}
RPM_HOST = {'distribution': 'rocky', 'release': '9', 'codename': '', 'architecture': 'x86_64', 'format': 'rpm'}


@pytest.mark.parametrize('spec, name', [
    ('conntrack', 'conntrack'), ('docker-ce=20.10.24', 'docker-ce'), ('linux-image-amd64/bookworm-backports', 'linux-image-amd64'),
    (' socat ', 'socat'), ('kernel-ml', 'kernel-ml'),
])
def test_spec_name(spec, name):
    assert _bundle.spec_name(spec) == name


@pytest.mark.parametrize('stages, host, specs, problems', [
    ({'k8s_node': [], 'kernel_ml': None}, DEB_HOST,
     {'k8s_node': ['conntrack', 'socat'], 'kernel_ml': ['linux-image-amd64/bookworm-backports']}, []),
    ({'k8s_node': [], 'kernel_ml': []}, RPM_HOST, {'k8s_node': ['conntrack-tools', 'socat'], 'kernel_ml': ['kernel-ml']}, []),
    ({'kernel_ml': ['kernel-lt']}, RPM_HOST, {'kernel_ml': ['kernel-lt']}, []),
    ({'mystery': []}, DEB_HOST, {}, ['stage mystery has no package list and no default (known: k8s_node, kernel_ml)']),
    ({}, DEB_HOST, {}, []),
    (None, DEB_HOST, {}, []),
])
def test_stage_specs(stages, host, specs, problems):
    assert _bundle.stage_specs(stages, host) == (specs, problems)


def test_stage_packages_versions_by_stage_and_the_missing_named_with_their_stage():
    bundled = {'conntrack': '1:1.4.7-1+b2', 'socat': '1.7.4.4-2', 'linux-image-amd64': '6.12.12-1~bpo12+1'}
    stages = {'k8s_node': ['conntrack', 'socat'], 'kernel_ml': ['linux-image-amd64/bookworm-backports', 'firmware-x']}
    found, missing = _bundle.stage_packages(bundled, stages)
    assert found == {'k8s_node': {'packages': {'conntrack': '1:1.4.7-1+b2', 'socat': '1.7.4.4-2'}},
                     'kernel_ml': {'packages': {'linux-image-amd64': '6.12.12-1~bpo12+1'}}}
    assert missing == ['firmware-x (stage kernel_ml)']
    assert _bundle.stage_packages(bundled, {}) == ({}, [])
