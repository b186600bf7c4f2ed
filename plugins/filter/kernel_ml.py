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


def kernel_ml_plan(look, host='this host', package='', install_changed=False, check_mode=False, reboot=True, container=False):  # noqa: PLR0917 - a filter's keyword arguments
    """The role's plan from a kernel_boot_info result (after the install step).

    container: the role installs into a container (kernel_ml_in_container, an image build). A container never
    reboots (it runs its host's kernel), and where it has no boot loader tool (neither grubby nor GRUB's files)
    the default entry is not set: that is left to the machine the image boots on, and the message says so.

    Returns {wanted, set_default, clear_next_entry, boot_entry, reboot, reboot_needed, reboot_pending, problem, message}:
    wanted is '' in check mode when the install would change the package (its kernel is known only after it);
    reboot is whether the role reboots now; reboot_pending whether the host still has to reboot into wanted after
    the role; problem a sentence when the host cannot go on (not in check mode); message says what happens.
    """
    try:
        decision = look['decision']
        running = look['kernel']['running']
        boot = look['boot']
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError('kernel_ml_plan expects a fleetops.docker_host.kernel_boot_info result (missing %s)' % exc) from exc
    unknown = bool(check_mode and install_changed)
    wanted = '' if unknown else decision['wanted']
    no_boot_tool = bool(container) and not boot.get('manager')
    set_default = bool(wanted) and decision['image_present'] and not decision['default_ok'] and not no_boot_tool
    reboot_needed = bool(wanted) and decision['reboot_needed']
    rebooting = reboot_needed and bool(reboot) and not check_mode and not container
    problem = ''
    if not check_mode and not wanted:
        chain = ' -> '.join(look.get('package', {}).get('chain', [])) or package or '?'
        problem = ('%s: the kernel package %s is not installed after the install step, or leads to no kernel image '
                   '(followed: %s), so there is no kernel version to boot; see the install task\'s output above.'
                   % (host, package or '?', chain))
    elif not check_mode and not decision['image_present']:
        problem = ('%s: %s leads to kernel %s but /boot/vmlinuz-%s is missing; reinstall the package (apt install '
                   '--reinstall / dnf reinstall).' % (host, package or 'the package', wanted, wanted))
    elif not check_mode and set_default and not decision['boot_entry']:
        problem = ('%s: no boot menu entry boots %s (%s default: %s); run update-grub (grub2-mkconfig) and check '
                   'GRUB_DEFAULT in /etc/default/grub and /etc/default/grub.d.'
                   % (host, wanted, boot.get('manager') or 'boot loader', boot.get('default_image') or 'unknown'))
    prefix = '%s runs %s; ' % (host, running)
    if unknown:
        message = prefix + 'would install %s and reboot into the kernel it brings (known only after the install).' % (package or 'the kernel')
    elif not wanted:
        message = prefix + 'would install %s and reboot into it.' % (package or 'the kernel')
    elif not reboot_needed:
        message = prefix + 'already runs the wanted kernel %s.' % wanted
        if set_default:
            message += ' Would make %s the default boot entry.' % decision['boot_entry']
    elif container:
        message = ('%s: kernel %s %s installed in this container (an image build: kernel_ml_in_container); the container '
                   'runs its host\'s kernel %s and never reboots. ' % (host, wanted, 'would be' if check_mode else 'is', running))
        if no_boot_tool:
            message += ('No boot loader tool here (neither grubby nor GRUB\'s files): the default boot entry is left to '
                        'the machine the image boots on.')
        else:
            message += 'Default boot entry: %s.' % (decision['boot_entry'] if set_default else (boot.get('default_image') or '?'))
    else:
        entry = decision['boot_entry'] if set_default else (boot.get('default_image') or '?')
        verb = 'would ' if check_mode else ''
        if reboot:
            message = prefix + '%sreboot into %s (boot entry: %s%s).' % (verb, wanted, entry, ', set first' if set_default else '')
        else:
            message = prefix + ('kernel %s %s the default boot entry; the host runs %s until it reboots (kernel_ml_reboot '
                                'is false).' % (wanted, 'would be' if check_mode else 'is', running))
            message = '%s: ' % host + message[len(prefix):]
    return {
        'wanted': wanted,
        'set_default': set_default,
        'clear_next_entry': bool(wanted) and decision['clear_next_entry'],
        'boot_entry': decision['boot_entry'],
        'reboot_needed': reboot_needed,
        'reboot': rebooting,
        'reboot_pending': reboot_needed and not rebooting,
        'problem': problem,
        'message': message,
    }


class FilterModule:
    def filters(self):
        return {
            'kernel_ml_problems': kernel_ml_problems,
            'kernel_ml_host_problems': kernel_ml_host_problems,
            'kernel_ml_plan': kernel_ml_plan,
        }
