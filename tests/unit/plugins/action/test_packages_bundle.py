# -*- coding: utf-8 -*-
"""The package step's `bundle` (plugins/action/packages.py, bundle_plan): what a stage installs from an offline bundle,
decided on the controller from its manifest, and what it refuses, naming it, before anything on the host changes."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.action.packages import bundle_plan, bundle_simulates

PAUSE = 'images/registry.k8s.io_pause_3.10.tar'
KERNEL = 'apt/linux-image-amd64_6.12.12-1~bpo12+1_amd64.deb'
MANIFEST = {
    'id': 'docker-debian12-amd64-20261207T120000Z',
    'stages': {'k8s_node': {'packages': {'conntrack': '1:1.4.7-1+b2', 'socat': '1.7.4.4-2'}},
               'kernel_ml': {'packages': {'linux-image-amd64': '6.12.12-1~bpo12+1'}}},
    'images': [{'name': 'fleetops/hello:latest', 'file': 'images/fleetops_hello_latest.tar'},
               {'name': 'registry.k8s.io/pause:3.10', 'file': PAUSE}],
    'files': {KERNEL: 'a' * 64, PAUSE: 'b' * 64, 'key.gpg': 'c' * 64},
}
BUNDLE = {'path': '/srv/bundles/current', 'stage': 'k8s_node', 'dir': '/var/cache/fleetops-docker-bundle/',
          'images': ['registry.k8s.io/pause:3.10']}


def test_the_stage_packages_at_the_bundle_versions_its_images_and_the_host_copy():
    plan = bundle_plan(MANIFEST, BUNDLE, ['conntrack', 'socat'], [KERNEL, PAUSE, 'key.gpg'])
    assert plan['problems'] == []
    assert plan['packages'] == [{'name': 'conntrack', 'version': '1:1.4.7-1+b2'}, {'name': 'socat', 'version': '1.7.4.4-2'}]
    assert plan['images'] == [{'name': 'registry.k8s.io/pause:3.10', 'file': PAUSE, 'namespace': 'k8s.io'}]
    assert plan['host_path'] == '/var/cache/fleetops-docker-bundle/docker-debian12-amd64-20261207T120000Z'
    assert plan['want'] == MANIFEST['files']


def test_a_file_missing_on_the_controller_is_not_wanted_so_the_host_check_names_it():
    plan = bundle_plan(MANIFEST, dict(BUNDLE, stage='kernel_ml', images=[]), ['linux-image-amd64'], [PAUSE, 'key.gpg'])
    assert plan['problems'] == [] and KERNEL not in plan['want']
    assert plan['packages'] == [{'name': 'linux-image-amd64', 'version': '6.12.12-1~bpo12+1'}]


@pytest.mark.parametrize('manifest, bundle, names, says', [
    (dict(MANIFEST, stages={}), BUNDLE, ['conntrack'],
     'has no packages for stage k8s_node (it has: none): build it with bundle_stages naming k8s_node'),
    (MANIFEST, dict(BUNDLE, stage='kernel_ml', images=[]), ['kernel-ml'], 'lacks kernel-ml of stage kernel_ml'),
    (dict(MANIFEST, images=[]), BUNDLE, ['conntrack'], 'lacks the image registry.k8s.io/pause:3.10'),
    (MANIFEST, dict(BUNDLE, images=[{'name': 'registry.k8s.io/pause:3.9', 'namespace': 'k8s.io'}]), [],
     'lacks the image registry.k8s.io/pause:3.9'),
])
def test_refused_naming_what_the_bundle_lacks(manifest, bundle, names, says):
    problems = bundle_plan(manifest, bundle, names, [])['problems']
    assert len(problems) == 1 and says in problems[0] and '/srv/bundles/current' in problems[0]


def test_the_default_host_directory_and_a_namespace_of_its_own():
    plan = bundle_plan(MANIFEST, {'path': '/b', 'stage': 'k8s_node',
                                  'images': [{'name': 'registry.k8s.io/pause:3.10', 'namespace': 'moby'}]}, [], [])
    assert plan['host_path'] == '/var/cache/fleetops-docker-bundle/docker-debian12-amd64-20261207T120000Z'
    assert plan['images'][0]['namespace'] == 'moby' and plan['packages'] == []


# The docker role's step (issue 30): stage `engine` is the manifest's engine, all of it when the role names none.
ENGINE = {'packages': {'docker.io': '20.10.24+dfsg1-1+deb12u1+b1', 'containerd': '1.6.20~ds1-1+b1'},
          'version': '20.10.24+dfsg1-1+deb12u1+b1', 'install_recommends': False}


def test_the_engine_stage_installs_every_engine_package_at_its_version_and_names_the_hello_archive():
    plan = bundle_plan(dict(MANIFEST, engine=ENGINE), {'path': '/srv/bundles/current/', 'stage': 'engine'}, [], [PAUSE])
    assert plan['problems'] == [] and plan['install_recommends'] is False
    assert plan['packages'] == [{'name': 'docker.io', 'version': '20.10.24+dfsg1-1+deb12u1+b1'},
                                {'name': 'containerd', 'version': '1.6.20~ds1-1+b1'}]
    # Nothing imported into containerd (the daemon stage loads the hello archive itself); every archive named.
    assert plan['images'] == []
    assert plan['archives'] == {'fleetops/hello:latest': '/srv/bundles/current/images/fleetops_hello_latest.tar',
                                'registry.k8s.io/pause:3.10': '/srv/bundles/current/' + PAUSE}
    recommends = bundle_plan(dict(MANIFEST, engine=dict(ENGINE, install_recommends=True)), {'stage': 'engine'}, [], [])
    assert recommends['install_recommends'] is True
    # The other stages leave install_recommends to the step.
    assert bundle_plan(MANIFEST, BUNDLE, ['conntrack'], [])['install_recommends'] is None


@pytest.mark.parametrize('manifest, names, says', [
    (MANIFEST, [], 'names no engine packages: build it with bundle_packages naming them'),
    (dict(MANIFEST, engine=ENGINE), ['docker-ce'], 'lacks docker-ce of stage engine'),
])
def test_an_engine_the_bundle_lacks_is_refused(manifest, names, says):
    problems = bundle_plan(manifest, {'path': '/srv/bundles/current', 'stage': 'engine'}, names, [])['problems']
    assert len(problems) == 1 and says in problems[0], problems


@pytest.mark.parametrize('check_mode, source, runs', [
    (False, {'changed': True, 'repository': 'fleetops-docker-bundle', 'index_ready': False}, True),
    # Check mode on a new EL host: the .repo file is not written, so dnf cannot be pointed at it (it ran before).
    (True, {'changed': True, 'repository': 'fleetops-docker-bundle', 'index_ready': False}, False),
    (True, {'changed': True, 'repository': '', 'index_ready': False}, False),
    # The files as they should be but apt's lists of the bundle never fetched: nothing to simulate with.
    (True, {'changed': False, 'repository': '', 'index_ready': False}, False),
    (True, {'changed': False, 'repository': 'fleetops-docker-bundle', 'index_ready': True}, True),
])
def test_check_mode_simulates_only_with_the_bundle_index_readable(check_mode, source, runs):
    assert bundle_simulates(check_mode, source) is runs
