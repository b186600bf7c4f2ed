# -*- coding: utf-8 -*-
"""Run a module's main() in-process with real arguments, for the module-level tests."""

import json

import pytest
from ansible.module_utils.common import warnings as module_warnings

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover - older ansible-core
    patch_module_args = None

# The module-level tests need ansible.module_utils.testing (ansible-core 2.19+); the compat line skips them.
needs_module_testing = pytest.mark.skipif(patch_module_args is None,
                                          reason='needs ansible.module_utils.testing (ansible-core 2.19+)')


def forget_warnings():
    """Empty the warnings and deprecations AnsibleModule collects process-wide: in one pytest process they would
    reach the next module's result (a module run by Ansible is a process of its own), and a test that hands a
    result back as an argument would pass another test's warning events along."""
    for name in ('_global_warnings', '_global_deprecations'):
        getattr(module_warnings, name).clear()


def module_runner(module):
    """A function (capsys, args, check_mode=False, diff=False) -> the result MODULE's main() printed."""
    def run_module(capsys, args, check_mode=False, diff=False):
        forget_warnings()
        args = dict(args)
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        return json.loads(capsys.readouterr().out)
    return run_module


class CommandTable:
    """A stand-in AnsibleModule for run()-level tests: run_command answers from a list of (argv prefix, (rc, out,
    err)) pairs, insists on the C locale, and records every argv in `calls`; `params` are the module's."""

    def __init__(self, answers, params):
        self.answers = answers
        self.calls = []
        self.params = params

    def run_command(self, argv, environ_update=None, data=None):
        assert environ_update == {'LANG': 'C', 'LC_ALL': 'C'}
        self.calls.append(argv)
        for prefix, answer in self.answers:
            if argv[:len(prefix)] == prefix:
                return answer
        return 1, '', 'unexpected %s' % argv
