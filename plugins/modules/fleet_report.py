#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: fleet_report
short_description: Write the fleet report's files on the controller
version_added: 0.2.0
description:
  - Writes the fleet report of the rows of P(fleetops.docker_host.fleet_report_rows#filter) as Markdown and HTML
    on the Ansible controller, C(<path>.md) and C(<path>.html). Each file is replaced in one rename, so a reader
    never sees half a report.
  - A check run (O(check_run)) writes C(<path>.check.md) and C(<path>.check.html), marked as a check run in their
    title, a banner and the run line; it never replaces the report of a real run.
  - The report places itself; the time (UTC), the collection's version, ansible-core's version, the inventory
    sources, the playbook and the command line (values of extra vars whose names contain C(pass), C(secret),
    C(token), C(key) or C(credential) replaced by C(********)), check or real run.
  - 'The HTML is self-contained (no network, no CDN) and readable without JavaScript: the counts by status, the
    failed hosts first with their stage and message, what is unmet with its fix, bar charts of the Docker versions
    and kernels in use, and the host table; a small inline script adds a filter (text and status) and sorting by
    any column.'
  - The work is done by the action plugin of the same name, inside the controller's Ansible process; no module
    process is started, which keeps the report step cheap on every run. The files are rendered from the
    collection's C(playbooks/templates/fleet-report.md.j2) and C(fleet-report.html.j2).
  - Used by the collection's C(report) playbook.
options:
  path:
    description:
      - The report file name without its extension. Its directory must exist on the controller.
      - A relative path is taken from the directory C(ansible-playbook) runs in (the collection's C(report) playbook
        passes C(fleet-report) by default), never from the playbook's directory.
    type: path
    required: true
  rows:
    description:
      - The rows, as P(fleetops.docker_host.fleet_report_rows#filter) returns them.
    type: list
    elements: dict
    required: true
  check_run:
    description:
      - The report is of a check run. Defaults to C(ansible_check_mode), the run's C(--check).
    type: bool
  formats:
    description:
      - The files to write.
    type: list
    elements: str
    choices: [html, md]
    default: [html, md]
  mode:
    description:
      - The permissions of the files, as an octal string.
    type: str
    default: '0644'
extends_documentation_fragment:
  - fleetops.docker_host.common
attributes:
  action:
    description: Runs as an action plugin on the controller.
    support: full
  check_mode:
    description:
      - In check mode nothing is written and the result tells whether a file would change.
      - Give the task C(check_mode=false) to write the report of a check run (under its own name, see O(check_run)).
    support: full
  diff_mode:
    description: Shows the previous and the new text of each file.
    support: full
  platform:
    description: The controller.
notes:
  - Changes nothing on the managed hosts.
seealso:
  - module: ansible.builtin.template
'''

EXAMPLES = r'''
- name: Write the fleet report (fleet-report.md and .html where ansible-playbook runs; .check.md/.html for --check)
  fleetops.docker_host.fleet_report:
    path: fleet-report
    rows: "{{ hostvars | fleetops.docker_host.fleet_report_rows(ansible_play_hosts_all, check_run=ansible_check_mode) }}"
  check_mode: false
'''

RETURN = r'''
files:
  description: The files written (or that would be written in check mode), in the order of their extensions.
  returned: success
  type: list
  elements: str
  sample: [/srv/ansible/fleet-report.html, /srv/ansible/fleet-report.md]
msg:
  description: Where the report is; shown in the run's output without C(-v), as a debug message is.
  returned: success
  type: str
  sample: "Fleet report: /srv/ansible/fleet-report.html and /srv/ansible/fleet-report.md"
meta:
  description: Where the report stands.
  returned: success
  type: dict
  contains:
    check_run:
      description: The report is of a check run.
      type: bool
    run:
      description: C(real run) or a sentence saying it is a check run.
      type: str
    generated:
      description: When, in UTC.
      type: str
      sample: "2026-12-06 21:50:02 UTC"
    collection:
      description: The collection and its version.
      type: str
      sample: fleetops.docker_host 0.2.0
    ansible_core:
      description: ansible-core's version.
      type: str
    inventory:
      description: The inventory sources.
      type: list
      elements: str
    playbook:
      description: The playbook(s) named on the command line.
      type: str
    command:
      description: The command line, secrets in extra vars replaced.
      type: str
    limit:
      description: The C(--limit), empty without one.
      type: str
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            rows=dict(type='list', elements='dict', required=True),
            check_run=dict(type='bool'),
            formats=dict(type='list', elements='str', choices=['html', 'md'], default=['html', 'md']),
            mode=dict(type='str', default='0644'),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg='fleetops.docker_host.fleet_report runs on the controller through its action plugin; '
                         'this module file only documents it.')


if __name__ == '__main__':
    main()
