# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it


class ModuleDocFragment(object):
    # The attributes of the collection's read-only looks (the probes): they change nothing on the host.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Read-only, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
'''
