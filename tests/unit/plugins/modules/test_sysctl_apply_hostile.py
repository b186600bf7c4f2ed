# -*- coding: utf-8 -*-
"""sysctl_apply under hostile input (issue 27): a FIFO, a directory or a device in place of its file is refused,
never read (a FIFO blocked the module), and never replaced through a link."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.modules import sysctl_apply

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import make_kind

pytestmark = pytest.mark.usefixtures('bounded')


@pytest.mark.parametrize('kind', ['fifo', 'dir', 'device', 'zero', 'socket', 'loop'])
def test_file_changes_refuses_instead_of_blocking(tmp_path, kind):
    path = make_kind(tmp_path / 'k8s.conf', kind)
    with pytest.raises(OSError) as err:
        sysctl_apply.file_changes(path, 'net.ipv4.ip_forward = 1\n')
    assert path in str(err.value)


def test_file_changes_of_a_missing_file_and_a_linked_one(tmp_path):
    assert sysctl_apply.file_changes(str(tmp_path / 'absent.conf'), 'x = 1\n') == (True, None)
    (tmp_path / 'real.conf').write_text('x = 1\n')
    os.symlink(str(tmp_path / 'real.conf'), str(tmp_path / 'k8s.conf'))
    assert sysctl_apply.file_changes(str(tmp_path / 'k8s.conf'), 'x = 1\n') == (False, 'x = 1\n')
