# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions behind fleetops.docker_host.container_preflight_info: what the kernel offers a container engine.

Every reader takes a `root` argument (default "/"), so the unit tests run on a temporary tree; the module
passes in what only a command can tell (modinfo, systemd-detect-virt). Runs on Python 3.6+.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import os
import re


class PreflightError(Exception):
    """Bad input: the message is meant for the operator, as is."""


NAMESPACES = ('uts', 'ipc', 'mnt', 'pid', 'net', 'user', 'cgroup')
# Capability names for `require`: the namespaces (the cgroup namespace is `cgroupns`, to keep it apart from
# `cgroups`), plus these, plus `cgroup.<controller>` for any controller.
OTHER_CAPABILITIES = ('cgroupns', 'cgroups', 'cgroup_v2', 'overlay', 'br_netfilter', 'seccomp', 'user_namespaces')
DEFAULT_REQUIRE = ('uts', 'ipc', 'mnt', 'pid', 'net', 'user', 'cgroupns', 'cgroups', 'overlay')
# The one list of capability names: what `capabilities()` reports and `require` accepts (the cgroup namespace is
# `cgroupns`; the namespace's own name `cgroup` is not a capability), plus cgroup.<controller>.
KNOWN_CAPABILITIES = tuple(name for name in NAMESPACES if name != 'cgroup') + OTHER_CAPABILITIES
_CONTROLLER_RE = re.compile(r'^cgroup\.[a-z0-9_]+\Z')
# A kernel module name as modprobe takes it: letters, digits, "_" and "-" (the same), at most 55 characters
# (MODULE_NAME_LEN - 1 in the kernel is 55 on 64-bit); never a path, never an option (it goes to modinfo).
_MODULE_NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_-]{0,54}\Z')
DEFAULT_MODULES = ('overlay', 'br_netfilter')
MODULE_STATES = ('builtin', 'loaded', 'available', 'absent')

# What a built-in module leaves behind when /sys/module/<name> does not show it (a built-in without
# parameters has no /sys/module entry): a check per module name.
_FEATURE_EVIDENCE = {
    'br_netfilter': lambda root: os.path.exists(os.path.join(root, 'proc/sys/net/bridge/bridge-nf-call-iptables')),
    'overlay': lambda root: 'overlay' in read_filesystems(root),
    'bridge': lambda root: os.path.isdir(os.path.join(root, 'sys/class/net/bridge')) or os.path.isdir(
        os.path.join(root, 'proc/sys/net/bridge')),
}

_VM_VENDORS = (
    ('kvm', 'kvm'), ('qemu', 'qemu'), ('vmware', 'vmware'), ('virtualbox', 'oracle'), ('innotek', 'oracle'),
    ('xen', 'xen'), ('hyper-v', 'microsoft'), ('virtual machine', 'microsoft'), ('amazon ec2', 'amazon'),
    ('google compute engine', 'google'), ('openstack', 'openstack'), ('bochs', 'bochs'), ('parallels', 'parallels'),
)


def _read(root, relative, default=None):
    try:
        with open(os.path.join(root, relative), 'rb') as handle:
            return handle.read().decode('utf-8', 'replace')
    except OSError:
        return default


def module_name(text):
    """Kernel module name from a name or a path in modules.builtin/modules.dep ('-' and '_' are the same)."""
    base = os.path.basename(text.strip())
    base = re.sub(r'\.ko(\.(xz|gz|zst|bz2))?$', '', base)
    return base.replace('-', '_')


def parse_proc_modules(text):
    """Names of the loaded modules (/proc/modules). None when the file is absent (kernel without modules)."""
    if text is None:
        return None
    return set(module_name(line.split()[0]) for line in text.splitlines() if line.strip())


def parse_modules_builtin(text):
    """Names in modules.builtin (lines like kernel/fs/overlayfs/overlay.ko)."""
    return set(module_name(line) for line in (text or '').splitlines() if line.strip() and not line.startswith('#'))


def parse_modules_dep(text):
    """Names of the loadable modules in modules.dep (lines like `kernel/net/x.ko.xz: deps`)."""
    return set(module_name(line.split(':', 1)[0]) for line in (text or '').splitlines() if ':' in line)


def read_filesystems(root='/'):
    """Filesystem types the kernel knows now (/proc/filesystems, second column)."""
    names = set()
    for line in (_read(root, 'proc/filesystems') or '').splitlines():
        fields = line.split()
        if fields:
            names.add(fields[-1])
    return names


def module_state(name, release, root='/', modinfo_found=None):
    """builtin, loaded, available or absent.

    loaded: listed in /proc/modules. builtin: listed in modules.builtin, or present (/sys/module/<name>, or what
    the module provides, e.g. /proc/sys/net/bridge for br_netfilter) without being in /proc/modules.
    available: in modules.dep, or found by modinfo (`modinfo_found`, from the caller).
    """
    wanted = module_name(name)
    loaded = parse_proc_modules(_read(root, 'proc/modules'))
    if loaded is not None and wanted in loaded:
        return 'loaded'
    moddir = os.path.join('lib/modules', release)
    if wanted in parse_modules_builtin(_read(root, os.path.join(moddir, 'modules.builtin'))):
        return 'builtin'
    if os.path.isdir(os.path.join(root, 'sys/module', wanted)):
        return 'builtin'
    evidence = _FEATURE_EVIDENCE.get(wanted)
    if evidence is not None and evidence(root):
        return 'builtin'
    if wanted in parse_modules_dep(_read(root, os.path.join(moddir, 'modules.dep'))) or modinfo_found:
        return 'available'
    return 'absent'


def parse_proc_cgroups(text):
    """{controller: enabled} from /proc/cgroups (#subsys_name hierarchy num_cgroups enabled)."""
    controllers = {}
    for line in (text or '').splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        fields = line.split()
        if len(fields) >= 4:
            controllers[fields[0]] = fields[3] == '1'
    return controllers


def cgroup_info(root='/'):
    """{'version': 'v1'|'v2'|None, 'hybrid': bool, 'controllers': [...]}."""
    v2_controllers = _read(root, 'sys/fs/cgroup/cgroup.controllers')
    if v2_controllers is not None:
        return {'version': 'v2', 'hybrid': False, 'controllers': sorted(set(v2_controllers.split()))}
    v1 = parse_proc_cgroups(_read(root, 'proc/cgroups'))
    enabled = sorted(name for name, on in v1.items() if on)
    mounted = os.path.isdir(os.path.join(root, 'sys/fs/cgroup')) and bool(os.listdir(os.path.join(root, 'sys/fs/cgroup')))
    if not enabled and not mounted:
        return {'version': None, 'hybrid': False, 'controllers': []}
    hybrid = os.path.exists(os.path.join(root, 'sys/fs/cgroup/unified/cgroup.controllers'))
    return {'version': 'v1', 'hybrid': hybrid, 'controllers': enabled}


def parse_version(text):
    """(major, minor, patch) from a kernel release or a version ('6.1.0-18-amd64' -> (6, 1, 0))."""
    match = re.match(r'^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?', str(text))
    if not match:
        raise PreflightError('%r is not a kernel version; write it like "3.10" or "5.4.0"' % (text,))
    return tuple(int(part or 0) for part in match.groups())


def kernel_at_least(release, minimum):
    return parse_version(release) >= parse_version(minimum)


def namespaces(root='/'):
    return dict((name, os.path.exists(os.path.join(root, 'proc/self/ns', name))) for name in NAMESPACES)


def max_user_namespaces(root='/'):
    text = _read(root, 'proc/sys/user/max_user_namespaces')
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


def seccomp_info(root='/'):
    """Kernel support and this process's mode (/proc/self/status Seccomp: 0 disabled, 1 strict, 2 filter)."""
    mode = None
    for line in (_read(root, 'proc/self/status') or '').splitlines():
        if line.startswith('Seccomp:'):
            mode = {'0': 'disabled', '1': 'strict', '2': 'filter'}.get(line.split(':', 1)[1].strip(), 'unknown')
    supported = mode is not None or os.path.isdir(os.path.join(root, 'proc/sys/kernel/seccomp'))
    actions = (_read(root, 'proc/sys/kernel/seccomp/actions_avail') or '').split()
    return {'supported': supported, 'mode': mode, 'actions': actions}


def container_info(root='/', detect_virt_container=None, environ1=None):
    """Whether this host is itself a container. `detect_virt_container` is `systemd-detect-virt -c` output."""
    evidence = []
    kind = None
    if os.path.exists(os.path.join(root, '.dockerenv')):
        evidence.append('/.dockerenv exists')
        kind = 'docker'
    if os.path.exists(os.path.join(root, 'run/.containerenv')):
        evidence.append('/run/.containerenv exists')
        kind = kind or 'podman'
    if environ1 is None:
        environ1 = _read(root, 'proc/1/environ')
    for item in (environ1 or '').split('\0'):
        if item.startswith('container=') and item[len('container='):]:
            evidence.append('PID 1 has %s' % item)
            kind = kind or item[len('container='):]
    # What Ansible's virtualization facts also look at, for hosts without systemd-detect-virt or where PID 1's
    # environment is not readable: systemd's own note, the old Docker marker, PID 1's cgroup, an OpenVZ guest.
    systemd_container = (_read(root, 'run/systemd/container') or '').strip()
    if systemd_container:
        evidence.append('/run/systemd/container says %s' % systemd_container)
        kind = kind or systemd_container
    if os.path.exists(os.path.join(root, '.dockerinit')):
        evidence.append('/.dockerinit exists')
        kind = kind or 'docker'
    cgroup_kind = cgroup_container_kind(_read(root, 'proc/1/cgroup'))
    if cgroup_kind:
        evidence.append('PID 1 runs in a %s cgroup (/proc/1/cgroup)' % cgroup_kind)
        kind = kind or cgroup_kind
    if os.path.isdir(os.path.join(root, 'proc/vz')) and not os.path.exists(os.path.join(root, 'proc/bc')) \
            and not os.path.exists(os.path.join(root, 'proc/lve')):
        evidence.append('/proc/vz exists without /proc/bc (OpenVZ guest)')
        kind = kind or 'openvz'
    detected = (detect_virt_container or '').strip()
    if detected and detected != 'none':
        evidence.append('systemd-detect-virt -c says %s' % detected)
        kind = detected  # the most specific answer (e.g. podman, lxc, docker)
    return {'is_container': bool(evidence), 'type': kind, 'evidence': evidence}


_CGROUP_CONTAINER = (
    (re.compile(r'/docker(/|-[0-9a-f]+\.scope)'), 'docker'),
    (re.compile(r'/lxc/|/machine\.slice/machine-lxc'), 'lxc'),
    (re.compile(r'/system\.slice/containerd\.service'), 'containerd'),
)


def cgroup_container_kind(text):
    """docker, lxc or containerd when a line of /proc/1/cgroup puts PID 1 in such a container's cgroup, else None."""
    for line in (text or '').splitlines():
        for pattern, kind in _CGROUP_CONTAINER:
            if pattern.search(line):
                return kind
    return None


def vm_info(root='/', detect_virt_vm=None):
    """Whether this host is a virtual machine: systemd-detect-virt -v output, DMI strings, the cpu flag."""
    detected = (detect_virt_vm or '').strip()
    if detected and detected != 'none':
        return {'is_vm': True, 'type': detected, 'evidence': ['systemd-detect-virt -v says %s' % detected]}
    dmi = ' '.join((_read(root, 'sys/class/dmi/id/' + name) or '').strip().lower()
                   for name in ('sys_vendor', 'product_name'))
    for needle, kind in _VM_VENDORS:
        if needle in dmi:
            return {'is_vm': True, 'type': kind, 'evidence': ['DMI says %s' % dmi.strip()]}
    flags = _read(root, 'proc/cpuinfo') or ''
    if re.search(r'^flags\s*:.*\bhypervisor\b', flags, re.M):
        return {'is_vm': True, 'type': 'unknown', 'evidence': ['the CPU flags include hypervisor']}
    return {'is_vm': False, 'type': None, 'evidence': []}


def proc_sys_writable(root='/'):
    """True when /proc/sys is mounted read-write (containers usually get it read-only)."""
    try:
        return not (os.statvfs(os.path.join(root, 'proc/sys')).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def validate_require(require):
    """Refuse a `require` entry that is not a capability name (the names the message lists are the ones checked)."""
    for name in require:
        if isinstance(name, str) and (name in KNOWN_CAPABILITIES or _CONTROLLER_RE.match(name)):
            continue
        hint = ' (the cgroup namespace is "cgroupns")' if name == 'cgroup' else ''
        raise PreflightError('unknown capability %r in require%s; known: %s, or cgroup.<controller> (e.g. '
                             'cgroup.memory)' % (name, hint, ', '.join(sorted(KNOWN_CAPABILITIES))))


def validate_modules(modules):
    """Refuse an empty or malformed kernel module name before anything (modinfo) runs with it."""
    for name in modules:
        if not isinstance(name, str) or not _MODULE_NAME_RE.match(name):
            raise PreflightError('module name %r in modules is not a kernel module name: write the name modprobe '
                                 'takes (letters, digits, "_" or "-", e.g. br_netfilter), not a path, a file name '
                                 'or an option' % (name,))


def validate_commands(commands):
    for name in commands:
        if not isinstance(name, str) or not name.strip() or '/' in name or name != name.strip():
            raise PreflightError('command %r in commands is not a command name: write the name looked up in PATH, '
                                 'e.g. modprobe' % (name,))


def capabilities(report):
    """{capability name: present} for every name `require` accepts (controllers as cgroup.<name>)."""
    caps = {}
    for name in NAMESPACES:
        caps['cgroupns' if name == 'cgroup' else name] = report['namespaces'][name]
    cgroup = report['cgroup']
    caps['cgroups'] = cgroup['version'] is not None and bool(cgroup['controllers'])
    caps['cgroup_v2'] = cgroup['version'] == 'v2'
    for controller in cgroup['controllers']:
        caps['cgroup.' + controller] = True
    caps['overlay'] = report['overlayfs']['supported']
    caps['br_netfilter'] = report['modules'].get('br_netfilter', 'absent') in ('builtin', 'loaded', 'available')
    caps['seccomp'] = report['seccomp']['supported']
    caps['user_namespaces'] = report['namespaces']['user'] and (report['max_user_namespaces'] or 0) > 0
    return caps


_PROBLEM_TEXT = {
    'cgroups': 'no cgroup hierarchy with controllers is mounted (cgroup v1 /proc/cgroups or v2 cgroup.controllers)',
    'cgroup_v2': 'the host uses cgroup v1, not the unified cgroup v2 hierarchy',
    'overlay': 'overlayfs is not available: not in /proc/filesystems and the overlay module is neither built in '
               'nor loadable',
    'br_netfilter': 'the br_netfilter module is neither built in, loaded nor loadable (needed for the '
                    'net.bridge.* sysctls)',
    'seccomp': 'the kernel has no seccomp support',
    'user_namespaces': 'user namespaces are not usable (user.max_user_namespaces is 0 or the namespace is missing)',
}


def problem_for(name, report):
    if name in _PROBLEM_TEXT:
        return _PROBLEM_TEXT[name] + '.'
    if name.startswith('cgroup.'):
        return 'the cgroup controller %s is not available (cgroup %s; available: %s).' % (
            name[len('cgroup.'):], report['cgroup']['version'], ', '.join(report['cgroup']['controllers']) or 'none')
    namespace = 'cgroup' if name == 'cgroupns' else name
    return 'the %s namespace is missing (/proc/self/ns/%s does not exist).' % (namespace, namespace)


def build_report(release, *, min_kernel='3.10', require=DEFAULT_REQUIRE, modules=DEFAULT_MODULES, root='/',
                 modinfo=None, detect_virt_container=None, detect_virt_vm=None):
    """The `preflight` dict and the `problems` list. `modinfo` maps module name -> found by modinfo."""
    validate_require(require)
    validate_modules(modules)
    parse_version(min_kernel)
    modinfo = modinfo or {}
    wanted_modules = list(modules)
    for name in DEFAULT_MODULES:
        if name not in wanted_modules:
            wanted_modules.append(name)
    states = dict((name, module_state(name, release, root, modinfo.get(name))) for name in wanted_modules)
    filesystems = read_filesystems(root)
    report = {
        'kernel': {'release': release, 'version': '.'.join(str(p) for p in parse_version(release)),
                   'minimum': str(min_kernel), 'ok': kernel_at_least(release, min_kernel)},
        'namespaces': namespaces(root),
        'max_user_namespaces': max_user_namespaces(root),
        'cgroup': cgroup_info(root),
        'overlayfs': {'in_proc_filesystems': 'overlay' in filesystems, 'module': states['overlay'],
                      'supported': 'overlay' in filesystems or states['overlay'] != 'absent'},
        'modules': states,
        'br_netfilter': states['br_netfilter'],
        'container': container_info(root, detect_virt_container),
        'virtualization': vm_info(root, detect_virt_vm),
        'seccomp': seccomp_info(root),
        'proc_sys_writable': proc_sys_writable(root),
    }
    caps = capabilities(report)
    report['capabilities'] = caps
    report['missing'] = [name for name in require if not caps.get(name, False)]
    problems = []
    if not report['kernel']['ok']:
        problems.append('kernel %s is older than the minimum %s.' % (release, min_kernel))
    problems.extend(problem_for(name, report) for name in report['missing'])
    return report, problems
