# -*- coding: utf-8 -*-
"""kernel_boot_info under hostile input (issue 27): grubenv files GRUB rejects (no header, wrong size, junk),
FIFOs and directories in place of GRUB's files. Real files in tmp_path."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._boot import (
    GRUBENV_SIZE,
    grub_state,
    grubenv_problem,
)
from ansible_collections.fleetops.docker_host.plugins.modules import kernel_boot_info

from ansible_collections.fleetops.docker_host.tests.unit.plugins.hostile import (
    KINDS,
    make_kind,
)

HEADER = b'# GRUB Environment Block\n'
CFG = '''set default="${saved_entry}"
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
fi
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-0f3c' {
    linux    /boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f3c ro quiet
}
submenu 'Advanced options' $menuentry_id_option 'gnulinux-advanced-0f3c' {
    menuentry 'Debian, with Linux 6.12.9' $menuentry_id_option 'gnulinux-6.12.9-advanced-0f3c' {
        linux    /boot/vmlinuz-6.12.9 root=UUID=0f3c ro quiet
    }
    menuentry 'Debian, with Linux 6.1.0-18-amd64' $menuentry_id_option 'gnulinux-6.1.0-18-amd64-advanced-0f3c' {
        linux    /boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f3c ro quiet
    }
}
'''
SAVED = b'saved_entry=gnulinux-advanced-0f3c>gnulinux-6.12.9-advanced-0f3c\n'

pytestmark = pytest.mark.usefixtures('bounded')


def block(body, size=GRUBENV_SIZE, header=HEADER):
    data = header + body
    return data + b'#' * (size - len(data)) if size > len(data) else data


@pytest.mark.parametrize('data, valid, words', [
    (block(SAVED), True, None),
    (block(b''), True, None),
    (block(SAVED, header=b''), False, 'header'),
    (block(SAVED, header=b'# GRUB environment block\n'), False, 'header'),
    (SAVED, False, 'header'),
    (b'', False, 'header'),
    (b'\x00' * GRUBENV_SIZE, False, 'header'),
    (b'\xff\xfe' + HEADER + SAVED, False, 'header'),
    (HEADER + SAVED, False, '1024'),
    (block(SAVED, size=2048), False, '2048 bytes'),
    (block(SAVED) + b'\n', False, '1025 bytes'),
    (block(SAVED)[:1023], False, '1023 bytes'),
    (None, False, 'does not exist'),
])
def test_grubenv_problem(data, valid, words):
    problem = grubenv_problem(data, '/boot/grub/grubenv')
    assert (problem is None) is valid
    if not valid:
        assert words in problem and '/boot/grub/grubenv' in problem
        assert 'grub-editenv' in problem


@pytest.mark.parametrize('data, valid, default_kernel', [
    (block(SAVED), True, '6.12.9'),
    (block(SAVED, header=b''), False, '6.1.0-18-amd64'),
    (HEADER + SAVED, False, '6.1.0-18-amd64'),
    (block(SAVED + b'next_entry=gnulinux-6.12.9-advanced-0f3c\n', header=b'# junk\n'), False, '6.1.0-18-amd64'),
    (block(b'saved_entry=gnulinux-advanced-0f3c>gnulinux-6.12.9-advanced-0f3c\xe9\n'), True, '6.1.0-18-amd64'),
])
def test_an_invalid_grubenv_is_read_as_grub_reads_it(tmp_path, data, valid, default_kernel):
    path = tmp_path / 'grubenv'
    path.write_bytes(data)
    text, problem = kernel_boot_info._grubenv(str(path))
    assert (problem is None) is valid
    state = grub_state(CFG, text)
    # GRUB ignores a block it rejects: saved_entry is unset and entry 0 boots.
    assert state['default']['kernel'] == default_kernel
    assert state['next']['kernel'] == default_kernel
    text.encode('utf-8')


@pytest.mark.parametrize('kind', KINDS)
def test_grubenv_that_is_not_a_file_is_invalid_and_never_blocks(tmp_path, kind):
    path = make_kind(tmp_path / 'grubenv', kind)
    text, problem = kernel_boot_info._grubenv(path)
    assert text == '' and problem is not None and 'does not exist' in problem


@pytest.mark.parametrize('kind', KINDS)
def test_grub_files_that_are_not_files_read_as_absent(tmp_path, kind):
    path = make_kind(tmp_path / 'grub.cfg', kind)
    assert kernel_boot_info._read(path) is None


def test_grub_cfg_with_bytes_that_are_not_utf8_reads_as_valid_text(tmp_path):
    path = tmp_path / 'grub.cfg'
    path.write_bytes(CFG.encode() + b'# caf\xe9\n')
    text = kernel_boot_info._read(str(path))
    assert text.endswith('caf\ufffd\n') and grub_state(text, '')['entries']
