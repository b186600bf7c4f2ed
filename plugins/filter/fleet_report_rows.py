# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's rows, one per host, from the documented role results only."""
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible plugins do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
name: fleet_report_rows
short_description: The fleet report's rows, one per host, from the roles' documented results
version_added: 0.2.0
author:
  - fleetops.docker_host developers (@fleetops)
description:
  - Builds one row per host for the fleet report of the collection's C(report) playbook. It reads only what
    the roles and stages document as their results, C(kernel_ml_result), C(k8s_sysctl_result),
    C(docker_daemon_result), C(k8s_node_result), and the site-level C(fleetops_preflight) and C(fleetops_failures), plus the facts
    C(distribution), C(distribution_version) and C(kernel), and the report's own reads
    C(fleetops_report_engine) (its C(docker_engine_info) look where the daemon stage did not run),
    C(fleetops_report_k8s) (its C(k8s_node_info) look where the k8s stage did not run) and
    C(fleetops_reached_report).
  - The C(k8s) column is C(k8s ready), the unmet prerequisites of the node's readiness verdict, or C(-) for a
    host that is not a Kubernetes node. A machine-id or product UUID shared by several nodes of the fleet (a
    cloned image) is unmet on each of them (containers share the machine's product UUID, so theirs is not compared).
  - A host that did not take a stage shows C(-) (or C(not checked)) in that stage's columns. The C(swarm) column
    (from C(swarm_result), its C(role), C(ready), C(leader)) and the C(docker_upgrade) and C(containers) columns (from
    C(docker_upgrade_result), its C(before), C(after), C(containers)) are C(-) on a host without that result.
  - 'A host''s C(status) follows from its stages by one rule, the first that applies: C(failed) (a stage failed),
    C(failed or unreachable) (the host did not come through to the report), C(unmet) (a verdict is unmet as the
    host stands: sysctl values, Kubernetes or Swarm readiness), C(would change) (a check run only: a verdict is
    unmet and the run would change the host, so the verdict is the host before that change), C(ok). So a sysctl column C(bad: ...) never sits next
    to C(ok).'
options:
  _input:
    description: The C(hostvars) of the play.
    type: dict
    required: true
  hosts:
    description: The inventory names of the hosts to report, in any order (rows are sorted by name).
    type: list
    elements: str
    required: true
  check_run:
    description:
      - The run is a check run (C(--check)); the report playbook passes C(ansible_check_mode). Decides between
        C(would change) and C(unmet) for a verdict whose stage would act.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: The rows of the fleet report
  ansible.builtin.set_fact:
    report_rows: >-
      {{ hostvars | fleetops.docker_host.fleet_report_rows(query('inventory_hostnames', 'docker_hosts'),
                                                           check_run=ansible_check_mode) }}
'''

RETURN = r'''
_value:
  description:
    - One dict per host with the keys C(host), C(status) (C(failed), C(failed or unreachable), C(unmet),
      C(would change), C(ok)), C(os),
      C(kernel_before), C(kernel_tried) (the kernel C(kernel_ml) booted once on trial, C(-) without one),
      C(kernel_after) (C(not back) when the host did not come back from the trial boot), C(docker), C(daemon_keys),
      C(daemon_action), C(sysctl), C(hello), C(k8s), C(k8s_unmet) (the unmet prerequisites as C({check, msg, fix})),
      C(swarm), C(docker_upgrade), C(containers), C(unmet) (every unmet verdict as C({stage, check, msg, fix})),
      C(verdicts) (each stage's verdict, C(met), C(unmet), C(pending) or C(none)) and C(failures) (a list of
      C({stage, msg})).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import fleet_duplicates, verdict_text
from ansible_collections.fleetops.docker_host.plugins.plugin_utils._fleet_report import (
    MET, NONE, PENDING, UNMET, host_status)

SYSCTL_FIX = 'run the sysctl stage (ansible-playbook fleetops.docker_host.site --tags sysctl)'
# The roles' results whose `changed` says the run changed (in a check run: would change) the host.
RESULTS = ('kernel_ml_result', 'k8s_sysctl_result', 'docker_result', 'docker_daemon_result', 'k8s_node_result',
           'swarm_result', 'docker_upgrade_result')


def _var(hostvars_of_host, name, default=None):
    """A variable of one host, or DEFAULT when it is not set (hostvars raise KeyError for those)."""
    try:
        value = hostvars_of_host[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def _mapping(value):
    return value if isinstance(value, dict) or hasattr(value, 'keys') else {}


def _text(value):
    return '' if value is None else str(value).strip()


def _state(met, would_act):
    """A verdict's state: met, or unmet / pending (its stage would act: counted so only in check runs)."""
    if met:
        return MET
    return PENDING if would_act else UNMET


def sysctl_verdict(result, host_would_change=False):
    """(column text, state, unmet items) from k8s_sysctl_result: 'ok', 'bad: <keys>', 'would set: <keys>'
    (a check run whose sysctl stage would set them) or 'not checked'."""
    if not result or 'ok' not in result:
        return 'not checked', NONE, []
    if result.get('ok'):
        return 'ok', MET, []
    keys = ', '.join(str(key) for key in result.get('mismatches') or [])
    state = _state(False, result.get('changed') or host_would_change)
    hints = [str(hint) for hint in result.get('hints') or []]
    unmet = [{'stage': 'sysctl', 'check': 'sysctl', 'msg': _text(result.get('msg')) or 'not as expected: ' + keys,
              'fix': ' '.join(hints) or SYSCTL_FIX}]
    return ('would set: ' if result.get('changed') else 'bad: ') + keys, state, unmet


def sysctl_column(result):
    """The sysctl column's text alone."""
    return sysctl_verdict(result)[0]


def engine_read(registered):
    """The version the report's own docker_engine_info look found, or '' when it found no engine or did not run."""
    return _text(_mapping(registered).get('engine_version'))


def k8s_look(hostvars_of_host):
    """The node's readiness and identity: from k8s_node_result, else the report's own k8s_node_info look, else {}."""
    result = _mapping(_var(hostvars_of_host, 'k8s_node_result', {}))
    if result.get('readiness'):
        return {'readiness': _mapping(result['readiness']), 'machine_id': result.get('machine_id'),
                'product_uuid': result.get('product_uuid'), 'in_container': result.get('in_container'),
                'changed': bool(result.get('changed'))}
    look = _mapping(_var(hostvars_of_host, 'fleetops_report_k8s', {}))
    if look.get('readiness'):
        return {'readiness': _mapping(look['readiness']), 'machine_id': look.get('machine_id'),
                'product_uuid': look.get('product_uuid'), 'in_container': look.get('in_container'),
                'changed': False}
    return {}


def k8s_column(look, duplicates):
    """(the k8s column's text, the unmet list) of one node; '-' and [] for a host that is not a node."""
    if not look:
        return '-', []
    verdict = dict(look['readiness'])
    unmet = list(verdict.get('unmet') or []) + list(duplicates or [])
    verdict.update(unmet=unmet, ready=bool(verdict.get('ready')) and not duplicates)
    return verdict_text(verdict), unmet


def k8s_state(look, unmet, duplicates, host_would_change=False):
    if not look:
        return NONE
    # A machine-id shared with another host is not something the run changes: unmet whatever it would do.
    return _state(not unmet, (look.get('changed') or host_would_change) and not duplicates)


def swarm_verdict(result, host_would_change=False):
    """(column text, state, unmet items) from swarm_result (role, ready, leader)."""
    if not result:
        return '-', NONE, []
    words = [_text(result.get('role')) or '?', 'ready' if result.get('ready') else 'not ready']
    if result.get('leader'):
        words.append('leader')
    state = _state(bool(result.get('ready')), result.get('changed') or host_would_change)
    unmet = [] if state == MET else [{'stage': 'swarm', 'check': 'swarm',
                                      'msg': _text(result.get('msg')) or 'the node is not ready in the swarm',
                                      'fix': _text(result.get('fix')) or 'run the swarm stage and read its message'}]
    return ', '.join(words), state, unmet


def containers_text(value):
    """docker_upgrade_result.containers: a count, a list (counted) or a dict (key=value)."""
    if value is None or value == '':
        return '-'
    if isinstance(value, (list, tuple)):
        return str(len(value))
    if isinstance(value, dict) or hasattr(value, 'keys'):
        return ', '.join('%s=%s' % (key, value[key]) for key in sorted(value))
    return _text(value)


def upgrade_columns(result):
    if not result:
        return '-', '-'
    before, after = _text(result.get('before')) or '-', _text(result.get('after')) or '-'
    return '%s -> %s' % (before, after), containers_text(result.get('containers'))


def report_row(host, hostvars_of_host, k8s_duplicates=None, check_run=False):
    """The report row of one host."""
    facts = _mapping(_var(hostvars_of_host, 'ansible_facts', {}))
    kernel = _mapping(_var(hostvars_of_host, 'kernel_ml_result', {}))
    preflight = _mapping(_var(hostvars_of_host, 'fleetops_preflight', {}))
    daemon = _mapping(_var(hostvars_of_host, 'docker_daemon_result', {}))
    sysctl = _mapping(_var(hostvars_of_host, 'k8s_sysctl_result', {}))
    failures = list(_var(hostvars_of_host, 'fleetops_failures', []) or [])
    reached = bool(_var(hostvars_of_host, 'fleetops_reached_report', False))

    release_before = _mapping(_mapping(preflight.get('preflight')).get('kernel')).get('release')
    daemon_ran = bool(daemon) and daemon.get('installed', True)
    hello = _mapping(daemon.get('hello'))
    engine = _text(daemon.get('engine_version')) or engine_read(_var(hostvars_of_host, 'fleetops_report_engine', {}))
    action = daemon.get('action')
    os_name = ('%s %s' % (facts.get('distribution', '?'), facts.get('distribution_version', ''))).strip()
    duplicates = (k8s_duplicates or {}).get(host)
    look = k8s_look(hostvars_of_host)
    k8s, k8s_unmet = k8s_column(look, duplicates)
    # In a check run the verdicts are the host before the run's changes: where any stage would change the host,
    # an unmet verdict is pending (status 'would change'), not settled.
    would_change = bool(check_run) and any(_mapping(_var(hostvars_of_host, name, {})).get('changed') for name in RESULTS)
    sysctl_text, sysctl_state, sysctl_unmet = sysctl_verdict(sysctl, would_change)
    swarm_text, swarm_state, swarm_unmet = swarm_verdict(_mapping(_var(hostvars_of_host, 'swarm_result', {})),
                                                         would_change)
    upgrade, containers = upgrade_columns(_mapping(_var(hostvars_of_host, 'docker_upgrade_result', {})))
    # docker_package_source=bundle: the offline bundle the engine was installed from (docker_result.bundle.id).
    bundle = _text(_mapping(_mapping(_var(hostvars_of_host, 'docker_result', {})).get('bundle')).get('id')) or '-'
    verdicts = {'sysctl': sysctl_state, 'k8s': k8s_state(look, k8s_unmet, duplicates, would_change),
                'swarm': swarm_state}
    unmet = sysctl_unmet + [dict(item, stage='k8s') for item in k8s_unmet] + swarm_unmet

    return {
        'host': host,
        'status': host_status(failures, reached, verdicts, check_run),
        'os': os_name,
        'kernel_before': _text(kernel.get('kernel_before')) or _text(release_before) or '?',
        'kernel_tried': _text(kernel.get('kernel_tried')) or '-',
        'kernel_after': (_text(kernel.get('kernel_after')) or ('not back' if kernel.get('status') == 'not_back' else '')
                         or _text(facts.get('kernel')) or '?'),
        'docker': engine or '-',
        'daemon_keys': (', '.join(daemon.get('changed_keys') or []) or 'none') if daemon_ran else '-',
        'daemon_action': action if action in ('reload', 'restart') else '-',
        'sysctl': sysctl_text,
        'hello': _text(hello.get('stdout')) or '-',
        'k8s': k8s,
        'k8s_unmet': k8s_unmet,
        'swarm': swarm_text,
        'docker_upgrade': upgrade,
        'containers': containers,
        'docker_bundle': bundle,
        'verdicts': verdicts,
        'unmet': unmet,
        'failures': [{'stage': _text(f.get('stage')), 'msg': _text(f.get('msg'))} for f in failures],
    }


def fleet_report_rows(hostvars, hosts, check_run=False):
    """One row per host of HOSTS (sorted by name), read from HOSTVARS."""
    if isinstance(hosts, str) or not hasattr(hosts, '__iter__'):
        raise AnsibleFilterError('fleet_report_rows: hosts must be a list of inventory host names, got %r' % (hosts,))
    per_host = {}
    for host in sorted(hosts):
        try:
            per_host[host] = hostvars[host]
        except KeyError:
            per_host[host] = {}
    identities = {}
    for host, hostvars_of_host in per_host.items():
        look = k8s_look(hostvars_of_host)
        if look:
            identities[host] = look
    duplicates = fleet_duplicates(identities)
    return [report_row(host, per_host[host], duplicates, bool(check_run)) for host in sorted(per_host)]


class FilterModule(object):
    def filters(self):
        return {'fleet_report_rows': fleet_report_rows}
