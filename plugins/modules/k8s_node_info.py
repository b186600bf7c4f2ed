#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: E402 - imports follow DOCUMENTATION/EXAMPLES/RETURN, as Ansible modules do

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

DOCUMENTATION = r'''
---
module: k8s_node_info
short_description: The Kubernetes node look - containerd's CRI, cgroup driver, swap, kubeadm's prerequisites - and a readiness verdict
version_added: 0.2.0
description:
  - One read-only look at what C(kubeadm init/join) and the kubelet need, without kubeadm, and a verdict that
    names each unmet prerequisite with its fix (RV(readiness)).
  - containerd - installed, running, the CRI plugin's status in C(ctr plugins ls) (the CRI socket answers
    only when it is C(ok)), a CRI call (RV(cri_call)) with crictl or Python's grpc module where one is there, the settings of
    O(config_file) that matter for the kubelet, and the cgroup driver containerd actually uses (C(containerd config dump)).
  - Swap (C(/proc/swaps), the swap lines of O(fstab), active swap units), the forwarding and bridge sysctls, the
    kernel modules C(overlay) and C(br_netfilter), C(conntrack) and C(socat), the ports O(ports), whether the
    host name is a valid node name and resolves, C(/etc/machine-id) and the product UUID (for the fleet-wide
    uniqueness check of the fleet report), and whether the host is a container (the collection's one detection).
  - The floors of the Kubernetes release O(kubernetes_version) (a table in the collection, each row naming its
    sources - containerd's Kubernetes support matrix, kubeadm's SystemVerification, KEP-5573) - the kernel (4.19 or
    newer from 1.32), cgroup v1 (refused by the kubelet from 1.35), the containerd lines and releases supported, and
    the pause image kubeadm of that release expects. Where containerd is too old, the versions the host's configured
    repositories offer (C(apt-cache policy), C(dnf -C list)) decide the fix named.
  - With the k8s_node role's settings (O(registries), O(sandbox_image), O(registry_config_path),
    O(docker_certs_dir)) it is that role's one look and returns its decisions too (private Python of the collection,
    unit-tested) - RV(problems) (bad input, each naming the role's variable and its fix), RV(plan) (the registry
    trust files to write or remove) and RV(result), the role's result from this look and O(steps).
  - Changes nothing on the host.
options:
  kubernetes_version:
    description:
      - The Kubernetes release (C(MAJOR.MINOR), e.g. V(1.35)) the verdict is for. Unset, the newest release the
        floors table knows (1.36).
      - A release newer than the table is judged by the newest floors, and RV(readiness) says so in its notes; a
        malformed release or one older than the table (1.28) is refused.
    type: str
    version_added: 0.3.0
  config_file:
    description: containerd's configuration file.
    type: path
    default: /etc/containerd/config.toml
  socket:
    description: containerd's socket.
    type: path
    default: /run/containerd/containerd.sock
  fstab:
    description: The fstab file.
    type: path
    default: /etc/fstab
  ports:
    description: TCP ports that must be free (the API server's and the kubelet's).
    type: list
    elements: int
    default: [6443, 10250]
  allow_swap:
    description: Swap is allowed (the kubelet is configured for C(NodeSwap)); then swap is a note, not unmet.
    type: bool
    default: false
  cgroup_driver:
    description: The cgroup driver the kubelet is to use.
    type: str
    choices: [systemd, cgroupfs]
    default: systemd
  certs_dirs:
    description:
      - The registry directories' parents (containerd's C(config_path) and Docker's C(certs.d)); their
        C(<host>/) directories that the k8s_node role wrote are listed in RV(registry_dirs).
      - Unset, O(registry_config_path) and O(docker_certs_dir).
    type: list
    elements: path
  registries:
    description:
      - The registries both engines are to trust, C({host, ca, insecure, mirrors}) each (the k8s_node role's
        C(k8s_node_registries)); RV(plan) holds their files, RV(problems) what is wrong with them.
    type: list
    elements: raw
    default: []
    version_added: 0.3.0
  sandbox_image:
    description: The sandbox (pause) image the k8s_node role sets (C(k8s_node_sandbox_image)); checked for RV(problems).
    type: str
    default: ''
    version_added: 0.3.0
  registry_config_path:
    description: containerd's C(config_path), where RV(plan) puts C(<host>/hosts.toml) and C(<host>/ca.crt).
    type: path
    default: /etc/containerd/certs.d
    version_added: 0.3.0
  docker_certs_dir:
    description: Docker's per-registry CA directory, where RV(plan) puts C(<host>/ca.crt).
    type: path
    default: /etc/docker/certs.d
    version_added: 0.3.0
  steps:
    description:
      - What the k8s_node role's steps registered, C({containerd, swap, restart, docker, files, removed, packages})
        (a skipped or missing step counts as not run), and C(plan), the first look's RV(plan) (whose notes the result
        keeps); RV(result) is then the role's result after those steps.
    type: dict
    default: {}
    version_added: 0.3.0
extends_documentation_fragment:
  - fleetops.docker_host.common
  - fleetops.docker_host.read_only
attributes:
  platform:
    description: Linux hosts.
'''

EXAMPLES = r'''
- name: Is this node ready for kubeadm?
  fleetops.docker_host.k8s_node_info:
  register: k8s_look

- name: Say what is missing
  ansible.builtin.debug:
    msg: "{{ k8s_look.readiness.unmet | map(attribute='fix') | list }}"
  when: not k8s_look.readiness.ready

- name: The k8s_node role's look - its plan for two registries and the result with nothing changed
  fleetops.docker_host.k8s_node_info:
    registries:
      - host: registry.example.internal:5000
        ca: "{{ lookup('ansible.builtin.file', 'registry-ca.crt') }}"
      - host: 10.100.0.0/24
        insecure: true
  register: k8s_look_plan

- name: Is this node ready for Kubernetes 1.33?
  fleetops.docker_host.k8s_node_info:
    kubernetes_version: "1.33"
  register: k8s_look_133
'''

RETURN = r'''
containerd:
  description:
    - C(installed), C(version), C(active) (containerd.service), C(socket), C(cri) (the CRI plugin's status in
      C(ctr plugins ls), V(null) when ctr could not ask), C(config_file), C(config_exists), C(config) (from the
      file - C(version), C(disabled_plugins), C(cri_disabled), C(runc_runtime_type), C(default_runtime) (the
      runtime the pods use, C(default_runtime_name)), C(systemd_cgroup) and C(cgroup_driver) (of that runtime),
      C(sandbox_image), C(config_path)), C(config_error) (why the file could not be read, a FIFO or a directory in its
      place, nesting too deep; else V(null)) and
      C(effective_cgroup_driver) and C(effective_sandbox_image) (from C(containerd config dump) when the CRI plugin is
      loaded), and C(config_loaded) - V(false) when the file was written after the running containerd started
      (a run cut off between the write and the restart, or an edit since; containerd still runs without it), V(true)
      when it started after the last write, V(null) when containerd is not running or either time is unknown.
  returned: always
  type: dict
  sample: {installed: true, version: 1.6.20~ds1, active: true, socket: /run/containerd/containerd.sock, cri: ok,
           config_file: /etc/containerd/config.toml, config_exists: true, config_error: null,
           effective_cgroup_driver: systemd, config: {version: 2, cri_disabled: false, systemd_cgroup: true},
           config_loaded: true}
cri_call:
  description:
    - The CRI call (RuntimeService C(Version) and C(Status), API C(runtime.v1), else C(runtime.v1alpha2)), made
      when the CRI plugin is loaded - with C(crictl) where it is on the path, else with Python's C(grpc) module
      where it imports (Debian's C(python3-grpcio); Debian packages no crictl), else not made.
    - C(client) (V(crictl), V(python-grpc) or V(null)), C(proof) (the client, or V(ctr plugins ls) when there
      is none, V(null) when the CRI plugin is not loaded), C(api), C(runtime_name), C(runtime_version),
      C(runtime_api_version), C(conditions) (condition type -> status, e.g. C(RuntimeReady), C(NetworkReady)),
      C(runtime_ready), C(not_ready_reason) and C(error) (why the call failed, else V(null)).
  returned: always
  type: dict
  sample: {client: python-grpc, proof: python-grpc, api: runtime.v1, runtime_name: containerd,
           runtime_version: 1.6.20~ds1, runtime_api_version: v1, conditions: {RuntimeReady: true, NetworkReady: false},
           runtime_ready: true, not_ready_reason: '', error: null}
docker_active:
  description: Whether docker.service is active.
  returned: always
  type: bool
swap:
  description: C(active) (C(/proc/swaps) entries), C(fstab_lines) (swap lines not commented), C(units_active).
  returned: always
  type: dict
sysctls:
  description: The live values of C(net.ipv4.ip_forward) and C(net.bridge.bridge-nf-call-iptables) (V(null) when missing).
  returned: always
  type: dict
modules:
  description: C(overlay) and C(br_netfilter) -> builtin, loaded, available or absent.
  returned: always
  type: dict
commands:
  description: C(conntrack), C(socat), C(crictl) -> path or V(null).
  returned: always
  type: dict
missing_commands:
  description: The commands kubeadm's preflight needs (C(conntrack), C(socat)) that are not installed.
  returned: always
  type: list
  elements: str
  version_added: 0.3.0
ports_in_use:
  description: The ports of O(ports) something listens on.
  returned: always
  type: list
  elements: int
hostname:
  description: C(name) and C(resolves).
  returned: always
  type: dict
machine_id:
  description: The content of C(/etc/machine-id) (empty when missing).
  returned: always
  type: str
product_uuid:
  description: The product UUID (C(/sys/class/dmi/id/product_uuid)), empty when not readable (containers).
  returned: always
  type: str
in_container:
  description: Whether this host is a container (the collection's one detection).
  returned: always
  type: bool
registry_dirs:
  description:
    - The C(<host>/) directories under O(certs_dirs) that the k8s_node role wrote, each C({path, files}) (the file
      names in it). A directory is the role's when it holds the marker file C(fleetops-k8s-node.managed), or a
      C(hosts.toml) whose first line is the role's comment; others are an operator's and never listed.
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/containerd/certs.d/registry.example:5000, files: [fleetops-k8s-node.managed, hosts.toml]}]
init:
  description: The name of PID 1 (C(systemd) on the collection's hosts).
  returned: always
  type: str
readiness:
  description:
    - The verdict for O(kubernetes_version). C(ready); C(kubernetes_version) (the release asked about);
      C(floors_version) (the table's row applied, the newest for a newer release); C(floors) (C(kernel), C(cgroup_v1)
      - V(supported), V(maintenance) or V(refused) - C(containerd), the lowest release of each supported line, and
      C(pause)); C(unmet), a list of C({check, msg, fix}) with C(check) one of C(kernel), C(cgroup), C(containerd),
      C(cri), C(cgroup_driver), C(swap), C(sysctl), C(kernel_module), C(commands), C(ports), C(hostname),
      C(machine_id); C(notes).
    - The fleet-wide checks (machine-id and product UUID unique across the fleet) are the fleet report's.
  returned: always
  type: dict
  sample: {ready: false, kubernetes_version: "1.35", floors_version: "1.35", notes: [],
           floors: {kernel: "4.19", cgroup_v1: refused, containerd: [2.2.0, 2.1.5, 1.7.28], pause: "registry.k8s.io/pause:3.10.1"},
           unmet: [{check: cgroup, msg: "the host runs cgroup v1; ...",
                    fix: "move to cgroup v2 by a trial boot: kernel_ml_cmdline_args: [systemd.unified_cgroup_hierarchy=1] ..."}]}
kernel:
  description: The running kernel's release (C(uname -r)).
  returned: always
  type: str
  version_added: 0.3.0
cgroup:
  description: The cgroup hierarchy - C(version) (V(v1), V(v2) or V(null)), C(hybrid), C(controllers).
  returned: always
  type: dict
  version_added: 0.3.0
distribution:
  description: The distribution release (C(PRETTY_NAME) of C(/etc/os-release)).
  returned: always
  type: str
  version_added: 0.3.0
problems:
  description: What is wrong with the role's settings, one sentence each naming the variable and its fix (empty when none).
  returned: always
  type: list
  elements: str
  version_added: 0.3.0
plan:
  description:
    - The k8s_node role's plan - C(registry_dirs) (C({path}) to create), C(registry_files) (C({path, content}) to
      write, the marker file among them), C(registry_remove) (C({path}) of what the role wrote for entries now gone)
      and C(notes) (what it leaves alone). Empty lists when RV(problems) is not empty.
  returned: always
  type: dict
  version_added: 0.3.0
result:
  description: The k8s_node role's result (C(k8s_node_result), documented in the role's README) from this look and O(steps).
  returned: always
  type: dict
  version_added: 0.3.0
containerd_offers:
  description:
    - The versions of C(containerd) and C(containerd.io) the host's configured repositories offer (and the installed
      one), as package -> list of versions; looked at only when the installed containerd misses the floor, else
      empty.
  returned: always
  type: dict
  version_added: 0.3.0
'''

import os
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import (
    ContainerdConfigError,
    ProtobufError,
    TomlError,
    answer,
    cri_status,
    failed,
    grpc_available,
    grpc_call,
    loads,
    no_client,
    parse_crictl_info,
    parse_crictl_version,
    parse_plugins,
    summary,
    toml_error_text,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import (
    FloorsError,
    REQUIRED_COMMANDS,
    REQUIRED_MODULES,
    REQUIRED_SYSCTLS,
    STEPS,
    containerd_supported,
    floors_for,
    fstab_swap_lines,
    k8s_node_plan,
    k8s_node_result,
    listening_ports,
    parse_apt_policy,
    parse_dnf_list,
    parse_proc_swaps,
    parse_unit_list,
    readiness,
    registry_dir_managed,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._preflight import cgroup_info, container_info, module_state
from ansible_collections.fleetops.docker_host.plugins.module_utils._files import (
    UnsafeFileError,
    look_text,
    read_regular,
    require_absolute,
)

C_ENV = {'LANG': 'C', 'LC_ALL': 'C'}
SBIN = ['/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin']


def read(path, default=''):
    # A look never blocks on a FIFO and returns valid UTF-8 (a byte that is not is shown as U+FFFD).
    return look_text(path, default=default)


def run_cmd(module, argv):
    return module.run_command(argv, environ_update=C_ENV)


def is_active(module, unit):
    systemctl = module.get_bin_path('systemctl')
    if not systemctl:
        return False
    rc, out, err = run_cmd(module, [systemctl, 'is-active', unit])
    return out.strip() == 'active'


def process_started(pid):
    """When process PID started, in seconds since the epoch (/proc: boot time plus clock ticks); None if unknown."""
    try:
        ticks = int(read('/proc/%d/stat' % pid).rsplit(')', 1)[1].split()[19])
        boot = next(int(line.split()[1]) for line in read('/proc/stat').splitlines() if line.startswith('btime '))
        return boot + ticks / float(os.sysconf('SC_CLK_TCK'))
    except (IndexError, ValueError, StopIteration, OSError):
        return None


def config_loaded(module, path):
    """Whether the running containerd started after PATH's last write (the need to restart does not live only in
    the run that wrote the file: a run cut off before its restart leaves a file newer than the process). The boot
    time has whole seconds: a write within a second of the start counts as loaded. None when a time is unknown."""
    rc, out, err = run_cmd(module, [module.get_bin_path('systemctl') or 'systemctl', 'show', '-p', 'MainPID',
                                    '--value', 'containerd.service'])
    try:
        pid = int(out.strip())
        written = os.stat(path).st_mtime
    except (ValueError, OSError):
        return None
    started = process_started(pid) if rc == 0 and pid > 0 else None
    return None if started is None else written <= started + 1


def containerd_look(module, params):
    binary = module.get_bin_path('containerd', opt_dirs=SBIN)
    look = dict(installed=bool(binary), version=None, active=False, socket=params['socket'], cri=None,
                config_file=params['config_file'], config_exists=os.path.exists(params['config_file']),
                config=None, config_error=None, effective_cgroup_driver=None,
                effective_sandbox_image=None, config_loaded=None)
    text = ''
    try:
        require_absolute(params['config_file'], 'config_file', '/etc/containerd/config.toml')
        text = (read_regular(params['config_file'], option='config_file', what='config.toml') or b'').decode(
            'utf-8', 'replace')
        look['config'] = summary(loads(text))
    except (TomlError, ContainerdConfigError, UnsafeFileError, OSError) as exc:
        look['config_error'] = '%s: %s' % (params['config_file'], toml_error_text(text, exc))
    except RecursionError:
        look['config_error'] = '%s: values nested too deep to read; the file is damaged' % params['config_file']
    if not binary:
        return look
    rc, out, err = run_cmd(module, [binary, '--version'])
    if rc == 0 and len(out.split()) >= 3:
        look['version'] = out.split()[2]
    look['active'] = is_active(module, 'containerd.service')
    if look['active'] and look['config_exists']:
        look['config_loaded'] = config_loaded(module, params['config_file'])
    ctr = module.get_bin_path('ctr', opt_dirs=SBIN)
    if ctr and look['active']:
        rc, out, err = run_cmd(module, [ctr, '--address', params['socket'], 'plugins', 'ls'])
        if rc == 0:
            look['cri'] = cri_status(parse_plugins(out)) or 'not listed'
    # Only on a file the look could read (or none): containerd opens a FIFO at config_file and waits for a writer.
    if look['cri'] == 'ok' and look['config_error'] is None:
        rc, out, err = run_cmd(module, [binary, '--config', params['config_file'], 'config', 'dump'])
        if rc == 0:
            try:
                dumped = summary(loads(out))
                look['effective_cgroup_driver'] = dumped.get('cgroup_driver') or 'cgroupfs'
                look['effective_sandbox_image'] = dumped.get('sandbox_image')
            except (TomlError, ContainerdConfigError, RecursionError):
                look['effective_cgroup_driver'] = None
    return look


def managed_registry_dirs(bases):
    """The <host>/ directories under BASES that the k8s_node role wrote: [{path, files}]."""
    found = []
    for base in bases:
        try:
            names = sorted(os.listdir(base))
        except OSError:
            continue
        for name in names:
            path = os.path.join(base, name)
            if os.path.islink(path) or not os.path.isdir(path):
                continue
            try:
                files = sorted(os.listdir(path))
            except OSError:
                continue
            head = read(os.path.join(path, 'hosts.toml')).split('\n', 1)[0] if 'hosts.toml' in files else ''
            if registry_dir_managed(files, head):
                found.append(dict(path=path, files=files))
    return found


def cri_call(module, params, crictl, cri):
    """The CRI call: crictl where installed, else Python's grpc module where importable, else none (the proof is
    then `ctr plugins ls`). Asked only when the CRI plugin is loaded."""
    if cri != 'ok':
        return no_client(proof=None)
    if crictl:
        endpoint = [crictl, '--runtime-endpoint', 'unix://' + params['socket'], '--timeout', '5s']
        rc, out, err = run_cmd(module, endpoint + ['version'])
        if rc != 0:
            return failed('crictl', '`crictl version` failed (rc %d): %s' % (rc, err.strip() or out.strip()))
        rc, info, err = run_cmd(module, endpoint + ['info'])
        if rc != 0:
            return failed('crictl', '`crictl info` failed (rc %d): %s' % (rc, err.strip() or info.strip()))
        try:
            return answer('crictl', parse_crictl_version(out), parse_crictl_info(info))
        except ProtobufError as exc:
            return failed('crictl', str(exc))
    if grpc_available():
        # grpc's own errors are not one class: whatever the call raises becomes the verdict's reason.
        try:
            return grpc_call(params['socket'])
        except Exception as exc:  # pylint: disable=broad-except
            return failed('python-grpc', 'the call did not complete: %s' % to_text(exc))
    return no_client()


CONTAINERD_PACKAGES = ('containerd', 'containerd.io')


def containerd_offers(module):
    """{package: [versions]} of containerd and containerd.io in the configured repositories (no download)."""
    apt_cache = module.get_bin_path('apt-cache')
    if apt_cache:
        rc, out, err = run_cmd(module, [apt_cache, 'policy'] + list(CONTAINERD_PACKAGES))
        return parse_apt_policy(out) if rc == 0 else {}
    dnf = module.get_bin_path('dnf')
    if dnf:
        rc, out, err = run_cmd(module, [dnf, '-q', '-C', 'list', '--showduplicates'] + list(CONTAINERD_PACKAGES))
        return parse_dnf_list(out, CONTAINERD_PACKAGES)
    return {}


def distribution():
    for line in read('/etc/os-release').splitlines():
        if line.startswith('PRETTY_NAME='):
            return line.split('=', 1)[1].strip().strip('"\'')
    return ''


def run(module):
    params = module.params
    result = dict(changed=False)
    result['containerd'] = containerd_look(module, params)
    commands = dict((name, module.get_bin_path(name, opt_dirs=SBIN)) for name in REQUIRED_COMMANDS + ('crictl',))
    result['commands'] = commands
    result['missing_commands'] = [name for name in REQUIRED_COMMANDS if not commands[name]]
    call = cri_call(module, params, commands['crictl'], result['containerd']['cri'])
    result['cri_call'] = call
    result['docker_active'] = is_active(module, 'docker.service')

    fstab_text = read(params['fstab'])
    lines = fstab_text.splitlines()
    units_active = []
    systemctl = module.get_bin_path('systemctl')
    if systemctl:
        rc, out, err = run_cmd(module, [systemctl, 'list-units', '--type', 'swap', '--state', 'active', '--plain',
                                        '--no-legend', '--no-pager'])
        if rc == 0:
            units_active = parse_unit_list(out)
    result['swap'] = dict(active=parse_proc_swaps(read('/proc/swaps')),
                          fstab_lines=[lines[index].strip() for index in fstab_swap_lines(fstab_text)],
                          units_active=units_active)
    sysctls = {}
    for key, _why in REQUIRED_SYSCTLS:
        value = read('/proc/sys/' + key.replace('.', '/'), None)
        sysctls[key] = None if value is None else ' '.join(value.split())
    result['sysctls'] = sysctls
    release = os.uname()[2]
    result['modules'] = dict((name, module_state(name, release)) for name in REQUIRED_MODULES)
    listening = listening_ports(read('/proc/net/tcp'), read('/proc/net/tcp6'))
    result['ports_in_use'] = [port for port in params['ports'] if port in listening]
    name = socket.gethostname()
    try:
        socket.getaddrinfo(name, None)
        resolves = True
    except (OSError, UnicodeError):
        resolves = False
    result['hostname'] = dict(name=name, resolves=resolves)
    result['machine_id'] = read('/etc/machine-id').strip()
    result['product_uuid'] = read('/sys/class/dmi/id/product_uuid').strip()
    detect = module.get_bin_path('systemd-detect-virt')
    detected = None
    if detect:
        rc, out, err = run_cmd(module, [detect, '-c'])
        detected = out.strip() or None
    result['in_container'] = container_info(detect_virt_container=detected)['is_container']
    result['init'] = read('/proc/1/comm').strip()
    result['registry_dirs'] = managed_registry_dirs(params['certs_dirs'])
    result['kernel'] = release
    result['cgroup'] = cgroup_info()
    result['distribution'] = distribution()
    box = result['containerd']
    minimums = floors_for(params['kubernetes_version'])[1]['containerd']
    missed = box['installed'] and box['version'] and not containerd_supported(box['version'], minimums)
    result['containerd_offers'] = containerd_offers(module) if missed else {}
    result['readiness'] = readiness(result, allow_swap=params['allow_swap'], cgroup_driver=params['cgroup_driver'],
                                    kubernetes_version=params['kubernetes_version'])
    plan = k8s_node_plan(params['registries'], cgroup_driver=params['cgroup_driver'],
                         sandbox_image=params['sandbox_image'], config_path=params['registry_config_path'],
                         docker_certs_dir=params['docker_certs_dir'], config_file=params['config_file'],
                         swap_off=not params['allow_swap'], managed=result['registry_dirs'])
    result['problems'] = plan.pop('problems')
    result['plan'] = plan
    steps = params['steps']
    first = steps['plan'] if isinstance(steps.get('plan'), dict) else plan
    result['result'] = k8s_node_result(result, notes=first.get('notes'), **dict((name, steps.get(name)) for name in STEPS))
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config_file=dict(type='path', default='/etc/containerd/config.toml'),
            socket=dict(type='path', default='/run/containerd/containerd.sock'),
            fstab=dict(type='path', default='/etc/fstab'),
            ports=dict(type='list', elements='int', default=[6443, 10250]),
            allow_swap=dict(type='bool', default=False),
            cgroup_driver=dict(type='str', default='systemd', choices=['systemd', 'cgroupfs']),
            certs_dirs=dict(type='list', elements='path'),
            kubernetes_version=dict(type='str'),
            registries=dict(type='list', elements='raw', default=[]),
            sandbox_image=dict(type='str', default=''),
            registry_config_path=dict(type='path', default='/etc/containerd/certs.d'),
            docker_certs_dir=dict(type='path', default='/etc/docker/certs.d'),
            steps=dict(type='dict', default={}),
        ),
        supports_check_mode=True,
    )
    # Bad input, not what the host shows: refused before looking.
    try:
        floors_for(module.params['kubernetes_version'])
    except FloorsError as exc:
        module.fail_json(msg='k8s_node_info: %s' % exc)
    unknown = sorted(set(module.params['steps']) - set(STEPS + ('plan',)))
    if unknown:
        module.fail_json(msg='k8s_node_info: steps takes %s, not %s' % (', '.join(STEPS + ('plan',)), ', '.join(unknown)))
    if module.params['certs_dirs'] is None:
        module.params['certs_dirs'] = [module.params['registry_config_path'], module.params['docker_certs_dir']]
    module.exit_json(**run(module))


if __name__ == '__main__':
    main()
