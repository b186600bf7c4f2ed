# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A registry's host[:port], read once for the collection: daemon.json's insecure-registries
(_daemon_json.check_insecure_registry) and k8s_node_registries (the k8s_node filters) use this one reading.
Runs on Python 3.6+ (modules) and on the controller (filters).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import ipaddress
import re

# One DNS label: letters, digits, inner hyphens (no leading or trailing hyphen), at most 63 characters.
HOST_LABEL = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')
BRACKETED = re.compile(r'^\[([0-9A-Fa-f:.]+)\](?::([^:]*))?$')


def _ipv6(text):
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _ipv4(text):
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def split_host_port(text):
    """(host, port, form) of TEXT read as host[:port], or None when it is not one.

    form: 'name' (a DNS name of valid labels, at most 253 characters, whose last label is not all digits: 1.2.3.999
    is a mistyped address, not a name), 'ipv4', 'ipv6' ([address] with an optional :port) or 'ipv6-bare' (an IPv6
    address without brackets, hence without a port). port: the digits of 1-65535, or None.
    """
    if not isinstance(text, str) or not text or text != text.strip():
        return None
    match = BRACKETED.match(text)
    if match:
        host, port, form = match.group(1), match.group(2), 'ipv6'
        if not _ipv6(host):
            return None
    elif text.count(':') > 1:
        return (text, None, 'ipv6-bare') if _ipv6(text) else None
    else:
        host, _sep, port = text.partition(':')
        port = port if _sep else None
        if _ipv4(host):
            form = 'ipv4'
        else:
            labels = host.split('.')
            if len(host) > 253 or not all(HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
                return None
            form = 'name'
    if port is not None and not (port.isdigit() and 0 < int(port) <= 65535):
        return None
    return host, port, form
