# -*- coding: utf-8 -*-
"""Tests for plugins/module_utils/_docker_upgrade.py: Debian version order, the jump, the plan, the proof."""

import json

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _docker_upgrade as up

V = '5:%s-1~ubuntu.24.04~noble'
OLD, P1, P2, BROKEN = V % '25.0.5', V % '26.1.4', V % '26.1.5', V % '26.1.6'
OFFERED = [BROKEN, P2, P1, OLD]
SETTINGS = {'version': P2, 'packages': ['docker-ce', 'docker-ce-cli'], 'companions': {},
            'hold_packages': ['docker-ce', 'docker-ce-cli', 'containerd.io'], 'hold': True, 'live_restore': True,
            'allow_container_restart': False, 'allow_downgrade': False}


def container(name, pid, started='2026-12-06T21:00:00Z', cid=None):
    return {'id': cid or name * 4, 'name': name, 'pid': pid, 'started_at': started, 'running': True,
            'restart_policy': 'no'}


def look(version=P1, live_restore=False, containers=None, held=True, hold_file=None):
    return {
        'manager': 'apt',
        'packages': {'docker-ce': {'version': version, 'held': held}, 'docker-ce-cli': {'version': version, 'held': held},
                     'containerd.io': {'version': '1.6.33-1', 'held': held}},
        'offered': {'docker-ce': OFFERED, 'docker-ce-cli': OFFERED, 'containerd.io': ['1.6.33-1', '1.6.28-1']},
        'engine': {'answers': True, 'live_restore': live_restore, 'swarm': up._swarm({})},
        'containers': [container('web', 100)] if containers is None else containers,
        'hold_file_text': hold_file,
    }


@pytest.mark.parametrize('left, right, order', [
    ('1.0', '1.0', 0), ('1.0', '1.1', -1), ('1.10', '1.9', 1), ('1.0~rc1', '1.0', -1), ('1:0.1', '2.0', 1),
    (P2, P1, 1), (V % '26.1.10', P2, 1), (OLD, P1, -1), ('1.6.33-1', '1.6.28-1', 1), ('1.0-1', '1.0-1~b', 1),
    ('1.0a', '1.0', 1), ('1.0', '1.0+dfsg', -1), ('0:1.0', '1.0', 0),
])
def test_compare_versions_orders_as_dpkg(left, right, order):
    assert up.compare_versions(left, right) == order
    assert up.compare_versions(right, left) == -order


@pytest.mark.parametrize('current, target, jump', [
    (P1, P2, 'patch'), (P1, P1, 'none'), (OLD, P2, 'line'), (P2, P1, 'downgrade'), (P2, OLD, 'downgrade'),
    (V % '26.1.9', V % '26.1.10', 'patch'), (V % '26.1.5', V % '27.0.0', 'line'),
    ('26.1.5-1.el9', '26.1.6-1.el9', 'patch'),
])
def test_classify(current, target, jump):
    assert up.classify(current, target) == jump


@pytest.mark.parametrize('wanted, expected', [
    (P2, P2), ('26.1.5', P2), ('5:26.1.5', P2), ('26.1', BROKEN), ('26.1.7', None), ('', None), ('26.1.1', None),
])
def test_resolve(wanted, expected):
    assert up.resolve(wanted, OFFERED) == expected


def test_resolve_does_not_take_a_longer_number():
    assert up.resolve('26.1.1', [V % '26.1.10']) is None


def test_parsers():
    status = 'docker-ce|%s|hold ok installed\ndocker-ce-cli|%s|install ok installed\ncontainerd.io||unknown ok not-installed\n' % (P1, P1)
    assert up.parse_dpkg_status(status) == {
        'docker-ce': {'version': P1, 'held': True, 'state': 'installed'},
        'docker-ce-cli': {'version': P1, 'held': False, 'state': 'installed'}}
    madison = ' docker-ce | %s | http://127.0.0.1:8766/linux/ubuntu noble/stable amd64 Packages\n docker-ce | %s | x\n' % (P2, P1)
    assert up.parse_madison(madison) == {'docker-ce': [P2, P1]}
    info = up.parse_info(json.dumps({'ServerVersion': '20.10.24', 'LiveRestoreEnabled': True,
                                     'Swarm': {'LocalNodeState': 'active', 'NodeID': 'n1', 'ControlAvailable': True}}))
    assert info == {'answers': True, 'live_restore': True, 'version': '20.10.24',
                    'swarm': {'member': True, 'state': 'active', 'node_id': 'n1', 'manager': True}}
    assert up.parse_info('')['answers'] is False
    inspect = json.dumps([{'Id': 'abc', 'Name': '/web', 'State': {'Pid': 42, 'StartedAt': 't', 'Running': True},
                           'HostConfig': {'RestartPolicy': {'Name': 'unless-stopped'}}}])
    assert up.parse_containers(inspect) == [{'id': 'abc', 'name': 'web', 'pid': 42, 'started_at': 't', 'running': True,
                                             'restart_policy': 'unless-stopped'}]
    assert up.parse_containers('not json') == []


def test_patch_release_keeps_containers_and_turns_live_restore_on_first():
    plan = up.decide(look(), SETTINGS)
    assert plan['problems'] == []
    assert plan['jump'] == 'patch' and plan['moves']
    assert plan['enable_live_restore'] is True
    assert plan['containers_stop'] == [] and plan['containers_keep'] == ['web']
    assert plan['specs'] == ['docker-ce=' + P2, 'docker-ce-cli=' + P2]
    assert plan['rollback_specs'] == ['docker-ce=' + P1, 'docker-ce-cli=' + P1]
    assert plan['hold'] == ['containerd.io', 'docker-ce', 'docker-ce-cli']
    assert plan['summary'] == ['docker-ce %s -> %s' % (P1, P2), 'docker-ce-cli %s -> %s' % (P1, P2)]


def test_patch_release_with_live_restore_already_on():
    plan = up.decide(look(live_restore=True), SETTINGS)
    assert not plan['enable_live_restore'] and plan['containers_keep'] == ['web']


def test_patch_release_without_live_restore_stops_containers_and_is_refused():
    plan = up.decide(look(), dict(SETTINGS, live_restore=False))
    assert plan['containers_stop'] == ['web'] and not plan['moves']
    assert 'web' in plan['problems'][0]


def test_line_jump_is_refused_naming_the_containers():
    plan = up.decide(look(version=OLD, containers=[container('web', 1), container('db', 2)]), SETTINGS)
    assert plan['jump'] == 'line' and not plan['moves']
    assert plan['containers_stop'] == ['web', 'db']
    assert len(plan['problems']) == 1
    message = plan['problems'][0]
    for text in ('web, db', '25.0 line', 'docker_upgrade_allow_container_restart: true', OLD, P2):
        assert text in message


def test_line_jump_with_the_opt_in():
    plan = up.decide(look(version=OLD), dict(SETTINGS, allow_container_restart=True))
    assert plan['problems'] == [] and plan['moves'] and plan['containers_stop'] == ['web']
    assert not plan['enable_live_restore']


def test_line_jump_without_containers_needs_no_opt_in():
    plan = up.decide(look(version=OLD, containers=[]), SETTINGS)
    assert plan['problems'] == [] and plan['moves']


@pytest.mark.parametrize('version, fragment', [
    ('26.1.7', 'offers no docker-ce of that version; it offers ' + ', '.join(OFFERED)),
    ('banana', 'it offers ' + BROKEN),
    ('', 'docker_upgrade_version is empty; set it to one of the versions the repository offers: ' + BROKEN),
])
def test_unknown_version_is_refused_naming_the_offered_ones(version, fragment):
    plan = up.decide(look(), dict(SETTINGS, version=version))
    assert not plan['moves']
    assert any(fragment in p for p in plan['problems']), plan['problems']


def test_downgrade_refused_unless_asked():
    plan = up.decide(look(version=P2), dict(SETTINGS, version=P1))
    assert plan['jump'] == 'downgrade' and not plan['moves']
    assert 'docker_upgrade_allow_downgrade: true' in plan['problems'][0] and BROKEN in plan['problems'][0]
    assert P1 not in plan['problems'][0].split('name a newer version: ')[1]
    asked = up.decide(look(version=P2), dict(SETTINGS, version=P1, allow_downgrade=True))
    assert asked['problems'] == [] and asked['moves'] and asked['containers_keep'] == ['web']
    across = up.decide(look(version=P2), dict(SETTINGS, version=OLD, allow_downgrade=True))
    assert across['containers_stop'] == ['web'] and 'docker_upgrade_allow_container_restart' in across['problems'][0]


def test_same_version_moves_nothing():
    plan = up.decide(look(version=P2), SETTINGS)
    assert plan['problems'] == [] and not plan['moves'] and plan['jump'] == 'none' and plan['specs'] == []


def test_not_installed_and_not_apt_are_refused():
    found = look()
    found['packages'] = {}
    assert 'docker-ce is not installed' in up.decide(found, SETTINGS)['problems'][0]
    found = look()
    found['manager'] = ''
    assert 'neither dpkg-query nor rpm' in up.decide(found, SETTINGS)['problems'][0]


def test_companions_move_with_the_engine_and_unknown_ones_are_refused():
    plan = up.decide(look(), dict(SETTINGS, companions={'containerd.io': '1.6.28'}))
    assert 'containerd.io=1.6.28-1' in plan['specs']
    bad = up.decide(look(), dict(SETTINGS, companions={'containerd.io': '9.9'}))
    assert 'docker_upgrade_companion_versions["containerd.io"] "9.9": the repository offers 1.6.33-1, 1.6.28-1' \
        in bad['problems'][0]


def test_hold_off_keeps_the_holds_there_were():
    plan = up.decide(look(held=False), dict(SETTINGS, hold=False))
    assert plan['hold'] == []


def test_package_step_arguments_move_versions_and_holds_together():
    plan = up.decide(look(held=False), SETTINGS)
    assert plan['package_specs'] == [{'name': 'docker-ce', 'version': P2}, {'name': 'docker-ce-cli', 'version': P2},
                                     {'name': 'containerd.io', 'version': ''}]
    assert plan['hold'] == ['containerd.io', 'docker-ce', 'docker-ce-cli']
    # Back to the versions there were; no hold there was, but containerd.io stays held after a rollback too.
    assert plan['rollback_packages'] == [{'name': 'docker-ce', 'version': P1}, {'name': 'docker-ce-cli', 'version': P1},
                                         {'name': 'containerd.io', 'version': ''}]
    assert plan['rollback_hold'] == ['containerd.io']
    assert plan['rollback_unhold'] == ['docker-ce', 'docker-ce-cli']


def test_package_step_arguments_when_everything_was_held_or_hold_is_off():
    plan = up.decide(look(held=True), SETTINGS)
    assert plan['rollback_hold'] == ['containerd.io', 'docker-ce', 'docker-ce-cli'] and plan['rollback_unhold'] == []
    off = up.decide(look(held=False), dict(SETTINGS, hold=False))
    assert off['hold'] == [] and off['rollback_hold'] == [] and off['rollback_unhold'] == []
    assert off['package_specs'] == [{'name': 'docker-ce', 'version': P2}, {'name': 'docker-ce-cli', 'version': P2}]


def test_installed_only_plans_nothing_without_an_engine_or_a_version():
    fresh = look()
    fresh['packages'] = {}
    fresh['manager'] = ''
    cases = ((fresh, SETTINGS), (look(), dict(SETTINGS, version='')), (look(), dict(SETTINGS, version='26.1')),
             (look(), dict(SETTINGS, version=P1)), (look(), dict(SETTINGS, version='26.1.9')))
    for found, settings in cases:
        plan = up.decide(found, dict(settings, installed_only=True))
        assert plan['problems'] == [] and not plan['moves'] and plan['jump'] == 'none' and plan['specs'] == []
    # Without it: no engine and no version are refused; '26.1' names the newest 26.1 the repository offers.
    assert up.decide(fresh, SETTINGS)['problems'] and up.decide(look(), dict(SETTINGS, version=''))['problems']
    assert up.decide(look(), dict(SETTINGS, version='26.1'))['to'] == BROKEN
    # An installed engine whose version moved is planned, and refused, as by the upgrade playbook.
    jump = up.decide(look(version=OLD), dict(SETTINGS, installed_only=True))
    assert jump['moves'] is False and 'would stop the running containers web' in jump['problems'][0]
    assert up.decide(look(), dict(SETTINGS, installed_only=True))['moves']


def test_hold_file_pin_moves_only_when_it_pins_the_current_version():
    text = '# managed\nPackage: docker-ce docker-ce-cli\nPin: version %s*\nPin-Priority: 1001\n' % P1
    plan = up.decide(look(hold_file=text), SETTINGS)
    assert plan['hold_file'] == text.replace(P1, P2)
    assert up.decide(look(hold_file='Pin: version 1.0*\n'), SETTINGS)['hold_file'] is None
    assert up.decide(look(), SETTINGS)['hold_file'] is None


def test_swarm_member_is_drained():
    found = look()
    found['engine']['swarm'] = {'member': True, 'state': 'active', 'node_id': 'n1', 'manager': True}
    assert up.decide(found, SETTINGS)['drain'] is True
    assert up.decide(look(), SETTINGS)['drain'] is False


def after_look(version=P2, containers=None, answers=True, held=True):
    found = look(version=version, containers=containers, held=held)
    found['engine']['answers'] = answers
    return found


HELLO = {'rc': 0, 'stdout': 'hello\n', 'stderr': '', 'cmd': ['docker', 'run', '--rm', 'hello', 'echo', 'hello']}


def test_proof_of_a_patch_release_keeps_pid_and_started_at():
    before = look()
    plan = up.decide(before, SETTINGS)
    proof = up.prove(before, after_look(), plan, HELLO)
    assert proof == {'ok': True, 'problems': [], 'kept': ['web'], 'restarted': [], 'lost': []}


def test_proof_fails_when_a_patch_release_restarted_a_container():
    before = look()
    plan = up.decide(before, SETTINGS)
    proof = up.prove(before, after_look(containers=[container('web', 101, cid='webwebwebweb')]), plan, HELLO)
    assert not proof['ok'] and proof['restarted'] == ['web']
    assert 'live restore should have kept these containers' in proof['problems'][0]


def test_proof_of_a_line_jump_names_restarted_and_lost_containers():
    before = look(version=OLD, containers=[container('web', 1), container('db', 2)])
    plan = up.decide(before, dict(SETTINGS, allow_container_restart=True))
    proof = up.prove(before, after_look(containers=[container('web', 5, started='later')]), plan, HELLO)
    assert proof['restarted'] == ['web'] and proof['lost'] == ['db'] and not proof['ok']
    assert 'no longer run: db' in proof['problems'][0]


def test_proof_fails_without_engine_hello_versions_or_holds():
    before = look()
    plan = up.decide(before, SETTINGS)
    after = after_look(version=P1, answers=False, held=False)
    after['engine_error'] = 'Cannot connect to the Docker daemon'
    proof = up.prove(before, after, plan, dict(HELLO, rc=125, stdout=''))
    text = '; '.join(proof['problems'])
    assert not proof['ok']
    for fragment in ('dockerd does not answer', 'Cannot connect', 'exited 125', 'docker-ce is %s, not %s' % (P1, P2),
                     'not held: containerd.io, docker-ce, docker-ce-cli'):
        assert fragment in text


def test_proof_after_a_rollback_expects_the_versions_and_holds_there_were():
    before = look()
    plan = up.decide(before, SETTINGS)
    assert up.prove(before, after_look(version=P1), plan, None, expect='from')['ok']
    assert not up.prove(before, after_look(version=P2), plan, None, expect='from')['ok']
    # After a rollback containerd.io is held even where it was not before; the other holds are as they were.
    unheld = look(held=False)
    plan = up.decide(unheld, SETTINGS)
    after = after_look(version=P1, held=False)
    assert up.prove(unheld, after, plan, None, expect='from')['problems'] == ['not held: containerd.io']
    after['packages']['containerd.io']['held'] = True
    assert up.prove(unheld, after, plan, None, expect='from')['ok']


def test_result_fields():
    before = look()
    plan = up.decide(before, SETTINGS)
    checked = up.result(plan, before, check_mode=True)
    assert checked['after']['docker-ce'] == P2 and not checked['changed'] and checked['check_mode']
    assert checked['containers']['would_stop'] == []
    after = after_look()
    done = up.result(plan, before, after, up.prove(before, after, plan, HELLO))
    assert done['changed'] and done['before']['docker-ce'] == P1 and done['after']['docker-ce'] == P2
    assert done['engine_before'] == P1 and done['engine_after'] == P2 and done['jump'] == 'patch'
    assert done['containers']['kept'] == ['web'] and done['containers']['restarted'] == []
    nothing = up.result(up.decide(after, SETTINGS), after)
    assert not nothing['changed'] and nothing['containers']['kept'] == ['web']
    refused = up.decide(look(version=OLD), SETTINGS)
    assert up.result(refused, look(version=OLD), check_mode=True)['containers']['would_stop'] == ['web']


# ---- The EL family (rpm, versionlock, dnf/yum list) ------------------------------------------------------------

E = '3:%s-1.el9'
EOLD, EP1, EP2 = E % '20.10.24', E % '26.1.5', E % '26.1.6'
EL_LIST = '''Installed Packages
containerd.io.x86_64                 1.6.20-1.el9              @docker-ce-stable
docker-ce.x86_64                     3:26.1.5-1.el9            @docker-ce-stable
Available Packages
containerd.io.x86_64                 1.6.20-1.el9              docker-ce-stable
docker-ce.x86_64                     3:20.10.24-1.el9          _dnf_local
docker-ce.x86_64                     3:20.10.24-1.el9          docker-ce-stable
docker-ce.x86_64                     3:26.1.6-1.el9            docker-ce-stable
docker-ce.x86_64                     3:26.1.5-1.el9            docker-ce-stable
docker-ce.x86_64                     3:26.1.10-1.el9           docker-ce-stable
a-very-long-package-name-for-its-column.noarch
                                     2:1.0-1.el9               docker-ce-stable
'''


def el_look(version=EP1, live_restore=False, containers=None):
    found = look(live_restore=live_restore, containers=containers)
    found['manager'] = 'dnf'
    found['packages'] = {'docker-ce': {'version': version, 'held': True, 'state': 'installed'},
                         'docker-ce-cli': {'version': version.replace('3:', '1:'), 'held': True, 'state': 'installed'},
                         'containerd.io': {'version': '1.6.20-1.el9', 'held': True, 'state': 'installed'}}
    offered = [E % '26.1.6', E % '26.1.5', E % '20.10.24']
    found['offered'] = {'docker-ce': offered, 'docker-ce-cli': [v.replace('3:', '1:') for v in offered],
                        'containerd.io': ['1.6.20-1.el9']}
    return found


def test_parse_el_list_reads_the_offers_newest_first_in_rpm_order_without_the_installed_section():
    offered = up.parse_el_list(EL_LIST)
    assert offered['docker-ce'] == [E % '26.1.10', EP2, EP1, EOLD]
    assert offered['containerd.io'] == ['1.6.20-1.el9']
    assert offered['a-very-long-package-name-for-its-column'] == ['2:1.0-1.el9']
    assert up.parse_el_list('') == {} and up.parse_el_list('Error: No matching Packages to list\n') == {}


def test_parse_rpm_status_marks_versionlocked_names_and_drops_epoch_zero():
    text = 'docker-ce|3:26.1.5-1.el9\ncontainerd.io|0:1.6.20-1.el9\npackage docker-ce-cli is not installed\n'
    assert up.parse_rpm_status(text, {'docker-ce'}) == {
        'docker-ce': {'version': EP1, 'held': True, 'state': 'installed'},
        'containerd.io': {'version': '1.6.20-1.el9', 'held': False, 'state': 'installed'}}
    # Both versions in the rpm database (a cut transaction): the newest one counts, in either order.
    both = 'docker-ce|3:26.1.6-1.el9\ndocker-ce|3:26.1.5-1.el9\n'
    assert up.parse_rpm_status(both, set())['docker-ce']['version'] == EP2
    assert up.parse_rpm_status('\n'.join(reversed(both.split('\n'))), set())['docker-ce']['version'] == EP2


@pytest.mark.parametrize('current, target, jump', [
    (EP1, EP2, 'patch'), (EOLD, EP1, 'line'), (EP2, EP1, 'downgrade'), (EP1, EP1, 'none'),
    (E % '26.1.9', E % '26.1.10', 'patch'),
])
def test_classify_in_rpm_order(current, target, jump):
    assert up.classify(current, target, 'dnf') == jump


@pytest.mark.parametrize('wanted, expected', [
    ('26.1.6', EP2), ('3:26.1.6', EP2), (EP2, EP2), ('26.1', E % '26.1.10'), ('26.1.1', None),
])
def test_resolve_in_rpm_order(wanted, expected):
    offered = up.parse_el_list(EL_LIST)['docker-ce']
    assert up.resolve(wanted, offered, 'dnf') == expected


def test_el_patch_release_keeps_containers_moves_versionlocks_with_the_packages():
    plan = up.decide(el_look(), dict(SETTINGS, version='26.1.6'))
    assert plan['problems'] == [] and plan['moves'] and plan['jump'] == 'patch'
    assert plan['containers_keep'] == ['web'] and plan['containers_stop'] == [] and plan['enable_live_restore']
    assert plan['package_specs'] == [{'name': 'docker-ce', 'version': EP2},
                                     {'name': 'docker-ce-cli', 'version': '1:26.1.6-1.el9'},
                                     {'name': 'containerd.io', 'version': ''}]
    assert plan['hold'] == ['containerd.io', 'docker-ce', 'docker-ce-cli']
    assert plan['specs'] == ['docker-ce-' + EP2, 'docker-ce-cli-1:26.1.6-1.el9']
    assert plan['rollback_packages'][:2] == [{'name': 'docker-ce', 'version': EP1},
                                             {'name': 'docker-ce-cli', 'version': '1:26.1.5-1.el9'}]
    assert plan['rollback_hold'] == ['containerd.io', 'docker-ce', 'docker-ce-cli'] and plan['hold_file'] is None


def test_el_line_jump_is_refused_naming_the_containers_and_the_site_stage_leaves_the_same_version_alone():
    plan = up.decide(el_look(version=EOLD), dict(SETTINGS, version='26.1.5'))
    assert plan['jump'] == 'line' and 'web' in plan['problems'][0] and not plan['moves']
    # Without running containers a line jump needs no opt-in (the site playbook's upgrade stage takes it).
    plan = up.decide(el_look(version=EOLD, containers=[]), dict(SETTINGS, version='26.1.5', installed_only=True))
    assert plan['problems'] == [] and plan['moves'] and plan['to'] == EP1
    plan = up.decide(el_look(), dict(SETTINGS, version='26.1.5', installed_only=True))
    assert plan['problems'] == [] and not plan['moves']


def test_el_proof_reads_versions_and_versionlocks():
    before = el_look()
    plan = up.decide(before, dict(SETTINGS, version='26.1.6'))
    after = el_look(version=EP2)
    assert up.prove(before, after, plan)['ok']
    after['packages']['containerd.io']['held'] = False
    assert up.prove(before, after, plan)['problems'] == ['not held: containerd.io']


def test_a_manager_without_versionlock_support_is_refused():
    found = el_look()
    found['manager'] = 'dnf5'
    assert 'apt, dnf or yum, and this host has dnf5' in up.decide(found, SETTINGS)['problems'][0]
