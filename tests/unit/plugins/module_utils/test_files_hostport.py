# -*- coding: utf-8 -*-
"""plugins/module_utils/_files.py, split_host_port: the one reading of a registry's host[:port] (daemon.json,
k8s_node)."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import registry_host_kind
from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import check_insecure_registry
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import split_host_port


@pytest.mark.parametrize('text, parsed', [
    ('registry.example.com', ('registry.example.com', None, 'name')),
    ('reg:5000', ('reg', '5000', 'name')),
    ('10.100.0.5:5000', ('10.100.0.5', '5000', 'ipv4')),
    ('[fd00::1]:5000', ('fd00::1', '5000', 'ipv6')),
    ('[fd00::1]', ('fd00::1', None, 'ipv6')),
    ('fd00::1', ('fd00::1', None, 'ipv6-bare')),
    ('reg:65535', ('reg', '65535', 'name')),
    ('a' * 63 + '.example', ('a' * 63 + '.example', None, 'name')),
    ('reg:0', None), ('reg:65536', None), ('reg:', None), ('reg:abc', None), ('reg-:5', None), ('-reg', None),
    ('a..b', None), ('1.2.3.999', None), ('a' * 64 + '.example', None), ('.'.join(['a' * 50] * 6), None),
    ('[zz::1]:5000', None), ('[fd00::1]:', None), ('[fd00::1]x', None), ('fd00::1::2', None), ('', None),
    (' reg', None), ('reg ', None), ('a b', None), (5000, None), (None, None),
])
def test_split_host_port(text, parsed):
    assert split_host_port(text) == parsed


@pytest.mark.parametrize('text', ['reg:5000', '10.100.0.5', '[fd00::1]:5000', 'fd00::1', 'reg:70000', '1.2.3.999', 'a..b'])
def test_both_callers_read_a_host_the_same_way(text):
    # k8s_node refuses a bare IPv6 address (no port, no directory name containerd looks up); otherwise the same.
    daemon_ok = check_insecure_registry(text) is None
    k8s_ok = registry_host_kind(text) == 'host'
    assert daemon_ok == (split_host_port(text) is not None)
    assert k8s_ok == (daemon_ok and split_host_port(text)[2] != 'ipv6-bare')
