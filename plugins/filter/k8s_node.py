# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""k8s_node_docker_settings, the one filter of the k8s_node role that users call (documented in
k8s_node_docker_settings.yml): the daemon.json keys (insecure-registries, registry-mirrors) of k8s_node_registries, for
docker_daemon_settings, so one inventory variable feeds both engines and daemon.json keeps one owner. The role's own
decisions are private (plugins/module_utils/_k8s_node.py, returned by k8s_node_info)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import DOCKER_HUB, registry_problems


def k8s_node_docker_settings(registries):
    """{'insecure-registries': [...], 'registry-mirrors': [...]} of REGISTRIES (keys only when not empty)."""
    if registry_problems(registries):
        return {}
    insecure = [entry['host'] for entry in registries if entry.get('insecure')]
    mirrors = []
    for entry in registries:
        if entry['host'] == DOCKER_HUB:
            mirrors += [url for url in entry.get('mirrors') or [] if url not in mirrors]
    settings = {}
    if insecure:
        settings['insecure-registries'] = insecure
    if mirrors:
        settings['registry-mirrors'] = mirrors
    return settings


class FilterModule(object):
    def filters(self):
        return {'k8s_node_docker_settings': k8s_node_docker_settings}
