"""The public-CI workflow (.github/workflows/ci.yml) against the project it runs: every Molecule entry names a
scenario that exists and distros that scripts/molecule.sh knows, every registry distro of molecule.sh runs in
the matrix, and the jobs call the project's own scripts."""

import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = os.path.join(ROOT, '.github', 'workflows', 'ci.yml')
LOCAL = {'debian11', 'debian12', 'debian13', 'el9tooling'}


def _workflow():
    with open(WORKFLOW) as handle:
        return yaml.safe_load(handle)


def _molecule_distros():
    with open(os.path.join(ROOT, 'scripts', 'molecule.sh')) as handle:
        text = handle.read()
    body = text[text.index('image_for() {'):text.index('esac', text.index('image_for() {'))]
    return set(re.findall(r'^\s+([a-z0-9]+)\) echo ', body, re.M))


def _matrix():
    return _workflow()['jobs']['molecule']['strategy']['matrix']['include']


def test_workflow_triggers_and_jobs():
    workflow = _workflow()
    assert set(workflow['on']) == {'pull_request', 'push', 'schedule'}
    assert {'lint', 'sanity', 'molecule'} <= set(workflow['jobs'])
    lines = [entry['line'] for entry in workflow['jobs']['sanity']['strategy']['matrix']['include']]
    assert lines == ['main', 'compat']


@pytest.mark.parametrize('entry', _matrix(), ids=lambda e: '%s-%s' % (e['scenario'], e['distro']))
def test_matrix_entry_names_a_scenario_and_known_distros(entry):
    assert os.path.isfile(os.path.join(ROOT, 'molecule', entry['scenario'], 'molecule.yml')), entry
    unknown = set(entry['distro'].split('+')) - _molecule_distros()
    assert not unknown, 'scripts/molecule.sh has no image for %s' % sorted(unknown)


def test_every_registry_distro_runs_in_the_matrix():
    in_matrix = set(part for entry in _matrix() for part in entry['distro'].split('+'))
    registry = _molecule_distros() - LOCAL
    assert registry <= in_matrix, sorted(registry - in_matrix)
    # The platforms the README promises for public CI.
    assert {'ubuntu2204', 'ubuntu2404', 'rockylinux8', 'rockylinux9', 'rockylinux10', 'almalinux8', 'almalinux9',
            'almalinux10', 'centosstream9', 'centosstream10'} <= in_matrix


def test_every_scenario_of_the_suite_runs_in_public_ci():
    # What `make test` runs here (molecule/<scenario>/DISTROS) runs in the matrix too; kernel_vm has a job of its own.
    in_matrix = set((entry['scenario'], entry['distro']) for entry in _matrix())
    missing = []
    molecule = os.path.join(ROOT, 'molecule')
    for scenario in sorted(os.listdir(molecule)):
        path = os.path.join(molecule, scenario, 'DISTROS')
        if scenario == 'kernel_vm' or not os.path.isfile(path):
            continue
        with open(path) as handle:
            missing += [(scenario, distro) for distro in handle.read().split() if (scenario, distro) not in in_matrix]
    assert not missing, missing
    assert 'kernel-vm' in _workflow()['jobs']


def test_jobs_run_the_project_scripts():
    steps = [step.get('run', '') for job in _workflow()['jobs'].values() for step in job['steps']]
    text = '\n'.join(steps)
    assert 'scripts/test.sh' in text and 'scripts/molecule.sh' in text
    assert 'actionlint' in text
