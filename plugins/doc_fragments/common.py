# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it


class ModuleDocFragment(object):
    # What every module of the collection shares: its authors, and the platform attribute (POSIX hosts,
    # fully supported). A module names its platform's particulars in its own attributes.platform.description,
    # which takes precedence over the one here.
    DOCUMENTATION = r'''
author:
  - fleetops.docker_host developers (@fleetops)
options: {}
attributes:
  platform:
    description: Linux hosts.
    support: full
    platforms: posix
'''
