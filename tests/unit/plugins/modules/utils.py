# -*- coding: utf-8 -*-
"""Run a module's main() in-process with real arguments, for the module-level tests."""

import json

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # pragma: no cover - older ansible-core
    patch_module_args = None

# The module-level tests need ansible.module_utils.testing (ansible-core 2.19+); the compat line skips them.
needs_module_testing = pytest.mark.skipif(patch_module_args is None,
                                          reason='needs ansible.module_utils.testing (ansible-core 2.19+)')


def module_runner(module):
    """A function (capsys, args, check_mode=False, diff=False) -> the result MODULE's main() printed."""
    def run_module(capsys, args, check_mode=False, diff=False):
        args = dict(args)
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        return json.loads(capsys.readouterr().out)
    return run_module
