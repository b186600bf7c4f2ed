# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_kernel_ml.py: the role's input problems, the hosts it refuses, its plan."""

import copy
import re

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._kernel_ml import (
    BACKPORTS_FILE,
    DEBIAN_ARCH,
    EL_PACKAGES,
    EL_RELEASES,
    ELREPO_KEYS,
    args_missing,
    cgroup_wanted,
    container_from_facts,
    install_plan,
    kernel_ml_armed,
    kernel_ml_host_problems,
    kernel_ml_keep,
    kernel_ml_line,
    kernel_ml_outcome,
    kernel_ml_plan,
    kernel_ml_problems,
    role_plan,
)
from ansible_collections.fleetops.docker_host.plugins.module_utils._boot import (
    boot_summary,
    decide,
    default_args,
    grub_state,
    trial_entry,
)
from ansible_collections.fleetops.docker_host.tests.unit.plugins.module_utils.test_boot import (
    EL9_CFG,
    MACHINE,
    SUBMENU,
    UUID,
    advanced,
    bls,
    debian_grub_cfg,
    grubenv,
)

GOOD = {'kernel_ml_reboot_timeout': 900, 'kernel_ml_repo_url': '', 'kernel_ml_elrepo_url': 'https://www.elrepo.org',
        'kernel_ml_backports_uri': 'http://deb.debian.org/debian', 'kernel_ml_panic_timeout': 10, 'kernel_ml_keep': 2,
        'kernel_ml_checks': [{'unit': 'docker.service'}, {'name': 'engine answers', 'command': ['docker', 'info']}]}


def test_good_input_has_no_problems():
    assert kernel_ml_problems(GOOD, 'web1') == []


@pytest.mark.parametrize('name, value, words', [
    ('kernel_ml_reboot_timeout', 0, 'kernel_ml_reboot_timeout is 0; write a positive number'),
    ('kernel_ml_reboot_timeout', 'soon', "kernel_ml_reboot_timeout is 'soon'"),
    ('kernel_ml_repo_url', 'mirror.example.com/elrepo', "kernel_ml_repo_url is 'mirror.example.com/elrepo'"),
    ('kernel_ml_elrepo_url', 'http://www.elrepo.org', 'fetched over https only'),
    ('kernel_ml_backports_uri', 'deb.debian.org', "kernel_ml_backports_uri is 'deb.debian.org'"),
    ('kernel_ml_panic_timeout', -1, 'kernel_ml_panic_timeout is -1'),
    ('kernel_ml_panic_timeout', 'soon', "kernel_ml_panic_timeout is 'soon'"),
    ('kernel_ml_keep', 0, 'kernel_ml_keep is 0; write how many older kernels stay installed, at least 1'),
    ('kernel_ml_checks', 'docker', "kernel_ml_checks is 'docker'; write a list"),
    ('kernel_ml_checks', [{'unit': 'a', 'command': ['b']}], 'kernel_ml_checks[0] is'),
    ('kernel_ml_checks', [{'service': 'docker'}], "kernel_ml_checks[0] is {'service': 'docker'}"),
    ('kernel_ml_checks', [{'command': 'docker info'}], 'an argv list that must exit 0'),
    ('kernel_ml_checks', [{'command': []}], 'kernel_ml_checks[0]'),
    ('kernel_ml_checks', [{'unit': ' '}], 'kernel_ml_checks[0]'),
])
def test_each_problem_names_host_variable_and_value(name, value, words):
    settings = dict(GOOD, **{name: value})
    problems = kernel_ml_problems(settings, 'web1')
    assert len(problems) == 1 and problems[0].startswith('web1: ') and words in problems[0]


@pytest.mark.parametrize('url', ['https://mirror/el9', 'http://mirror/el9', 'ftp://mirror/el9', 'file:///srv/elrepo'])
def test_repo_url_schemes(url):
    assert kernel_ml_problems(dict(GOOD, kernel_ml_repo_url=url)) == []


def test_problems_need_a_dict():
    with pytest.raises(ValueError):
        kernel_ml_problems(['x'])


EL = {'7': {}, '8': {}, '9': {}, '10': {}}
ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64'}


@pytest.mark.parametrize('facts, words', [
    ({'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '9'}, None),
    ({'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_major_version': '7'}, None),
    ({'os_family': 'RedHat', 'distribution': 'Fedora', 'distribution_major_version': '41'}, 'no release package for EL 41'),
    ({'os_family': 'Debian', 'distribution': 'Debian', 'architecture': 'x86_64'}, None),
    ({'os_family': 'Debian', 'distribution': 'Debian', 'architecture': 'mips64'}, 'architecture mips64'),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '24.04'}, None),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '22.04'}, None),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '23.04'}, 'only for Ubuntu LTS'),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '24.10'}, 'only for Ubuntu LTS'),
    ({'os_family': 'Debian', 'distribution': 'Linux Mint', 'distribution_version': '22'}, 'Debian (backports) and Ubuntu LTS'),
    ({'os_family': 'Alpine', 'distribution': 'Alpine', 'distribution_version': '3.20'}, 'supports the EL family'),
])
def test_host_problems(facts, words):
    problems = kernel_ml_host_problems(facts, 'web1', el_releases=EL, debian_arch=ARCH)
    if words is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith('web1: ') and words in problems[0]


# ---------------------------------------------------------------------------------------------- the plan
# Looks built the way kernel_boot_info builds them, from grub.cfg/grubenv/BLS text (test_boot.py's samples).

OLD, NEW = '6.1.0-50-amd64', '6.12.48+deb12-amd64'
ENTRY_OLD, ENTRY_NEW = SUBMENU + '>' + advanced(OLD), SUBMENU + '>' + advanced(NEW)
GRUB_CMDS = {'grubby': None, 'set_default': '/usr/sbin/grub-set-default', 'editenv': '/usr/bin/grub-editenv',
             'update_grub': '/usr/sbin/update-grub', 'reboot_once': '/usr/sbin/grub-reboot'}
EL_OLD, EL_NEW = '5.14.0-503.14.1.el9_5.x86_64', '6.17.9-1.el9.elrepo.x86_64'
EL_CMDS = {'grubby': '/usr/sbin/grubby', 'set_default': '/usr/sbin/grub2-set-default', 'editenv': '/usr/bin/grub2-editenv',
           'update_grub': None, 'reboot_once': '/usr/sbin/grub2-reboot'}


def _look(running, wanted, grub, *, grubby_default, installed, commands, package):
    boot = boot_summary(grub, grubby_default)
    boot.update(commands=commands, grub=grub)
    return {'kernel': {'running': running, 'installed': list(installed)}, 'package': package, 'boot': boot,
            'decision': decide(running, wanted, boot, grub, list(installed))}


def debian(running=OLD, wanted=NEW, default='${saved_entry}', installed=(OLD, NEW), **env):
    grub = grub_state(debian_grub_cfg(default=default), grubenv(**env))
    grub['env_path'] = '/boot/grub/grubenv'
    package = {'name': 'linux-image-amd64', 'manager': 'apt', 'installed': True, 'kernel': wanted,
               'chain': ['linux-image-amd64'] + (['linux-image-' + wanted] if wanted else [])}
    return _look(running, wanted, grub, grubby_default=None, installed=installed, commands=GRUB_CMDS, package=package)


def el9(running=EL_OLD, wanted=EL_NEW, grubby_default=EL_NEW, **env):
    entries = {'%s-%s.conf' % (MACHINE, k): bls(k) for k in (EL_OLD, EL_NEW)}
    grub = grub_state(EL9_CFG, grubenv(**env), entries)
    grub['env_path'] = '/boot/grub2/grubenv'
    package = {'name': 'kernel-ml', 'manager': 'rpm', 'installed': True, 'kernel': wanted, 'chain': ['kernel-ml']}
    return _look(running, wanted, grub, grubby_default='/boot/vmlinuz-' + grubby_default, installed=(EL_OLD, EL_NEW),
                 commands=EL_CMDS, package=package)


def plan(result, **kwargs):
    kwargs.setdefault('host', 'web1')
    kwargs.setdefault('package', result['package']['name'])
    return kernel_ml_plan(result, **kwargs)


def test_debian_fresh_install_boots_the_new_kernel_once():
    # After the install (GRUB_DEFAULT=saved written, no saved entry yet): the first entry, the new kernel, is the
    # default: save the running kernel's entry first, then the one-shot entry.
    result = plan(debian(), panic=7, checks=2)
    assert result['action'] == 'trial' and result['reboot'] and result['grub_dropin'] and result['problem'] == ''
    assert result['trial_commands'] == [['/usr/sbin/grub-set-default', ENTRY_OLD], ['/usr/sbin/grub-reboot', ENTRY_NEW]]
    assert result['commit_commands'] == [['/usr/sbin/grub-set-default', ENTRY_NEW]]
    assert (result['wanted'], result['fallback'], result['once_entry']) == (NEW, OLD, ENTRY_NEW)
    assert result['message'].startswith('web1 runs %s; boot %s once (/usr/sbin/grub-reboot %s) and reboot.' % (OLD, NEW, ENTRY_NEW))
    assert 'becomes the default only after the host came back on it and uname -r and 2 checks passed' in result['message']
    assert 'panic=7 on the trial command line' in result['message']


def test_debian_default_zero_host_gets_the_same_trial():
    # A host that still has Debian's GRUB_DEFAULT=0: the menu's first entry is the new kernel.
    result = plan(debian(default='0'))
    assert result['trial_commands'][0] == ['/usr/sbin/grub-set-default', ENTRY_OLD]


def test_debian_rerun_after_a_fallback_only_arms_the_one_shot():
    result = plan(debian(saved_entry=ENTRY_OLD))
    assert result['action'] == 'trial'
    assert result['trial_commands'] == [['/usr/sbin/grub-reboot', ENTRY_NEW]]


def test_second_run_changes_nothing():
    result = plan(debian(running=NEW, saved_entry=ENTRY_NEW))
    assert result['action'] == 'none' and not result['reboot'] and not result['reboot_pending'] and not result['grub_dropin']
    assert result['trial_commands'] == [] and result['commit_commands'] == []
    assert result['message'] == 'web1 runs and defaults to %s: nothing to do.' % NEW


def test_host_on_the_new_kernel_with_the_old_default_is_proven_then_committed():
    result = plan(debian(running=NEW, saved_entry=ENTRY_OLD), checks=1)
    assert result['action'] == 'commit' and not result['reboot'] and not result['grub_dropin']
    assert result['trial_commands'] == [] and result['commit_commands'] == [['/usr/sbin/grub-set-default', ENTRY_NEW]]
    assert 'make %s the default once uname -r and 1 check pass' % ENTRY_NEW in result['message']


def test_commit_drops_a_one_shot_for_another_kernel():
    result = plan(debian(running=NEW, saved_entry=ENTRY_OLD, next_entry=ENTRY_OLD))
    assert result['commit_commands'][-1] == ['/usr/bin/grub-editenv', '/boot/grub/grubenv', 'unset', 'next_entry']


def test_no_reboot_arms_the_one_shot_and_leaves_it_pending():
    result = plan(debian(), reboot=False)
    assert result['action'] == 'arm' and not result['reboot'] and result['reboot_pending']
    assert result['trial_commands'][-1] == ['/usr/sbin/grub-reboot', ENTRY_NEW] and result['commit_commands'] == []
    armed = plan(debian(saved_entry=ENTRY_OLD, next_entry=ENTRY_NEW), reboot=False)
    assert armed['action'] == 'pending' and armed['trial_commands'] == [] and armed['reboot_pending']
    assert 'rerun the role after the reboot' in armed['message']


def test_check_mode_says_what_would_boot_and_become_the_default():
    result = plan(debian(), check_mode=True)
    assert result['action'] == 'trial' and not result['reboot'] and result['reboot_pending'] and result['problem'] == ''
    assert result['message'].startswith('web1 runs %s; would boot %s once' % (OLD, NEW))
    assert '%s stays the default entry' % OLD in result['message'] and '%s becomes the default only after' % NEW in result['message']


def test_check_mode_with_install_pending_does_not_know_the_kernel():
    result = plan(debian(wanted=OLD, running=OLD), install_changed=True, check_mode=True)
    assert result['wanted'] == '' and result['action'] == 'install' and not result['reboot'] and result['problem'] == ''
    assert 'would install linux-image-amd64 and boot the kernel it brings once' in result['message']


def test_package_not_installed_is_a_problem():
    result = plan(debian(wanted=''))
    assert result['problem'].startswith('web1: the kernel package linux-image-amd64 is not installed')
    assert not result['reboot'] and result['action'] == 'none'


def test_package_not_installed_in_check_mode_is_not():
    result = plan(debian(wanted=''), check_mode=True)
    assert result['problem'] == '' and result['action'] == 'install'
    assert 'would install linux-image-amd64 and boot the kernel it brings once' in result['message']


def test_missing_image_is_a_problem():
    assert '/boot/vmlinuz-%s is missing' % NEW in plan(debian(installed=(OLD,)))['problem']


def test_no_entry_for_the_new_kernel_is_a_problem():
    result = debian()
    result['decision'].update(boot_entry='', once_entry='')
    assert 'no boot menu entry boots %s' % NEW in plan(result)['problem']


def test_no_one_shot_entry_is_a_problem():
    result = debian()
    result['decision']['once_entry'] = ''
    assert 'cannot be tried without making it the default' in plan(result)['problem']


def test_no_entry_for_the_running_kernel_is_a_problem():
    result = debian()
    result['decision'].update(fallback_entry='', fallback_ok=False)
    assert 'nothing to fall back to' in plan(result)['problem']


# EL: the same one-shot logic through grubby and grub2-reboot (it cannot boot here).

def test_el_install_made_the_new_kernel_the_default_so_the_trial_puts_the_old_one_back():
    result = plan(el9(), panic=10)
    assert result['action'] == 'trial' and not result['grub_dropin']
    assert result['trial_commands'] == [
        ['/usr/sbin/grubby', '--set-default', '/boot/vmlinuz-' + EL_OLD],
        ['/usr/sbin/grubby', '--update-kernel', '/boot/vmlinuz-' + EL_NEW, '--args', 'panic=10'],
        ['/usr/sbin/grub2-reboot', '%s-%s' % (MACHINE, EL_NEW)],
    ]
    assert result['commit_commands'] == [['/usr/sbin/grubby', '--set-default', '/boot/vmlinuz-' + EL_NEW]]
    assert result['failed_packages'] == ['kernel-ml-' + EL_NEW, 'kernel-ml-core-' + EL_NEW, 'kernel-ml-modules-' + EL_NEW]


def test_el_without_panic_and_with_the_old_default_kept():
    result = plan(el9(grubby_default=EL_OLD), panic=0)
    assert result['trial_commands'] == [['/usr/sbin/grub2-reboot', '%s-%s' % (MACHINE, EL_NEW)]]


def test_el_armed_state_is_what_the_trial_checks_before_the_reboot():
    look = el9(grubby_default=EL_OLD, saved_entry='%s-%s' % (MACHINE, EL_OLD), next_entry='%s-%s' % (MACHINE, EL_NEW))
    assert look['decision']['once_armed'] and look['decision']['fallback_ok']


def test_el_second_run_changes_nothing():
    result = plan(el9(running=EL_NEW, grubby_default=EL_NEW))
    assert result['action'] == 'none' and result['trial_commands'] == [] and result['commit_commands'] == []


def test_el7_without_bls_uses_the_menu_entry():
    cfg = ("set default=\"${saved_entry}\"\nif [ \"${next_entry}\" ] ; then\n set default=\"${next_entry}\"\nfi\n"
           "menuentry 'CentOS Linux (%s) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-%s-advanced-x' {\n"
           " linux16 /vmlinuz-%s root=/dev/sda1 ro\n}\n"
           "menuentry 'CentOS Linux (%s) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-%s-advanced-x' {\n"
           " linux16 /vmlinuz-%s root=/dev/sda1 ro\n}\n") % ((EL_NEW,) * 3 + (EL_OLD,) * 3)
    grub = grub_state(cfg, grubenv())
    look = _look(EL_OLD, EL_NEW, grub, grubby_default='/boot/vmlinuz-' + EL_NEW, installed=(EL_OLD, EL_NEW),
                 commands=EL_CMDS, package={'name': 'kernel-ml', 'manager': 'rpm', 'chain': ['kernel-ml']})
    result = plan(look)
    assert result['trial_commands'][-1] == ['/usr/sbin/grub2-reboot', 'gnulinux-%s-advanced-x' % EL_NEW]


def test_plan_does_not_change_the_look():
    result = debian()
    before = copy.deepcopy(result)
    plan(result)
    assert result == before


def test_plan_needs_a_look():
    with pytest.raises(ValueError):
        kernel_ml_plan({'decision': {}})


# ELRepo's own table (EL_RELEASES): kernel-lt ships for EL 7-9, not (yet) for EL 10. The tables are the defaults.

@pytest.mark.parametrize('distribution, major, flavor, refused', [
    ('Rocky', '10', 'lt', True),
    ('AlmaLinux', '10', 'lt', True),
    ('CentOS', '10', 'lt', True),
    ('Rocky', '10', 'ml', False),
    ('Rocky', '9', 'lt', False),
    ('AlmaLinux', '8', 'lt', False),
    ('CentOS', '7', 'lt', False),
    ('Rocky', '9', 'ml', False),
    ('Rocky', '10', '', False),
])
def test_kernel_lt_where_elrepo_does_not_ship_it(distribution, major, flavor, refused):
    facts = {'os_family': 'RedHat', 'distribution': distribution, 'distribution_major_version': major,
             'distribution_version': major + '.0'}
    problems = kernel_ml_host_problems(facts, 'web1', flavor=flavor)
    assert bool(problems) == refused, problems
    if refused:
        text = problems[0]
        assert text.startswith('web1: %s %s.0' % (distribution, major))
        assert 'ELRepo does not ship kernel-lt for EL 10 yet' in text and 'kernel-ml (kernel_ml_flavor: ml)' in text
        assert 'installs nothing' in text


def test_a_row_without_flavors_accepts_any_flavor():
    facts = {'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '9'}
    assert kernel_ml_host_problems(facts, 'web1', el_releases={'9': {}}, flavor='lt') == []


# kernel_ml_in_container: an image built in a container gets the kernel, never a reboot or a trial boot.
def _no_boot_tool(look):
    look['boot']['manager'] = None
    look['boot']['default_image'] = ''
    look['decision']['boot_entry'] = ''
    return look


@pytest.mark.parametrize('grubby_default, commit', [
    (EL_OLD, [['/usr/sbin/grubby', '--set-default', '/boot/vmlinuz-' + EL_NEW]]),  # the image's default is set
    (EL_NEW, []),  # installing the kernel made it the default already
])
def test_container_image_sets_the_default_directly_and_never_reboots(grubby_default, commit):
    result = plan(el9(running='6.1.0-41-amd64', grubby_default=grubby_default), container=True, reboot=True)
    assert result['action'] == 'image' and result['wanted'] == EL_NEW and result['problem'] == ''
    assert result['reboot'] is False and result['reboot_needed'] and result['reboot_pending']
    assert result['trial_commands'] == [] and result['commit_commands'] == commit
    assert 'never reboots' in result['message'] and EL_NEW in result['message'], result['message']


def test_container_image_without_a_boot_loader_tool_leaves_the_default_to_the_machine():
    result = plan(_no_boot_tool(el9(running='6.1.0-41-amd64', grubby_default=EL_OLD)), container=True)
    assert result['action'] == 'image' and result['problem'] == '' and result['commit_commands'] == []
    assert 'No boot loader tool here' in result['message'], result['message']


def test_a_host_without_a_boot_loader_is_still_a_problem():
    result = plan(_no_boot_tool(el9(running=EL_OLD, grubby_default=EL_OLD)), container=False)
    assert result['action'] == 'trial' and 'no boot menu entry boots' in result['problem']


# ---------------------------------------------------------------------------------------------- the outcome

def trial():
    return plan(debian())


def test_outcome_committed_after_the_proof():
    checks = [{'item': {'unit': 'ssh.service'}, 'rc': 0}, {'item': {'command': ['true']}, 'rc': 0}]
    result = kernel_ml_outcome(trial(), host='web1', kernel_now=NEW, checks=checks)
    assert result['status'] == 'committed' and result['commit'] and result['problem'] == ''
    assert (result['kernel_tried'], result['kernel_after']) == (NEW, NEW)
    assert 'passed uname -r and 2 checks' in result['message']


def test_outcome_fell_back_names_tried_running_and_where_to_look():
    result = kernel_ml_outcome(trial(), host='web1', kernel_now=OLD, timeout=600)
    assert result['status'] == 'fell_back' and not result['commit'] and not result['remove_failed']
    assert result['problem'].startswith('web1: booted kernel %s once and the host came back on %s' % (NEW, OLD))
    assert 'which still boots %s' % OLD in result['problem'] and 'console' in result['problem']
    assert 'grub-editenv list' in result['problem'] and ENTRY_NEW in result['problem']
    assert 'stays installed, not the default' in result['problem']
    assert (result['kernel_tried'], result['kernel_after']) == (NEW, OLD)


def test_outcome_fell_back_with_removal():
    result = kernel_ml_outcome(trial(), host='web1', kernel_now=OLD, remove_failed=True,
                               remove_command=['apt-get', '-y', 'purge'])
    assert result['remove_failed'] and '%s was removed' % NEW in result['problem']
    assert result['commands'] == [['apt-get', '-y', 'purge', 'linux-image-' + NEW]]
    kept = kernel_ml_outcome(trial(), host='web1', kernel_now=OLD, remove_command=['apt-get', '-y', 'purge'])
    assert kept['commands'] == [] and not kept['remove_failed']


# The drop-in the role wrote with a template before: the same bytes, so a managed host sees no change.
@pytest.mark.parametrize('panic, text', [
    (7, '# Managed by fleetops.docker_host.kernel_ml: boot the entry grub-set-default saved (the last kernel that\n'
        '# proved itself); grub-reboot boots a new kernel once.\nGRUB_DEFAULT=saved\n'
        '# A kernel that panics reboots after 7 s, into the saved entry.\n'
        'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT panic=7"\n'
        "# Ubuntu's recordfail would hold the menu after a failed boot until someone presses a key.\n"
        'GRUB_RECORDFAIL_TIMEOUT=10\n'),
    (0, '# Managed by fleetops.docker_host.kernel_ml: boot the entry grub-set-default saved (the last kernel that\n'
        '# proved itself); grub-reboot boots a new kernel once.\nGRUB_DEFAULT=saved\n'
        "# Ubuntu's recordfail would hold the menu after a failed boot until someone presses a key.\n"
        'GRUB_RECORDFAIL_TIMEOUT=10\n'),
])
def test_grub_dropin_is_the_one_the_role_wrote(panic, text):
    result = plan(debian(), panic=panic)
    assert result['boot_files'] == [{'dest': '/etc/default/grub.d/zz-kernel-ml.cfg', 'content': text, 'mode': '0644'}]


def test_el_trial_writes_no_grub_files():
    assert plan(el9())['boot_files'] == []


def test_outcome_not_back():
    result = kernel_ml_outcome(trial(), host='web1', reboot_error='Timed out waiting for last boot time check',
                               timeout=600, editenv='grub2-editenv')
    assert result['status'] == 'not_back' and not result['commit'] and not result['remove_failed']
    assert 'did not come back within 600 s (Timed out waiting for last boot time check)' in result['problem']
    assert 'The default entry still boots %s' % OLD in result['problem'] and 'grub2-editenv list' in result['problem']
    assert result['kernel_after'] == ''


def test_outcome_checks_failed_is_not_committed():
    checks = [{'item': {'unit': 'docker.service'}, 'rc': 3}, {'item': {'name': 'engine', 'command': ['docker', 'info']}, 'rc': 1},
              {'item': {'unit': 'ssh.service'}, 'rc': 0}]
    result = kernel_ml_outcome(trial(), host='web1', kernel_now=NEW, checks=checks)
    assert result['status'] == 'checks_failed' and not result['commit']
    assert 'its checks failed: unit docker.service active (rc 3); engine (rc 1)' in result['problem']
    assert 'the default entry still boots %s' % OLD in result['problem']


def test_outcome_of_a_commit_without_trial():
    result = kernel_ml_outcome(plan(debian(running=NEW, saved_entry=ENTRY_OLD)), kernel_now=NEW,
                               checks=[{'skipped': True, 'item': {'unit': 'x'}}])
    assert result['commit'] and result['kernel_tried'] == '' and 'passed uname -r:' in result['message']


# ---------------------------------------------------------------------------------------------- kept kernels

def test_keep_protects_the_running_kernel_and_the_newest_older_ones():
    look = debian(installed=('5.10.0-30-amd64', OLD, '6.1.0-51-amd64', NEW))
    result = kernel_ml_keep(look, 1)
    assert result['protect'] == [OLD, '6.1.0-51-amd64'] and result['installonly_limit'] == 2
    assert kernel_ml_keep(look, 2)['protect'] == [OLD, '6.1.0-51-amd64']
    assert kernel_ml_keep(look, 3)['protect'] == ['5.10.0-30-amd64', OLD, '6.1.0-51-amd64']
    assert kernel_ml_keep(look, 3)['installonly_limit'] == 4


def test_keep_regexes_match_only_that_kernel():
    (regex,) = kernel_ml_keep(debian(installed=(OLD, NEW)), 2)['apt_never_autoremove']
    assert re.match(regex, 'linux-image-' + OLD) and re.match(regex, 'linux-headers-' + OLD)
    assert not re.match(regex, 'linux-image-6x1x0-50-amd64') and not re.match(regex, 'linux-image-' + OLD + '-dbg')


def test_keep_after_the_commit_is_the_same_list():
    # The run after the commit (the host runs the new kernel) protects the same older kernel: no change.
    before = kernel_ml_keep(debian(), 2)
    after = kernel_ml_keep(debian(running=NEW, saved_entry=ENTRY_NEW), 2)
    assert before == after


# ---------------------------------------------------------------------------------------------- armed for the trial

def test_armed_after_the_trial_commands():
    look = debian(saved_entry=ENTRY_OLD, next_entry=ENTRY_NEW)
    assert look['decision']['once_args'] == 'root=UUID=%s ro console=ttyS0' % UUID
    assert kernel_ml_armed(look, plan(debian()), host='web1', panic=0) == []


def test_not_armed_names_every_reason():
    problems = kernel_ml_armed(debian(), plan(debian()), host='web1', panic=7)
    assert len(problems) == 3
    assert problems[0].startswith('web1: the next boot starts %s, not %s' % (NEW, NEW))
    assert 'the default entry boots %s, not the running kernel %s' % (NEW, OLD) in problems[1]
    assert 'whose last panic= is missing, not panic=7' in problems[2]


@pytest.mark.parametrize('args, ok', [
    ('root=/dev/vda1 ro panic=7', True),
    ('root=/dev/vda1 ro panic=10 panic=7', True),   # the kernel takes the last one
    ('root=/dev/vda1 ro panic=7 panic=10', False),  # a drop-in read after the role's set it again
    ('root=/dev/vda1 ro', False),
    ('$kernelopts', True),                          # EL8: unknown until GRUB expands it
    (None, True),
])
def test_armed_panic_on_the_trial_command_line(args, ok):
    look = debian(saved_entry=ENTRY_OLD, next_entry=ENTRY_NEW)
    look['decision']['once_args'] = args
    assert (kernel_ml_armed(look, plan(debian()), panic=7) == []) is ok


def test_armed_reads_bls_options_on_el():
    look = el9(grubby_default=EL_OLD, saved_entry='%s-%s' % (MACHINE, EL_OLD), next_entry='%s-%s' % (MACHINE, EL_NEW))
    assert look['decision']['once_args'] == 'root=/dev/mapper/rl-root ro'
    problems = kernel_ml_armed(look, plan(el9()), panic=10)
    assert len(problems) == 1 and 'not panic=10' in problems[0]


# The names the role installs come from kernel_ml_line over the module's tables (the OS family's one dispatch).
@pytest.mark.parametrize('facts, flavor, package, apt_release, el_major', [
    ({'os_family': 'Debian', 'distribution': 'Debian', 'distribution_release': 'bookworm', 'architecture': 'x86_64'},
     '', 'linux-image-amd64', 'bookworm-backports', None),
    ({'os_family': 'Debian', 'distribution': 'Debian', 'distribution_release': 'trixie', 'architecture': 'aarch64'},
     '', 'linux-image-arm64', 'trixie-backports', None),
    ({'os_family': 'Debian', 'distribution': 'Debian', 'distribution_release': 'bullseye', 'architecture': 'riscv64'},
     '', 'linux-image-riscv64', 'bullseye-backports', None),
    ({'os_family': 'Debian', 'distribution': 'Ubuntu', 'distribution_version': '24.04', 'distribution_release': 'noble',
      'architecture': 'x86_64'}, '', 'linux-generic-hwe-24.04', '', None),
    ({'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '9'}, 'ml', 'kernel-ml', '', '9'),
    ({'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_major_version': '7'}, 'lt', 'kernel-lt', '', '7'),
    ({'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '6'}, 'ml', 'kernel-ml', '', None),
    ({'os_family': 'Alpine', 'distribution': 'Alpine'}, 'ml', '', '', None),
])
def test_kernel_ml_line_from_the_role_tables(facts, flavor, package, apt_release, el_major):
    line = kernel_ml_line(facts, flavor=flavor)
    assert line['package'] == package and line['apt_release'] == apt_release
    assert line['el'] == (EL_RELEASES[el_major] if el_major else {})


def test_kernel_ml_line_needs_facts():
    with pytest.raises(ValueError):
        kernel_ml_line('facts')


# ---------------------------------------------------------------------------------------------- command-line arguments
# kernel_ml_cmdline_args: tried on a one-shot entry of their own, made the default only after /proc/cmdline carries them.

CG2 = 'systemd.unified_cgroup_hierarchy=1'


def _with_cmdline(look, running_cmdline, cgroup_fs='tmpfs'):
    """What kernel_boot_info adds to the look: /proc/cmdline, the cgroup fs, the default entry's line, the trial entry."""
    grub = look['boot']['grub']
    look['boot'].update(default_args=default_args(grub), trial=trial_entry(grub))
    look['cmdline'] = {'running': running_cmdline, 'cgroup_fs': cgroup_fs}
    return look


def _cmdline_of(kernel, extra=''):
    return ('BOOT_IMAGE=/boot/vmlinuz-%s root=UUID=%s ro console=ttyS0%s' % (kernel, UUID, extra)).strip()


def debian_with(running=NEW, cmdline=None, cfg_extra='', cgroup_fs='tmpfs', **env):
    """Debian on `running`, GRUB's menu optionally with the trial script's entry (cfg_extra), like update-grub writes."""
    grub = grub_state(debian_grub_cfg(default='${saved_entry}') + cfg_extra, grubenv(**env))
    grub['env_path'] = '/boot/grub/grubenv'
    package = {'name': 'linux-image-amd64', 'manager': 'apt', 'installed': True, 'kernel': NEW,
               'chain': ['linux-image-amd64', 'linux-image-' + NEW]}
    look = _look(running, NEW, grub, grubby_default=None, installed=(OLD, NEW), commands=GRUB_CMDS, package=package)
    return _with_cmdline(look, _cmdline_of(running) if cmdline is None else cmdline, cgroup_fs)


def _script_entry(script):
    """The menu entry the trial script prints (what update-grub puts into grub.cfg)."""
    return script.split("<<'KERNEL_ML_TRIAL'\n", 1)[1].split('KERNEL_ML_TRIAL\n', 1)[0]


@pytest.mark.parametrize('cmdline, args, missing', [
    ('ro quiet', [CG2], [CG2]),
    ('ro systemd.unified_cgroup_hierarchy=0', [CG2], [CG2]),
    ('ro systemd.unified_cgroup_hierarchy=0 systemd.unified_cgroup_hierarchy=1', [CG2], []),  # the last one counts
    ('ro systemd.unified_cgroup_hierarchy=1 systemd.unified_cgroup_hierarchy=0', [CG2], [CG2]),
    ('ro init=/bin/false', ['init=/bin/false', 'quiet'], ['quiet']),
    ('ro quiet', ['quiet'], []),
    (None, ['quiet'], ['quiet']),
])
def test_args_missing_takes_the_last_value_of_a_key(cmdline, args, missing):
    assert args_missing(cmdline, args) == missing


@pytest.mark.parametrize('args, fs', [
    ([CG2], 'cgroup2fs'), (['systemd.unified_cgroup_hierarchy=yes'], 'cgroup2fs'),
    (['systemd.unified_cgroup_hierarchy=0'], 'tmpfs'), (['quiet'], ''), ([], ''),
])
def test_cgroup_wanted(args, fs):
    assert cgroup_wanted(args) == fs


@pytest.mark.parametrize('value, words', [
    ('systemd.unified_cgroup_hierarchy=1', "kernel_ml_cmdline_args is 'systemd.unified_cgroup_hierarchy=1'; write a list"),
    (['a b'], "kernel_ml_cmdline_args[0] is 'a b'; write one key=value word or flag"),
    (["x='y'"], 'kernel_ml_cmdline_args[0] is "x=\'y\'"'),
    (['$(reboot)'], 'without spaces, quotes or shell characters'),
    ([''], 'kernel_ml_cmdline_args[0]'),
    ([3], 'kernel_ml_cmdline_args[0] is 3'),
    (['panic=5'], 'set kernel_ml_panic_timeout instead'),
])
def test_cmdline_args_problems_name_host_variable_value_and_fix(value, words):
    problems = kernel_ml_problems(dict(GOOD, kernel_ml_cmdline_args=value), 'web1')
    assert len(problems) == 1 and problems[0].startswith('web1: ') and words in problems[0], problems


def test_good_cmdline_args_have_no_problems():
    args = [CG2, 'user_namespace.enable=1', 'init=/bin/false', 'quiet', 'cgroup_no_v1=all', 'mitigations=auto,nosmt']
    assert kernel_ml_problems(dict(GOOD, kernel_ml_cmdline_args=args)) == []


def test_no_args_is_the_kernel_plan_unchanged():
    assert plan(debian(), cmdline_args=[]) == plan(debian())


def test_args_only_trial_on_debian_writes_a_trial_entry_from_the_kernels_own():
    look = debian_with(saved_entry=ENTRY_NEW)
    result = plan(look, cmdline_args=[CG2], panic=7)
    assert result['action'] == 'trial' and result['reboot'] and result['problem'] == ''
    assert result['once_entry'] == 'kernel_ml-trial' and result['args_tried'] == [CG2]
    assert result['trial_commands'] == [['/usr/sbin/grub-reboot', 'kernel_ml-trial']]  # the default already boots NEW
    assert result['commit_commands'] == [['/usr/sbin/update-grub'], ['/usr/sbin/grub-set-default', ENTRY_NEW]]
    assert result['cleanup_commands'] == [['/usr/sbin/update-grub']]
    assert result['trial_files'] == ['/etc/grub.d/42_kernel_ml_trial']
    assert [f['dest'] for f in result['boot_files']] == ['/etc/default/grub.d/zz-kernel-ml.cfg', '/etc/grub.d/42_kernel_ml_trial']
    assert result['boot_files'][1] == {'dest': '/etc/grub.d/42_kernel_ml_trial', 'content': result['trial_script'], 'mode': '0755'}
    assert result['failed_packages'] == []  # never the kernel the host runs
    assert result['cmdline_dropin'].endswith('GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT %s"\n' % CG2)
    script = result['trial_script']
    assert script.startswith('#!/bin/sh\n') and "menuentry 'kernel_ml trial: %s with %s' --id kernel_ml-trial {" % (NEW, CG2) in script
    assert '\tlinux\t/boot/vmlinuz-%s root=UUID=%s ro console=ttyS0 %s panic=7\n' % (NEW, UUID, CG2) in script
    assert '\tinitrd\t/boot/initrd.img-%s\n' % NEW in script and 'search --no-floppy --fs-uuid --set=root %s' % UUID in script
    assert 'adds %s' % CG2 in result['message'] and 'only after /proc/cmdline carries them' in result['message']


def test_the_trial_entry_update_grub_writes_is_armed_and_never_a_default():
    script = plan(debian_with(saved_entry=ENTRY_NEW), cmdline_args=[CG2], panic=7)['trial_script']
    armed = debian_with(saved_entry=ENTRY_NEW, next_entry='kernel_ml-trial', cfg_extra=_script_entry(script))
    assert armed['boot']['trial'] == {'selector': 'kernel_ml-trial', 'kernel': NEW, 'file': '',
                                      'args': 'root=UUID=%s ro console=ttyS0 %s panic=7' % (UUID, CG2)}
    assert armed['decision']['boot_entry'] == ENTRY_NEW and armed['decision']['once_entry'] == ENTRY_NEW
    again = plan(armed, cmdline_args=[CG2], panic=7)
    assert again['trial_script'] == script  # the same file: nothing changes on a rerun of the step
    assert kernel_ml_armed(armed, again, host='web1', panic=7) == []
    not_armed = debian_with(saved_entry=ENTRY_NEW, cfg_extra=_script_entry(script))
    problems = kernel_ml_armed(not_armed, again, host='web1', panic=7)
    assert any("the next boot is '', not the trial entry kernel_ml-trial that adds %s" % CG2 in p for p in problems), problems


def test_a_trial_entry_without_the_arguments_is_not_armed():
    entry = ("menuentry 'kernel_ml trial: x' --id kernel_ml-trial {\n\tlinux\t/boot/vmlinuz-%s root=UUID=%s ro panic=7\n}\n"
             % (NEW, UUID))
    look = debian_with(saved_entry=ENTRY_NEW, next_entry='kernel_ml-trial', cfg_extra=entry)
    problems = kernel_ml_armed(look, plan(look, cmdline_args=[CG2], panic=7), host='web1', panic=7)
    assert len(problems) == 1 and 'without %s; the trial would not try them' % CG2 in problems[0]


def test_new_kernel_and_args_are_tried_on_one_boot():
    look = debian_with(running=OLD, saved_entry=ENTRY_OLD)
    result = plan(look, cmdline_args=[CG2], panic=7)
    assert result['action'] == 'trial' and result['wanted'] == NEW and result['once_entry'] == 'kernel_ml-trial'
    assert result['trial_commands'] == [['/usr/sbin/grub-reboot', 'kernel_ml-trial']]
    assert '\tlinux\t/boot/vmlinuz-%s ' % NEW in result['trial_script']
    assert result['failed_packages'] == ['linux-image-' + NEW]


def test_running_with_the_args_commits_them_to_the_default():
    look = debian_with(saved_entry=ENTRY_NEW, cmdline=_cmdline_of(NEW, ' ' + CG2 + ' panic=7'), cgroup_fs='cgroup2fs')
    result = plan(look, cmdline_args=[CG2])
    assert result['action'] == 'commit' and not result['reboot'] and result['args_persist'] == [CG2]
    assert result['commit_commands'] == [['/usr/sbin/update-grub'], ['/usr/sbin/grub-set-default', ENTRY_NEW]]
    assert CG2 in result['cmdline_dropin'] and 'carried by the running kernel' in result['message']


def test_second_run_with_args_changes_nothing():
    cfg_args = ' systemd.unified_cgroup_hierarchy=0 %s panic=7' % CG2
    grub = grub_state(debian_grub_cfg(default='${saved_entry}').replace(' console=ttyS0\n', ' console=ttyS0' + cfg_args + '\n'),
                      grubenv(saved_entry=ENTRY_NEW))
    look = _look(NEW, NEW, grub, grubby_default=None, installed=(OLD, NEW), commands=GRUB_CMDS,
                 package={'name': 'linux-image-amd64', 'manager': 'apt', 'kernel': NEW, 'chain': []})
    look = _with_cmdline(look, _cmdline_of(NEW, cfg_args), 'cgroup2fs')
    result = plan(look, cmdline_args=[CG2])
    assert result['action'] == 'none' and result['commit_commands'] == [] and result['trial_script'] == ''
    assert result['cmdline_dropin'] == '' and result['args_tried'] == [] and not result['reboot_pending']


def test_check_mode_says_which_args_it_would_add():
    result = plan(debian_with(saved_entry=ENTRY_NEW), cmdline_args=[CG2], check_mode=True)
    assert result['action'] == 'trial' and not result['reboot'] and result['problem'] == ''
    assert 'the trial boot adds %s (trial entry kernel_ml-trial); would make them' % CG2 in result['message']


def test_no_reboot_arms_the_trial_entry_and_then_waits():
    result = plan(debian_with(saved_entry=ENTRY_NEW), cmdline_args=[CG2], reboot=False)
    assert result['action'] == 'arm' and result['trial_commands'] == [['/usr/sbin/grub-reboot', 'kernel_ml-trial']]
    script = result['trial_script']
    armed = debian_with(saved_entry=ENTRY_NEW, next_entry='kernel_ml-trial', cfg_extra=_script_entry(script))
    assert plan(armed, cmdline_args=[CG2], reboot=False)['action'] == 'pending'


# The outcome of an argument trial.

def _args_trial():
    script = plan(debian_with(saved_entry=ENTRY_NEW), cmdline_args=[CG2, 'init=/bin/false'], panic=7)['trial_script']
    armed = debian_with(saved_entry=ENTRY_NEW, next_entry='kernel_ml-trial', cfg_extra=_script_entry(script))
    return plan(armed, cmdline_args=[CG2, 'init=/bin/false'], panic=7)


def test_outcome_of_args_that_broke_the_boot_names_them_and_cleans_up():
    result = kernel_ml_outcome(_args_trial(), host='web1', kernel_now=NEW, cmdline_now=_cmdline_of(NEW, ' panic=7'),
                               cgroup_fs='tmpfs')
    assert result['status'] == 'args_missing' and not result['commit'] and result['kernel_tried'] == ''
    assert result['problem'].startswith('web1: booted kernel %s once with %s init=/bin/false added to its command line '
                                        '(the trial entry kernel_ml-trial) and the host came back without %s init=/bin/false'
                                        % (NEW, CG2, CG2))
    assert 'remove %s init=/bin/false from kernel_ml_cmdline_args' % CG2 in result['problem']
    assert result['commands'] == [['/usr/sbin/update-grub']] and result['boot_files'] == []
    assert result['remove_files'] == ['/etc/grub.d/42_kernel_ml_trial'] and result['args_added'] == []


def test_outcome_of_args_that_proved_themselves_commits_them():
    trial = plan(debian_with(saved_entry=ENTRY_NEW), cmdline_args=[CG2], panic=7)
    result = kernel_ml_outcome(trial, host='web1', kernel_now=NEW, cmdline_now=_cmdline_of(NEW, ' %s panic=7' % CG2),
                               cgroup_fs='cgroup2fs', checks=[{'item': {'unit': 'ssh.service'}, 'rc': 0}])
    assert result['status'] == 'committed' and result['commit'] and result['problem'] == ''
    assert result['args_tried'] == [CG2] and result['args_added'] == [CG2]
    assert result['commands'] == trial['commit_commands']
    assert result['boot_files'] == [{'dest': '/etc/default/grub.d/zz-kernel-ml-cmdline.cfg',
                                     'content': trial['cmdline_dropin'], 'mode': '0644'}]
    assert result['remove_files'] == ['/etc/grub.d/42_kernel_ml_trial']
    assert 'after booting it once and passed uname -r and 1 check, /proc/cmdline carries %s, /sys/fs/cgroup is cgroup2fs' % CG2 \
        in result['message']


def test_outcome_with_the_argument_but_still_cgroup_v1_is_not_committed():
    trial = plan(debian_with(saved_entry=ENTRY_NEW), cmdline_args=[CG2], panic=7)
    result = kernel_ml_outcome(trial, host='web1', kernel_now=NEW, cmdline_now=_cmdline_of(NEW, ' ' + CG2),
                               cgroup_fs='tmpfs')
    assert result['status'] == 'cgroup_failed' and not result['commit']
    assert '/sys/fs/cgroup is tmpfs (stat -fc %T), not cgroup2fs' in result['problem']
    assert result['commands'] == [['/usr/sbin/update-grub']]


def test_outcome_of_a_new_kernel_with_args_that_fell_back_names_the_args():
    trial = plan(debian_with(running=OLD, saved_entry=ENTRY_OLD), cmdline_args=[CG2], panic=7)
    result = kernel_ml_outcome(trial, host='web1', kernel_now=OLD, cmdline_now=_cmdline_of(OLD))
    assert result['status'] == 'fell_back' and result['kernel_tried'] == NEW
    assert result['problem'].startswith('web1: booted kernel %s once and the host came back on %s' % (NEW, OLD))
    assert 'The trial entry added %s to the command line.' % CG2 in result['problem']


# EL: grubby adds the arguments to the new kernel's entry, or to a copy of the running kernel's (BLS only).

def el9_with(running=EL_OLD, grubby_default=EL_OLD, cmdline=None, extra=None, **env):
    entries = {'%s-%s.conf' % (MACHINE, k): bls(k) for k in (EL_OLD, EL_NEW)}
    entries.update(extra or {})
    grub = grub_state(EL9_CFG, grubenv(**env), entries)
    grub['env_path'] = '/boot/grub2/grubenv'
    package = {'name': 'kernel-ml', 'manager': 'rpm', 'installed': True, 'kernel': EL_NEW, 'chain': ['kernel-ml']}
    look = _look(running, EL_NEW, grub, grubby_default='/boot/vmlinuz-' + grubby_default, installed=(EL_OLD, EL_NEW),
                 commands=EL_CMDS, package=package)
    look['boot'].update(default_args='root=/dev/mapper/rl-root ro', trial=trial_entry(grub))
    look['cmdline'] = {'running': cmdline or 'BOOT_IMAGE=(hd0,gpt2)/vmlinuz-%s root=/dev/mapper/rl-root ro' % running,
                       'cgroup_fs': 'tmpfs'}
    return look


def test_el_new_kernel_carries_the_args_on_its_own_entry():
    result = plan(el9_with(), cmdline_args=[CG2], panic=10)
    assert result['action'] == 'trial' and result['stage_commands'] == [] and result['trial_script'] == ''
    assert result['trial_commands'] == [
        ['/usr/sbin/grubby', '--update-kernel', '/boot/vmlinuz-' + EL_NEW, '--args', CG2 + ' panic=10'],
        ['/usr/sbin/grub2-reboot', '%s-%s' % (MACHINE, EL_NEW)],
    ]
    assert result['commit_commands'] == [['/usr/sbin/grubby', '--set-default', '/boot/vmlinuz-' + EL_NEW],
                                         ['/usr/sbin/grubby', '--update-kernel', 'ALL', '--args', CG2]]
    assert result['cmdline_dropin'] == ''


def test_el_args_only_adds_a_copy_then_boots_it_once():
    result = plan(el9_with(running=EL_NEW, grubby_default=EL_NEW), cmdline_args=['user_namespace.enable=1'], panic=10)
    assert result['action'] == 'trial' and result['problem'] == ''
    assert result['stage_commands'] == [[
        '/usr/sbin/grubby', '--add-kernel', '/boot/vmlinuz-' + EL_NEW, '--initrd', '/boot/initramfs-%s.img' % EL_NEW,
        '--copy-default', '--title', 'kernel_ml trial ' + EL_NEW, '--args', 'user_namespace.enable=1 panic=10']]
    copy = {'%s-%s~custom.conf' % (MACHINE, EL_NEW): bls(EL_NEW).replace(
        'title Rocky Linux (%s) 9.5 (Blue Onyx)' % EL_NEW, 'title kernel_ml trial ' + EL_NEW).replace(
        'options root=/dev/mapper/rl-root ro', 'options root=/dev/mapper/rl-root ro user_namespace.enable=1 panic=10')}
    staged = el9_with(running=EL_NEW, grubby_default=EL_NEW, extra=copy)
    assert staged['decision']['boot_entry'] == '/boot/vmlinuz-' + EL_NEW
    again = plan(staged, cmdline_args=['user_namespace.enable=1'], panic=10)
    trial_id = '%s-%s~custom' % (MACHINE, EL_NEW)
    assert again['stage_commands'] == [] and again['trial_commands'] == [['/usr/sbin/grub2-reboot', trial_id]]
    assert again['trial_files'] == ['/boot/loader/entries/%s.conf' % trial_id]
    assert again['commit_commands'][-1] == ['/usr/sbin/grubby', '--update-kernel', 'ALL', '--args', 'user_namespace.enable=1']
    armed = el9_with(running=EL_NEW, grubby_default=EL_NEW, extra=copy, saved_entry='%s-%s' % (MACHINE, EL_NEW),
                     next_entry=trial_id)
    assert kernel_ml_armed(armed, again, host='web1', panic=10) == []


def test_el7_args_only_is_refused_without_bls():
    cfg = ("set default=\"${saved_entry}\"\nif [ \"${next_entry}\" ] ; then\n set default=\"${next_entry}\"\nfi\n"
           "menuentry 'CentOS Linux (%s) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-%s-advanced-x' {\n"
           " linux16 /vmlinuz-%s root=/dev/sda1 ro\n}\n") % ((EL_NEW,) * 3)
    grub = grub_state(cfg, grubenv())
    look = _look(EL_NEW, EL_NEW, grub, grubby_default='/boot/vmlinuz-' + EL_NEW, installed=(EL_NEW,),
                 commands=EL_CMDS, package={'name': 'kernel-ml', 'manager': 'rpm', 'chain': ['kernel-ml']})
    look['boot'].update(default_args='root=/dev/sda1 ro', trial={})
    look['cmdline'] = {'running': 'root=/dev/sda1 ro', 'cgroup_fs': 'tmpfs'}
    result = plan(look, cmdline_args=['user_namespace.enable=1'])
    assert 'grubby adds only where GRUB reads BLS entries (EL 8+)' in result['problem']
    assert 'user_namespace.enable=1' in result['problem']


# role_plan: everything the role reads from one look.

SETTINGS = dict(GOOD, host='web1', kernel_ml_flavor='ml', kernel_ml_reboot=True, kernel_ml_remove_failed=False,
                kernel_ml_in_container=False, kernel_ml_cmdline_args=[CG2], kernel_ml_checks=[{'unit': 'ssh.service'}],
                facts={'os_family': 'Debian', 'distribution': 'Debian', 'distribution_release': 'bookworm',
                       'architecture': 'x86_64'}, debian_arch=ARCH)


def test_role_plan_refuses_bad_input_before_anything():
    look = debian_with(saved_entry=ENTRY_NEW)
    result = role_plan(look, dict(SETTINGS, kernel_ml_cmdline_args=['a b'], kernel_ml_keep=0))
    assert len(result['problems']) == 2 and result['action'] == 'none' and not result['prove']
    assert result['problems'][0].startswith('web1: kernel_ml_keep is 0')


def test_role_plan_of_an_args_trial_with_its_checks_and_not_back_outcome():
    result = role_plan(debian_with(saved_entry=ENTRY_NEW), SETTINGS)
    assert result['problems'] == [] and result['installs'] and result['action'] == 'trial' and result['prove']
    assert result['line'] == {'package': 'linux-image-amd64', 'apt_release': 'bookworm-backports', 'el': {}}
    assert result['checks'] == [{'unit': 'ssh.service'}] and result['keep']['protect'] == [OLD]
    assert result['armed']  # not armed yet: no trial entry in the menu
    not_back = result['not_back']
    assert not_back['status'] == 'not_back' and not_back['commands'] == [] and not_back['remove_files'] == []
    assert 'The trial entry added %s to the command line.' % CG2 in not_back['problem']
    assert not_back['result']['status'] == 'not_back' and not_back['result']['kernel_after'] == ''
    assert result['result']['status'] == 'unchanged' and result['result']['cmdline_args'] == [CG2]  # until the reboot


def test_role_plan_after_the_reboot_judges_with_the_trial():
    trial = role_plan(debian_with(saved_entry=ENTRY_NEW), SETTINGS)
    back = debian_with(saved_entry=ENTRY_NEW, cmdline=_cmdline_of(NEW, ' %s panic=10' % CG2), cgroup_fs='cgroup2fs')
    runs = [{'item': {'unit': 'ssh.service'}, 'rc': 0}]
    result = role_plan(back, dict(SETTINGS, trial=trial, check_runs=runs, rebooted=True))
    outcome = result['outcome']
    assert outcome['status'] == 'committed' and outcome['args_added'] == [CG2]
    assert result['result']['status'] == 'committed' and result['result']['rebooted']
    assert result['result']['cgroup_fs'] == 'cgroup2fs' and result['result']['cmdline_args_added'] == [CG2]
    assert result['result']['kernel_before'] == NEW and result['result']['kernel_after'] == NEW


def test_role_plan_in_a_container_installs_nothing_and_says_why():
    look = debian_with(saved_entry=ENTRY_NEW)
    look['container'] = container_from_facts({'virtualization_type': 'docker', 'virtualization_role': 'guest'})
    result = role_plan(look, SETTINGS)
    assert not result['installs'] and result['problems'] == [] and not result['prove'] and result['install'] == {}
    assert 'is a container (docker: ansible_facts.virtualization_type is docker' in result['message']
    assert result['result']['status'] == 'container' and result['result']['in_container']


@pytest.mark.parametrize('kind, role, container', [
    ('docker', 'guest', True), ('podman', 'guest', True), ('lxc', 'guest', True), ('container', 'guest', True),
    ('systemd-nspawn', 'guest', True), ('docker', 'host', False), ('kvm', 'guest', False), ('NA', 'NA', False),
    (None, None, False),
])
def test_container_from_ansibles_virtualization_facts(kind, role, container):
    found = container_from_facts({'virtualization_type': kind, 'virtualization_role': role})
    assert found['is_container'] is container and found['type'] == (kind if container else None)
    assert bool(found['evidence']) is container


# install_plan: the install step's arguments and its before/after steps, as data; empty lists where they do not apply.

EL9 = {'os_family': 'RedHat', 'distribution': 'Rocky', 'distribution_major_version': '9', 'distribution_version': '9.5',
       'pkg_mgr': 'dnf'}


def test_install_plan_on_debian_adds_backports_only_where_no_source_has_it():
    look = debian_with(saved_entry=ENTRY_NEW)
    look['apt'] = {'suite': 'bookworm-backports', 'sources': []}
    install = role_plan(look, SETTINGS)['install']
    assert install['packages'] == ['linux-image-amd64'] and install['state'] == 'latest'
    assert install['default_release'] == 'bookworm-backports' and install['update_cache'] and install['enable_repos'] == []
    assert [s['dest'] for s in install['sources']] == [BACKPORTS_FILE]
    assert 'Suites: bookworm-backports\n' in install['sources'][0]['content']
    assert 'URIs: http://deb.debian.org/debian\n' in install['sources'][0]['content']
    assert install['signing_keys'] == install['release'] == install['mirrors'] == install['keep_lines'] == []
    keep = install['keep_files'][0]
    assert keep['dest'] == '/etc/apt/apt.conf.d/60kernel-ml-keep' and '"^linux-(image|modules|modules-extra|headers)-' in keep['content']
    # Our own file is ours to keep writing; another file with the suite means the host has a source already.
    look['apt']['sources'] = [BACKPORTS_FILE]
    assert len(role_plan(look, SETTINGS)['install']['sources']) == 1
    look['apt']['sources'] = ['/etc/apt/sources.list']
    assert role_plan(look, SETTINGS)['install']['sources'] == []


@pytest.mark.parametrize('facts, keys, limit_file, tools', [
    (EL9, ['v1', 'v2'], '/etc/dnf/dnf.conf', []),
    (dict(EL9, distribution_major_version='10', pkg_mgr='dnf5'), ['v2'], '/etc/dnf/dnf.conf', []),
    (dict(EL9, distribution='CentOS', distribution_major_version='7', pkg_mgr='yum'), ['v1'], '/etc/yum.conf',
     ['yum-plugin-fastestmirror']),
])
def test_install_plan_on_el_from_elrepo(facts, keys, limit_file, tools):
    settings = dict(GOOD, host='el1', kernel_ml_flavor='ml', kernel_ml_package_state='present', kernel_ml_update_all=True,
                    kernel_ml_elrepo_url='https://mirror.example/elrepo', kernel_ml_repo_url='',
                    kernel_ml_elrepo_fingerprints={'v2': 'AAAA BBBB'}, kernel_ml_keep=3)
    install = install_plan({'apt': {}}, dict(settings, facts=facts), kernel_ml_line(facts, flavor='ml'),
                           {'installonly_limit': 4, 'apt_never_autoremove': []})
    major = facts['distribution_major_version']
    assert install['packages'] == ['kernel-ml'] and install['state'] == 'present' and install['enable_repos'] == ['elrepo-kernel']
    assert [k['name'] for k in install['signing_keys']] == keys
    assert [k['fingerprint'] for k in install['signing_keys']] == [
        'AAAA BBBB' if name == 'v2' else ELREPO_KEYS[name]['fingerprint'] for name in keys]
    assert install['signing_keys'][0]['url'].startswith('https://mirror.example/elrepo/RPM-GPG-KEY-')
    assert install['release'] == [{'url': 'https://mirror.example/elrepo/elrepo-release-%s.el%s.elrepo.noarch.rpm' % (major, major),
                                   'dest': '/var/cache/kernel_ml/elrepo-release-%s.el%s.elrepo.noarch.rpm' % (major, major)}]
    assert install['keep_lines'] == [{'path': limit_file, 'line': 'installonly_limit=4'}]
    assert install['update_all'] is True and install['update_tools'] == tools
    assert install['sources'] == install['keep_files'] == install['mirrors'] == [] and not install['default_release']
    assert bool(install['warnings']) is (major == '7')
    if major == '7':
        assert 'Set kernel_ml_repo_url to a mirror' in install['warnings'][0]
    installed = install_plan({'elrepo': {'present': True}}, dict(settings, facts=facts), kernel_ml_line(facts, flavor='ml'),
                             {'installonly_limit': 4, 'apt_never_autoremove': []})
    assert installed['release'] == [] and installed['signing_keys'] == install['signing_keys']  # elrepo.repo is there: no download
    mirrored = install_plan({'apt': {}}, dict(settings, facts=facts, kernel_ml_repo_url='https://m.example/kernel'),
                            kernel_ml_line(facts, flavor='ml'), {'installonly_limit': 4, 'apt_never_autoremove': []})
    assert mirrored['mirrors'] == [{'name': 'elrepo-kernel', 'baseurl': 'https://m.example/kernel',
                                    'gpgkey': [ELREPO_KEYS[name]['installed'] for name in keys]}]


# The data tables: ELRepo's release rows, keys and repository ids (were roles/kernel_ml/vars/*.yml).
def test_elrepo_tables():
    assert sorted(EL_RELEASES, key=int) == ['7', '8', '9', '10']
    assert {major: row['keys'] for major, row in EL_RELEASES.items()} == {
        '7': ['v1'], '8': ['v1', 'v2'], '9': ['v1', 'v2'], '10': ['v2']}
    assert [major for major, row in EL_RELEASES.items() if row['archived']] == ['7']
    for major, row in EL_RELEASES.items():
        assert row['release_package'] == 'elrepo-release-%s.el%s.elrepo.noarch.rpm' % (major, major)
        assert row['repo_ids'] == ['elrepo', 'elrepo-testing', 'elrepo-kernel', 'elrepo-extras']
        assert row['kernel_repo'] == 'elrepo-kernel'
    assert ELREPO_KEYS['v1']['fingerprint'] == '96C0 104F 6315 4731 1E0B B1AE 309B C305 BAAD AE52'
    assert ELREPO_KEYS['v2']['fingerprint'] == 'B8A7 5587 4DA2 40C9 DAC4 E715 5160 0989 EAA3 1D4A'
    for key in ELREPO_KEYS.values():
        assert key['installed'] == 'file:///etc/pki/rpm-gpg/' + key['file']
        assert len(key['fingerprint'].replace(' ', '')) == 40
    assert EL_PACKAGES == {'ml': 'kernel-ml', 'lt': 'kernel-lt'}
    assert DEBIAN_ARCH['x86_64'] == 'amd64' and DEBIAN_ARCH['aarch64'] == 'arm64'


@pytest.mark.parametrize('facts, keep_key', [(None, 'keep_files'), (EL9, 'keep_lines')])
def test_install_plan_from_a_bundle_adds_no_source_key_or_release(facts, keep_key):
    settings = dict(SETTINGS, kernel_ml_package_source='bundle')
    if facts:
        settings['facts'] = facts
        install = install_plan({'apt': {}}, settings, kernel_ml_line(facts, flavor='ml'), {'installonly_limit': 3})
        assert install['packages'] == ['kernel-ml']
    else:
        look = debian_with(saved_entry=ENTRY_NEW)
        look['apt'] = {'suite': 'bookworm-backports', 'sources': []}
        install = role_plan(look, settings)['install']
        assert install['packages'] == ['linux-image-amd64']
    assert install['bundle'] and install['state'] == 'present' and install['default_release'] == ''
    assert not install['update_cache'] and install['enable_repos'] == []
    assert install['sources'] == install['signing_keys'] == install['release'] == install['mirrors'] == []
    assert len(install[keep_key]) == 1
