# -*- coding: utf-8 -*-
"""Unit tests for k8s_sysctl_unchanged (plugins/plugin_utils/_k8s_sysctl.py): when the k8s_sysctl role may leave
sysctl_apply out, and that the result, notes and failure are then those of a real no-change sysctl_apply run.

The fixture was captured on a Debian 12 fleet host converged by site.yml (see its _about)."""

import copy
import json
import os

import jinja2
import pytest

from ansible_collections.fleetops.docker_host.plugins.plugin_utils._k8s_sysctl import (
    NO_KEY_VERDICT,
    k8s_sysctl_outcome,
    k8s_sysctl_plan,
    k8s_sysctl_result,
    k8s_sysctl_unchanged,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
with open(os.path.join(HERE, 'fixtures', 'k8s_sysctl_no_change.json')) as handle:
    CAPTURED = json.load(handle)
SETTINGS = {'net.bridge.bridge-nf-call-iptables': 1, 'net.bridge.bridge-nf-call-ip6tables': 1, 'net.ipv4.ip_forward': 1}
MODULES = ['overlay', 'br_netfilter']
SYSCTL_FILE = '/etc/sysctl.d/k8s.conf'
MODULES_FILE = '/etc/modules-load.d/k8s.conf'
HOST = 's7-sysctl-1'


def decide(look=None, settings=None, modules=None, sysctl_text=None, modules_text=None, **options):
    """(plan, k8s_sysctl_unchanged's answer) for the captured look (or LOOK) and the role's defaults."""
    look = CAPTURED['preflight'] if look is None else look
    modules = MODULES if modules is None else modules
    options = dict(dict(sysctl_file=SYSCTL_FILE, modules_file=MODULES_FILE), **options)
    plan = k8s_sysctl_plan(SETTINGS if settings is None else settings, modules, preflight=look, **options)
    text = CAPTURED['files'][SYSCTL_FILE] if sysctl_text is None else sysctl_text
    if modules_text is None and modules:
        modules_text = CAPTURED['files'][MODULES_FILE]
    return plan, k8s_sysctl_unchanged(plan, look, text, modules_text)


def changed_look(edit):
    look = copy.deepcopy(CAPTURED['preflight'])
    edit(look['sysctl'], look['preflight'])
    return look


def test_the_fixture_files_are_what_the_role_templates_render():
    plan, _answer = decide()
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROOT, 'roles', 'k8s_sysctl', 'templates')),
                                     trim_blocks=True, keep_trailing_newline=True)
    context = {'__k8s_sysctl_plan': plan, 'k8s_sysctl_modules': MODULES}
    assert environment.get_template('k8s-sysctl.conf.j2').render(context) == CAPTURED['files'][SYSCTL_FILE]
    assert environment.get_template('modules-load.conf.j2').render(context) == CAPTURED['files'][MODULES_FILE]


@pytest.mark.parametrize('check_mode', [False, True])
def test_left_out_the_role_gives_what_a_real_no_change_sysctl_apply_run_gave(check_mode):
    plan, answer = decide()
    assert answer['run_apply'] is False and answer['run_apply_reason'] == ''
    real = dict((key, value) for key, value in CAPTURED['applied'].items() if key != 'failed')
    assert answer['unchanged'] == real
    assert k8s_sysctl_result(answer['unchanged'], plan) == CAPTURED['result']
    # Field by field, the same as from the real return (notes and failure too, in check mode as well).
    for field, value in k8s_sysctl_result(CAPTURED['applied'], plan).items():
        assert k8s_sysctl_result(answer['unchanged'], plan)[field] == value, field
    expected = {'notes': CAPTURED['outcome']['notes'], 'failure': CAPTURED['outcome']['failure']}
    assert k8s_sysctl_outcome(answer['unchanged'], plan, HOST, check_mode) == expected
    assert k8s_sysctl_outcome(CAPTURED['applied'], plan, HOST, check_mode) == expected


def _drop(path):
    return lambda state, _report: state['files'].pop(path)


def _set_file(path, **fields):
    return lambda state, _report: state['files'][path].update(fields)


def _set_key(key, **fields):
    return lambda state, _report: state['by_key'][key].update(fields)


def _later_file(key, value):
    return lambda state, _report: state['by_key'][key]['writes'].append(['/etc/sysctl.d/99-x.conf', 1, value])


def _unlinked(key):
    return lambda state, _report: state['unlinked_keys'].append(key)


def _no_state(state, _report):
    state.clear()


@pytest.mark.parametrize('edit, reason', [
    (_drop(SYSCTL_FILE), '/etc/sysctl.d/k8s.conf is not a regular file on the host'),
    (_set_file(SYSCTL_FILE, sha1='0' * 40), '/etc/sysctl.d/k8s.conf differs from the text to write'),
    (_set_file(SYSCTL_FILE, size=1), '/etc/sysctl.d/k8s.conf differs from the text to write'),
    (_set_file(SYSCTL_FILE, mode='0600'), '/etc/sysctl.d/k8s.conf has mode 0600, owner 0:0, not 0644 root:root'),
    (_set_file(SYSCTL_FILE, uid=1000), '/etc/sysctl.d/k8s.conf has mode 0644, owner 1000:0, not 0644 root:root'),
    (_set_file(SYSCTL_FILE, gid=4), '/etc/sysctl.d/k8s.conf has mode 0644, owner 0:4, not 0644 root:root'),
    (_drop(MODULES_FILE), '/etc/modules-load.d/k8s.conf is not a regular file on the host'),
    (_set_file(MODULES_FILE, mode='0755'), '/etc/modules-load.d/k8s.conf has mode 0755'),
    (_set_key('net.ipv4.ip_forward', runtime='0'), 'net.ipv4.ip_forward [mismatch]: runtime 0, expected 1'),
    (_set_key('net.ipv4.ip_forward', runtime=None, error='No such file or directory'), '[missing]'),
    (_set_key('net.ipv4.ip_forward', runtime=None, error='write-only'), 'a key needs a hint'),
    (_later_file('net.ipv4.ip_forward', '0'), 'net.ipv4.ip_forward [shadowed]'),
    (_unlinked('net.ipv4.ip_forward'), 'a key needs a hint: net.ipv4.ip_forward is set in /etc/sysctl.conf'),
    (lambda state, _report: state['by_key'].pop('net.ipv4.ip_forward'), 'no boot file sets net.ipv4.ip_forward'),
    (_no_state, 'the look did not read the sysctl files'),
])
def test_sysctl_apply_runs_when_the_look_shows_something_it_would_do(edit, reason):
    _plan, answer = decide(changed_look(edit))
    assert answer['run_apply'] is True and answer['unchanged'] == {}
    assert reason in answer['run_apply_reason']


def test_sysctl_apply_runs_when_the_texts_to_write_differ():
    # A setting changed in the inventory: the rendered text is not the file's.
    assert decide(sysctl_text=CAPTURED['files'][SYSCTL_FILE] + 'vm.swappiness = 0\n')[1]['run_apply'] is True
    assert decide(modules_text='overlay\n')[1]['run_apply'] is True
    # Without modules the role gives no modules file to sysctl_apply: that file is not compared.
    _plan, answer = decide(changed_look(_drop(MODULES_FILE)), modules=[], sysctl_text=None)
    assert answer['run_apply'] is False


def test_sysctl_apply_runs_with_tools_to_install_or_modules_to_load():
    no_modprobe = changed_look(lambda _state, _report: None)
    no_modprobe['commands']['modprobe'] = None
    assert decide(no_modprobe)[1]['run_apply_reason'] == "to install ['modprobe'], to load []"
    # A host (not a container) with br_netfilter not loaded: modprobe would run.
    host = changed_look(lambda _state, report: report.update(container={'is_container': False, 'evidence': []},
                                                             modules={'overlay': 'loaded', 'br_netfilter': 'available'}))
    assert decide(host)[1]['run_apply_reason'] == "to install [], to load ['br_netfilter']"
    host['preflight']['modules']['br_netfilter'] = 'loaded'
    plan, answer = decide(host)
    assert answer['run_apply'] is False and plan['apply'] == 'system' and plan['in_container'] is False


def test_sysctl_apply_runs_when_it_would_warn_about_the_file():
    # A boot directory of the caller's that is no sysctl.d: sysctl_apply warns that nothing reads the file at boot.
    look = changed_look(lambda state, _report: state['files'].update({'/etc/k8s/k8s.conf': dict(
        state['files'][SYSCTL_FILE])}))
    _plan, answer = decide(look, sysctl_file='/etc/k8s/k8s.conf', boot_dirs=['/etc/sysctl.d', '/etc/k8s'])
    assert answer['run_apply'] is True and 'systemd-sysctl and sysctl --system do not read it' in answer['run_apply_reason']


def test_a_container_with_a_read_only_proc_sys_compares_only_the_files():
    look = changed_look(lambda _state, report: report.update(proc_sys_writable=False))
    plan, answer = decide(look)
    assert plan['applicable'] == {} and answer['run_apply'] is False and answer['unchanged']['check'] is None
    assert k8s_sysctl_result(answer['unchanged'], plan)['msg'] == NO_KEY_VERDICT['msg']
    # The live values do not matter there (sysctl_apply reads none), the files still do.
    look['sysctl']['by_key']['net.ipv4.ip_forward']['runtime'] = '0'
    assert decide(look)[1]['run_apply'] is False
    look['sysctl']['files'][SYSCTL_FILE]['mode'] = '0640'
    assert decide(look)[1]['run_apply'] is True


def test_bad_input_never_skips():
    plan, answer = decide(settings={'net ipv4': 1})
    assert plan['problems'] and answer == {'run_apply': True, 'run_apply_reason': 'bad input', 'unchanged': {}}
