"""The k8s_node role gives its look every setting once (module_defaults), and hands the look again every step."""

import os
import re

import yaml

from ansible_collections.fleetops.docker_host.plugins.module_utils._k8s_node import STEPS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "k8s_node")
LOOK = "fleetops.docker_host.k8s_node_info"


def _load(relative):
    with open(os.path.join(ROLE, relative)) as handle:
        return yaml.safe_load(handle)


def _block():
    (block,) = [task for task in _load("tasks/main.yml") if LOOK in (task.get("module_defaults") or {})]
    return block


def _tasks(tasks):
    for task in tasks:
        yield task
        yield from _tasks((task.get("block") or []) + (task.get("rescue") or []) + (task.get("always") or []))


def test_the_look_gets_each_setting_of_the_role_once():
    defaults = _load("defaults/main.yml")
    given = _block()["module_defaults"][LOOK]
    # The role's settings that change the plan or the verdict, each from its variable.
    assert set(given) == {"config_file", "allow_swap", "cgroup_driver", "ports", "kubernetes_version", "registries",
                          "sandbox_image", "registry_config_path", "docker_certs_dir"}
    for option, value in given.items():
        names = re.findall(r"\b(k8s_node_[a-z_]+)", value)
        assert names and all(name in defaults for name in names), (option, value)
    # Every call of the look in the role takes them from there: no argument list written twice.
    calls = [task[LOOK] for task in _tasks(_block()["block"]) if LOOK in task]
    assert len(calls) == 3 and all(set(args or {}) <= {"steps"} for args in calls)


def test_the_look_after_the_steps_gets_every_step():
    steps = _block()["vars"]["__k8s_node_steps"]
    assert set(steps) == set(STEPS) | {"plan"}
