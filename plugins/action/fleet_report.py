# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet report's files on the controller, in the action itself: no module process is started."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import os
import re
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase

FORMAT_RE = re.compile(r'^[A-Za-z0-9_-]+$')


def write_atomic(path, data, mode, check_mode=False):
    """Replace PATH with DATA (bytes) in one rename; return True when the content or mode changed.
    In check mode only tell whether it would change."""
    try:
        with open(path, 'rb') as handle:
            old = handle.read()
        old_mode = os.stat(path).st_mode & 0o7777
    except OSError:
        old, old_mode = None, None
    if old == data and old_mode == mode:
        return False
    if check_mode:
        return True
    directory = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('path', 'contents', 'mode'))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = self._task.args
        path = args.get('path')
        contents = args.get('contents')
        mode = args.get('mode', '0644')
        if not path or not isinstance(path, str):
            raise AnsibleActionFail('fleet_report: path is required, the report file name without its extension.')
        if not isinstance(contents, dict) or not contents:
            raise AnsibleActionFail('fleet_report: contents must be a non-empty dict of format: text, e.g. {md: ..., html: ...}.')
        try:
            mode = int(str(mode), 8)
        except ValueError:
            raise AnsibleActionFail('fleet_report: mode must be an octal string such as "0644", got %r.' % (mode,)) from None
        path = os.path.abspath(os.path.expanduser(path))
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            raise AnsibleActionFail('fleet_report: the directory %s does not exist on the controller.' % directory)

        files, diffs, changed = [], [], False
        for fmt in sorted(contents):
            if not FORMAT_RE.match(to_text(fmt)):
                raise AnsibleActionFail('fleet_report: %r is not a file extension (letters, digits, _ and -).' % (fmt,))
            target = '%s.%s' % (path, fmt)
            data = to_bytes(contents[fmt] if contents[fmt] is not None else '', errors='surrogate_or_strict')
            if self._task.diff:
                try:
                    with open(target, 'rb') as handle:
                        before = to_text(handle.read(), errors='surrogate_or_replace')
                except OSError:
                    before = ''
                diffs.append({'before_header': target, 'after_header': target,
                              'before': before, 'after': to_text(data)})
            try:
                changed = write_atomic(target, data, mode, self._task.check_mode) or changed
            except OSError as exc:
                raise AnsibleActionFail('fleet_report: cannot write %s: %s' % (target, to_text(exc))) from exc
            files.append(target)

        # Shown like a debug message (the default callback prints this result without -v): where the report is.
        result.update(changed=changed, files=files, msg='Fleet report: %s' % ' and '.join(files))
        result['_ansible_verbose_always'] = True
        if diffs:
            result['diff'] = diffs
        return result
