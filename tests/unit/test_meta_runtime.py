# -*- coding: utf-8 -*-
"""meta/runtime.yml: every redirect points at a module that exists, and the old names of the looks are deprecated."""
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = 'fleetops.docker_host.'


def _modules():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        return yaml.safe_load(handle)['plugin_routing']['modules']


def test_redirects_reach_a_module_file():
    for name, route in _modules().items():
        target = route['redirect']
        assert target.startswith(PREFIX), name
        assert os.path.exists(os.path.join(ROOT, 'plugins', 'modules', target[len(PREFIX):] + '.py')), name
        assert not os.path.exists(os.path.join(ROOT, 'plugins', 'modules', name + '.py')), name


def test_the_old_names_of_the_looks_are_deprecated_redirects_to_the_info_modules():
    modules = _modules()
    for old, new in (('sysctl_check', 'sysctl_info'), ('container_preflight', 'container_preflight_info')):
        assert modules[old]['redirect'] == PREFIX + new
        assert modules[old]['deprecation']['removal_version'] == '1.0.0'
        assert new in modules[old]['deprecation']['warning_text']
