# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_docker_install.py: what dpkg, rpm, gpg and versionlock say."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._docker_install import (
    apt_version_matches,
    el_version_matches,
    is_fingerprint,
    normalize_fingerprint,
    parse_dpkg_query,
    parse_name_version,
    parse_relations,
    parse_rpm_query,
    primary_fingerprints,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import parse_versionlock, versionlock_evr

DOCKER_APT = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88'
OTHER = 'AAAABBBBCCCCDDDDEEEEFFFF0000111122223333'

# gpg --show-keys --with-colons of Docker's key (a primary key and a signing subkey) and of a second key.
COLONS = """pub:-:4096:1:8D81803C0EBFCD88:1487788586:::-:::scESA::::::23::0:
fpr:::::::::9DC858229FC7DD38854AE2D88D81803C0EBFCD88:
uid:-::::1487792064::B5A08F01796E7F521861B449372D1FF271F2DD50::Docker Release (CE deb) <docker@docker.com>::::::::::0:
sub:-:4096:1:7EA0A9C3F273FCD8:1487788586::::::s::::::23:
fpr:::::::::D3306A018370199E527AE7997EA0A9C3F273FCD8:
pub:-:2048:1:2222333344445555:1700000000:::-:::scSC::::::23::0:
fpr:::::::::AAAABBBBCCCCDDDDEEEEFFFF0000111122223333:
"""


def test_primary_fingerprints_skip_subkeys():
    assert primary_fingerprints(COLONS) == [DOCKER_APT, OTHER]


@pytest.mark.parametrize('text, expected', [
    ('', []),
    (None, []),
    ('sub:-:4096:1:X:1::::::s:\nfpr:::::::::D3306A018370199E527AE7997EA0A9C3F273FCD8:\n', []),
    ('pub:-:4096:1:X:1:::-:::scESA:\nfpr:::::::::9dc858229fc7dd38854ae2d88d81803c0ebfcd88:\n', [DOCKER_APT]),
])
def test_primary_fingerprints_edge_cases(text, expected):
    assert primary_fingerprints(text) == expected


@pytest.mark.parametrize('text, ok', [
    ('9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88', True),
    ('9dc858229fc7dd38854ae2d88d81803c0ebfcd88', True),
    ('9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD8', False),
    ('9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD8X', False),
    ('', False),
])
def test_is_fingerprint(text, ok):
    assert is_fingerprint(text) is ok


def test_normalize_fingerprint():
    assert normalize_fingerprint(' 9dc8 5822 9FC7DD38 854A\tE2D8 8D81 803C 0EBF CD88 ') == DOCKER_APT


def test_parse_relations():
    assert parse_relations('adduser, containerd (>= 1.6), docker-cli (= 26.1.5+dfsg1-9+b6), iptables | nftables, libc6:any') == [
        'adduser', 'containerd', 'docker-cli', 'iptables', 'nftables', 'libc6']
    assert parse_relations('') == []


def test_parse_dpkg_query_only_installed():
    # A held package (apt-mark hold) is `hi `; a half-configured one `iF ` is not installed.
    text = ('hi |docker.io|26.1.5+dfsg1-9+b6|adduser, containerd (>= 1.6)|docker-cli, git\n'
            'rc |docker-doc|20.10.24+dfsg1-1||\n'
            'iF |runc|1.1.5||\n'
            'ii |gpg|2.2.40-1.1||\n')
    assert parse_dpkg_query(text) == {
        'docker.io': {'version': '26.1.5+dfsg1-9+b6', 'relations': ['adduser', 'containerd', 'docker-cli', 'git'],
                      'held': True},
        'gpg': {'version': '2.2.40-1.1', 'relations': [], 'held': False},
    }


def test_parse_rpm_query_skips_missing():
    text = 'docker-ce|3:28.0.0-1.el9\npackage containerd.io is not installed\nlvm2|8:2.03.23-2.el9\ngpg|2.3.3-4.el9\n'
    assert parse_rpm_query(text) == {'docker-ce': '3:28.0.0-1.el9', 'lvm2': '8:2.03.23-2.el9', 'gpg': '2.3.3-4.el9'}


@pytest.mark.parametrize('text, expected', [
    ('docker.io|20.10.24+dfsg1-1+b3', {'name': 'docker.io', 'version': '20.10.24+dfsg1-1+b3'}),
    ('docker.io|20.10.24+dfsg1-1+b3\n', {'name': 'docker.io', 'version': '20.10.24+dfsg1-1+b3'}),
    ('', None),
    ('dpkg-deb: error: not a Debian format archive', None),
])
def test_parse_name_version(text, expected):
    assert parse_name_version(text) == expected


VERSIONLOCK_DNF = """# Added lock on Mon Jan  6 10:00:00 2025
docker-ce-3:28.0.0-1.el9.*
docker-ce-cli-1:28.0.0-1.el9.*
!containerd.io-0:1.7.0-3.1.el9.*
bash-0:5.1.8-9.el9.*
"""

VERSIONLOCK_YUM = """0:bash-4.2.46-34.el7.*
3:docker-ce-26.1.4-1.el7.*
"""


def test_parse_versionlock_dnf():
    entries = parse_versionlock(VERSIONLOCK_DNF)
    assert [(e['name'], e['epoch'], e['version'], e['release'], e['arch']) for e in entries] == [
        ('docker-ce', '3', '28.0.0', '1.el9', '*'),
        ('docker-ce-cli', '1', '28.0.0', '1.el9', '*'),
        ('bash', '', '5.1.8', '9.el9', '*'),
    ]
    assert entries[0]['raw'] == 'docker-ce-3:28.0.0-1.el9.*'
    assert versionlock_evr(entries[0]) == '3:28.0.0-1.el9'
    assert versionlock_evr(entries[2]) == '5.1.8-9.el9'


def test_parse_versionlock_yum():
    entries = parse_versionlock(VERSIONLOCK_YUM)
    assert [(e['name'], e['epoch'], e['version'], e['release']) for e in entries] == [
        ('bash', '', '4.2.46', '34.el7'), ('docker-ce', '3', '26.1.4', '1.el7')]
    assert entries[1]['raw'] == '3:docker-ce-26.1.4-1.el7.*'


def test_parse_versionlock_empty_and_garbage():
    assert parse_versionlock(None) == []
    assert parse_versionlock('\n# only a comment\nnot-a-lock\n') == []


@pytest.mark.parametrize('installed, wanted, ok', [
    ('5:28.0.0-1~debian.12~bookworm', '5:28.0.0', True),
    ('5:28.0.0-1~debian.12~bookworm', '5:28.0.0-1~debian.12~bookworm', True),
    ('5:28.0.1-1~debian.12~bookworm', '5:28.0.0', False),
    ('20.10.24+dfsg1-1+b3', '20.10.24+dfsg1-1+b3', True),
    ('20.10.24+dfsg1-1+b3', '', True),
    (None, '', False),
    (None, '5:28.0.0', False),
])
def test_apt_version_matches(installed, wanted, ok):
    assert apt_version_matches(installed, wanted) is ok


@pytest.mark.parametrize('installed, wanted, ok', [
    ('3:28.0.0-1.el9', '28.0.0', True),
    ('3:28.0.0-1.el9', '28.0.0-1.el9', True),
    ('3:28.0.0-1.el9', '3:28.0.0-1.el9', True),
    ('3:28.0.0-1.el9', '3:28.0.0', True),
    ('3:28.0.0-1.el9', '2:28.0.0-1.el9', False),
    ('3:28.0.0-1.el9', '28.0', False),
    ('3:28.0.1-1.el9', '28.0.0', False),
    ('28.0.0-1.el9', '0:28.0.0-1.el9', True),
    ('1.7.25-3.1.el9', '1.7.25', True),
    ('1.7.25-3.1.el9', '', True),
    (None, '28.0.0', False),
])
def test_el_version_matches(installed, wanted, ok):
    assert el_version_matches(installed, wanted) is ok
