"""The swarm role's tasks: join tokens never reach the output (issue 32).

community.docker.docker_swarm returns swarm_facts (with JoinTokens on a manager) for init, leave and remove, and
docker_swarm_info returns them too: every task calling either has no_log."""

import glob
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TASKS = os.path.join(ROOT, "roles", "swarm", "tasks")
TOKEN_MODULES = {"community.docker.docker_swarm", "community.docker.docker_swarm_info"}


def _tasks(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from _tasks(task.get(key))


def _token_tasks():
    found = []
    for path in sorted(glob.glob(os.path.join(TASKS, "*.yml"))):
        with open(path) as handle:
            for task in _tasks(yaml.safe_load(handle)):
                if TOKEN_MODULES & set(task):
                    found.append((os.path.basename(path), task))
    return found


def test_every_call_that_can_return_join_tokens_has_no_log():
    found = _token_tasks()
    # init, leave, remove, read the tokens, join managers, join workers
    assert len(found) == 6
    assert [(path, task["name"]) for path, task in found if task.get("no_log") is not True] == []
