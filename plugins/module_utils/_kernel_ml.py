# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel_ml role's decisions, private: its input problems, the hosts it cannot serve, its plan, whether the
one-shot boot is armed, what the trial boot came to, and the kernels it keeps. kernel_boot_info computes them on the
host from its own look when the role passes its settings (role_plan), so the role reads one dict, the look's `plan`.
Pure functions over dicts (unit-tested without a host); Python 3.6+ (they run on the target)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import re

from ansible_collections.fleetops.docker_host.plugins.module_utils._boot import TRIAL_ID, TRIAL_SCRIPT, TRIAL_TITLE

# The drop-in that carries the arguments which proved themselves (read by update-grub after the user's own drop-ins
# and before zz-kernel-ml.cfg, which puts panic= last).
CMDLINE_DROPIN = '/etc/default/grub.d/zz-kernel-ml-cmdline.cfg'
# GRUB_DEFAULT=saved and panic= (read last of /etc/default/grub.d: no other drop-in resets the command line after it).
GRUB_DROPIN = '/etc/default/grub.d/zz-kernel-ml.cfg'
# How a failed trial's kernel packages are removed (kernel_ml_remove_failed), by ansible_facts.pkg_mgr.
REMOVE_COMMANDS = {'apt': ['apt-get', '-y', 'purge'], 'dnf': ['dnf', '-y', 'remove'], 'dnf5': ['dnf', '-y', 'remove'],
                   'yum': ['yum', '-y', 'remove']}
# A kernel_ml_cmdline_args word: key=value or a flag, nothing the shell (GRUB's drop-ins, /etc/grub.d) or GRUB's
# quoting would read differently.
_ARG = re.compile(r'^[A-Za-z0-9_.:/+,@-]+(=[A-Za-z0-9_.:/+,@=-]*)?$')
_CGROUP_KEY = 'systemd.unified_cgroup_hierarchy'
_URL = re.compile(r'^(https?|ftp|file)://')
_UBUNTU_LTS = re.compile(r'^\d*[02468]\.04$')

# ------------------------------------------------------------------------------------------------ the families' data
# The OS family is dispatched once, here: role_plan picks this host's row and the install step reads the plan.
#
# ELRepo signing keys: the file under kernel_ml_elrepo_url, the fingerprint verified before import, and where
# elrepo-release installs the key (the gpgkey of a mirrored elrepo-kernel repository).
ELREPO_KEYS = {
    'v1': {'file': 'RPM-GPG-KEY-elrepo.org', 'fingerprint': '96C0 104F 6315 4731 1E0B B1AE 309B C305 BAAD AE52',
           'installed': 'file:///etc/pki/rpm-gpg/RPM-GPG-KEY-elrepo.org'},
    'v2': {'file': 'RPM-GPG-KEY-v2-elrepo.org', 'fingerprint': 'B8A7 5587 4DA2 40C9 DAC4 E715 5160 0989 EAA3 1D4A',
           'installed': 'file:///etc/pki/rpm-gpg/RPM-GPG-KEY-v2-elrepo.org'},
}
# One row per EL major version: elrepo-release package (file under kernel_ml_elrepo_url), the keys its repo files
# list (v1 only on 7, v1+v2 on 8/9, v2 only on 10), the repository ids it defines, the one the kernels come from
# (disabled by default: installs enable it), and the kernel_ml_flavor values ELRepo ships for the release. ELRepo
# starts a new EL release with kernel-ml and adds kernel-lt later, if at all
# (lists.elrepo.org/pipermail/elrepo/2018-September/004454.html); its kernel tree (github.com/elrepo/kernel) carries
# kernel-lt specs for el7, el8 and el9 and kernel-ml specs for el7-el10: no kernel-lt for EL 10 yet. A flavor
# missing here is refused before anything is installed (kernel_ml_host_problems). ELRepo has archived EL7
# (archived: its mirrors carry no new kernels); EL7's yum gets fastestmirror for kernel_ml_update_all.
_REPO_IDS = ['elrepo', 'elrepo-testing', 'elrepo-kernel', 'elrepo-extras']
EL_RELEASES = {
    '7': {'flavors': ['ml', 'lt'], 'release_package': 'elrepo-release-7.el7.elrepo.noarch.rpm', 'keys': ['v1'],
          'repo_ids': _REPO_IDS, 'kernel_repo': 'elrepo-kernel', 'archived': True},
    '8': {'flavors': ['ml', 'lt'], 'release_package': 'elrepo-release-8.el8.elrepo.noarch.rpm', 'keys': ['v1', 'v2'],
          'repo_ids': _REPO_IDS, 'kernel_repo': 'elrepo-kernel', 'archived': False},
    '9': {'flavors': ['ml', 'lt'], 'release_package': 'elrepo-release-9.el9.elrepo.noarch.rpm', 'keys': ['v1', 'v2'],
          'repo_ids': _REPO_IDS, 'kernel_repo': 'elrepo-kernel', 'archived': False},
    '10': {'flavors': ['ml'], 'release_package': 'elrepo-release-10.el10.elrepo.noarch.rpm', 'keys': ['v2'],
           'repo_ids': _REPO_IDS, 'kernel_repo': 'elrepo-kernel', 'archived': False},
}
# Kernel package per flavor on the EL family.
EL_PACKAGES = {'ml': 'kernel-ml', 'lt': 'kernel-lt'}
# Debian architecture names (linux-image-<arch>) for Ansible's ansible_architecture.
DEBIAN_ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'armmp', 'ppc64le': 'powerpc64le', 's390x': 's390x',
               'i386': '686-pae', 'i686': '686-pae'}
# The package database kernel_boot_info reads the kernel package from, by OS family (a host may carry both).
PACKAGE_DB = {'Debian': 'apt', 'RedHat': 'rpm'}
# The backports source the role writes (deb822) when the host has none, and where apt keeps older kernels.
BACKPORTS_FILE = '/etc/apt/sources.list.d/debian-backports.sources'
APT_KEEP_FILE = '/etc/apt/apt.conf.d/60kernel-ml-keep'
# Where installonly_limit is set, by package manager; where ELRepo's release package is kept once downloaded.
INSTALLONLY_CONF = {'dnf': '/etc/dnf/dnf.conf', 'dnf5': '/etc/dnf/dnf.conf', 'yum': '/etc/yum.conf'}
RELEASE_CACHE = '/var/cache/kernel_ml'
# What elrepo-release installs: once it is there, the release package is not fetched again (no network on a rerun).
ELREPO_REPO_FILE = '/etc/yum.repos.d/elrepo.repo'
# Ansible's virtualization_type values of a container guest (a container runs its host's kernel).
CONTAINER_TYPES = ('docker', 'podman', 'lxc', 'lxd', 'containerd', 'container', 'systemd-nspawn', 'openvz', 'rkt')


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


def cmdline_problems(host, args):
    """Sentences for kernel_ml_cmdline_args entries the role cannot put on a kernel command line."""
    if args is None:
        return []
    if not isinstance(args, list):
        return ['%s: kernel_ml_cmdline_args is %r; write a list of key=value words or flags, e.g. '
                '[systemd.unified_cgroup_hierarchy=1].' % (host, args)]
    problems = []
    for index, arg in enumerate(args):
        if not isinstance(arg, str) or not _ARG.match(arg):
            problems.append('%s: kernel_ml_cmdline_args[%d] is %r; write one key=value word or flag without spaces, '
                            'quotes or shell characters, e.g. systemd.unified_cgroup_hierarchy=1.' % (host, index, arg))
        elif arg.split('=', 1)[0] == 'panic':
            problems.append('%s: kernel_ml_cmdline_args[%d] is %r; the role sets panic= itself on a trial boot: set '
                            'kernel_ml_panic_timeout instead.' % (host, index, arg))
    return problems


def args_missing(cmdline, args):
    """The words of `args` not in effect on a kernel command line: a key=value whose key's last value there is
    another (the kernel and systemd take the last), a flag that is not there. Every one when the line is unknown."""
    if cmdline is None:
        return list(args or [])
    words = cmdline.split()
    missing = []
    for arg in args or []:
        if '=' in arg:
            key = arg.split('=', 1)[0]
            values = [word for word in words if word.split('=', 1)[0] == key and '=' in word]
            if not values or values[-1] != arg:
                missing.append(arg)
        elif arg not in words:
            missing.append(arg)
    return missing


def cgroup_wanted(args):
    """The cgroup file system type (stat -fc %T /sys/fs/cgroup) the arguments ask for: 'cgroup2fs' for
    systemd.unified_cgroup_hierarchy=1 (yes, true, on), 'tmpfs' for =0 (no, false, off), '' without the key."""
    values = [arg.split('=', 1)[1].lower() for arg in args or [] if arg.startswith(_CGROUP_KEY + '=')]
    if not values:
        return ''
    return 'cgroup2fs' if values[-1] in ('1', 'yes', 'true', 'on') else 'tmpfs'


def kernel_ml_problems(settings, host='this host'):
    """One sentence per input the argument spec cannot check: naming host, variable, value and the fix."""
    if not isinstance(settings, dict):
        raise ValueError('kernel_ml_problems expects a dict of the role variables, got %s' % type(settings).__name__)
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
    problems.extend(cmdline_problems(host, settings.get('kernel_ml_cmdline_args')))
    return problems


def kernel_ml_host_problems(facts, host='this host', el_releases=None, debian_arch=None, flavor='', el_packages=None):  # noqa: PLR0917 - keyword arguments
    """Why this (non-container) host has no kernel line the role knows; [] when it has one.

    On the EL family a release row may list the flavors ELRepo ships for it (`flavors`, e.g. only ml on EL 10):
    another flavor is refused here, before anything is installed. The tables default to the module's own.
    """
    el_releases = EL_RELEASES if el_releases is None else el_releases
    debian_arch = DEBIAN_ARCH if debian_arch is None else debian_arch
    el_packages = EL_PACKAGES if el_packages is None else el_packages
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


def _grub_loader_commands(look, decision, panic, args=None):
    """(trial, commit) argv lists for the boot loader: keep the running kernel the default, boot the wanted one
    once, and after the proof make it the default. grubby (EL) names kernels by path; GRUB's own tools
    (both families) name entries by selector; grub2-reboot on EL takes the BLS entry id.
    `args`: the trial's kernel command-line arguments ({'tried', 'persist', 'entry'}, see _args_plan)."""
    boot = look['boot']
    commands = boot.get('commands') or {}
    wanted = decision['wanted']
    args = args or {'tried': [], 'persist': [], 'entry': ''}
    trial, commit = [], []
    if boot.get('manager') == 'grubby':
        grubby = _cmd(commands, 'grubby', 'grubby')
        if not decision['fallback_ok']:
            # Installing an EL kernel makes it the default (UPDATEDEFAULT=yes): put the kernel that booted back.
            trial.append([grubby, '--set-default', decision['fallback_entry']])
        extra = args['tried'] + (['panic=%d' % panic] if panic else [])
        if extra and not args['entry']:
            trial.append([grubby, '--update-kernel', '/boot/vmlinuz-' + wanted, '--args', ' '.join(extra)])
        trial.append([_cmd(commands, 'reboot_once', 'grub2-reboot'), args['entry'] or decision['once_entry']])
        commit.append([grubby, '--set-default', decision['boot_entry']])
        if args['persist']:
            commit.append([grubby, '--update-kernel', 'ALL', '--args', ' '.join(args['persist'])])
    else:
        set_default = _cmd(commands, 'set_default', 'grub-set-default')
        if not decision['fallback_ok']:
            # update-grub lists the newest kernel first: with GRUB_DEFAULT=saved and no saved entry it would boot it.
            trial.append([set_default, decision['fallback_entry']])
        trial.append([_cmd(commands, 'reboot_once', 'grub-reboot'), args['entry'] or decision['once_entry']])
        if args['persist'] or args['entry']:
            # The arguments' drop-in is written and the trial entry's script removed: regenerate the menu.
            commit.append([_cmd(commands, 'update_grub', 'update-grub')])
        commit.append([set_default, decision['boot_entry']])
    if decision['clear_next_entry']:
        env_path = ((boot.get('grub') or {}).get('env_path')) or '/boot/grub/grubenv'
        commit.append([_cmd(commands, 'editenv', 'grub-editenv'), env_path, 'unset', 'next_entry'])
    return trial, commit


def _trial_script(look, decision, tried, panic):
    """The /etc/grub.d script whose menu entry (id kernel_ml-trial) boots the wanted kernel with `tried` added: the
    wanted kernel's own entry, line for line, with the arguments and panic= last on its linux line."""
    body = None
    for item in _walk((look['boot'].get('grub') or {}).get('_items') or []):
        if item.get('_path') == decision['once_entry']:
            body = item.get('body')
    if not body:
        return ''
    extra = ' '.join(tried + (['panic=%d' % panic] if panic else []))
    lines = []
    for line in body:
        linux = line.split(None, 1)[0] in ('linux', 'linux16', 'linuxefi')
        lines.append('\t' + line + (' ' + extra if linux else ''))
    return ('#!/bin/sh\n'
            '# Managed by fleetops.docker_host.kernel_ml: the one-shot entry of a trial boot (grub-reboot %s) of kernel\n'
            '# %s with %s. The role removes this file after the trial, whatever it came to.\n'
            "cat <<'KERNEL_ML_TRIAL'\n"
            "menuentry '%s: %s with %s' --id %s {\n%s\n}\n"
            'KERNEL_ML_TRIAL\n' % (TRIAL_ID, decision['wanted'], ' '.join(tried), TRIAL_TITLE, decision['wanted'],
                                   ' '.join(tried), TRIAL_ID, '\n'.join(lines)))


def _walk(items, parent=None):
    """Menu items with their selector ('_path'), as _boot.flatten names them, body included."""
    for index, item in enumerate(items):
        name = item.get('id') or item.get('title') or str(index)
        selector = name if parent is None else parent + '>' + name
        if item.get('kind') == 'submenu':
            yield from _walk(item.get('children') or [], selector)
        else:
            row = dict(item)
            row['_path'] = selector
            yield row


def _args_plan(look, decision, args, running, panic):
    """What the kernel command-line arguments take: {'running_missing' (not in /proc/cmdline), 'default_missing'
    (not on the default entry's line), 'tried' (the arguments the trial boot adds), 'entry' (the trial entry's
    selector when the trial needs an entry of its own: GRUB's kernel_ml-trial, or grubby's copy of the running
    kernel's entry; '' otherwise), 'persist' (what the commit writes for the default), 'script' (GRUB's trial
    script), 'stage' (grubby's command that adds its copy), 'files' (what is removed after the trial)}."""
    boot = look['boot']
    cmdline = look.get('cmdline') or {}
    plan = {'running_missing': [], 'default_missing': [], 'tried': [], 'entry': '', 'persist': [], 'script': '',
            'stage': [], 'files': [], 'no_copy': False}
    if not args:
        return plan
    wanted = decision['wanted']
    plan['running_missing'] = args_missing(cmdline.get('running'), args)
    plan['default_missing'] = args_missing(boot.get('default_args'), args)
    once_missing = args_missing(decision.get('once_args'), args)
    if running == wanted and not plan['running_missing']:
        plan['persist'] = list(args) if plan['default_missing'] else []
        return plan
    if not (plan['running_missing'] or once_missing):
        return plan
    plan['tried'] = list(args)
    plan['persist'] = list(args)
    trial = boot.get('trial') or {}
    if boot.get('manager') == 'grubby':
        if running != wanted:
            return plan  # the new kernel's own entry carries them on trial (grubby --update-kernel)
        if not (boot.get('grub') or {}).get('blscfg'):
            plan['no_copy'] = True
            return plan
        plan['entry'] = trial.get('selector') or '%s %s' % (TRIAL_TITLE, wanted)
        plan['files'] = [trial['file']] if trial.get('file') else []
        if not trial:
            grubby = _cmd(boot.get('commands'), 'grubby', 'grubby')
            plan['stage'] = [[grubby, '--add-kernel', '/boot/vmlinuz-' + wanted, '--initrd',
                              '/boot/initramfs-%s.img' % wanted, '--copy-default', '--title',
                              '%s %s' % (TRIAL_TITLE, wanted), '--args', ' '.join(args + (['panic=%d' % panic] if panic else []))]]
        return plan
    plan['entry'] = TRIAL_ID
    plan['script'] = _trial_script(look, decision, plan['tried'], panic)
    plan['files'] = [TRIAL_SCRIPT]
    return plan


def grub_dropin(panic):
    """/etc/default/grub.d/zz-kernel-ml.cfg: boot the saved entry, panic=N last on every entry's command line."""
    lines = ['# Managed by fleetops.docker_host.kernel_ml: boot the entry grub-set-default saved (the last kernel that',
             '# proved itself); grub-reboot boots a new kernel once.', 'GRUB_DEFAULT=saved']
    if panic > 0:
        lines += ['# A kernel that panics reboots after %d s, into the saved entry.' % panic,
                  'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT panic=%d"' % panic]
    lines += ['# Ubuntu\'s recordfail would hold the menu after a failed boot until someone presses a key.',
              'GRUB_RECORDFAIL_TIMEOUT=10']
    return '\n'.join(lines) + '\n'


def cmdline_dropin(args):
    """The /etc/default/grub.d drop-in that puts the arguments which proved themselves on every entry's line."""
    return ('# Managed by fleetops.docker_host.kernel_ml (kernel_ml_cmdline_args): kernel command-line arguments that\n'
            '# proved themselves in a trial boot. Last on the line: the kernel and systemd take the last value of a key.\n'
            'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT %s"\n' % ' '.join(args))


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
        raise ValueError('kernel_ml_line expects ansible_facts (a dict), got %s' % type(facts).__name__)
    el_releases = EL_RELEASES if el_releases is None else el_releases
    el_packages = EL_PACKAGES if el_packages is None else el_packages
    debian_arch = DEBIAN_ARCH if debian_arch is None else debian_arch
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


def _args_problem(host, look, action, wanted, args):
    if action not in ('trial', 'arm') or not args['tried']:
        return ''
    if args['no_copy']:
        return ('%s: %s runs and boots %s already; an argument change alone (%s) needs a trial entry of its own, which '
                'grubby adds only where GRUB reads BLS entries (EL 8+). On this host, roll the arguments out with a '
                'new kernel (its trial boot carries them), or set them with grubby by hand.'
                % (host, wanted, wanted, ' '.join(args['tried'])))
    if args['entry'] == TRIAL_ID and not args['script']:
        entry = look['decision']['once_entry'] or '?'
        return ('%s: the menu entry of %s (%s) has no lines to copy into the trial entry that would add %s; run '
                'update-grub and check /boot/grub/grub.cfg.' % (host, wanted, entry, ' '.join(args['tried'])))
    return ''


def _args_message(action, args, check_mode):
    if not args['tried'] and not args['persist']:
        return ''
    would = 'would ' if check_mode else ''
    if args['tried']:
        entry = ' (trial entry %s)' % args['entry'] if args['entry'] else ''
        return (' Kernel command line: the trial boot adds %s%s; %smake them the default\'s arguments only after '
                '/proc/cmdline carries them.' % (' '.join(args['tried']), entry, would))
    return ' Kernel command line: %s%s carried by the running kernel; %smake the default carry them too.' % (
        ' '.join(args['persist']), ' is' if len(args['persist']) == 1 else ' are', would)


def kernel_ml_plan(look, host='this host', package='', install_changed=False, check_mode=False, reboot=True,  # noqa: PLR0917 - keyword arguments
                   panic=10, checks=0, container=False, cmdline_args=None):
    """The role's plan from a kernel_boot_info result (after the install step).

    action: 'none' (the host runs and defaults to wanted, with cmdline_args on both command lines), 'commit' (it
    runs wanted with the arguments, the default is another kernel or lacks them: prove, then make it the default),
    'trial' (boot wanted once, with the arguments, the running kernel and its line staying the default; reboot,
    prove, commit), 'arm' (kernel_ml_reboot false: arm the one-shot boot only), 'pending' (armed already, waiting
    for a reboot), 'install' (check mode, the kernel is known only after the install) or 'image' (container: an
    image build with kernel_ml_in_container; it never reboots, there is no trial boot to prove, and the default
    entry is set directly where the image has a boot loader tool, grubby or GRUB's files; else it is left to the
    machine the image boots on; no command-line arguments there).
    Returns {wanted, fallback, action, grub_dropin, trial_commands, commit_commands, cleanup_commands, boot_entry,
    once_entry, reboot, reboot_needed, reboot_pending, problem, message, args}.
    """
    try:
        decision = look['decision']
        running = look['kernel']['running']
        boot = look['boot']
    except (KeyError, TypeError) as exc:
        raise ValueError('kernel_ml_plan expects a fleetops.docker_host.kernel_boot_info result (missing %s)' % exc) from exc
    panic = int(panic or 0)
    unknown = bool(check_mode and install_changed)
    wanted = '' if unknown else decision['wanted']
    args = _args_plan(look, decision, [] if container or not wanted else list(cmdline_args or []), running, panic)
    next_entry = (boot.get('grub') or {}).get('next_entry') or ''
    armed = decision.get('once_armed') and decision.get('fallback_ok') and next_entry == (args['entry'] or next_entry)
    if unknown or not wanted:
        action = 'install' if unknown or check_mode else 'none'
    elif container:
        action = 'image'
    elif running == wanted and not args['running_missing']:
        action = 'none' if decision['default_ok'] and not args['default_missing'] else 'commit'
    elif reboot:
        action = 'trial'
    elif armed:
        action = 'pending'
    else:
        action = 'arm'
    trial, commit = ([], [])
    if wanted and action != 'none':
        trial, commit = _grub_loader_commands(look, decision, panic, args)
    problem = (_plan_problem(host, look, package=package, decision=decision, action=action, wanted=wanted,
                             check_mode=check_mode) or (_args_problem(host, look, action, wanted, args) if not check_mode else ''))
    rebooting = action == 'trial' and not check_mode
    reboot_needed = bool(wanted) and (running != wanted or bool(args['running_missing']))
    image_default = action == 'image' and bool(boot.get('manager')) and not decision['default_ok']
    if action == 'image':
        commit = commit if image_default else []
    trying = action in ('trial', 'arm')
    grub = boot.get('manager') == 'grub-set-default'
    return {
        'failed_packages': _failed_packages(look.get('package') or {}, wanted) if running != wanted else [],
        'wanted': wanted,
        'fallback': running,
        'action': action,
        'grub_dropin': trying and grub,
        'trial_script': args['script'] if trying else '',
        # What update-grub reads before the trial: GRUB's settings and the trial entry's script.
        'boot_files': ([{'dest': GRUB_DROPIN, 'content': grub_dropin(panic), 'mode': '0644'}] if trying and grub else [])
        + ([{'dest': TRIAL_SCRIPT, 'content': args['script'], 'mode': '0755'}] if trying and args['script'] else []),
        'stage_commands': args['stage'] if trying else [],
        'trial_commands': trial if trying else [],
        'commit_commands': commit if action in ('trial', 'commit', 'image') else [],
        'cleanup_commands': [[_cmd(boot.get('commands'), 'update_grub', 'update-grub')]] if trying and grub and args['script'] else [],
        'trial_files': args['files'] if action in ('trial', 'arm', 'pending', 'commit') else [],
        'cmdline_dropin': cmdline_dropin(args['persist']) if grub and args['persist'] and action in ('trial', 'commit') else '',
        'boot_entry': decision['boot_entry'],
        'once_entry': args['entry'] or decision.get('once_entry', ''),
        'cmdline_args': list(cmdline_args or []),
        'args_tried': args['tried'] if action in ('trial', 'arm', 'pending') else [],
        'args_persist': args['persist'] if action in ('trial', 'commit') else [],
        'args_running_missing': args['running_missing'],
        'args_default_missing': args['default_missing'],
        'reboot_needed': reboot_needed,
        'reboot': rebooting,
        'reboot_pending': reboot_needed and not rebooting,
        'problem': problem,
        'message': _plan_message(host, look, decision=decision, action=action, wanted=wanted, package=package,
                                 check_mode=check_mode, panic=panic, checks=checks, trial=trial)
        + (_args_message(action, args, check_mode) if action != 'none' else ''),
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


def kernel_ml_outcome(plan, host='this host', kernel_now='', reboot_error='', checks=None, timeout=0,  # noqa: PLR0917 - keyword arguments
                      remove_failed=False, editenv='grub-editenv', cmdline_now=None, cgroup_fs='', remove_command=None):
    """What the trial boot (or the proof of a kernel the host already runs) came to.

    Returns {status, commit, kernel_tried, kernel_after, remove_failed, problem, message, args_tried, args_added,
    commands, boot_files, remove_files}: status 'committed' (the host runs wanted, its command line carries the
    arguments tried, the cgroup file system is the one they ask for, and every check passed: make it the default),
    'not_back' (no answer within the timeout), 'fell_back' (it came back on another kernel), 'args_missing' (it came
    back without the arguments: the default entry booted), 'cgroup_failed' (with the arguments, but /sys/fs/cgroup is
    not what they ask for), 'checks_failed' (a check failed). problem is '' only for 'committed'; the default entry is
    left as it is in every other case. commands: the commit's (committed) or the clean-up's (the trial entry goes;
    with remove_failed the kernel that fell back is removed with remove_command); boot_files: the arguments' drop-in.
    """
    wanted = plan.get('wanted', '')
    fallback = plan.get('fallback', '')
    tried = wanted if plan.get('action') == 'trial' and wanted != fallback else ''
    args = list(plan.get('args_tried') or [])
    with_args = (' The trial entry added %s to the command line.' % ' '.join(args)) if args else ''
    where = ('Look at the host\'s console (serial, BMC or hypervisor) for that boot, and at `%s list`: next_entry '
             'must be empty after a boot (GRUB clears it as it boots the one-shot entry %s).' % (editenv, plan.get('once_entry') or '?'))
    kept = ('%s was removed (kernel_ml_remove_failed).' % wanted if remove_failed
            else '%s stays installed, not the default (kernel_ml_remove_failed: false).' % wanted)
    failed_result = {'commit': False, 'kernel_tried': tried, 'remove_failed': False, 'args_tried': args, 'args_added': [],
                     'commands': plan.get('cleanup_commands') or [], 'boot_files': [],
                     'remove_files': plan.get('trial_files') or []}

    def failed(status, problem, **extra):
        result = dict(failed_result, status=status, problem=problem, message=problem)
        result.update(extra)
        return result

    if reboot_error:
        problem = ('%s: booted kernel %s once and the host did not come back within %s s (%s); it runs an unknown kernel. '
                   'The default entry still boots %s: if %s hangs, reset the host and it boots %s.%s %s'
                   % (host, wanted, timeout, reboot_error.strip(), fallback, wanted, fallback, with_args, where))
        return failed('not_back', problem, kernel_after='', commands=[], remove_files=[])
    if kernel_now != wanted:
        problem = ('%s: booted kernel %s once and the host came back on %s: %s did not boot (a panic, a root file system '
                   'it could not mount) and the boot loader fell back to the default entry, which still boots %s. %s%s %s'
                   % (host, wanted, kernel_now or 'an unknown kernel', wanted, fallback, kept, with_args, where))
        removal = [list(remove_command) + plan['failed_packages']] if (
            remove_failed and remove_command and plan.get('failed_packages')) else []
        return failed('fell_back', problem, kernel_after=kernel_now, remove_failed=bool(remove_failed),
                      commands=(plan.get('cleanup_commands') or []) + removal)
    missing = args_missing(cmdline_now, args) if args else []
    if missing:
        problem = ('%s: booted kernel %s once with %s added to its command line (the trial entry %s) and the host came '
                   'back without %s (/proc/cmdline: %s): that boot failed (a panic, such as init exiting) and the boot '
                   'loader fell back to the default entry, which still boots %s with its command line unchanged. The '
                   'trial entry is removed; remove %s from kernel_ml_cmdline_args or fix what it broke, then run the '
                   'role again. %s' % (host, wanted, ' '.join(args), plan.get('once_entry') or '?', ' '.join(missing),
                                       (cmdline_now or '?').strip(), fallback, ' '.join(missing), where))
        return failed('args_missing', problem, kernel_after=kernel_now)
    fs_wanted = cgroup_wanted(plan.get('cmdline_args') or [])
    if fs_wanted and cgroup_fs != fs_wanted:
        problem = ('%s: runs kernel %s with %s on its command line, but /sys/fs/cgroup is %s (stat -fc %%T), not %s: '
                   'systemd did not take the cgroup setting (a systemd without cgroup v1/v2 switching, or an initramfs '
                   'that mounts cgroups itself). The default entry is left as it was.'
                   % (host, wanted, ' '.join(a for a in plan.get('cmdline_args') or [] if a.startswith(_CGROUP_KEY)),
                      cgroup_fs or 'unknown', fs_wanted))
        return failed('cgroup_failed', problem, kernel_after=kernel_now)
    failed_checks = _failed_checks(checks)
    if failed_checks:
        problem = ('%s: runs kernel %s, but its checks failed: %s. %s is not made the default: the default entry still '
                   'boots %s, so a reboot returns the host to it; fix the failing service and run the role again.'
                   % (host, wanted, '; '.join(failed_checks), wanted, fallback or 'the previous kernel'))
        return failed('checks_failed', problem, kernel_after=kernel_now)
    passed = len([c for c in checks or [] if isinstance(c, dict) and not c.get('skipped')])
    proof = ' and passed uname -r%s' % (' and %d check%s' % (passed, '' if passed == 1 else 's') if passed else '')
    if plan.get('cmdline_args'):
        proof += ', /proc/cmdline carries %s' % ' '.join(plan['cmdline_args'])
        if fs_wanted:
            proof += ', /sys/fs/cgroup is %s' % fs_wanted
    message = ('%s: came back on %s%s%s: making it the default entry%s.'
               % (host, wanted, ' after booting it once' if tried or args else '', proof,
                  ' with %s' % ' '.join(plan['args_persist']) if plan.get('args_persist') else ''))
    return {'status': 'committed', 'commit': True, 'kernel_tried': tried, 'kernel_after': kernel_now,
            'remove_failed': False, 'problem': '', 'message': message, 'args_tried': args,
            'args_added': list(plan.get('args_persist') or []), 'commands': plan.get('commit_commands') or [],
            'boot_files': [{'dest': CMDLINE_DROPIN, 'content': plan['cmdline_dropin'], 'mode': '0644'}]
            if plan.get('cmdline_dropin') else [], 'remove_files': plan.get('trial_files') or []}


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
        raise ValueError('kernel_ml_armed expects a fleetops.docker_host.kernel_boot_info result (missing %s)' % exc) from exc
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
    tried = plan.get('args_tried') or []
    trial = boot.get('trial') or {}
    if tried and plan.get('once_entry') != decision.get('once_entry'):
        # The arguments' own trial entry (GRUB's kernel_ml-trial, grubby's copy): it must be the next boot's.
        args = trial.get('args')
        next_entry = (boot.get('grub') or {}).get('next_entry') or ''
        if not trial or next_entry != trial.get('selector'):
            problems.append('%s: the next boot is %r, not the trial entry %s that adds %s; check %s and the grubenv.'
                            % (host, next_entry, plan.get('once_entry'), ' '.join(tried),
                               TRIAL_SCRIPT if plan.get('once_entry') == TRIAL_ID else '/boot/loader/entries'))
    missing = args_missing(args, tried) if tried else []
    if missing:
        problems.append('%s: the one-shot entry of %s boots with "%s", without %s; the trial would not try them.'
                        % (host, wanted, args, ' '.join(missing)))
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
        raise ValueError('kernel_ml_keep expects a fleetops.docker_host.kernel_boot_info result (missing %s)' % exc) from exc
    keep = int(keep)
    others = [kernel for kernel in installed if kernel != wanted]
    protect = others[-keep:] if keep > 0 else []
    if running != wanted and running not in protect:
        protect.insert(0, running)
    regexes = ['^linux-(image|modules|modules-extra|headers)-%s$' % _apt_regex(kernel) for kernel in protect]
    return {'protect': protect, 'apt_never_autoremove': regexes, 'installonly_limit': max(keep + 1, 2)}


def _bool(value, default=False):
    """A role variable as a bool, also when templating gave it as text ('False', 'no')."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ('1', 'true', 'yes', 'on')
    return bool(value)


def _container_message(host, look):
    container = look.get('container') or {}
    return ('%s is a container (%s: %s): it runs its host\'s kernel %s, which only the host can change. kernel_ml '
            'installs nothing here (kernel_ml_in_container is false).'
            % (host, container.get('type') or 'container', '; '.join(container.get('evidence') or []),
               look['kernel']['running']))


def _result(look, plan, settings, installs, outcome):
    """kernel_ml_result: what the role did (documented in the role README)."""
    trial = settings.get('trial') or {}
    cmdline = look.get('cmdline') or {}
    status = 'container' if not installs else (outcome or {}).get(
        'status', 'pending' if plan.get('reboot_pending') else 'unchanged')
    return {
        'kernel_before': trial.get('fallback') or plan.get('fallback') or look['kernel']['running'],
        'kernel_tried': (outcome or {}).get('kernel_tried', ''),
        'kernel_after': (outcome or {}).get('kernel_after', look['kernel']['running']),
        'status': status,
        'wanted': plan.get('wanted', '') if installs else '',
        'package': (plan.get('line') or {}).get('package', '') if installs else '',
        'rebooted': _bool(settings.get('rebooted')),
        'reboot_pending': bool(plan.get('reboot_pending')) if installs else False,
        'boot_entry': look['boot'].get('default_image') or '' if installs else '',
        'in_container': bool((look.get('container') or {}).get('is_container')),
        'cmdline_args': list(plan.get('cmdline_args') or []),
        'cmdline_args_tried': (outcome or {}).get('args_tried', []),
        'cmdline_args_added': (outcome or {}).get('args_added', []),
        'cmdline': (cmdline.get('running') or '').strip(),
        'cgroup_fs': cmdline.get('cgroup_fs') or '',
    }


def container_from_facts(facts):
    """Whether the host is a container, from Ansible's virtualization facts: {is_container, type, evidence}."""
    facts = facts if isinstance(facts, dict) else {}
    kind, role = facts.get('virtualization_type') or '', facts.get('virtualization_role') or ''
    if role == 'guest' and kind in CONTAINER_TYPES:
        return {'is_container': True, 'type': kind,
                'evidence': ['ansible_facts.virtualization_type is %s (virtualization_role guest)' % kind]}
    return {'is_container': False, 'type': None, 'evidence': []}


def _apt_source(facts, settings, line):
    return {'dest': BACKPORTS_FILE, 'content': (
        '# Managed by fleetops.docker_host.kernel_ml: newer kernels for %s.\nTypes: deb\nURIs: %s\nSuites: %s\n'
        'Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        % (facts.get('distribution_release', ''), settings.get('kernel_ml_backports_uri') or '', line['apt_release']))}


def _apt_keep(keep, count):
    regexes = ''.join('  "%s";\n' % regex for regex in keep['apt_never_autoremove'])
    return {'dest': APT_KEEP_FILE, 'content': (
        '// Managed by fleetops.docker_host.kernel_ml (kernel_ml_keep: %s): kernels a failed boot can\n'
        '// fall back to, never removed by apt autoremove.\nAPT::NeverAutoRemove {\n%s};\n' % (count, regexes))}


def install_plan(look, settings, line, keep):
    """What the install step does on this host, as data for its tasks: the package step's arguments (packages, state,
    default_release, enable_repos, update_cache) and, by family, what comes before it (apt: the backports source the
    host lacks; EL: ELRepo's keys with the fingerprints to verify, its release package, a mirror for elrepo-kernel,
    the update of every package) and after it (the older kernels kept). Lists are empty where they do not apply."""
    facts = settings.get('facts') or {}
    manager = facts.get('pkg_mgr') or ''
    count = settings.get('kernel_ml_keep')
    plan = {'packages': [line['package']] if line['package'] else [], 'default_release': line['apt_release'],
            'enable_repos': [], 'update_cache': False, 'state': 'latest', 'sources': [], 'signing_keys': [], 'release': [],
            'mirrors': [], 'update_all': False, 'update_tools': [], 'keep_files': [], 'keep_lines': [], 'warnings': [],
            'bundle': False}
    el = line['el']
    if settings.get('kernel_ml_package_source') == 'bundle':
        # From the offline bundle docker_bundle names: the package step (its `bundle`) verifies it and installs the
        # line's packages at the bundle's versions from its repository alone - no source, key, release package,
        # mirror or update of its own; the older kernels are kept all the same.
        plan.update(default_release='', state='present', bundle=True)
        if facts.get('os_family') == 'RedHat':
            plan['keep_lines'] = [{'path': INSTALLONLY_CONF.get(manager, '/etc/dnf/dnf.conf'),
                                   'line': 'installonly_limit=%d' % keep['installonly_limit']}]
        else:
            plan['keep_files'] = [_apt_keep(keep, count)]
        return plan
    if facts.get('os_family') != 'RedHat':
        # The metapackage is how a Debian/Ubuntu host follows a kernel line: "present" would keep the stable
        # kernel's linux-image-<arch> that is already installed.
        others = [path for path in (look.get('apt') or {}).get('sources') or [] if path != BACKPORTS_FILE]
        plan.update(update_cache=True, keep_files=[_apt_keep(keep, count)],
                    sources=[_apt_source(facts, settings, line)] if line['apt_release'] and not others else [])
        return plan
    base = str(settings.get('kernel_ml_elrepo_url') or '')
    fingerprints = settings.get('kernel_ml_elrepo_fingerprints') or {}
    names = [name for name in el.get('keys') or [] if name in ELREPO_KEYS]
    repo_url = settings.get('kernel_ml_repo_url') or ''
    plan.update(
        state=settings.get('kernel_ml_package_state') or 'present', enable_repos=[el['kernel_repo']],
        signing_keys=[{'name': name, 'url': '%s/%s' % (base, ELREPO_KEYS[name]['file']),
                       'fingerprint': fingerprints.get(name) or ELREPO_KEYS[name]['fingerprint']} for name in names],
        release=[] if (look.get('elrepo') or {}).get('present') else [
            {'url': '%s/%s' % (base, el['release_package']), 'dest': '%s/%s' % (RELEASE_CACHE, el['release_package'])}],
        mirrors=[{'name': el['kernel_repo'], 'baseurl': repo_url,
                  'gpgkey': [ELREPO_KEYS[name]['installed'] for name in names]}] if repo_url else [],
        update_all=_bool(settings.get('kernel_ml_update_all')),
        update_tools=['yum-plugin-fastestmirror'] if manager == 'yum' else [],
        keep_lines=[{'path': INSTALLONLY_CONF.get(manager, '/etc/dnf/dnf.conf'),
                     'line': 'installonly_limit=%d' % keep['installonly_limit']}])
    if el.get('archived'):
        plan['warnings'] = ['WARNING: %s: EL %s is end of life and ELRepo has archived it upstream: its mirrors carry no new '
                            'kernels. %s' % (settings.get('host') or 'this host', facts.get('distribution_major_version', ''),
                                             'Using the elrepo-kernel mirror %s.' % repo_url if repo_url else
                                             'Set kernel_ml_repo_url to a mirror or archive of elrepo-kernel for EL7.')]
    return plan


def role_plan(look, settings, check_mode=False):
    """Everything the kernel_ml role decides from one kernel_boot_info look and its settings (the role variables by
    name, plus 'host', 'facts' (ansible_facts), the data tables 'el_releases', 'el_packages', 'debian_arch', and what
    earlier steps found: 'install_changed', 'trial' (the plan a reboot tried), 'check_runs', 'rebooted').

    Returns the plan (kernel_ml_plan's fields) with 'problems' (inputs, host and plan: the role stops on any),
    'installs' (false in a container without kernel_ml_in_container), 'line' (package, apt_release, el), 'prove' (run
    the checks and judge: a trial that rebooted, a commit, an image), 'checks' (those to run), 'armed' (why the
    one-shot boot is not ready), 'keep', 'outcome' (after a trial or a commit: kernel_ml_outcome), 'not_back' (the
    outcome when the reboot does not come back) and 'result' (kernel_ml_result).
    """
    host = settings.get('host') or 'this host'
    facts = settings.get('facts') or {}
    flavor = settings.get('kernel_ml_flavor') or ''
    tables = dict((key, settings.get(key)) for key in ('el_releases', 'el_packages', 'debian_arch'))
    line = kernel_ml_line(facts, flavor=flavor, **tables)
    problems = kernel_ml_problems(settings, host)
    container = bool((look.get('container') or {}).get('is_container'))
    installs = not container or _bool(settings.get('kernel_ml_in_container'))
    if installs and not problems:
        problems = kernel_ml_host_problems(facts, host, el_releases=tables['el_releases'],
                                           debian_arch=tables['debian_arch'], flavor=flavor,
                                           el_packages=tables['el_packages'])
    if problems or not installs:
        plan = {'action': 'none', 'wanted': '', 'fallback': look['kernel']['running'], 'reboot': False,
                'reboot_pending': False, 'cmdline_args': [], 'trial_files': [],
                'message': _container_message(host, look) if not installs else ' '.join(problems)}
    else:
        panic = int(settings.get('kernel_ml_panic_timeout') or 0)
        checks = settings.get('kernel_ml_checks') or []
        plan = kernel_ml_plan(look, host=host, package=line['package'],
                              install_changed=_bool(settings.get('install_changed')), check_mode=check_mode,
                              reboot=_bool(settings.get('kernel_ml_reboot'), True), panic=panic, checks=len(checks),
                              container=container, cmdline_args=settings.get('kernel_ml_cmdline_args') or [])
        if not plan['wanted'] and not _bool(settings.get('install_ran')) and not check_mode:
            # Before the install step the package may not be there yet (ELRepo's kernel-ml on a fresh host): the
            # install comes next, and the look after it judges what it brought.
            plan.update(problem='', action='install')
        if plan['problem']:
            problems = [plan['problem']]
        if plan['action'] == 'none' and plan['cmdline_args']:
            plan['message'] += ' Its command line and the default entry\'s carry %s.' % ' '.join(plan['cmdline_args'])
    plan.update(problems=problems, installs=installs, line=line)
    plan['keep'] = kernel_ml_keep(look, int(settings.get('kernel_ml_keep') or 2) if not problems else 2)
    plan['install'] = install_plan(look, settings, line, plan['keep']) if installs and not problems else {}
    trying = plan['action'] in ('trial', 'arm') and not check_mode
    plan['armed'] = kernel_ml_armed(look, plan, host, int(settings.get('kernel_ml_panic_timeout') or 0)) if trying else []
    plan['prove'] = plan['action'] in ('trial', 'commit', 'image') and not check_mode and not problems
    plan['checks'] = (settings.get('kernel_ml_checks') or []) if plan['action'] in ('trial', 'commit') else []
    editenv = (look['boot'].get('commands') or {}).get('editenv') or 'grub-editenv'
    judged = dict(host=host, timeout=settings.get('kernel_ml_reboot_timeout'), editenv=editenv,
                  remove_failed=_bool(settings.get('kernel_ml_remove_failed')),
                  remove_command=REMOVE_COMMANDS.get(facts.get('pkg_mgr') or ''))
    trial = settings.get('trial') or {}
    outcome = None
    if trial.get('action') == 'image':
        outcome = {'status': 'pending', 'commit': bool(trial.get('commit_commands')), 'kernel_tried': '',
                   'kernel_after': look['kernel']['running'], 'remove_failed': False, 'problem': '',
                   'message': trial.get('message', ''), 'args_tried': [], 'args_added': [],
                   'commands': trial.get('commit_commands') or [], 'boot_files': [], 'remove_files': []}
    elif trial:
        cmdline = look.get('cmdline') or {}
        outcome = kernel_ml_outcome(trial, kernel_now=look['kernel']['running'], checks=settings.get('check_runs'),
                                    cmdline_now=cmdline.get('running'), cgroup_fs=cmdline.get('cgroup_fs') or '',
                                    **judged)
    plan['outcome'] = outcome
    plan['result'] = _result(look, plan, settings, installs, outcome)
    if plan['prove'] and plan['action'] == 'trial':
        not_back = kernel_ml_outcome(plan, reboot_error="see the reboot task's error above", **judged)
        not_back['result'] = dict(_result(look, plan, dict(settings, trial=plan), installs, not_back),
                                  kernel_after='')
        plan['not_back'] = not_back
    return plan
