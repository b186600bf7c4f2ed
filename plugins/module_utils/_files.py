# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one atomic file write of the modules that replace a whole file (daemon_json, docker_repo_key, sysctl_apply,
containerd_config, node_swap): the content goes to a temporary file beside the target and is renamed over it with
AnsibleModule.atomic_move, so a reader sees the old file or the new one, never half of one. Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes


def write_atomic(module, path, content, mode=None):
    """Replace PATH with CONTENT (text) in one rename. A missing directory is made with mode 0755; MODE (an int)
    is set on the temporary file before the rename, else atomic_move keeps an existing file's mode and owner."""
    directory = os.path.dirname(path) or '.'
    if not os.path.isdir(directory):
        os.makedirs(directory)
        os.chmod(directory, 0o755)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(to_bytes(content, errors='surrogate_or_strict'))
        if mode is not None:
            os.chmod(tmp, mode)
        module.atomic_move(tmp, path, unsafe_writes=False)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def stale_temp_files(path):
    """The temporary files write_atomic leaves beside PATH when its run is cut off between the write and the
    rename (".<name>.XXXXXXXX"). Nothing reads them (dockerd reads daemon.json only, systemd ignores hidden
    files); the writer removes them under its lock, where no other write of PATH can be under way."""
    directory = os.path.dirname(path) or '.'
    prefix = '.%s.' % os.path.basename(path)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(os.path.join(directory, name) for name in names if name.startswith(prefix))
