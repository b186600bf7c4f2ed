# -*- coding: utf-8 -*-
"""bundle_repository: the bundle's repository file, the one writer for every stage that installs from a bundle (the
packages action calls it for the docker, k8s_node and kernel_ml stages alike, so none rewrites another's)."""

from ansible_collections.fleetops.docker_host.plugins.modules import bundle_repository as M

PATH = '/var/cache/fleetops-docker-bundle/b1'


def test_apt_line():
    text = M.source_text('deb', {'id': 'b1', 'repository': {'format': 'deb', 'dir': 'apt'}}, PATH)
    assert text == ('# Managed by Ansible (fleetops.docker_host.docker): offline bundle b1\n'
                    'deb [signed-by=/etc/apt/keyrings/fleetops-docker-bundle.gpg] file:%s/apt ./\n' % PATH)


def test_dnf_section_checks_metadata_and_packages():
    manifest = {'id': 'b1', 'repository': {'format': 'rpm', 'dir': 'rpm', 'keys': ['rpm/keys/AB.asc']}}
    text = M.source_text('rpm', manifest, PATH)
    assert '[fleetops-docker-bundle]\n' in text and 'baseurl=file://%s/rpm\n' % PATH in text
    assert 'gpgcheck=1\nrepo_gpgcheck=1\n' in text
    assert text.endswith('gpgkey=file:///etc/pki/rpm-gpg/fleetops-docker-bundle.asc file://%s/rpm/keys/AB.asc\n' % PATH)


def test_index_commands_read_the_bundle_alone():
    assert M.index_argv('rpm', 'x') == ['dnf', '-y', '-q', 'makecache', '--disablerepo=*', '--enablerepo=fleetops-docker-bundle']
    argv = M.index_argv('deb', '/etc/apt/sources.list.d/fleetops-docker-bundle.list')
    assert 'Dir::Etc::sourcelist=/etc/apt/sources.list.d/fleetops-docker-bundle.list' in argv and 'Dir::Etc::sourceparts=-' in argv
