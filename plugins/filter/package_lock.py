# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private, undocumented: the package-lock filters of the package steps not yet moved to fleetops.docker_host.packages
(kernel_ml, k8s_node, k8s_sysctl). Removed when the last of them uses the packages action; the logic lives in
plugins/action/packages.py."""

from __future__ import annotations

from ansible_collections.fleetops.docker_host.plugins.action.packages import (
    package_lock_holder, package_lock_message, yum_command)


class FilterModule:
    def filters(self):
        return {'package_lock_holder': package_lock_holder, 'package_lock_message': package_lock_message,
                'yum_command': yum_command}
