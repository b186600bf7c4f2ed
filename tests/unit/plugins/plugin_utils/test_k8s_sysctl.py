# -*- coding: utf-8 -*-
"""Unit tests for plugins/plugin_utils/_k8s_sysctl.py: the k8s_sysctl role's plan, result and messages."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.plugin_utils._k8s_sysctl import (
    BOOT_DIRS,
    NO_KEY_VERDICT,
    k8s_sysctl_outcome,
    k8s_sysctl_plan,
    k8s_sysctl_result,
    preflight_covers,
)

SETTINGS = {'net.bridge.bridge-nf-call-iptables': 1, 'net.bridge.bridge-nf-call-ip6tables': 1, 'net.ipv4.ip_forward': 1}
MODULES = ['overlay', 'br_netfilter']
FILES = {'sysctl_file': '/etc/sysctl.d/k8s.conf', 'modules_file': '/etc/modules-load.d/k8s.conf'}
HOST = 'node1'


def preflight(states=None, container=False, writable=True, commands=None, release='6.1.0-18-amd64'):
    """A container_preflight result as the module returns it (the fields the role reads)."""
    return {
        'changed': False,
        'preflight': {
            'kernel': {'release': release},
            'modules': dict({'overlay': 'loaded', 'br_netfilter': 'builtin'}, **(states or {})),
            'container': {'is_container': container, 'type': 'docker' if container else None,
                          'evidence': ['/.dockerenv exists'] if container else []},
            'proc_sys_writable': writable,
        },
        'commands': commands if commands is not None else {'sysctl': '/usr/sbin/sysctl', 'modprobe': '/usr/sbin/modprobe'},
        'problems': [],
    }


def plan(settings=None, modules=None, **kwargs):
    options = dict(FILES, modules=MODULES if modules is None else modules)
    options.update(kwargs)
    return k8s_sysctl_plan(SETTINGS if settings is None else settings, **options)


def applied(check=None, **kwargs):
    """A sysctl_apply return."""
    result = dict(changed=False, files=[], modules_loaded=[], modules_failed={}, before=[], applied='none',
                  applied_keys=[], check=check)
    result.update(kwargs)
    return result


GOOD_CHECK = {'ok': True, 'results': {'net.ipv4.ip_forward': {'status': 'ok'}}, 'mismatches': [], 'hints': [],
              'msg': 'sysctl_check: all 3 keys are as expected at runtime and at boot'}
BAD_CHECK = {'ok': False, 'results': {'net.ipv4.ip_forward': {'status': 'shadowed'}}, 'mismatches': ['net.ipv4.ip_forward'],
             'hints': ['Rename the file.'], 'msg': 'sysctl_check: 1 of 3 keys not as expected: net.ipv4.ip_forward [shadowed]'}


# --- input problems -----------------------------------------------------------------------------------------

def test_good_input_has_no_problem_and_values_as_sysctl_prints_them():
    result = plan({'net.ipv4.ip_forward': True, 'vm.swappiness': 0, 'net.ipv4.ip_local_port_range': ' 32768   60999 ',
                   'kernel/pid_max': 4194304, 'net.core.somaxconn': '1024', 'vm.dirty_ratio': 1.5, 'net.x': False})
    assert result['problems'] == []
    assert result['values'] == {'net.ipv4.ip_forward': '1', 'vm.swappiness': '0', 'net.ipv4.ip_local_port_range': '32768 60999',
                                'kernel/pid_max': '4194304', 'net.core.somaxconn': '1024', 'vm.dirty_ratio': '1.5', 'net.x': '0'}


@pytest.mark.parametrize('key', [
    'net.ipv4 .ip_forward', ' net.ipv4.ip_forward', 'net.ipv4.ip_forward ', 'ip_forward', 'net..ipv4', 'net.ipv4.',
    'net.ipv4.ip_forward=1', '', 'net.ipv4.ip*forward', '.net.ipv4', 'net\tipv4', 1,
])
def test_bad_keys(key):
    result = plan({key: 1, 'net.ipv4.conf.all.forwarding': 1})
    assert len(result['problems']) == 1, result['problems']
    problem = result['problems'][0]
    assert problem.startswith('k8s_sysctl_settings has bad entries: ')
    assert '(malformed key)' in problem and problem.endswith('Fix k8s_sysctl_settings.')
    assert result['values'] == {'net.ipv4.conf.all.forwarding': '1'}


@pytest.mark.parametrize('value, reason', [
    ([1], 'not a scalar'),
    ({'a': 1}, 'not a scalar'),
    (None, 'not a scalar'),
    ('', 'empty or more than one line'),
    ('   ', 'empty or more than one line'),
    ('1\n2', 'empty or more than one line'),
    ('1\r2', 'empty or more than one line'),
])
def test_bad_values(value, reason):
    result = plan({'net.ipv4.ip_forward': value})
    assert result['problems'] and ('"net.ipv4.ip_forward": ' in result['problems'][0]), result['problems']
    assert '(%s)' % reason in result['problems'][0]
    assert result['values'] == {}


def test_every_bad_entry_in_one_message():
    """What the Molecule scenario feeds the role: a key with a space and a list value, both named."""
    result = plan({'net.ipv4 .ip_forward': 1, 'net.ipv4.conf.all.forwarding': [1]})
    assert len(result['problems']) == 1
    assert result['problems'][0].startswith(
        'k8s_sysctl_settings has bad entries: "net.ipv4 .ip_forward" (malformed key); '
        '"net.ipv4.conf.all.forwarding": [1] (not a scalar). Keys are sysctl names')


def test_same_key_twice_in_two_spellings():
    result = plan({'net.ipv4.ip_forward': 1, 'net/ipv4/ip_forward': 0})
    assert '"net/ipv4/ip_forward" (the same key as "net.ipv4.ip_forward")' in result['problems'][0]


@pytest.mark.parametrize('modules, named', [
    (['br netfilter'], '"br netfilter"'),
    (['overlay', 'br_netfilter;rm'], '"br_netfilter;rm"'),
    ([1, 'ok'], '1'),
    ([''], '""'),
    (['../x'], '"../x"'),
])
def test_bad_module_names(modules, named):
    result = plan(modules=modules)
    assert result['problems'] == ['k8s_sysctl_modules has bad module names %s; give kernel module names such as '
                                  'br_netfilter. Fix k8s_sysctl_modules.' % named]


@pytest.mark.parametrize('options', [
    {'settings': {}},
    {'settings': ['net.ipv4.ip_forward']},
    {'modules': 'overlay'},
    {'modules': {'overlay': 1}},
    {'sysctl_file': '/etc/k8s.conf'},
    {'sysctl_file': '/etc/sysctl.d/k8s'},
    {'sysctl_file': '/etc/sysctl.d/sub/k8s.conf'},
    {'sysctl_file': 'k8s.conf'},
    {'modules_file': 'k8s.conf'},
    {'modules_file': '/etc/modules-load.d/k8s'},
    {'modules_file': '/etc/modules load.d/k8s.conf'},
])
def test_bad_shapes(options):
    settings = options.pop('settings', SETTINGS)
    result = plan(settings, **options)
    assert len(result['problems']) == 1, result['problems']
    problem = result['problems'][0]
    assert problem.startswith('k8s_sysctl_settings must be a non-empty dict (got ')
    assert ', '.join(BOOT_DIRS) in problem and problem.endswith('Fix the variable.')


@pytest.mark.parametrize('sysctl_file', ['/etc/sysctl.d/99-zzz-k8s.conf', '/run/sysctl.d/k8s.conf', '/usr/lib/sysctl.d/k8s.conf'])
def test_files_in_every_boot_dir(sysctl_file):
    assert plan(sysctl_file=sysctl_file)['problems'] == []


def test_all_kinds_of_problems_together():
    result = plan({'bad key': 1}, modules=['bad name'], sysctl_file='/tmp/x.conf')
    assert [p.split(' ')[0] for p in result['problems']] == ['k8s_sysctl_settings', 'k8s_sysctl_settings', 'k8s_sysctl_modules']
    assert all('\n' not in p and '  ' not in p for p in result['problems'])


# --- the caller's preflight or the role's own look ---------------------------------------------------------

@pytest.mark.parametrize('given, covers', [
    (None, False),
    ({}, False),
    ({'skipped': True, 'changed': False}, False),
    (preflight(), True),
    (preflight(commands={'sysctl': '/usr/sbin/sysctl'}), False),  # modprobe not looked at
    (preflight(commands={'sysctl': None, 'modprobe': None}), True),  # looked at, missing: still covers
    ({'preflight': {'modules': {'overlay': 'loaded'}}, 'commands': {'sysctl': 'x', 'modprobe': 'y'}}, False),
    ({'preflight': {'modules': {'overlay': 'loaded', 'br_netfilter': 'builtin'}}}, False),
])
def test_preflight_covers(given, covers):
    assert preflight_covers(given, MODULES) is covers
    result = plan(preflight=given)
    assert result['preflight_given'] is covers and result['look'] is (not covers)


def test_no_preflight_yet_means_look_and_nothing_known():
    result = plan(preflight={})
    assert result['look'] and result['tools_missing'] == [] and not result['in_container']
    assert result['modules_to_load'] == MODULES


def test_own_look_used_when_the_callers_does_not_cover():
    result = plan(preflight={}, probe=preflight(container=True))
    assert result['look'] and result['in_container']


def test_callers_result_wins_when_it_covers():
    result = plan(preflight=preflight(container=False), probe=preflight(container=True))
    assert not result['look'] and not result['in_container']


def test_callers_result_for_other_modules_is_not_used():
    result = plan(modules=['overlay', 'ip_vs'], preflight=preflight(), probe=preflight(states={'ip_vs': 'available'}))
    assert result['look'] and result['modules_to_load'] == ['ip_vs']


@pytest.mark.parametrize('commands, install, missing', [
    ({'sysctl': '/usr/sbin/sysctl', 'modprobe': '/usr/sbin/modprobe'}, True, []),
    ({'sysctl': None, 'modprobe': '/usr/sbin/modprobe'}, True, ['sysctl']),
    ({'sysctl': None, 'modprobe': None, 'docker': None}, True, ['modprobe', 'sysctl']),  # docker: not the role's
    ({'sysctl': None, 'modprobe': None}, False, []),
])
def test_tools_missing(commands, install, missing):
    assert plan(preflight=preflight(commands=commands), install_tools=install)['tools_missing'] == missing


# --- host or container -------------------------------------------------------------------------------------

MIXED = {'net.ipv4.ip_forward': 1, 'net/core/somaxconn': 1024, 'vm.swappiness': 10, 'kernel.pid_max': 4194304}


@pytest.mark.parametrize('container, writable, applicable, skipped, apply', [
    (False, True, sorted(MIXED), [], 'system'),
    (False, False, sorted(MIXED), [], 'system'),  # a host applies with sysctl --system; the verification decides
    (True, True, ['net.ipv4.ip_forward', 'net/core/somaxconn'], ['kernel.pid_max', 'vm.swappiness'], 'keys'),
    (True, False, [], sorted(MIXED), 'keys'),  # read-only /proc/sys
])
def test_container_vs_host(container, writable, applicable, skipped, apply):
    result = plan(MIXED, preflight=preflight(container=container, writable=writable))
    assert sorted(result['applicable']) == applicable
    assert result['skipped_keys'] == skipped
    assert result['apply'] == apply and result['in_container'] is container


@pytest.mark.parametrize('states, container, to_load, load, absent', [
    ({}, False, [], [], []),
    ({'br_netfilter': 'available'}, False, ['br_netfilter'], ['br_netfilter'], []),
    ({'br_netfilter': 'absent', 'overlay': 'available'}, False, ['overlay', 'br_netfilter'],
     ['overlay', 'br_netfilter'], ['br_netfilter']),
    ({'br_netfilter': 'available'}, True, ['br_netfilter'], [], []),  # never modprobe in a container
    ({'br_netfilter': 'absent'}, True, ['br_netfilter'], [], []),
    ({'overlay': 'builtin', 'br_netfilter': 'loaded'}, True, [], [], []),  # built-in counts as loaded
])
def test_modules(states, container, to_load, load, absent):
    result = plan(preflight=preflight(states=states, container=container))
    assert result['modules_to_load'] == to_load
    assert result['load_modules'] == load
    assert result['modules_absent'] == absent


# --- the result --------------------------------------------------------------------------------------------

RESULT_FIELDS = ['applied', 'applied_keys', 'before', 'changed', 'hints', 'in_container', 'mismatches', 'modules_failed',
                 'modules_loaded', 'msg', 'ok', 'results', 'skipped_keys']


def test_result_fields_and_verdict_at_top_level():
    the_plan = plan(MIXED, preflight=preflight(container=True))
    result = k8s_sysctl_result(applied(GOOD_CHECK, changed=True, before=['net.ipv4.ip_forward'], applied='keys',
                                       applied_keys=['net.ipv4.ip_forward']), the_plan)
    assert sorted(result) == RESULT_FIELDS
    assert result['ok'] and result['msg'] == GOOD_CHECK['msg'] and result['results'] == GOOD_CHECK['results']
    assert result['before'] == ['net.ipv4.ip_forward'] and result['applied'] == 'keys' and result['changed']
    assert result['skipped_keys'] == ['kernel.pid_max', 'vm.swappiness'] and result['in_container']


def test_result_when_no_key_applies():
    the_plan = plan(preflight=preflight(container=True, writable=False))
    result = k8s_sysctl_result(applied(None), the_plan)
    assert result['ok'] and result['msg'] == NO_KEY_VERDICT['msg'] and result['mismatches'] == []


# --- notes and failure -------------------------------------------------------------------------------------

def test_right_host_says_nothing():
    assert k8s_sysctl_outcome(applied(GOOD_CHECK), plan(preflight=preflight()), HOST) == {'notes': [], 'failure': ''}


def test_right_container_says_nothing_on_a_rerun():
    assert k8s_sysctl_outcome(applied(GOOD_CHECK), plan(preflight=preflight(container=True)), HOST) == {'notes': [], 'failure': ''}


def test_container_note_when_changed():
    outcome = k8s_sysctl_outcome(applied(GOOD_CHECK, changed=True), plan(preflight=preflight(container=True)), HOST)
    assert outcome['failure'] == ''
    assert outcome['notes'] == [
        'node1 is a container (/.dockerenv exists): kernel modules are not loaded from here (states on the host kernel: '
        'br_netfilter=builtin, overlay=loaded; built-in and loaded modules count); no key skipped; net.* keys are set '
        'one by one in the network namespace of the container, never with sysctl --system (it would also write the '
        'global keys of the distribution files). /etc/sysctl.d/k8s.conf is still written.']


def test_container_read_only_proc_sys_and_module_it_cannot_load():
    the_plan = plan(MIXED, preflight=preflight(states={'br_netfilter': 'available'}, container=True, writable=False))
    notes = k8s_sysctl_outcome(applied(None), the_plan, HOST)['notes']
    assert len(notes) == 2
    assert 'skipped keys, global to the machine or not writable here: kernel.pid_max, net.ipv4.ip_forward, ' in notes[0]
    assert '/proc/sys is read-only here, so no key is applied.' in notes[0]
    assert notes[1] == ('node1: kernel module br_netfilter is available on the host kernel and a container cannot load '
                        'it; load it on the machine that runs this container.')


@pytest.mark.parametrize('failed, text', [
    ({'ip_vs': 'modprobe: FATAL: Module ip_vs not found'},
     'node1: kernel module ip_vs is neither built into kernel 6.1.0-18-amd64 (no /sys/module/<name>, not in '
     'modules.builtin) nor loadable: modprobe said "modprobe: FATAL: Module ip_vs not found". Install the modules '
     'package of the running kernel, or remove the module from k8s_sysctl_modules.'),
    ({'b': 'no b', 'a': 'no a'},
     'node1: kernel modules a, b are neither built into kernel 6.1.0-18-amd64 (no /sys/module/<name>, not in '
     'modules.builtin) nor loadable: modprobe said "no a"; "no b". Install the modules package of the running kernel, '
     'or remove the module from k8s_sysctl_modules.'),
])
def test_module_that_cannot_be_loaded_fails(failed, text):
    outcome = k8s_sysctl_outcome(applied(GOOD_CHECK, changed=True, modules_failed=failed), plan(preflight=preflight()), HOST)
    assert outcome['failure'] == text


def test_absent_module_fails_in_check_mode_before_modprobe_would():
    the_plan = plan(preflight=preflight(states={'br_netfilter': 'absent'}))
    outcome = k8s_sysctl_outcome(applied(GOOD_CHECK, changed=True, modules_loaded=['br_netfilter']), the_plan, HOST, True)
    assert outcome['failure'] == (
        'node1: kernel module br_netfilter is neither built into kernel 6.1.0-18-amd64, loaded, nor found by modinfo or '
        'in modules.dep. Install the modules package of the running kernel, or remove them from k8s_sysctl_modules.')
    # Not in a real run: there modprobe tells.
    assert k8s_sysctl_outcome(applied(GOOD_CHECK, changed=True), the_plan, HOST, False)['failure'] == ''


def test_mismatch_fails_with_message_and_hints():
    outcome = k8s_sysctl_outcome(applied(BAD_CHECK), plan(preflight=preflight()), HOST)
    assert outcome['failure'] == 'node1: %s. Rename the file.' % BAD_CHECK['msg']


@pytest.mark.parametrize('result_applied, keys, action', [
    ('system', [], 'run sysctl --system'),
    ('keys', ['net.ipv4.ip_forward'], 'set net.ipv4.ip_forward'),
    ('none', [], 'apply nothing'),
])
def test_check_mode_with_pending_changes_does_not_fail(result_applied, keys, action):
    outcome = k8s_sysctl_outcome(applied(BAD_CHECK, changed=True, applied=result_applied, applied_keys=keys),
                                 plan(preflight=preflight()), HOST, True)
    assert outcome == {'notes': ['node1: would %s; before the pending changes: %s' % (action, BAD_CHECK['msg'])], 'failure': ''}


def test_check_mode_without_pending_changes_fails():
    outcome = k8s_sysctl_outcome(applied(BAD_CHECK), plan(preflight=preflight()), HOST, True)
    assert outcome['failure'].startswith('node1: sysctl_check: 1 of 3 keys')


def test_sysctl_system_error_is_a_note_not_a_failure():
    outcome = k8s_sysctl_outcome(applied(GOOD_CHECK, changed=True, applied='system', system_rc=255,
                                         system_stderr='sysctl: cannot stat /proc/sys/x: No such file'),
                                 plan(preflight=preflight()), HOST)
    assert outcome == {'notes': ['node1: sysctl --system exited 255: sysctl: cannot stat /proc/sys/x: No such file'], 'failure': ''}
