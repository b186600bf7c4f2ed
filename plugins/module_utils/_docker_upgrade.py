# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.docker_upgrade_info: what dpkg and apt-cache (Debian family), rpm,
the versionlock list and dnf/yum (EL family) and the engine say, and the decisions of an engine upgrade made from
them (the jump, the plan, the refusal, the proof after).

Docker's live restore keeps containers running across a dockerd restart for patch releases of one YY.MM line
only; a bigger jump stops them. So the jump is classified on the engine package's upstream version
(5:26.1.5-1~ubuntu.24.04~noble or 3:26.1.5-1.el9 -> 26.1.5, line 26.1). Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import json
import re
from functools import cmp_to_key

from ansible_collections.fleetops.docker_host.plugins.module_utils._packages import el_compare, spec_text

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}

# dpkg-query's format read by parse_dpkg_status: the selection (hold) and state are in ${Status}.
DPKG_FORMAT = '${Package}|${Version}|${Status}\n'

_DIGITS = re.compile(r'(\d+)')

# The package managers the upgrade moves packages with (through fleetops.docker_host.packages); dnf5's versionlock
# is not read there.
MANAGERS = ('apt', 'dnf', 'yum')
# dnf/yum list NAMES: "docker-ce.x86_64   3:26.1.5-1.el9   docker-ce-stable" (installed ones from "@repo").
_EL_LIST_RE = re.compile(r'^(\S+)\.([A-Za-z0-9_]+)\s+((?:\d+:)?[^\s-]+-\S+)\s+(\S+)\s*$')

# Held after every path, a rollback included, where installed: an unattended containerd.io upgrade can stop dockerd
# (docker/for-linux#1155).
ALWAYS_HELD = ('containerd.io',)


# ---- Debian versions -------------------------------------------------------------------------------------

def _order(char):
    if char == '~':
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a, b):
    """dpkg's verrevcmp: alternating non-digit and digit runs; '~' sorts before everything, even the end."""
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            bc = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ac != bc:
                return -1 if ac < bc else 1
            i += 1
            j += 1
        while i < len(a) and a[i] == '0':
            i += 1
        while j < len(b) and b[j] == '0':
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return -1 if first_diff < 0 else 1
    return 0


def _split(version):
    epoch, _sep, rest = version.rpartition(':') if ':' in version else ('0', '', version)
    upstream, _sep, revision = rest.rpartition('-') if '-' in rest else (rest, '', '')
    return int(epoch or 0), upstream, revision


def compare_versions(a, b, manager='apt'):
    """-1, 0 or 1 as dpkg --compare-versions orders two Debian versions (rpm's order for dnf and yum)."""
    if manager != 'apt':
        return el_compare(a, b)
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


def upstream(version):
    """'5:26.1.5-1~ubuntu.24.04~noble' -> '26.1.5'; '26.1.5-1.el9' -> '26.1.5'."""
    return _split(version or '')[1]


def engine_line(version):
    """The YY.MM line of an engine version: '5:26.1.5-1~ubuntu.24.04~noble' -> '26.1' ('' when not numeric)."""
    numbers = _DIGITS.findall(upstream(version))
    return '.'.join(numbers[:2]) if len(numbers) >= 2 else ''


def classify(current, target, manager='apt'):
    """The jump from the installed engine version to the target one.

    none: the same version; patch: newer within one YY.MM line (live restore keeps containers);
    line: newer, another YY.MM line (containers stop); downgrade: older.
    """
    order = compare_versions(target, current, manager)
    if order == 0:
        return 'none'
    if order < 0:
        return 'downgrade'
    return 'patch' if engine_line(current) and engine_line(current) == engine_line(target) else 'line'


def resolve(wanted, offered, manager='apt'):
    """The offered version that `wanted` names: the exact string, else the newest that starts with it
    (with or without the epoch: '26.1.5', '5:26.1.5', '3:26.1.5-1.el9'). None when the repository offers none."""
    if not wanted:
        return None
    if wanted in offered:
        return wanted
    matching = [v for v in offered if v.startswith(wanted) or v.split(':', 1)[-1].startswith(wanted)]
    # '26.1.1' must not match '26.1.10': the next character after the prefix may not be a digit.
    matching = [v for v in matching if not _continues_number(v, wanted)]
    if not matching:
        return None
    best = matching[0]
    for version in matching[1:]:
        if compare_versions(version, best, manager) > 0:
            best = version
    return best


def _continues_number(version, prefix):
    rest = version[len(prefix):] if version.startswith(prefix) else version.split(':', 1)[-1][len(prefix):]
    return bool(rest) and rest[0].isdigit() and prefix[-1].isdigit()


# ---- Parsers -------------------------------------------------------------------------------------------------

def parse_dpkg_status(text):
    """dpkg-query -W -f DPKG_FORMAT -> {name: {'version', 'held'}} for installed packages only."""
    found = {}
    for line in (text or '').splitlines():
        fields = line.split('|')
        if len(fields) != 3:
            continue
        name, version, status = fields
        words = status.split()
        if len(words) == 3 and words[2] in ('installed', 'half-configured', 'unpacked', 'half-installed'):
            found[name] = {'version': version, 'held': words[0] == 'hold', 'state': words[2]}
    return found


def parse_rpm_status(text, locked):
    """rpm -q --qf RPM_FORMAT (_packages) -> {name: {'version', 'held', 'state'}}; held: a versionlock entry names
    it (locked: the names in the versionlock list). The version as dnf shows it: an epoch 0 is dropped."""
    found = {}
    for line in (text or '').splitlines():
        fields = line.strip().split('|')
        if len(fields) != 2 or not fields[0] or not fields[1]:
            continue
        version = fields[1][2:] if fields[1].startswith('0:') else fields[1]
        # Two versions of one name (a transaction cut off): the newest is the one the upgrade starts from.
        if fields[0] in found and el_compare(found[fields[0]]['version'], version) > 0:
            continue
        found[fields[0]] = {'version': version, 'held': fields[0] in locked, 'state': 'installed'}
    return found


def parse_el_list(text):
    """dnf/yum list --showduplicates NAMES -> {name: [version, ...]} offered by the repositories, newest first,
    each version once; the installed section ("@repo") is not an offer. A name too long for its column puts the
    rest of its entry on the next line; that is read too."""
    offered = {}
    lines = (text or '').splitlines()
    for i, line in enumerate(lines):
        wrapped = len(line.split()) == 1 and i + 1 < len(lines) and line[:1] not in (' ', '') and lines[i + 1][:1] == ' '
        match = _EL_LIST_RE.match(line + ' ' + lines[i + 1] if wrapped else line)
        if not match or match.group(4).startswith('@'):
            continue
        versions = offered.setdefault(match.group(1), [])
        if match.group(3) not in versions:
            versions.append(match.group(3))
    return dict((name, sorted(versions, key=cmp_to_key(el_compare), reverse=True)) for name, versions in offered.items())


def parse_madison(text):
    """apt-cache madison -> {name: [version, ...]} in apt's order (newest first), each version once."""
    offered = {}
    for line in (text or '').splitlines():
        fields = [field.strip() for field in line.split('|')]
        if len(fields) < 3 or not fields[0] or not fields[1]:
            continue
        versions = offered.setdefault(fields[0], [])
        if fields[1] not in versions:
            versions.append(fields[1])
    return offered


def parse_info(text):
    """`docker info --format '{{json .}}'` -> what the upgrade reads (engine up, live restore, Swarm)."""
    try:
        info = json.loads(text or '')
    except ValueError:
        return {'answers': False, 'live_restore': False, 'version': '', 'swarm': _swarm({})}
    if not isinstance(info, dict):
        info = {}
    return {
        'answers': bool(info.get('ServerVersion')),
        'live_restore': bool(info.get('LiveRestoreEnabled')),
        'version': info.get('ServerVersion') or '',
        'swarm': _swarm(info.get('Swarm') or {}),
    }


def _swarm(swarm):
    state = swarm.get('LocalNodeState') or 'inactive'
    return {
        'member': state in ('active', 'pending', 'locked'),
        'state': state,
        'node_id': swarm.get('NodeID') or '',
        'manager': bool(swarm.get('ControlAvailable')),
    }


def parse_containers(text):
    """`docker inspect` of the running containers -> [{id, name, pid, started_at, restart_policy, running}]."""
    try:
        items = json.loads(text or '[]')
    except ValueError:
        return []
    containers = []
    for item in items if isinstance(items, list) else []:
        state = item.get('State') or {}
        host = item.get('HostConfig') or {}
        containers.append({
            'id': item.get('Id', ''),
            'name': (item.get('Name') or '').lstrip('/'),
            'pid': state.get('Pid', 0),
            'started_at': state.get('StartedAt', ''),
            'running': bool(state.get('Running')),
            'restart_policy': (host.get('RestartPolicy') or {}).get('Name') or 'no',
        })
    return sorted(containers, key=lambda c: c['name'])


# ---- Decisions ------------------------------------------------------------------------------------------------

def hold_file_text(text, current, target):
    """The docker role's apt preferences hold (`Pin: version <v>*`) moved from current to target.

    None when there is no file or it does not pin the current version (then it is not ours to move)."""
    if not text or not current:
        return None
    old = 'Pin: version %s*' % current
    new = 'Pin: version %s*' % target
    lines = text.splitlines()
    if old not in lines:
        return None
    return '\n'.join(new if line == old else line for line in lines) + '\n'


def _offered_text(offered):
    return ', '.join(offered) if offered else 'none (is the repository configured, and apt\'s lists fresh?)'


def _specs(versions, names):
    """[{name, version}] for fleetops.docker_host.packages: each (name, version), then each other name without one."""
    specs = [{'name': name, 'version': version} for name, version in versions]
    return specs + [{'name': name, 'version': ''} for name in names if name not in dict(versions)]


def decide(look, settings):
    """The plan of an engine upgrade from one look and the role's settings (see docker_upgrade_info's RETURN).

    settings: version, packages (take the engine version), companions ({name: version}), allow_container_restart,
    allow_downgrade, hold, live_restore, installed_only (plan nothing, refuse nothing, unless the engine package is
    installed at another version than asked and the repository offers it). Every refusal is in `problems`, before
    any package moves.
    """
    installed = look.get('packages') or {}
    offered = look.get('offered') or {}
    engine = settings.get('packages') or []
    companions = settings.get('companions') or {}
    problems = []
    targets = {}
    manager = look.get('manager') or ''
    if manager not in MANAGERS:
        problems.append('docker_upgrade moves packages with apt, dnf or yum, and this host has %s; upgrade it with '
                        'the fleetops.docker_host.docker role and docker_version'
                        % (manager or 'neither dpkg-query nor rpm'))
    wanted = settings.get('version') or ''
    main = engine[0] if engine else ''

    if not main or main not in installed:
        problems.append('%s is not installed, so there is no engine to upgrade; install it first '
                        '(fleetops.docker_host.docker)' % (main or 'docker_upgrade_packages[0]'))
    if not wanted:
        problems.append('docker_upgrade_version is empty; set it to one of the versions the repository offers: %s'
                        % _offered_text(offered.get(main, [])))
    for name in engine:
        if wanted:
            target = resolve(wanted, offered.get(name, []), manager)
            if target is None:
                problems.append('docker_upgrade_version "%s": the repository offers no %s of that version; it '
                                'offers %s' % (wanted, name, _offered_text(offered.get(name, []))))
            else:
                targets[name] = target
    for name, version in sorted(companions.items()):
        target = resolve(str(version), offered.get(name, []), manager)
        if target is None:
            problems.append('docker_upgrade_companion_versions["%s"] "%s": the repository offers %s'
                            % (name, version, _offered_text(offered.get(name, []))))
        else:
            targets[name] = target

    current = (installed.get(main) or {}).get('version', '')
    if settings.get('installed_only') and (main not in installed or main not in targets or
                                           resolve(wanted, [current], manager) is not None):
        # The site playbook's upgrade stage: no engine yet, no version asked, the version installed already (as the
        # docker role's pin reads it), or one the repository lacks (local package files) - the docker role's job.
        problems, targets = [], {}
    target = targets.get(main, '')
    jump = classify(current, target, manager) if current and target else 'none'
    containers = [c for c in look.get('containers') or [] if c.get('running')]
    names = [c['name'] for c in containers]
    live_restore = bool((look.get('engine') or {}).get('live_restore'))
    # Within one line (a patch release, or back to an earlier one) live restore keeps the containers.
    within_line = jump in ('patch', 'downgrade') and bool(engine_line(current)) and \
        engine_line(current) == engine_line(target)
    keeps = within_line and (live_restore or settings.get('live_restore', True))
    would_stop = [] if keeps or jump == 'none' else names

    if jump == 'downgrade' and not settings.get('allow_downgrade'):
        problems.append('docker_upgrade_version "%s" is a downgrade of %s (installed %s, asked %s); set '
                        'docker_upgrade_allow_downgrade: true to go back, or name a newer version: %s'
                        % (wanted, main, current, target, _offered_text(
                            [v for v in offered.get(main, []) if compare_versions(v, current, manager) > 0])))
    if would_stop and not settings.get('allow_container_restart'):
        problems.append('%s %s -> %s leaves the %s line (%s -> %s), which live restore does not cover: it would '
                        'stop the running containers %s; plan their restart and set '
                        'docker_upgrade_allow_container_restart: true, or pick a patch release of %s'
                        % (main, current, target, engine_line(current) or '?', engine_line(current) or '?',
                           engine_line(target) or '?', ', '.join(would_stop), engine_line(current) or '?'))

    packages = []
    for name in engine + sorted(n for n in companions if n not in engine):
        before = installed.get(name) or {}
        packages.append({
            'name': name,
            'from': before.get('version', ''),
            'to': targets.get(name, before.get('version', '')),
            'held_before': bool(before.get('held')),
        })
    # Every engine package installed (containerd.io too) is held after, when hold is on (docker/for-linux#1155).
    hold_names = sorted(n for n in settings.get('hold_packages') or [] if n in installed)
    for package in packages:
        if package['name'] in installed and package['name'] not in hold_names:
            hold_names.append(package['name'])
    held_before = sorted(n for n, p in installed.items() if p.get('held'))
    moving = [p for p in packages if p['to'] and p['from'] != p['to']]
    hold_after = sorted(hold_names) if settings.get('hold', True) else held_before
    # After a rollback: the holds the host had, and containerd.io held whatever path was taken.
    rollback_hold = sorted(set(held_before) | set(n for n in ALWAYS_HELD if n in installed and settings.get('hold', True)))
    plan = {
        'problems': problems,
        'jump': jump,
        'from': current,
        'to': target or current,
        'line_from': engine_line(current),
        'line_to': engine_line(target or current),
        'packages': packages,
        'moves': not problems and bool(moving),
        'specs': [spec_text(manager, p['name'], p['to']) for p in moving],
        'rollback_specs': [spec_text(manager, p['name'], p['from']) for p in moving if p['from']],
        'hold': hold_after,
        'held_before': held_before,
        # The package step's arguments: the moving packages at their versions, the held ones named (no move).
        'package_specs': _specs([(p['name'], p['to']) for p in moving], hold_after),
        'rollback_packages': _specs([(p['name'], p['from']) for p in moving if p['from']], rollback_hold),
        'rollback_hold': rollback_hold,
        'rollback_unhold': sorted(set(hold_after) - set(rollback_hold)),
        'enable_live_restore': within_line and not live_restore and bool(settings.get('live_restore', True)),
        'containers_stop': would_stop,
        'containers_keep': [] if would_stop else names,
        'swarm': (look.get('engine') or {}).get('swarm') or _swarm({}),
        'hold_file': hold_file_text(look.get('hold_file_text'), current, target) if target else None,
        'summary': ['%s %s -> %s' % (p['name'], p['from'] or '(none)', p['to']) for p in moving],
    }
    plan['drain'] = plan['moves'] and plan['swarm']['member']
    return plan


def prove(before, after, plan, hello=None, expect='to'):
    """What the upgrade did to the engine and the containers, judged from the look before and after.

    hello: {'rc', 'stdout', 'stderr', 'cmd'} of the hello container (None when it was not run).
    expect: 'to' after the upgrade, 'from' after a rollback (the versions and holds the host had).
    Returns {'ok', 'problems', 'kept', 'restarted', 'lost', 'versions'}; `kept` are the containers with the
    same PID and StartedAt, `restarted` those running again with another, `lost` those no longer running.
    """
    problems = []
    engine = after.get('engine') or {}
    if not engine.get('answers'):
        problems.append('dockerd does not answer after the upgrade (`docker info` failed: %s)'
                        % (after.get('engine_error') or 'no reply').strip())
    if hello is not None and not (hello.get('rc') == 0 and (hello.get('stdout') or '').strip() == 'hello'):
        problems.append('the hello container (`%s`) exited %s and printed %s (stderr: %s), not hello'
                        % (' '.join(hello.get('cmd') or []), hello.get('rc'), json.dumps(hello.get('stdout', '')),
                           (hello.get('stderr') or '').strip()))
    now = dict((c['id'], c) for c in after.get('containers') or [] if c.get('running'))
    kept, restarted, lost = [], [], []
    for container in before.get('containers') or []:
        if not container.get('running'):
            continue
        same = now.get(container['id'])
        if same is None:
            lost.append(container['name'])
        elif same['pid'] == container['pid'] and same['started_at'] == container['started_at']:
            kept.append(container['name'])
        else:
            restarted.append(container['name'])
    if lost:
        problems.append('containers that ran before no longer run: %s' % ', '.join(lost))
    if restarted and not plan.get('containers_stop'):
        problems.append('live restore should have kept these containers, but they were restarted (other PID or StartedAt): '
                        '%s' % ', '.join(restarted))
    installed = after.get('packages') or {}
    wrong = ['%s is %s, not %s' % (p['name'], (installed.get(p['name']) or {}).get('version', '(not installed)'),
                                   p[expect])
             for p in plan.get('packages') or []
             if p[expect] and (installed.get(p['name']) or {}).get('version') != p[expect]]
    problems.extend(wrong)
    holds = plan.get('hold') if expect == 'to' else plan.get('rollback_hold', plan.get('held_before'))
    unheld = [n for n in holds or [] if not (installed.get(n) or {}).get('held')]
    if unheld:
        problems.append('not held: %s' % ', '.join(unheld))
    return {'ok': not problems, 'problems': problems, 'kept': kept, 'restarted': restarted, 'lost': lost}


def result(plan, before, after=None, proof=None, *, check_mode=False, rolled_back=False, msg=''):
    """docker_upgrade_result: the one result of the role (README, "Results")."""
    versions_before = dict((p['name'], p['from']) for p in plan.get('packages') or [])
    if after is None:
        planned = check_mode and plan.get('moves')
        versions_after = dict((p['name'], p['to'] if planned else p['from']) for p in plan.get('packages') or [])
    else:
        installed = after.get('packages') or {}
        versions_after = dict((p['name'], (installed.get(p['name']) or {}).get('version', ''))
                              for p in plan.get('packages') or [])
    running = [c['name'] for c in before.get('containers') or [] if c.get('running')]
    proof = proof or {}
    return {
        'changed': versions_before != versions_after and not check_mode,
        'check_mode': bool(check_mode),
        'jump': plan.get('jump', 'none'),
        'before': versions_before,
        'after': versions_after,
        'engine_before': plan.get('from', ''),
        'engine_after': versions_after.get((plan.get('packages') or [{}])[0].get('name'), ''),
        'containers': {
            'running_before': running,
            'kept': proof.get('kept', running if after is None and not check_mode else []),
            'restarted': proof.get('restarted', []),
            'lost': proof.get('lost', []),
            'would_stop': plan.get('containers_stop', []) if check_mode else [],
        },
        'held': plan.get('hold', []),
        'rolled_back': rolled_back,
        'msg': msg,
    }
