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
  - Writes one file per entry of O(contents), named O(path) plus C(.) plus the entry's key (C(md), C(html)),
    on the Ansible controller. Each file is replaced in one rename, so a reader never sees half a report.
  - The work is done by the action plugin of the same name, inside the controller's Ansible process; no module
    process is started, which keeps the report step cheap on every run.
  - Used by the collection's C(report) playbook; the contents are rendered there with the template lookup.
options:
  path:
    description:
      - The report file name without its extension. Its directory must exist on the controller.
      - A relative path is taken from the directory C(ansible-playbook) runs in (the collection's C(report) playbook
        passes C(fleet-report) by default), never from the playbook's directory.
    type: path
    required: true
  contents:
    description:
      - The text of each file, keyed by the file extension (letters, digits, C(_) and C(-)).
    type: dict
    required: true
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
      - Give the task C(check_mode=false) to write the report during a check run.
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
- name: Write the fleet report
  fleetops.docker_host.fleet_report:
    path: fleet-report   # fleet-report.md and fleet-report.html where ansible-playbook runs
    contents:
      md: "{{ lookup('ansible.builtin.template', 'templates/fleet-report.md.j2') }}"
      html: "{{ lookup('ansible.builtin.template', 'templates/fleet-report.html.j2') }}"
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
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            contents=dict(type='dict', required=True),
            mode=dict(type='str', default='0644'),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg='fleetops.docker_host.fleet_report runs on the controller through its action plugin; '
                         'this module file only documents it.')


if __name__ == '__main__':
    main()
