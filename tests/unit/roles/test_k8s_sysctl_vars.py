"""The k8s_sysctl role's data: the tool packages per family, and the look asks for the commands the plan reads."""

import os

import yaml

from ansible_collections.fleetops.docker_host.plugins.action.k8s_sysctl_plan import decide, look_args
from ansible_collections.fleetops.docker_host.plugins.plugin_utils._k8s_sysctl import COMMANDS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "k8s_sysctl")


def _load(relative):
    with open(os.path.join(ROLE, relative)) as handle:
        return yaml.safe_load(handle)


def test_vars_are_data():
    assert os.listdir(os.path.join(ROLE, "vars")) == ["main.yml"]
    for key, value in _load("vars/main.yml").items():
        assert "{{" not in repr(value), key


def test_tool_packages_per_family():
    packages = _load("vars/main.yml")["__k8s_sysctl_tool_packages"]
    assert packages == {"Debian": ["procps", "kmod"], "RedHat": ["procps-ng", "kmod"]}


def test_the_look_asks_for_the_commands_the_plan_reads():
    # The plan step runs the role's look itself when the caller's does not cover the role: with COMMANDS, the
    # commands whose absence the plan turns into tools_missing, and the role's modules.
    defaults = _load("defaults/main.yml")
    plan = decide({}, defaults, "node1", False)
    assert tuple(look_args(plan)["commands"]) == COMMANDS
    assert look_args(plan)["modules"] == defaults["k8s_sysctl_modules"]
