# -*- coding: utf-8 -*-
"""node_swap under hostile input (issue 27): a symlinked fstab, relative paths, FIFOs and directories in its
place, Latin-1 bytes. A temporary tree, never the machine's swap or units."""

import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import FSTAB_MARK
from ansible_collections.fleetops.docker_host.plugins.modules import node_swap

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    KIND_WORDS,
    KINDS,
    files_in,
    make_kind,
    runner,
)
from ansible_collections.fleetops.docker_host.tests.unit.plugins.modules.utils import needs_module_testing

pytestmark = [pytest.mark.usefixtures('bounded'), needs_module_testing]
run = runner(node_swap)
SWAP_LINE = b'/swapfile none swap sw 0 0\n'


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / 'proc').mkdir()
    (tmp_path / 'proc' / 'swaps').write_text('Filename\tType\tSize\tUsed\tPriority\n')
    (tmp_path / 'etc').mkdir()
    monkeypatch.setattr(node_swap, 'PROC_SWAPS', str(tmp_path / 'proc' / 'swaps'))
    monkeypatch.setattr(node_swap, 'SYSTEMD_RUNNING', str(tmp_path / 'run' / 'systemd' / 'system'))
    monkeypatch.setattr(node_swap, 'UNIT_DIR', str(tmp_path / 'units'))
    monkeypatch.setattr(node_swap, 'GENERATOR_DIR', str(tmp_path / 'generators'))
    monkeypatch.setattr(node_swap, 'ZRAM_GENERATORS', (str(tmp_path / 'absent'),))
    return tmp_path


@pytest.mark.parametrize('relative', ['fstab', './fstab', 'etc/fstab', '../fstab'])
def test_relative_fstab_refused(tree, capsys, monkeypatch, relative):
    monkeypatch.chdir(str(tree / 'etc'))
    (tree / 'etc' / 'fstab').write_bytes(SWAP_LINE)
    result = run(capsys, {'fstab': relative, 'mask_units': False})
    assert result['failed'] and 'relative path' in result['msg'] and relative in result['msg'] and '/etc/fstab' in result['msg']
    assert (tree / 'etc' / 'fstab').read_bytes() == SWAP_LINE


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('kind', KINDS)
def test_fstab_that_is_not_a_regular_file_refused_naming_it(tree, capsys, kind, check_mode):
    path = make_kind(tree / 'etc' / 'fstab', kind)
    result = run(capsys, {'fstab': path, 'mask_units': False}, check_mode=check_mode)
    assert result['failed'] and path in result['msg'] and KIND_WORDS[kind] in result['msg']
    assert 'nothing to do' not in result['msg']


@pytest.mark.parametrize('relative_link', [False, True])
def test_symlinked_fstab_written_through(tree, capsys, relative_link):
    real = tree / 'etc' / 'fstab.real'
    real.write_bytes(b'UUID=1 / ext4 defaults 0 1\n' + SWAP_LINE)
    os.chmod(str(real), 0o640)
    link = tree / 'etc' / 'fstab'
    os.symlink('fstab.real' if relative_link else str(real), str(link))
    result = run(capsys, {'fstab': str(link), 'mask_units': False})
    assert result['changed'] and os.path.islink(str(link))
    assert real.read_bytes() == b'UUID=1 / ext4 defaults 0 1\n' + FSTAB_MARK.encode() + SWAP_LINE
    assert oct(os.stat(str(real)).st_mode & 0o777) == '0o640'
    assert files_in(tree / 'etc') == ['fstab', 'fstab.real']
    assert run(capsys, {'fstab': str(link), 'mask_units': False})['changed'] is False


@pytest.mark.parametrize('raw', [
    b'# Latin-1 comment: caf\xe9\n' + SWAP_LINE,
    SWAP_LINE + b'# \xff\xfe\xfd\n',
    b'/dev/sdb1 /mnt/donn\xe9es ext4 defaults 0 2\n' + SWAP_LINE,
    b'/swap\xe9file none swap sw 0 0\n',
])
@pytest.mark.parametrize('diff', [False, True])
def test_latin1_bytes_kept_and_the_result_valid_utf8(tree, capsys, raw, diff):
    path = tree / 'etc' / 'fstab'
    path.write_bytes(raw)
    result = run(capsys, {'fstab': str(path), 'mask_units': False}, diff=diff)
    assert not result.get('failed') and result['changed'] and result['fstab_commented']
    data = path.read_bytes()
    assert data.count(FSTAB_MARK.encode()) == 1
    for line in raw.splitlines():
        assert line in data
    if diff:
        assert '\ufffd' in result['diff']['before'] or '\ufffd' not in raw.decode('utf-8', 'replace')
    assert run(capsys, {'fstab': str(path), 'mask_units': False})['changed'] is False


def test_a_missing_fstab_is_nothing_to_do(tree, capsys):
    result = run(capsys, {'fstab': str(tree / 'etc' / 'fstab'), 'mask_units': False})
    assert result['changed'] is False and not os.path.exists(str(tree / 'etc' / 'fstab'))


def test_a_swap_name_in_proc_swaps_that_is_not_utf8(tree, capsys):
    (tree / 'proc' / 'swaps').write_bytes(b'Filename\tType\tSize\tUsed\tPriority\n/sw\xe9p file 1024 0 -2\n')
    result = run(capsys, {'fstab': str(tree / 'etc' / 'fstab'), 'mask_units': False, 'in_container': True},
                 check_mode=True)
    assert result['swap_before'][0]['filename'] == '/sw\ufffdp'
