"""The one list of test platforms (scripts/platforms.py) and the public-CI workflow (.github/workflows/ci.yml) that
runs from it: every run names a scenario that exists and distros with an image, the workflow's Molecule matrix is
platforms.py's (no second list), every registry distro runs in CI, and the jobs call the project's own scripts."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = os.path.join(ROOT, '.github', 'workflows', 'ci.yml')
SCRIPT = os.path.join(ROOT, 'scripts', 'platforms.py')
SPEC = importlib.util.spec_from_file_location('platforms', SCRIPT)
platforms = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(platforms)


def _workflow():
    with open(WORKFLOW) as handle:
        return yaml.safe_load(handle)


def _cli(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], check=False, capture_output=True, text=True)


def test_workflow_triggers_and_jobs():
    workflow = _workflow()
    assert set(workflow['on']) == {'pull_request', 'push', 'schedule'}
    assert {'lint', 'sanity', 'plan', 'molecule', 'kernel-vm'} <= set(workflow['jobs'])
    lines = [entry['line'] for entry in workflow['jobs']['sanity']['strategy']['matrix']['include']]
    assert lines == ['main', 'compat']


def test_molecule_matrix_is_the_platform_list():
    jobs = _workflow()['jobs']
    assert jobs['molecule']['strategy']['matrix'] == '${{ fromJSON(needs.plan.outputs.matrix) }}'
    assert 'plan' in jobs['molecule']['needs']
    assert 'scripts/platforms.py matrix' in '\n'.join(step.get('run', '') for step in jobs['plan']['steps'])
    line = _cli('matrix').stdout
    assert line.startswith('matrix=') and line.count('\n') == 1
    assert json.loads(line[len('matrix='):]) == platforms.matrix()


@pytest.mark.parametrize('scenario', sorted(platforms.SCENARIOS))
def test_every_scenario_exists_and_names_known_distros(scenario):
    assert os.path.isfile(os.path.join(ROOT, 'molecule', scenario, 'molecule.yml')), scenario
    for run in platforms.runs(scenario, ci=True):
        assert set(run.split('+')) <= set(platforms.DISTROS), run


def test_every_scenario_directory_is_listed():
    dirs = {d for d in os.listdir(os.path.join(ROOT, 'molecule'))
            if os.path.isfile(os.path.join(ROOT, 'molecule', d, 'molecule.yml'))}
    assert dirs == set(platforms.SCENARIOS)
    # No second list of distros beside the one in platforms.py.
    assert not [d for d in dirs if os.path.exists(os.path.join(ROOT, 'molecule', d, 'DISTROS'))]


def test_every_registry_distro_runs_in_ci_and_suite_runs_too():
    in_matrix = {part for entry in platforms.matrix()['include'] for part in entry['distro'].split('+')}
    registry = {name for name, (_image, build) in platforms.DISTROS.items() if build is None}
    assert registry <= in_matrix, sorted(registry - in_matrix)
    assert {'ubuntu2204', 'ubuntu2404', 'rockylinux8', 'rockylinux9', 'rockylinux10', 'almalinux8', 'almalinux9',
            'almalinux10', 'centosstream9', 'centosstream10'} <= in_matrix
    pairs = {(entry['scenario'], entry['distro']) for entry in platforms.matrix()['include']}
    for scenario in set(platforms.SCENARIOS) - platforms.OWN_JOB:
        assert {(scenario, run) for run in platforms.runs(scenario)} <= pairs


def test_cli_image_build_runs_and_unknown_names():
    assert _cli('image', 'el9tooling').stdout == 'fleetops/el9-tooling-debian:12\n'
    assert _cli('build', 'debian11+debian12', 'el9tooling', 'ubuntu2204').stdout.split() == ['11', '12', 'el9']
    assert _cli('runs', 'docker_daemon').stdout.split() == ['debian12+debian13']
    done = _cli('image', 'nope')
    assert done.returncode != 0 and "unknown distro 'nope'" in done.stderr


def test_jobs_run_the_project_scripts():
    steps = [step.get('run', '') for job in _workflow()['jobs'].values() for step in job['steps']]
    text = '\n'.join(steps)
    assert 'scripts/test.sh' in text and 'scripts/molecule.sh' in text
    assert 'actionlint' in text
