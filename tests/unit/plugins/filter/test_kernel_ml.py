# -*- coding: utf-8 -*-
"""Unit tests for plugins/filter/kernel_ml.py: the role's input problems, the hosts it refuses, its plan."""

import copy
import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.filter.kernel_ml import (
    FilterModule,
    kernel_ml_host_problems,
    kernel_ml_plan,
    kernel_ml_problems,
)

GOOD = {'kernel_ml_reboot_timeout': 900, 'kernel_ml_repo_url': '', 'kernel_ml_elrepo_url': 'https://www.elrepo.org',
        'kernel_ml_backports_uri': 'http://deb.debian.org/debian'}


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {'kernel_ml_problems', 'kernel_ml_host_problems', 'kernel_ml_plan'}


def test_good_input_has_no_problems():
    assert kernel_ml_problems(GOOD, 'web1') == []


@pytest.mark.parametrize('name, value, words', [
    ('kernel_ml_reboot_timeout', 0, 'kernel_ml_reboot_timeout is 0; write a positive number'),
    ('kernel_ml_reboot_timeout', 'soon', "kernel_ml_reboot_timeout is 'soon'"),
    ('kernel_ml_repo_url', 'mirror.example.com/elrepo', "kernel_ml_repo_url is 'mirror.example.com/elrepo'"),
    ('kernel_ml_elrepo_url', 'http://www.elrepo.org', 'fetched over https only'),
    ('kernel_ml_backports_uri', 'deb.debian.org', "kernel_ml_backports_uri is 'deb.debian.org'"),
])
def test_each_problem_names_host_variable_and_value(name, value, words):
    settings = dict(GOOD, **{name: value})
    problems = kernel_ml_problems(settings, 'web1')
    assert len(problems) == 1 and problems[0].startswith('web1: ') and words in problems[0]


@pytest.mark.parametrize('url', ['https://mirror/el9', 'http://mirror/el9', 'ftp://mirror/el9', 'file:///srv/elrepo'])
def test_repo_url_schemes(url):
    assert kernel_ml_problems(dict(GOOD, kernel_ml_repo_url=url)) == []


def test_problems_need_a_dict():
    with pytest.raises(AnsibleFilterError):
        kernel_ml_problems(['x'])


EL = {'7': {}, '8': {}, '9': {}, '10': {}}
ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64'}


@pytest.mark.parametrize('facts, words', [
    ({'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '9'}, None),
    ({'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_major_version': '7'}, None),
    ({'os_family': 'RedHat', 'distribution': 'Fedora', 'distribution_major_version': '41'}, 'no release package for EL 41'),
    ({'os_family': 'Debian', 'distribution': 'Debian', 'architecture': 'x86_64'}, None),
    ({'os_family': 'Debian', 'distribution': 'Debian', 'architecture': 'mips64'}, 'architecture mips64'),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '24.04'}, None),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '22.04'}, None),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '23.04'}, 'only for Ubuntu LTS'),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '24.10'}, 'only for Ubuntu LTS'),
    ({'os_family': 'Debian', 'distribution': 'Linux Mint', 'distribution_version': '22'}, 'Debian (backports) and Ubuntu LTS'),
    ({'os_family': 'Alpine', 'distribution': 'Alpine', 'distribution_version': '3.20'}, 'supports the EL family'),
])
def test_host_problems(facts, words):
    problems = kernel_ml_host_problems(facts, 'web1', el_releases=EL, debian_arch=ARCH)
    if words is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith('web1: ') and words in problems[0]


OLD, NEW = '6.1.0-50-amd64', '6.12.48+deb12-amd64'
ENTRY = 'gnulinux-advanced-x>gnulinux-%s-advanced-x' % NEW


def look(running=OLD, wanted=NEW, *, default_ok=True, image_present=True, clear_next=False):
    return {
        'kernel': {'running': running, 'installed': [OLD, NEW]},
        'package': {'name': 'linux-image-amd64', 'chain': ['linux-image-amd64', 'linux-image-' + NEW], 'kernel': wanted},
        'boot': {'manager': 'grub-set-default', 'default_image': '/boot/vmlinuz-' + (NEW if default_ok else OLD)},
        'decision': {'wanted': wanted, 'image_present': image_present and bool(wanted), 'default_ok': default_ok and bool(wanted),
                     'boot_entry': ENTRY if wanted else '', 'clear_next_entry': clear_next,
                     'reboot_needed': bool(wanted) and running != wanted},
    }


def plan(result, **kwargs):
    kwargs.setdefault('host', 'web1')
    kwargs.setdefault('package', 'linux-image-amd64')
    return kernel_ml_plan(result, **kwargs)


def test_fresh_install_reboots():
    result = plan(look(), install_changed=True)
    assert result['wanted'] == NEW and result['reboot'] and not result['reboot_pending'] and not result['set_default']
    assert result['problem'] == ''
    assert result['message'] == 'web1 runs %s; reboot into %s (boot entry: /boot/vmlinuz-%s).' % (OLD, NEW, NEW)


def test_second_run_does_nothing():
    result = plan(look(running=NEW))
    assert not result['reboot'] and not result['reboot_needed'] and not result['set_default'] and not result['reboot_pending']
    assert 'already runs the wanted kernel' in result['message']


def test_default_must_be_set():
    result = plan(look(default_ok=False))
    assert result['set_default'] and result['boot_entry'] == ENTRY and result['reboot']


def test_no_reboot_leaves_it_pending():
    result = plan(look(), reboot=False)
    assert not result['reboot'] and result['reboot_pending']
    assert result['message'].startswith('web1: kernel %s is the default boot entry' % NEW)


def test_check_mode_with_install_pending_does_not_know_the_kernel():
    result = plan(look(wanted=OLD, running=OLD), install_changed=True, check_mode=True)
    assert result['wanted'] == '' and not result['reboot'] and not result['set_default'] and result['problem'] == ''
    assert 'would install linux-image-amd64 and reboot into the kernel it brings' in result['message']


def test_check_mode_with_the_package_installed_would_reboot():
    result = plan(look(), check_mode=True)
    assert result['wanted'] == NEW and not result['reboot'] and result['reboot_pending']
    assert result['message'] == 'web1 runs %s; would reboot into %s (boot entry: /boot/vmlinuz-%s).' % (OLD, NEW, NEW)


def test_check_mode_would_set_the_entry():
    result = plan(look(default_ok=False), check_mode=True)
    assert result['set_default'] and 'would reboot into %s (boot entry: %s, set first)' % (NEW, ENTRY) in result['message']


def test_package_not_installed_is_a_problem():
    result = plan(look(wanted=''))
    assert result['problem'].startswith('web1: the kernel package linux-image-amd64 is not installed')
    assert not result['reboot']


def test_package_not_installed_in_check_mode_is_not():
    result = plan(look(wanted=''), check_mode=True)
    assert result['problem'] == '' and 'would install linux-image-amd64 and reboot into it' in result['message']


def test_missing_image_is_a_problem():
    result = plan(look(image_present=False))
    assert '/boot/vmlinuz-%s is missing' % NEW in result['problem']


def test_no_entry_for_the_kernel_is_a_problem():
    result = look(default_ok=False)
    result['decision']['boot_entry'] = ''
    assert 'no boot menu entry boots %s' % NEW in plan(result)['problem']


def test_next_entry_is_passed_on():
    assert plan(look(default_ok=False, clear_next=True))['clear_next_entry'] is True


def test_plan_does_not_change_the_look():
    result = look()
    before = copy.deepcopy(result)
    plan(result)
    assert result == before


def test_plan_needs_a_look():
    with pytest.raises(AnsibleFilterError):
        kernel_ml_plan({'decision': {}})


# ELRepo's own table (roles/kernel_ml/vars/RedHat.yml): kernel-lt ships for EL 7-9, not (yet) for EL 10.
def _el_vars():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'roles', 'kernel_ml', 'vars', 'RedHat.yml')
    with open(path) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize('distribution, major, flavor, refused', [
    ('Rocky', '10', 'lt', True),
    ('AlmaLinux', '10', 'lt', True),
    ('CentOS', '10', 'lt', True),
    ('Rocky', '10', 'ml', False),
    ('Rocky', '9', 'lt', False),
    ('AlmaLinux', '8', 'lt', False),
    ('CentOS', '7', 'lt', False),
    ('Rocky', '9', 'ml', False),
    ('Rocky', '10', '', False),
])
def test_kernel_lt_where_elrepo_does_not_ship_it(distribution, major, flavor, refused):
    facts = {'os_family': 'RedHat', 'distribution': distribution, 'distribution_major_version': major,
             'distribution_version': major + '.0'}
    el_vars = _el_vars()
    problems = kernel_ml_host_problems(facts, 'web1', el_releases=el_vars['kernel_ml_el_releases'], flavor=flavor,
                                       el_packages=el_vars['kernel_ml_el_packages'])
    assert bool(problems) == refused, problems
    if refused:
        text = problems[0]
        assert text.startswith('web1: %s %s.0' % (distribution, major))
        assert 'ELRepo does not ship kernel-lt for EL 10 yet' in text and 'kernel-ml (kernel_ml_flavor: ml)' in text
        assert 'installs nothing' in text


def test_a_row_without_flavors_accepts_any_flavor():
    facts = {'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '9'}
    assert kernel_ml_host_problems(facts, 'web1', el_releases={'9': {}}, flavor='lt') == []


# kernel_ml_in_container: an image built in a container gets the kernel, never a reboot.
def _container_look(manager):
    result = look(running='6.1.0-41-amd64', wanted='6.12.9-1.el9.elrepo.x86_64', default_ok=False)
    result['boot']['manager'] = manager
    if manager is None:
        result['boot']['default_image'] = ''
        result['decision']['boot_entry'] = ''
    else:
        result['decision']['boot_entry'] = '/boot/vmlinuz-6.12.9-1.el9.elrepo.x86_64'
    return result


@pytest.mark.parametrize('manager, set_default, words', [
    (None, False, 'No boot loader tool here'),
    ('grubby', True, 'Default boot entry: /boot/vmlinuz-6.12.9-1.el9.elrepo.x86_64'),
])
def test_container_install_never_reboots(manager, set_default, words):
    result = plan(_container_look(manager), package='kernel-ml', container=True, reboot=True)
    assert result['wanted'] == '6.12.9-1.el9.elrepo.x86_64'
    assert result['reboot'] is False and result['reboot_needed'] and result['reboot_pending']
    assert result['set_default'] is set_default and result['problem'] == ''
    assert 'never reboots' in result['message'] and words in result['message'], result['message']


def test_a_host_without_a_boot_loader_is_still_a_problem():
    result = plan(_container_look(None), package='kernel-ml', container=False)
    assert result['set_default'] and 'no boot menu entry boots' in result['problem']
