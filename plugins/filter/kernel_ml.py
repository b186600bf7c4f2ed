# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the kernel_ml role: its input problems, the hosts it cannot serve, and its plan from the
kernel_boot_info look (controller side, Python 3.11+). Documented in the sidecar kernel_ml_*.yml files."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

_URL = re.compile(r'^(https?|ftp|file)://')
_UBUNTU_LTS = re.compile(r'^\d*[02468]\.04$')


def _check_problems(host, checks):
    """Sentences for kernel_ml_checks entries that are not {unit: NAME} or {command: [ARGV...]} (plus an optional name)."""
    if checks is None:
        return []
    if not isinstance(checks, list):
        return ['%s: kernel_ml_checks is %r; write a list such as [{unit: docker.service}, {command: [docker, info]}].'
                % (host, checks)]
    problems = []
    for index, check in enumerate(checks):
        keys = set(check) if isinstance(check, dict) else set()
        kinds = keys & {'unit', 'command'}
        good = isinstance(check, dict) and len(kinds) == 1 and not keys - {'unit', 'command', 'name'}
        if good and 'unit' in kinds:
            good = isinstance(check['unit'], str) and bool(check['unit'].strip())
        if good and 'command' in kinds:
            command = check['command']
            good = isinstance(command, list) and bool(command) and all(isinstance(w, (str, int)) for w in command)
        if not good:
            problems.append('%s: kernel_ml_checks[%d] is %r; write {unit: NAME} (the unit must be active) or '
                            '{command: [ARGV, ...]} (an argv list that must exit 0), with an optional name.'
                            % (host, index, check))
    return problems


def _count(settings, name, minimum):
    try:
        value = settings.get(name, minimum)
        return isinstance(value, (int, str)) and not isinstance(value, bool) and int(value) >= minimum
    except (TypeError, ValueError):
        return False


def kernel_ml_problems(settings, host='this host'):
    """One sentence per input the argument spec cannot check: naming host, variable, value and the fix."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError('kernel_ml_problems expects a dict of the role variables, got %s' % type(settings).__name__)
    problems = []
    timeout = settings.get('kernel_ml_reboot_timeout')
    try:
        positive = int(timeout) > 0
    except (TypeError, ValueError):
        positive = False
    if not positive:
        problems.append('%s: kernel_ml_reboot_timeout is %r; write a positive number of seconds, e.g. 900.' % (host, timeout))
    repo_url = settings.get('kernel_ml_repo_url') or ''
    if repo_url and not _URL.match(str(repo_url)):
        problems.append('%s: kernel_ml_repo_url is %r; leave it empty or write an http(s)://, ftp:// or file:// URL '
                        'of an elrepo-kernel mirror.' % (host, repo_url))
    elrepo_url = str(settings.get('kernel_ml_elrepo_url') or '')
    if not elrepo_url.startswith('https://'):
        problems.append('%s: kernel_ml_elrepo_url is %r; ELRepo keys are fetched over https only: write an https:// URL '
                        '(default https://www.elrepo.org).' % (host, elrepo_url))
    backports_uri = str(settings.get('kernel_ml_backports_uri') or '')
    if not _URL.match(backports_uri):
        problems.append('%s: kernel_ml_backports_uri is %r; write the URL of a Debian archive, e.g. '
                        'http://deb.debian.org/debian.' % (host, backports_uri))
    if not _count(settings, 'kernel_ml_panic_timeout', 0):
        problems.append('%s: kernel_ml_panic_timeout is %r; write the seconds a panicking trial kernel waits before it '
                        'reboots into the previous default (e.g. 10), or 0 to leave panic= off the command line.'
                        % (host, settings.get('kernel_ml_panic_timeout')))
    if not _count(settings, 'kernel_ml_keep', 1):
        problems.append('%s: kernel_ml_keep is %r; write how many older kernels stay installed, at least 1 (the '
                        'fallback a failed trial boot returns to).' % (host, settings.get('kernel_ml_keep')))
    problems.extend(_check_problems(host, settings.get('kernel_ml_checks')))
    return problems


def kernel_ml_host_problems(facts, host='this host', el_releases=None, debian_arch=None, flavor='', el_packages=None):  # noqa: PLR0917 - a filter's keyword arguments
    """Why this (non-container) host has no kernel line the role knows; [] when it has one.

    On the EL family a release row may list the flavors ELRepo ships for it (`flavors`, e.g. only ml on EL 10):
    another flavor is refused here, before anything is installed.
    """
    family = facts.get('os_family', '')
    distribution = facts.get('distribution', '')
    version = str(facts.get('distribution_version', ''))
    where = '%s: %s %s (os_family %s)' % (host, distribution, version, family)
    if family == 'RedHat':
        major = str(facts.get('distribution_major_version', ''))
        known = sorted(el_releases or {}, key=lambda m: int(m) if m.isdigit() else 0)
        if major not in (el_releases or {}):
            return ['%s: ELRepo has no release package for EL %s in kernel_ml (known: %s); remove the host from the '
                    'kernel_ml hosts.' % (where, major, ', '.join(known))]
        flavors = (el_releases or {})[major].get('flavors') if isinstance((el_releases or {})[major], dict) else None
        if flavor and flavors is not None and flavor not in flavors:
            names = el_packages or {}
            shipped = ', '.join('%s (kernel_ml_flavor: %s)' % (names.get(f, f), f) for f in flavors) or 'no kernel'
            return ['%s: ELRepo does not ship %s for EL %s yet (it ships %s there), so kernel_ml installs nothing on this '
                    'host; set kernel_ml_flavor to one it ships, or leave the host out until ELRepo publishes %s for EL %s.'
                    % (where, names.get(flavor, 'kernel-' + flavor), major, shipped, names.get(flavor, 'kernel-' + flavor), major)]
        return []
    if family == 'Debian':
        if distribution == 'Debian':
            arch = facts.get('architecture', '')
            if arch not in (debian_arch or {}):
                return ['%s: no Debian kernel metapackage for architecture %s in kernel_ml (known: %s).'
                        % (where, arch, ', '.join(sorted(debian_arch or {})))]
            return []
        if distribution == 'Ubuntu':
            if not _UBUNTU_LTS.match(version):
                return ['%s: HWE kernels exist only for Ubuntu LTS releases (like 24.04); this is not one.' % where]
            return []
        return ['%s: kernel_ml knows the newer kernel lines of Debian (backports) and Ubuntu LTS (HWE) only; remove the '
                'host from the kernel_ml hosts.' % where]
    return ['%s: kernel_ml supports the EL family (7-10) and Debian/Ubuntu; remove the host from the kernel_ml hosts.' % where]


def _cmd(commands, key, default):
    return (commands or {}).get(key) or default


def _grub_loader_commands(look, decision, panic):
    """(trial, commit) argv lists for the boot loader: keep the running kernel the default, boot the wanted one
    once, and after the proof make it the default. grubby (EL) names kernels by path; GRUB's own tools
    (both families) name entries by selector; grub2-reboot on EL takes the BLS entry id."""
    boot = look['boot']
    commands = boot.get('commands') or {}
    wanted = decision['wanted']
    trial, commit = [], []
    if boot.get('manager') == 'grubby':
        grubby = _cmd(commands, 'grubby', 'grubby')
        if not decision['fallback_ok']:
            # Installing an EL kernel makes it the default (UPDATEDEFAULT=yes): put the kernel that booted back.
            trial.append([grubby, '--set-default', decision['fallback_entry']])
        if panic:
            trial.append([grubby, '--update-kernel', '/boot/vmlinuz-' + wanted, '--args', 'panic=%d' % panic])
        trial.append([_cmd(commands, 'reboot_once', 'grub2-reboot'), decision['once_entry']])
        commit.append([grubby, '--set-default', decision['boot_entry']])
    else:
        set_default = _cmd(commands, 'set_default', 'grub-set-default')
        if not decision['fallback_ok']:
            # update-grub lists the newest kernel first: with GRUB_DEFAULT=saved and no saved entry it would boot it.
            trial.append([set_default, decision['fallback_entry']])
        trial.append([_cmd(commands, 'reboot_once', 'grub-reboot'), decision['once_entry']])
        commit.append([set_default, decision['boot_entry']])
    if decision['clear_next_entry']:
        env_path = ((boot.get('grub') or {}).get('env_path')) or '/boot/grub/grubenv'
        commit.append([_cmd(commands, 'editenv', 'grub-editenv'), env_path, 'unset', 'next_entry'])
    return trial, commit


def _plan_problem(host, look, *, package, decision, action, wanted, check_mode):
    if check_mode:
        return ''
    boot = look['boot']
    if not wanted:
        chain = ' -> '.join(look.get('package', {}).get('chain', [])) or package or '?'
        return ('%s: the kernel package %s is not installed after the install step, or leads to no kernel image '
                '(followed: %s), so there is no kernel version to boot; see the install task\'s output above.'
                % (host, package or '?', chain))
    if not decision['image_present']:
        return ('%s: %s leads to kernel %s but /boot/vmlinuz-%s is missing; reinstall the package (apt install '
                '--reinstall / dnf reinstall).' % (host, package or 'the package', wanted, wanted))
    image_default = action == 'image' and bool(boot.get('manager')) and not decision['default_ok']
    sets_default = action in ('trial', 'arm', 'commit') or image_default
    if sets_default and not decision['boot_entry']:
        return ('%s: no boot menu entry boots %s (%s default: %s); run update-grub (grub2-mkconfig) and check '
                'GRUB_DEFAULT in /etc/default/grub and /etc/default/grub.d.'
                % (host, wanted, boot.get('manager') or 'boot loader', boot.get('default_image') or 'unknown'))
    if action in ('trial', 'arm') and not decision['once_entry']:
        return ('%s: GRUB\'s menu has no entry for %s that grub-reboot (grub2-reboot) could boot once, so it cannot be '
                'tried without making it the default; run update-grub (grub2-mkconfig -o /boot/grub2/grub.cfg) and '
                'check /boot/loader/entries.' % (host, wanted))
    if action in ('trial', 'arm') and not decision['fallback_ok'] and not decision['fallback_entry']:
        return ('%s: no boot menu entry boots the running kernel %s, so a failed boot of %s would have nothing to fall '
                'back to; run update-grub (grub2-mkconfig) and check that /boot/vmlinuz-%s is listed.'
                % (host, decision['fallback'], wanted, decision['fallback']))
    return ''


def kernel_ml_line(facts, flavor='', el_releases=None, el_packages=None, debian_arch=None):
    """The kernel line this system follows, from the role's data tables: {package, apt_release, el}.

    Debian: linux-image-<Debian arch> from <codename>-backports; Ubuntu: the HWE metapackage of its release from its
    own archive; EL: the flavor's ELRepo package and the release row of its major version ({} when unknown, which
    kernel_ml_host_problems refuses). Another system gets empty names (refused there too).
    """
    if not isinstance(facts, dict):
        raise AnsibleFilterError('kernel_ml_line expects ansible_facts (a dict), got %s' % type(facts).__name__)
    family = facts.get('os_family', '')
    distribution = facts.get('distribution', '')
    if family == 'RedHat':
        row = (el_releases or {}).get(str(facts.get('distribution_major_version', '')))
        return {'package': (el_packages or {}).get(flavor, ''), 'apt_release': '', 'el': row if isinstance(row, dict) else {}}
    if distribution == 'Ubuntu':
        return {'package': 'linux-generic-hwe-%s' % facts.get('distribution_version', ''), 'apt_release': '', 'el': {}}
    if family == 'Debian':
        arch = facts.get('architecture', '')
        return {'package': 'linux-image-%s' % (debian_arch or {}).get(arch, arch),
                'apt_release': '%s-backports' % facts.get('distribution_release', ''), 'el': {}}
    return {'package': '', 'apt_release': '', 'el': {}}


def _plan_message(host, look, *, decision, action, wanted, package, check_mode, panic, checks, trial):
    running = look['kernel']['running']
    would = 'would ' if check_mode else ''
    proof = 'uname -r' + (' and %d check%s' % (checks, '' if checks == 1 else 's') if checks else '')
    if action == 'install':
        return ('%s runs %s; would install %s and boot the kernel it brings once (known only after the install); '
                '%s stays the default until that kernel proves itself.' % (host, running, package or 'the kernel', running))
    if not wanted:
        return '%s runs %s; would install %s and boot it once.' % (host, running, package or 'the kernel')
    if action == 'none':
        return '%s runs and defaults to %s: nothing to do.' % (host, wanted)
    if action == 'image':
        message = ('%s: kernel %s %s installed in this container (an image build: kernel_ml_in_container); the container '
                   'runs its host\'s kernel %s and never reboots. ' % (host, wanted, 'would be' if check_mode else 'is', running))
        if not look['boot'].get('manager'):
            return message + ('No boot loader tool here (neither grubby nor GRUB\'s files): the default boot entry is '
                              'left to the machine the image boots on.')
        if decision['default_ok']:
            return message + 'The default boot entry already boots it: %s.' % decision['boot_entry']
        return message + '%s the default boot entry: %s.' % ('Would make it' if check_mode else 'Makes it', decision['boot_entry'])
    if action == 'commit':
        return ('%s runs %s, the default entry boots %s: %smake %s the default once %s pass%s.'
                % (host, wanted, look['boot'].get('default_kernel') or 'another kernel', would, decision['boot_entry'],
                   proof, 'es' if not checks else ''))
    once = ' '.join(trial[-1]) if trial else '?'
    tail = ('%s stays the default entry%s; %s becomes the default only after the host came back on it and %s '
            'passed%s.' % (running, '' if decision['fallback_ok'] else ' (set again first: %s)' % decision['fallback_entry'],
                           wanted, proof, '; panic=%d on the trial command line reboots a panicking kernel into %s'
                           % (panic, running) if panic else ''))
    if action == 'trial':
        return '%s runs %s; %sboot %s once (%s) and reboot. %s' % (host, running, would, wanted, once, tail[0].upper() + tail[1:])
    if action == 'pending':
        return ('%s: %s boots once at the next reboot (armed: %s), %s stays the default (kernel_ml_reboot is false); '
                'rerun the role after the reboot to make it the default.' % (host, wanted, once, running))
    return ('%s: %s%s boot %s once at the next reboot (%s); %s stays the default until a run after that reboot finds the '
            'host on %s (kernel_ml_reboot is false).' % (host, would, 'arm' if check_mode else 'armed:', wanted, once, running, wanted))


def _failed_packages(package, wanted):
    """The packages of kernel `wanted` that kernel_ml_remove_failed removes: apt, the versioned image package the
    metapackage led to (apt removes the metapackage with it); rpm, NAME-VERSION-RELEASE.ARCH with its -core and
    -modules subpackages (EL8+ kernel-ml/kernel-lt)."""
    if not wanted:
        return []
    name = package.get('name') or ''
    if package.get('manager') == 'apt':
        chain = package.get('chain') or []
        return [chain[-1]] if len(chain) > 1 and chain[-1].startswith('linux-image-') else []
    if package.get('manager') == 'rpm' and name:
        return ['%s-%s' % (name, wanted), '%s-core-%s' % (name, wanted), '%s-modules-%s' % (name, wanted)]
    return []


def kernel_ml_plan(look, host='this host', package='', install_changed=False, check_mode=False, reboot=True,  # noqa: PLR0917 - a filter's keyword arguments
                   panic=10, checks=0, container=False):
    """The role's plan from a kernel_boot_info result (after the install step).

    action: 'none' (the host runs and defaults to wanted), 'commit' (it runs wanted, the default is another kernel:
    prove, then make it the default), 'trial' (boot wanted once with the running kernel as the default, reboot,
    prove, commit), 'arm' (kernel_ml_reboot false: arm the one-shot boot only), 'pending' (armed already, waiting
    for a reboot), 'install' (check mode, the kernel is known only after the install) or 'image' (container: an
    image build with kernel_ml_in_container; it never reboots, there is no trial boot to prove, and the default
    entry is set directly where the image has a boot loader tool, grubby or GRUB's files; else it is left to the
    machine the image boots on).
    Returns {wanted, fallback, action, grub_dropin, trial_commands, commit_commands, boot_entry, once_entry,
    reboot, reboot_needed, reboot_pending, problem, message}.
    """
    try:
        decision = look['decision']
        running = look['kernel']['running']
        boot = look['boot']
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError('kernel_ml_plan expects a fleetops.docker_host.kernel_boot_info result (missing %s)' % exc) from exc
    panic = int(panic or 0)
    unknown = bool(check_mode and install_changed)
    wanted = '' if unknown else decision['wanted']
    if unknown or not wanted:
        action = 'install' if unknown or check_mode else 'none'
    elif container:
        action = 'image'
    elif running == wanted:
        action = 'none' if decision['default_ok'] else 'commit'
    elif reboot:
        action = 'trial'
    elif decision.get('once_armed') and decision.get('fallback_ok'):
        action = 'pending'
    else:
        action = 'arm'
    trial, commit = ([], [])
    if wanted and action != 'none':
        trial, commit = _grub_loader_commands(look, decision, panic)
    problem = _plan_problem(host, look, package=package, decision=decision, action=action, wanted=wanted,
                            check_mode=check_mode)
    rebooting = action == 'trial' and not check_mode
    reboot_needed = bool(wanted) and running != wanted
    image_default = action == 'image' and bool(boot.get('manager')) and not decision['default_ok']
    if action == 'image':
        commit = commit if image_default else []
    return {
        'failed_packages': _failed_packages(look.get('package') or {}, wanted),
        'wanted': wanted,
        'fallback': running,
        'action': action,
        'grub_dropin': action in ('trial', 'arm') and boot.get('manager') == 'grub-set-default',
        'trial_commands': trial if action in ('trial', 'arm') else [],
        'commit_commands': commit if action in ('trial', 'commit', 'image') else [],
        'boot_entry': decision['boot_entry'],
        'once_entry': decision.get('once_entry', ''),
        'reboot_needed': reboot_needed,
        'reboot': rebooting,
        'reboot_pending': reboot_needed and not rebooting,
        'problem': problem,
        'message': _plan_message(host, look, decision=decision, action=action, wanted=wanted, package=package,
                                 check_mode=check_mode, panic=panic, checks=checks, trial=trial),
    }


def _failed_checks(checks):
    failed = []
    for run in checks or []:
        if not isinstance(run, dict) or run.get('skipped'):
            continue
        if run.get('rc', 1) != 0:
            item = run.get('item') or {}
            name = item.get('name') or ('unit %s active' % item['unit'] if 'unit' in item else ' '.join(str(w) for w in item.get('command', [])))
            failed.append('%s (rc %s)' % (name, run.get('rc')))
    return failed


def kernel_ml_outcome(plan, host='this host', kernel_now='', reboot_error='', checks=None, timeout=0,  # noqa: PLR0917 - a filter's keyword arguments
                      remove_failed=False, editenv='grub-editenv'):
    """What the trial boot (or the proof of a kernel the host already runs) came to.

    Returns {status, commit, kernel_tried, kernel_after, remove_failed, problem, message}: status 'committed' (the
    host runs wanted and every check passed: make it the default), 'not_back' (no answer within the timeout),
    'fell_back' (it came back on another kernel), 'checks_failed' (it runs wanted, a check failed). problem is ''
    only for 'committed'; the default entry is left as it is in every other case.
    """
    wanted = plan.get('wanted', '')
    fallback = plan.get('fallback', '')
    tried = wanted if plan.get('action') == 'trial' else ''
    where = ('Look at the host\'s console (serial, BMC or hypervisor) for that boot, and at `%s list`: next_entry '
             'must be empty after a boot (GRUB clears it as it boots the one-shot entry %s).' % (editenv, plan.get('once_entry') or '?'))
    kept = ('%s was removed (kernel_ml_remove_failed).' % wanted if remove_failed
            else '%s stays installed, not the default (kernel_ml_remove_failed: false).' % wanted)
    if reboot_error:
        problem = ('%s: booted kernel %s once and the host did not come back within %s s (%s); it runs an unknown kernel. '
                   'The default entry still boots %s: if %s hangs, reset the host and it boots %s. %s'
                   % (host, wanted, timeout, reboot_error.strip(), fallback, wanted, fallback, where))
        return {'status': 'not_back', 'commit': False, 'kernel_tried': tried, 'kernel_after': '', 'remove_failed': False,
                'problem': problem, 'message': problem}
    if kernel_now != wanted:
        problem = ('%s: booted kernel %s once and the host came back on %s: %s did not boot (a panic, a root file system '
                   'it could not mount) and the boot loader fell back to the default entry, which still boots %s. %s %s'
                   % (host, wanted, kernel_now or 'an unknown kernel', wanted, fallback, kept, where))
        return {'status': 'fell_back', 'commit': False, 'kernel_tried': tried, 'kernel_after': kernel_now,
                'remove_failed': bool(remove_failed), 'problem': problem, 'message': problem}
    failed = _failed_checks(checks)
    if failed:
        problem = ('%s: runs kernel %s, but its checks failed: %s. %s is not made the default: the default entry still '
                   'boots %s, so a reboot returns the host to it; fix the failing service and run the role again.'
                   % (host, wanted, '; '.join(failed), wanted, fallback or 'the previous kernel'))
        return {'status': 'checks_failed', 'commit': False, 'kernel_tried': tried, 'kernel_after': kernel_now,
                'remove_failed': False, 'problem': problem, 'message': problem}
    passed = len([c for c in checks or [] if isinstance(c, dict) and not c.get('skipped')])
    message = ('%s: came back on %s%s and passed uname -r%s: making it the default entry.'
               % (host, wanted, ' after booting it once' if tried else '', ' and %d check%s' % (passed, '' if passed == 1 else 's') if passed else ''))
    return {'status': 'committed', 'commit': True, 'kernel_tried': tried, 'kernel_after': kernel_now,
            'remove_failed': False, 'problem': '', 'message': message}


def _last_panic(args):
    """The value of the last panic= on a kernel command line (the kernel takes the last), '' without one."""
    values = [word[len('panic='):] for word in (args or '').split() if word.startswith('panic=')]
    return values[-1] if values else ''


def kernel_ml_armed(look, plan, host='this host', panic=10):
    """Why the boot loader is not ready for the trial boot, from the look taken after the trial commands: the next
    boot must start the wanted kernel, the default entry the running one, and the one-shot entry's command line
    must end with panic=N (the kernel takes the last panic=). [] when ready; the role reboots only then."""
    try:
        decision = look['decision']
        boot = look['boot']
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError('kernel_ml_armed expects a fleetops.docker_host.kernel_boot_info result (missing %s)' % exc) from exc
    wanted, fallback = plan.get('wanted', ''), plan.get('fallback', '')
    problems = []
    if not decision.get('once_armed'):
        problems.append('%s: the next boot starts %s, not %s (GRUB next_entry %r); check the grubenv (%s) and that '
                        'grub.cfg honours next_entry.' % (host, boot.get('next_kernel') or 'an unknown kernel', wanted,
                                                          ((boot.get('grub') or {}).get('next_entry')),
                                                          (boot.get('grub') or {}).get('env_path') or 'grubenv'))
    if not decision.get('fallback_ok'):
        problems.append('%s: the default entry boots %s, not the running kernel %s that a failed trial must fall back '
                        'to; check GRUB_DEFAULT in /etc/default/grub and /etc/default/grub.d (GRUB_DEFAULT=saved).'
                        % (host, boot.get('default_kernel') or 'an unknown kernel', fallback))
    args = decision.get('once_args')
    unknown = args is None or ('$kernelopts' in args and not _last_panic(args))
    if int(panic or 0) > 0 and not unknown and _last_panic(args) != str(int(panic)):
        problems.append('%s: the one-shot entry of %s boots with "%s", whose last panic= is %s, not panic=%d, so a panic '
                        'would not reboot as asked; a later file in /etc/default/grub.d may set GRUB_CMDLINE_LINUX_DEFAULT '
                        'again (the role writes zz-kernel-ml.cfg).' % (host, wanted, args, _last_panic(args) or 'missing',
                                                                       int(panic)))
    return problems


def _apt_regex(text):
    return re.sub(r'([.+*?^$()\[\]{}|\\])', r'\\\1', text)


def kernel_ml_keep(look, keep=2):
    """The kernels kept installed besides the wanted one: {protect: [kernels], apt_never_autoremove: [regexes],
    installonly_limit}. protect is the `keep` newest installed kernels other than the wanted one, and always the
    running kernel (the fallback of a trial boot). installonly_limit (EL dnf/yum) counts the wanted kernel too."""
    try:
        installed = list(look['kernel']['installed'])
        running = look['kernel']['running']
        wanted = look['decision']['wanted']
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError('kernel_ml_keep expects a fleetops.docker_host.kernel_boot_info result (missing %s)' % exc) from exc
    keep = int(keep)
    others = [kernel for kernel in installed if kernel != wanted]
    protect = others[-keep:] if keep > 0 else []
    if running != wanted and running not in protect:
        protect.insert(0, running)
    regexes = ['^linux-(image|modules|modules-extra|headers)-%s$' % _apt_regex(kernel) for kernel in protect]
    return {'protect': protect, 'apt_never_autoremove': regexes, 'installonly_limit': max(keep + 1, 2)}


class FilterModule:
    def filters(self):
        return {
            'kernel_ml_problems': kernel_ml_problems,
            'kernel_ml_host_problems': kernel_ml_host_problems,
            'kernel_ml_line': kernel_ml_line,
            'kernel_ml_plan': kernel_ml_plan,
            'kernel_ml_outcome': kernel_ml_outcome,
            'kernel_ml_armed': kernel_ml_armed,
            'kernel_ml_keep': kernel_ml_keep,
        }
