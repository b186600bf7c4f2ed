# -*- coding: utf-8 -*-
"""The k8s_node role's one public filter: daemon.json's registry keys from k8s_node_registries."""

from ansible_collections.fleetops.docker_host.plugins.filter.k8s_node import FilterModule, k8s_node_docker_settings

CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'


def test_docker_settings_from_the_same_list():
    registries = [{'host': '10.100.0.0/24', 'insecure': True}, {'host': 'plain:5000', 'insecure': True},
                  {'host': 'docker.io', 'mirrors': ['https://mirror.example']}, {'host': 'reg', 'ca': CA}]
    assert k8s_node_docker_settings(registries) == {'insecure-registries': ['10.100.0.0/24', 'plain:5000'],
                                                    'registry-mirrors': ['https://mirror.example']}
    assert k8s_node_docker_settings([]) == {}
    assert k8s_node_docker_settings([{'host': 'https://x'}]) == {}


def test_the_only_filter_is_the_one_users_call():
    assert list(FilterModule().filters()) == ['k8s_node_docker_settings']
