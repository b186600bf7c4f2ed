"""What site.yml with k8s_node_enabled must leave on the host, read from the host itself."""
import os
import re
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "tests"))
from fleet_checks import report_rows, report_text  # noqa: E402

HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
testinfra_hosts = ["docker://" + name for name in HOSTS]


def test_cri_plugin_loaded(host):
    plugins = host.check_output("ctr plugins ls")
    assert re.search(r"^io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok\s*$", plugins, re.M), plugins


def test_config_toml_merged_not_overwritten(host):
    text = host.file("/etc/containerd/config.toml").content_string
    assert re.search(r"^\s*SystemdCgroup = true$", text, re.M), text
    assert re.search(r'^disabled_plugins = \[\]$', text, re.M), text
    assert 'config_path = "/etc/containerd/certs.d"' in text
    # containerd.io's comments and commented-out settings stay where they were.
    assert "Copyright 2018-2022 Docker Inc." in text
    assert '#root = "/var/lib/containerd"' in text


def test_containerd_uses_the_systemd_cgroup_driver(host):
    dump = host.check_output("containerd config dump")
    assert re.search(r"^\s*SystemdCgroup = true$", dump, re.M)


def test_swap_line_commented_and_kept(host):
    fstab = host.file("/etc/fstab").content_string
    assert "/swapfile none swap sw 0 0" in fstab
    for line in fstab.splitlines():
        if "/swapfile" in line:
            assert line.lstrip().startswith("#"), line
    assert host.file("/etc/systemd/system/swap.target").linked_to == "/dev/null"


def test_docker_still_runs_and_says_hello(host):
    assert host.service("docker").is_running
    assert host.check_output("docker run --rm fleetops/hello:latest echo hello") == "hello"


def test_registry_trust_files(host):
    insecure = host.file("/etc/containerd/certs.d/registry.k8s-node.test:5000/hosts.toml").content_string
    assert 'server = "http://registry.k8s-node.test:5000"' in insecure
    hub = host.file("/etc/containerd/certs.d/docker.io/hosts.toml").content_string
    assert '[host."https://mirror.k8s-node.test"]' in hub
    assert host.file("/etc/containerd/certs.d/docker.io/fleetops-k8s-node.managed").exists


def test_dropped_registry_entry_left_only_what_the_role_did_not_write(host):
    # side_effect.yml dropped ca.k8s-node.test:5000 after an operator put a file into its containerd directory.
    assert not host.file("/etc/docker/certs.d/ca.k8s-node.test:5000").exists
    kept = "/etc/containerd/certs.d/ca.k8s-node.test:5000"
    assert host.check_output("ls -A %s" % kept).split() == ["operator-note.txt"]
    # The operator's own directories (no marker) were never touched.
    assert host.file("/etc/containerd/certs.d/operator.k8s-node.test/hosts.toml").content_string == \
        'server = "https://operator.k8s-node.test"\n'
    assert host.file("/etc/docker/certs.d/operator.k8s-node.test/ca.crt").content_string == "operator's CA\n"


def test_kubeadm_commands_installed(host):
    assert host.exists("conntrack") and host.exists("socat")


def test_fleet_report_has_the_readiness_column():
    # The verdict is for the newest release the floors table knows (1.36): this machine runs cgroup v1 and
    # containerd 1.6 (side_effect.yml shows the same host ready for 1.28).
    text = report_text()
    column = report_rows(text)["k8s-node-1"]["K8s"]
    assert column.startswith("not ready for 1.36: cgroup (the host runs cgroup v1"), text
    assert "; containerd (containerd 1.6." in column, text
    # The two reasons and no other, each listed with its fix below the table.
    assert re.findall(r"^- \*\*k8s-node-1\*\* \((\w+)\): ", text, re.M) == ["cgroup", "containerd"], text
