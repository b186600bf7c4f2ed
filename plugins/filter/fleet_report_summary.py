# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's summary for ansible.builtin.set_stats (AWX/AAP show it on the job's page)."""
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible plugins do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
name: fleet_report_summary
short_description: The fleet report in brief, for set_stats
version_added: 0.2.0
author:
  - fleetops.docker_host developers (@fleetops)
description:
  - Turns the rows of P(fleetops.docker_host.fleet_report_rows#filter) and the files the
    M(fleetops.docker_host.fleet_report) task wrote into a small dict that the collection's C(report) playbook
    publishes with M(ansible.builtin.set_stats), so that AWX and Ansible Automation Platform show it among the
    job's artifacts, where the report's files on the execution node are out of reach.
options:
  _input:
    description: The report rows, as P(fleetops.docker_host.fleet_report_rows#filter) returns them.
    type: list
    elements: dict
    required: true
  files:
    description: The report files, RV(fleetops.docker_host.fleet_report#module:files).
    type: list
    elements: str
    default: []
  meta:
    description: Where the report stands, RV(fleetops.docker_host.fleet_report#module:meta); adds C(check_run),
      C(generated) and C(collection) to the summary.
    type: dict
'''

EXAMPLES = r'''
- name: Publish the report's summary on the job page (AWX/AAP)
  ansible.builtin.set_stats:
    data:
      fleetops_report: "{{ report_rows | fleetops.docker_host.fleet_report_summary(fleetops_report_written.files) }}"
    per_host: false
    aggregate: false
'''

RETURN = r'''
_value:
  description: The summary.
  type: dict
  contains:
    files:
      description: The report files on the controller.
      type: list
      elements: str
    hosts:
      description: How many hosts the report lists.
      type: int
    ok:
      description: The hosts with status C(ok).
      type: list
      elements: str
    failed:
      description: Each host that failed (or was unreachable) -> the stages that failed, C(unreachable) when none was recorded.
      type: dict
    unmet:
      description: Each host with status C(unmet) or C(would change) -> the checks unmet (C(sysctl), a Kubernetes
        prerequisite, C(swarm)).
      type: dict
    counts:
      description: How many hosts have each status.
      type: dict
    per_host:
      description: Each host -> C(status), C(os), C(kernel), C(docker) and C(sysctl), as in the report's columns.
      type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.plugin_utils._fleet_report import summary


def fleet_report_summary(rows, files=None, meta=None):
    if not isinstance(rows, list) or not all(isinstance(row, dict) and 'host' in row for row in rows):
        raise AnsibleFilterError('fleet_report_summary: expects the rows of fleet_report_rows, got %r' % (rows,))
    return summary(rows, files, meta)


class FilterModule(object):
    def filters(self):
        return {'fleet_report_summary': fleet_report_summary}
