# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet report's files on the controller, in the action itself: no module process is started."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import os
import re
import sys
import tempfile

from ansible import context
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.docker_host.plugins.plugin_utils._fleet_report import (
    build_report, collection_version, render, report_paths, run_meta)

# The collection's root (plugins/action/ is two levels down) and the report's templates in it.
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(COLLECTION_ROOT, 'playbooks', 'templates')

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
    _VALID_ARGS = frozenset(('path', 'rows', 'check_run', 'formats', 'mode'))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args = self._task.args
        path = args.get('path')
        rows = args.get('rows')
        formats = args.get('formats') or ['html', 'md']
        mode = args.get('mode', '0644')
        if not path or not isinstance(path, str):
            raise AnsibleActionFail('fleet_report: path is required, the report file name without its extension.')
        if not isinstance(rows, list) or not all(isinstance(row, dict) and 'host' in row for row in rows):
            raise AnsibleActionFail('fleet_report: rows must be the list fleetops.docker_host.fleet_report_rows returns.')
        try:
            check_run = boolean(args.get('check_run', task_vars.get('ansible_check_mode', False)), strict=True)
        except TypeError:
            raise AnsibleActionFail('fleet_report: check_run must be a boolean, got %r.' % (args.get('check_run'),)) from None
        try:
            mode = int(str(mode), 8)
        except ValueError:
            raise AnsibleActionFail('fleet_report: mode must be an octal string such as "0644", got %r.' % (mode,)) from None
        for fmt in formats:
            if fmt not in ('html', 'md'):
                raise AnsibleActionFail('fleet_report: formats are html and md, got %r.' % (fmt,))
        path = os.path.abspath(os.path.expanduser(path))
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            raise AnsibleActionFail('fleet_report: the directory %s does not exist on the controller.' % directory)

        # The worker is forked from ansible-playbook: its argv and parsed command line (the playbooks) are the run's.
        meta = run_meta(check_run, sys.argv, playbooks=context.CLIARGS.get('args') or (),
                        inventory_sources=task_vars.get('ansible_inventory_sources') or [],
                        ansible_version=(task_vars.get('ansible_version') or {}).get('full'),
                        version=collection_version(COLLECTION_ROOT), limit=task_vars.get('ansible_limit'))
        report = build_report(rows, meta)
        files, diffs, changed = report_paths(path, formats, check_run), [], False
        for target in files:
            data = to_bytes(render(report, target.rsplit('.', 1)[1], TEMPLATES), errors='surrogate_or_strict')
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

        # Shown like a debug message (the default callback prints this result without -v): where the report is.
        msg = 'Fleet report: %s' % ' and '.join(files)
        if check_run:
            msg += ' (check run: nothing was changed; the report of the last real run is left as it was)'
        result.update(changed=changed, files=files, msg=msg, meta=meta)
        result['_ansible_verbose_always'] = True
        if diffs:
            result['diff'] = diffs
        return result
