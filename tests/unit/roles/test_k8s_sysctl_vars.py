"""The k8s_sysctl role's data: the boot directories match what sysctl_check reads, the tool packages per family."""

import os

import yaml

from ansible_collections.fleetops.docker_host.plugins.filter.k8s_sysctl import BOOT_DIRS, COMMANDS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "k8s_sysctl")


def _load(relative):
    with open(os.path.join(ROLE, relative)) as handle:
        return yaml.safe_load(handle)


def test_boot_dirs_are_the_ones_sysctl_check_reads():
    assert tuple(_load("vars/main.yml")["k8s_sysctl_boot_dirs"]) == BOOT_DIRS


def test_vars_are_data():
    for name in ("main.yml", "Debian.yml", "RedHat.yml"):
        for key, value in _load(os.path.join("vars", name)).items():
            assert "{{" not in repr(value), (name, key)


def test_tool_packages_per_family():
    assert _load("vars/Debian.yml")["k8s_sysctl_tool_packages"] == ["procps", "kmod"]
    assert _load("vars/RedHat.yml")["k8s_sysctl_tool_packages"] == ["procps-ng", "kmod"]


def test_the_look_asks_for_the_commands_the_plan_reads():
    look = _load("tasks/look.yml")
    assert tuple(look[0]["fleetops.docker_host.container_preflight_info"]["commands"]) == COMMANDS
