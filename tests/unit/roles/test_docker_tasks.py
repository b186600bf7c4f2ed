"""The docker role's tasks: docker_result is recorded on every run of the repository/distro/files flow.

A run with nothing to change skips the plan's steps (work.yml, `when: __docker_plan.work`); the result must still
be recorded there, from the look. Inside that block it was not: in one playbook that runs site.yml twice (the
el_userland side effect: the pin moved, then the second run) the second run kept the first run's docker_result
(changed, changed_packages [docker-ce, docker-ce-cli]), a set_fact living on for the rest of the playbook."""

import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MAIN = os.path.join(ROOT, "roles", "docker", "tasks", "main.yml")


def _walk(items, conditions=()):
    """(task, the `when` of the task and of every block around it) for each task, blocks included."""
    for task in items or []:
        when = task.get("when")
        here = conditions + tuple(when if isinstance(when, list) else [when] if when is not None else [])
        yield task, here
        for key in ("block", "rescue", "always"):
            yield from _walk(task.get(key), here)


def _recorders():
    with open(MAIN) as handle:
        tasks = yaml.safe_load(handle)
    return [(task["name"], conditions) for task, conditions in _walk(tasks)
            if "docker_result" in (task.get("ansible.builtin.set_fact") or {})]


def test_the_result_is_recorded_on_a_run_with_nothing_to_change():
    found = _recorders()
    assert len(found) == 1, found
    _name, conditions = found[0]
    # One task records it for every source (the look's, the look after work.yml, the bundle's): nothing guards it,
    # least of all the plan.
    assert conditions == ()


def _result_expression():
    with open(MAIN) as handle:
        tasks = yaml.safe_load(handle)
    task = next(task for task, _conditions in _walk(tasks) if "docker_result" in (task.get("ansible.builtin.set_fact") or {}))
    return task["ansible.builtin.set_fact"]["docker_result"]


def test_a_second_pass_without_work_does_not_take_the_first_pass_result():
    """work.yml behind a skipped include leaves the first pass's __docker_last registered (site.yml twice in one
    playbook: el_userland's side effect); the second pass's result is its own look's."""
    jinja2 = __import__("jinja2")
    template = jinja2.Environment().from_string(_result_expression().strip())
    stale = {"result": {"changed": True, "changed_packages": ["docker-ce"]}}
    quiet = {"plan": {"work": False}, "result": {"changed": False}}
    busy = {"plan": {"work": True}, "result": {"changed": False}}
    assert template.render(docker_package_source="repo", __docker_look=quiet, __docker_last=stale) == "{'changed': False}"
    assert template.render(docker_package_source="repo", __docker_look=busy, __docker_last=stale) == str(stale["result"])
    # Check mode on a new host: work.yml ran, its last look was skipped (a skipped task's register has no result).
    skipped = {"skipped": True, "changed": False}
    assert template.render(docker_package_source="repo", __docker_look=busy, __docker_last=skipped) == "{'changed': False}"
