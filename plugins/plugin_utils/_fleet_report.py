# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's decisions, on the controller: a host's status from its stages' verdicts (one rule), the
report's shape (counts, failures first, what is unmet with its fix, versions in use, the columns present), the
run's place (time, version, inventory, command line, check or real) and the rendering of its files.
Private to the collection (fleet_report_rows, fleet_report_summary and the fleet_report action use it)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import datetime
import json
import os
import re
import shlex

import jinja2  # ansible-core's own dependency

# The statuses, worst first. A host's status is the first of these that applies (host_status):
#   failed                 a stage failed on the host (its message is in the report);
#   failed or unreachable  the host did not come through to the report (unreachable, or failed outside a stage);
#   unmet                  every stage it took passed, but a verdict says a requirement is unmet as the host stands
#                          (sysctl values, Kubernetes readiness, Swarm readiness): the host is not what the run
#                          promises, and the report's "What is unmet, and the fix" lists why;
#   would change           check runs only: a verdict is unmet, and the run would change the host (the verdicts
#                          are the host before those changes);
#   ok                     every verdict it has is met.
STATUSES = ('failed', 'failed or unreachable', 'unmet', 'would change', 'ok')

# A verdict's state: met, unmet, pending (unmet now, its stage would act: check runs), or none (no verdict).
MET, UNMET, PENDING, NONE = 'met', 'unmet', 'pending', 'none'

# The optional columns: shown when at least one host has a value (the stage that feeds it ran somewhere).
OPTIONAL_COLUMNS = (('k8s', 'K8s'), ('swarm', 'Swarm'), ('docker_upgrade', 'Docker before -> after'),
                    ('containers', 'Containers'), ('docker_bundle', 'Bundle'))
BASE_COLUMNS = (('host', 'Host'), ('status', 'Status'), ('os', 'OS'), ('kernel_before', 'Kernel before'),
                ('kernel_tried', 'Kernel tried'), ('kernel_after', 'Kernel after'), ('docker', 'Docker'),
                ('daemon_keys', 'daemon.json keys changed'), ('daemon_action', 'Action'))
TAIL_COLUMNS = (('sysctl', 'Sysctl'), ('hello', 'Hello'))

CHART_BARS = 8
_SECRET_RE = re.compile(r'(pass|secret|token|key|credential)', re.I)


def host_status(failures, reached, verdicts, check_run=False):
    """The one rule from a host's stages to its status (see STATUSES). VERDICTS: {stage: MET/UNMET/PENDING/NONE}.
    PENDING counts as UNMET in a real run: there the stages have acted, and what is unmet stays unmet."""
    if failures:
        return 'failed'
    if not reached:
        return 'failed or unreachable'
    states = set(verdicts.values())
    if UNMET in states or (PENDING in states and not check_run):
        return 'unmet'
    if PENDING in states:
        return 'would change'
    return 'ok'


def status_counts(rows):
    """[(status, count)] in STATUSES order, the statuses no host has left out (ok always kept)."""
    counts = dict((status, 0) for status in STATUSES)
    for row in rows:
        counts[row.get('status', 'failed or unreachable')] = counts.get(row.get('status'), 0) + 1
    return [(status, n) for status, n in counts.items() if n or status == 'ok']


def histogram(values, bars=CHART_BARS):
    """[(value, count, percent)] most common first (ties by value); beyond BARS one 'other (N values)' bar."""
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    total = sum(counts.values()) or 1
    if len(ranked) > bars:
        rest = ranked[bars - 1:]
        ranked = ranked[:bars - 1] + [('other (%d values)' % len(rest), sum(n for _value, n in rest))]
    return [(value, n, round(100.0 * n / total, 1)) for value, n in ranked]


def redact_argv(argv):
    """The command line as one shell-quoted string, the values of extra vars that look like secrets replaced."""
    words = []
    for word in argv:
        shown = word
        if '=' in word and _SECRET_RE.search(word.split('=', 1)[0]):
            shown = word.split('=', 1)[0] + '=********'
        elif word.lstrip().startswith('{') and _SECRET_RE.search(word):
            shown = '{...}'  # a JSON extra-vars argument naming a secret: left out whole
        words.append(shlex.quote(shown))
    return ' '.join(words)


def collection_version(root):
    """The collection's version from MANIFEST.json (an installed collection) or galaxy.yml (a checkout)."""
    try:
        with open(os.path.join(root, 'MANIFEST.json')) as handle:
            return str(json.load(handle)['collection_info']['version'])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(root, 'galaxy.yml')) as handle:
            for line in handle:
                match = re.match(r'^version:\s*["\']?([^"\'\s#]+)', line)
                if match:
                    return match.group(1)
    except OSError:
        pass
    return 'unknown'


def run_meta(check_run, argv, *, playbooks, inventory_sources, ansible_version, version, now=None, limit=None):
    """Where the report stands: the run it belongs to."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    sources = inventory_sources if isinstance(inventory_sources, (list, tuple)) else [inventory_sources]
    return {
        'check_run': bool(check_run),
        'run': 'check run (--check): nothing was changed; values are what the run would do' if check_run
               else 'real run',
        'generated': now.strftime('%Y-%m-%d %H:%M:%S UTC'),
        'collection': 'fleetops.docker_host %s' % version,
        'ansible_core': str(ansible_version or 'unknown'),
        'inventory': [str(source) for source in sources if source],
        'playbook': ', '.join(str(playbook) for playbook in playbooks or []) or '?',
        'command': redact_argv(argv),
        'limit': str(limit) if limit else '',
    }


def report_paths(path, formats, check_run):
    """The files of a report: PATH.<fmt>, or PATH.check.<fmt> for a check run (never a real run's files)."""
    base = path + '.check' if check_run else path
    return ['%s.%s' % (base, fmt) for fmt in sorted(formats)]


def natural_key(text):
    """host-2 before host-10: digits compare as numbers."""
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'(\d+)', str(text)) if part]


def build_report(rows, meta):
    """Everything the templates show, decided here. The hosts come worst status first, then by name (natural order),
    so that at 1,000 hosts the table, too, opens on the hosts that need a look."""
    rank = dict((status, index) for index, status in enumerate(STATUSES))
    rows = sorted(rows, key=lambda row: (rank.get(row['status'], 0), natural_key(row['host'])))
    failed = [row for row in rows if row['status'] in ('failed', 'failed or unreachable')]
    unmet = [dict(item, host=row['host']) for row in rows for item in row.get('unmet') or []]
    columns = list(BASE_COLUMNS)
    columns += [column for column in OPTIONAL_COLUMNS if any(row.get(column[0], '-') not in ('-', '') for row in rows)]
    columns += list(TAIL_COLUMNS)
    ok = sum(1 for row in rows if row['status'] == 'ok')
    counts = status_counts(rows)
    headline = '%d host%s, %d ok' % (len(rows), '' if len(rows) == 1 else 's', ok)
    headline += ''.join(', %d %s' % (n, status) for status, n in counts if status != 'ok') + '.'
    return {
        'meta': meta,
        'title': 'Fleet report' + (' (check run)' if meta.get('check_run') else ''),
        'headline': headline,
        'counts': counts,
        'rows': rows,
        'failed': failed,
        'unmet': unmet,
        'columns': columns,
        'charts': [('Docker version', histogram(row['docker'] if row['docker'] != '-' else 'none' for row in rows)),
                   ('Kernel', histogram(row['kernel_after'] for row in rows))],
    }


def summary(rows, files=None, meta=None):
    """The report in brief, for set_stats (AWX/AAP job artifacts)."""
    ok, failed, unmet, per_host = [], {}, {}, {}
    for row in rows:
        host = row['host']
        status = row.get('status')
        if status == 'ok':
            ok.append(host)
        elif status in ('failed', 'failed or unreachable'):
            failed[host] = [failure.get('stage') for failure in row.get('failures') or []] or ['unreachable']
        else:
            unmet[host] = [item.get('check') for item in row.get('unmet') or []]
        per_host[host] = {'status': status, 'os': row.get('os'), 'kernel': row.get('kernel_after'),
                          'docker': row.get('docker'), 'sysctl': row.get('sysctl')}
    result = {'files': list(files or []), 'hosts': len(rows), 'ok': ok, 'failed': failed, 'unmet': unmet,
              'counts': dict(status_counts(rows)), 'per_host': per_host}
    if meta:
        result.update(check_run=bool(meta.get('check_run')), generated=meta.get('generated'),
                      collection=meta.get('collection'))
    return result


def _md_cell(value):
    return str(value).replace('\\', '\\\\').replace('|', '\\|').replace('\r', ' ').replace('\n', ' ')


def render(report, fmt, templates_dir):
    """The text of one report file, from playbooks/templates/fleet-report.<fmt>.j2 (jinja2, ansible-core's own)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir), autoescape=(fmt == 'html'),
                                     trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters['md_cell'] = _md_cell
    return environment.get_template('fleet-report.%s.j2' % fmt).render(report=report)
