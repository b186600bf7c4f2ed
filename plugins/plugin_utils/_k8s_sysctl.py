# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of the k8s_sysctl role, private to the collection (called by the action plugin k8s_sysctl_plan).

k8s_sysctl_plan: the input problems and what to do on this host, from the role's variables and a
  container_preflight_info result (the caller's when it covers the role, else the role's own look).
k8s_sysctl_unchanged: whether sysctl_apply has nothing to do, from the look's sysctl state and the texts it would
  write; then its no-change return, so the role leaves the module start out.
k8s_sysctl_result: the role's one result, from sysctl_apply's return (or sysctl_info's verdict) and the plan.
k8s_sysctl_outcome: what the role says (notes) and the one failure message, if any, of a run.

Runs on the controller; no I/O, so the unit tests call the functions directly.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import hashlib
import json
import re
from collections.abc import Mapping

from ansible_collections.fleetops.docker_host.plugins.module_utils._sysctl import (
    SYSCTL_CONF,
    SYSCTL_DIRS,
    SysctlError,
    canonical_key,
    judge,
    normalise_expected,
    validate_sysctl_file,
)

# The commands the role needs on the host; container_preflight looks for them (its `commands` option).
COMMANDS = ('sysctl', 'modprobe')
BOOT_DIRS = tuple('/' + directory for directory in SYSCTL_DIRS)
# The keys a container may set: those of its own network namespace.
NAMESPACED_KEY = re.compile(r'^/?net[./]')
# What the role accepts as a sysctl key: names of letters, digits and _:@+- separated by "." or "/".
KEY_RE = re.compile(r'^/?[A-Za-z0-9_][A-Za-z0-9_:@+-]*([./][A-Za-z0-9_][A-Za-z0-9_:@+-]*)+$')
MODULE_RE = re.compile(r'^[A-Za-z0-9_-]+$')
NO_KEY_VERDICT = {
    'ok': True, 'results': {}, 'mismatches': [], 'hints': [],
    'msg': 'sysctl_info: no key applies on this host (container with a read-only /proc/sys or only global keys)',
}


def _json(value):
    return json.dumps(value, default=str, ensure_ascii=False)


def _is_list(value):
    return isinstance(value, (list, tuple))


def _one_line(text):
    return ' '.join(text.split())


def _value_text(value):
    """The value as sysctl prints it: booleans as 1/0, whitespace runs as one space."""
    if isinstance(value, bool):
        return '1' if value else '0'
    return ' '.join(str(value).split())


def _bad_entries(settings):
    """(bad entry descriptions, {key: value text} of the good ones)."""
    bad, values, seen = [], {}, {}
    for key, value in settings.items():
        if not isinstance(key, str) or not KEY_RE.match(key):
            bad.append('%s (malformed key)' % _json(key))
            continue
        if value is None or isinstance(value, Mapping) or not isinstance(value, (str, int, float)):
            bad.append('%s: %s (not a scalar)' % (_json(key), _json(value)))
            continue
        if isinstance(value, str) and (not value.strip() or '\n' in value.strip() or '\r' in value.strip()):
            bad.append('%s: %s (empty or more than one line)' % (_json(key), _json(value)))
            continue
        try:
            name = canonical_key(key)
        except SysctlError:
            bad.append('%s (malformed key)' % _json(key))
            continue
        if name in seen:
            bad.append('%s (the same key as %s)' % (_json(key), _json(seen[name])))
            continue
        seen[name] = key
        values[key] = _value_text(value)
    return bad, values


def input_problems(settings, modules, sysctl_file, modules_file, boot_dirs=BOOT_DIRS):
    """(problems, values): one sentence per kind of bad input, each naming the variable and the fix."""
    boot_dirs = list(boot_dirs)
    file_re = re.compile(r'^(%s)/[^/]+\.conf$' % '|'.join(re.escape(d) for d in boot_dirs))
    shape_ok = (isinstance(settings, Mapping) and len(settings) > 0 and _is_list(modules)
                and isinstance(sysctl_file, str) and bool(file_re.match(sysctl_file))
                and isinstance(modules_file, str) and bool(re.match(r'^/\S+\.conf$', modules_file)))
    problems = []
    if not shape_ok:
        problems.append(
            'k8s_sysctl_settings must be a non-empty dict (got %s), k8s_sysctl_modules a list (got %s), '
            'k8s_sysctl_file a *.conf file in one of %s (got %s; sysctl --system reads no other file), and '
            'k8s_sysctl_modules_file an absolute *.conf path (got %s). Fix the variable.'
            % (_json(settings), _json(modules), ', '.join(boot_dirs), sysctl_file, modules_file))
    bad, values = _bad_entries(settings) if isinstance(settings, Mapping) else ([], {})
    if bad:
        problems.append(
            'k8s_sysctl_settings has bad entries: %s. Keys are sysctl names without spaces, separated by "." or "/" '
            '(net.ipv4.ip_forward); values are one non-empty scalar on one line (1, "32768 60999"), not a list or a '
            'dict. Fix k8s_sysctl_settings.' % '; '.join(bad))
    names = list(modules) if _is_list(modules) else []
    bad_modules = [name for name in names if not isinstance(name, str)]
    bad_modules += [name for name in names if isinstance(name, str) and not MODULE_RE.match(name)]
    if bad_modules:
        problems.append('k8s_sysctl_modules has bad module names %s; give kernel module names such as br_netfilter. '
                        'Fix k8s_sysctl_modules.' % ', '.join(_json(name) for name in bad_modules))
    return [_one_line(problem) for problem in problems], values


def preflight_covers(preflight, modules, commands=COMMANDS):
    """Whether a container_preflight result looked at every module and command the role needs."""
    if not isinstance(preflight, Mapping):
        return False
    report = preflight.get('preflight')
    found = preflight.get('commands')
    if not isinstance(report, Mapping) or not isinstance(report.get('modules'), Mapping) or not isinstance(found, Mapping):
        return False
    return all(name in report['modules'] for name in modules) and all(name in found for name in commands)


def chosen_look(preflight, probe, modules):
    """The look the plan reads: the caller's container_preflight_info result when it covers the role, else the
    role's own (PROBE), else {}."""
    if preflight_covers(preflight, modules):
        return preflight
    return probe if isinstance(probe, Mapping) else {}


def k8s_sysctl_plan(settings, modules=(), sysctl_file='', modules_file='', *, boot_dirs=BOOT_DIRS, preflight=None,
                    probe=None, install_tools=True):
    """What the role does on this host: problems (one sentence per kind of bad input, naming the variable and the
    fix), values (key -> value text), modules (the valid module names, for the look), preflight_given,
    look (the role must look itself), tools_missing,
    modules_to_load, modules_absent, load_modules (none in a container), in_container, container_evidence,
    proc_sys_writable, applicable (the keys this host can hold), skipped_keys, apply (system or keys),
    module_states, kernel_release, sysctl_file, check_keys (what the read-only entry point checks)."""
    problems, values = input_problems(settings, modules, sysctl_file, modules_file, boot_dirs)
    modules = [name for name in modules if isinstance(name, str)] if _is_list(modules) else []
    covers = preflight_covers(preflight, modules)
    chosen = chosen_look(preflight, probe, modules)
    report = chosen.get('preflight') if isinstance(chosen.get('preflight'), Mapping) else {}
    states = dict(report.get('modules') or {})
    container = report.get('container') or {}
    in_container = bool(container.get('is_container'))
    writable = bool(report.get('proc_sys_writable'))
    commands = chosen.get('commands') if isinstance(chosen.get('commands'), Mapping) else {}
    to_load = [name for name in modules if states.get(name) not in ('loaded', 'builtin')]
    if not in_container:
        applicable = dict(values)
    elif writable:
        applicable = dict((key, value) for key, value in values.items() if NAMESPACED_KEY.match(key))
    else:
        applicable = {}
    return {
        'problems': problems,
        'values': values,
        'modules': modules,
        'preflight_given': covers,
        'look': not covers,
        'tools_missing': sorted(name for name in COMMANDS if name in commands and commands[name] is None)
        if install_tools else [],
        'modules_to_load': to_load,
        'modules_absent': [] if in_container else [name for name in to_load if states.get(name) == 'absent'],
        'load_modules': [] if in_container else to_load,
        'in_container': in_container,
        'container_evidence': list(container.get('evidence') or []),
        'proc_sys_writable': writable,
        'applicable': applicable,
        # What the read-only entry point checks: what this host can hold, or every key without a look to tell.
        'check_keys': applicable if covers else dict(values),
        'skipped_keys': sorted(set(values) - set(applicable)),
        'apply': 'keys' if in_container else 'system',
        'module_states': states,
        'kernel_release': (report.get('kernel') or {}).get('release', ''),
        'sysctl_file': sysctl_file,
        'modules_file': modules_file,
    }


def _file_differs(path, text, files):
    """Why sysctl_apply would write or fix PATH (its text, mode 0644, owner and group root), or ''."""
    found = files.get(path)
    if not isinstance(found, Mapping):
        return '%s is not a regular file on the host' % path
    data = text.encode('utf-8')
    if found.get('sha1') != hashlib.sha1(data).hexdigest() or found.get('size') != len(data):
        return '%s differs from the text to write' % path
    if found.get('mode') != '0644' or found.get('uid') != 0 or found.get('gid') != 0:
        return '%s has mode %s, owner %s:%s, not 0644 root:root' % (
            path, found.get('mode'), found.get('uid'), found.get('gid'))
    return ''


def _unchanged_verdict(expected, state):
    """(why sysctl_apply would apply something or not end right, or '', the verdict it would return)."""
    try:
        wanted = normalise_expected(dict(expected))
    except SysctlError as exc:
        return 'sysctl_apply refuses the keys: %s' % exc, None
    if not wanted:
        return '', None
    keys = state.get('by_key') if isinstance(state.get('by_key'), Mapping) else {}
    unread = sorted(key for key in wanted if not isinstance(keys.get(key), Mapping))
    if unread:
        return 'no boot file sets %s' % ', '.join(unread), None
    try:
        verdict = judge(wanted, dict((key, (keys[key].get('runtime'), keys[key].get('error'))) for key in wanted),
                        dict((key, list(keys[key].get('writes') or [])) for key in wanted),
                        set(state.get('unlinked_keys') or []))
    except (SysctlError, TypeError, IndexError) as exc:
        return 'the look cannot be judged: %s' % exc, None
    if not verdict['ok'] or verdict['hints'] or any(item['status'] != 'ok' for item in verdict['results'].values()):
        return verdict['msg'] if not verdict['ok'] else 'a key needs a hint: ' + ' '.join(verdict['hints']), None
    return '', verdict


def k8s_sysctl_unchanged(plan, look, sysctl_content, modules_content=None):
    """{run_apply, run_apply_reason, unchanged}: whether the role must start sysctl_apply, why, and else the return a
    no-change sysctl_apply run gives (what k8s_sysctl_result and k8s_sysctl_outcome read).

    LOOK is the container_preflight_info result the plan read; its `sysctl` (`sysctl: true`) tells the files and
    keys. sysctl_apply is left out only when every check it makes holds: no tool to install, no module to load, the
    sysctl file (and the modules file, MODULES_CONTENT given) with exactly the text to write, mode 0644, root:root,
    no warning about the file, and every key of plan.applicable right live and at boot (no later file overriding it,
    not only in an unlinked /etc/sysctl.conf, readable); with no key to apply (a read-only /proc/sys), the files."""
    def run(reason):
        return {'run_apply': True, 'run_apply_reason': reason, 'unchanged': {}}

    state = look.get('sysctl') if isinstance(look, Mapping) else None
    if plan.get('problems'):
        return run('bad input')
    if not isinstance(state, Mapping) or not isinstance(state.get('files'), Mapping):
        return run('the look did not read the sysctl files (container_preflight_info sysctl: true)')
    if plan['tools_missing'] or plan['load_modules']:
        return run('to install %s, to load %s' % (plan['tools_missing'], plan['load_modules']))
    path = plan['sysctl_file']
    if path == '/' + SYSCTL_CONF:
        return run('sysctl_apply reads whether %s is linked for the boot' % path)
    try:
        warnings = validate_sysctl_file(path, sysctl_content)
    except SysctlError as exc:
        return run(str(exc))
    if warnings:
        return run(' '.join(warnings))
    texts = [(path, sysctl_content)]
    if modules_content is not None:
        texts.append((plan['modules_file'], modules_content))
    for file_path, text in texts:
        reason = _file_differs(file_path, text, state['files'])
        if reason:
            return run(reason)
    reason, verdict = _unchanged_verdict(plan['applicable'], state)
    if reason:
        return run(reason)
    return {'run_apply': False, 'run_apply_reason': '', 'unchanged': {
        'changed': False, 'files': [], 'modules_loaded': [], 'modules_failed': {}, 'before': [], 'applied': 'none',
        'applied_keys': [], 'written_unverified': [], 'check': verdict}}


def _verdict(applied):
    check = applied.get('check')
    return check if isinstance(check, Mapping) else NO_KEY_VERDICT


def k8s_sysctl_result(applied, plan):
    """The role's result (k8s_sysctl_result, documented in the role's argument_specs) from sysctl_apply's return
    (or {'check': sysctl_info's verdict, 'changed': False} for the read-only entry point) and the plan."""
    verdict = _verdict(applied)
    return {
        'ok': bool(verdict.get('ok')),
        'msg': verdict.get('msg', ''),
        'mismatches': list(verdict.get('mismatches') or []),
        'hints': list(verdict.get('hints') or []),
        'results': dict(verdict.get('results') or {}),
        'before': list(applied.get('before') or []),
        'applied': applied.get('applied', 'none'),
        'applied_keys': list(applied.get('applied_keys') or []),
        'modules_loaded': list(applied.get('modules_loaded') or []),
        'modules_failed': dict(applied.get('modules_failed') or {}),
        'skipped_keys': list(plan['skipped_keys']),
        'in_container': bool(plan['in_container']),
        'changed': bool(applied.get('changed')),
    }


def _plural(names, one, many):
    return many if len(names) > 1 else one


def k8s_sysctl_outcome(applied, plan, host='', check_mode=False):
    """{notes: [...], failure: '' or the message}: modules a container cannot load, sysctl --system's errors, what
    check mode would do; the failure names the host, the modules or keys and the fix."""
    verdict = _verdict(applied)
    changed = bool(applied.get('changed'))
    failed_modules = sorted(applied.get('modules_failed') or {})
    notes = []
    if plan['in_container']:
        for name in plan['modules_to_load']:
            notes.append('%s: kernel module %s is %s on the host kernel and a container cannot load it; load it on '
                         'the machine that runs this container.' % (host, name, plan['module_states'].get(name, 'absent')))
    system_rc = applied.get('system_rc') or 0
    if system_rc != 0:
        notes.append('%s: sysctl --system exited %s: %s' % (host, system_rc, applied.get('system_stderr', '')))
    if not verdict['ok'] and check_mode and changed:
        if applied.get('applied') == 'system':
            action = 'run sysctl --system'
        elif applied.get('applied') == 'keys':
            action = 'set ' + ', '.join(applied.get('applied_keys') or [])
        else:
            action = 'apply nothing'
        notes.append('%s: would %s; before the pending changes: %s' % (host, action, verdict['msg']))

    failure = ''
    absent = plan['modules_absent']
    if check_mode and absent:
        failure = ('%s: kernel %s %s %s neither built into kernel %s, loaded, nor found by modinfo or in modules.dep. '
                   'Install the modules package of the running kernel, or remove them from k8s_sysctl_modules.'
                   % (host, _plural(absent, 'module', 'modules'), ', '.join(absent), _plural(absent, 'is', 'are'),
                      plan['kernel_release']))
    elif failed_modules:
        said = '; '.join(_json(applied['modules_failed'][name]) for name in failed_modules)
        failure = ('%s: kernel %s %s %s neither built into kernel %s (no /sys/module/<name>, not in modules.builtin) '
                   'nor loadable: modprobe said %s. Install the modules package of the running kernel, or remove the '
                   'module from k8s_sysctl_modules.'
                   % (host, _plural(failed_modules, 'module', 'modules'), ', '.join(failed_modules),
                      _plural(failed_modules, 'is', 'are'), plan['kernel_release'], said))
    elif not verdict['ok'] and not (check_mode and changed):
        failure = '%s: %s. %s' % (host, verdict['msg'], ' '.join(verdict.get('hints') or []))

    # In a container the role says what it cannot do when the run changed something, left a key or module
    # out, or has something else to say; not on every rerun of a host that is right.
    if plan['in_container'] and (changed or plan['skipped_keys'] or plan['modules_to_load'] or notes or failure):
        skipped = plan['skipped_keys']
        notes.insert(0, _one_line(
            '%s is a container (%s): kernel modules are not loaded from here (states on the host kernel: %s; built-in '
            'and loaded modules count); %s; %s. %s is still written.' % (
                host, ', '.join(plan['container_evidence']),
                ', '.join('%s=%s' % item for item in sorted(plan['module_states'].items())),
                ('skipped keys, global to the machine or not writable here: ' + ', '.join(skipped)) if skipped
                else 'no key skipped',
                'net.* keys are set one by one in the network namespace of the container, never with sysctl --system '
                '(it would also write the global keys of the distribution files)' if plan['proc_sys_writable']
                else '/proc/sys is read-only here, so no key is applied',
                plan['sysctl_file'])))
    return {'notes': notes, 'failure': failure.strip()}
