"""What site.yml leaves on the EL-tooling host (EL 9 package tooling on a Debian 12 userland, not Rocky
Linux), read from the host itself with rpm, dnf and the engine, and from the fleet report."""
import json
import os
import re
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "tests"))
from fleet_checks import report_rows, report_text  # noqa: E402

HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
testinfra_hosts = ["docker://" + name for name in HOSTS]
REPO_DIR = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".cache", "el-repo")


def _repo(name):
    with open(os.path.join(REPO_DIR, name)) as handle:
        return handle.read().strip()


FINGERPRINT = _repo("FINGERPRINT")
VERSION = _repo("VERSIONS").split()[0]
NEWER = _repo("VERSIONS").split()[1]
URL = _repo("URL")


def test_the_host_is_the_el_tooling_image_not_an_el_release(host):
    # Ansible reads the release files as Rocky 9; the image says what it is.
    assert "not Rocky Linux" in host.file("/etc/os-release").content_string
    assert host.file("/etc/debian_version").exists
    assert host.check_output("rpm -q --qf '%{NAME}' --whatprovides 'system-release(releasever)'") == "fleetops-el9-release"


def test_docker_packages_installed_from_the_repository_at_the_pin(host):
    out = host.check_output(
        "rpm -q --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\\n' docker-ce docker-ce-cli containerd.io "
        "docker-buildx-plugin docker-compose-plugin")
    installed = dict(line.split() for line in out.splitlines())
    assert installed["docker-ce"] == "3:%s-1.el9" % VERSION
    assert installed["docker-ce-cli"] == "1:%s-1.el9" % VERSION
    assert set(installed) == {"docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"}
    # Installed by dnf from the signed repository (rpm verifies the files it installed). containerd.io's
    # config.toml is a %config file the k8s stage merged into: rpm -V names it changed, as on a real host.
    assert host.run("rpm -V --noconfig docker-ce docker-ce-cli containerd.io").rc == 0
    assert host.run("rpm -V containerd.io").stdout.split()[-1] == "/etc/containerd/config.toml"


def test_engine_versions_are_locked(host):
    locks = host.check_output("dnf -q versionlock list").split()
    assert "docker-ce-3:%s-1.el9.*" % VERSION in locks
    assert "docker-ce-cli-1:%s-1.el9.*" % VERSION in locks
    # The lock holds: the repository offers NEWER, and dnf offers no update of the locked packages.
    offered = host.run("dnf -q --refresh list --available --showduplicates docker-ce")
    assert NEWER in offered.stdout, offered.stdout + offered.stderr
    update = host.run("dnf -q check-update docker-ce docker-ce-cli")
    assert update.rc == 0, update.stdout + update.stderr  # 100 would mean an update is offered


def test_repository_file_points_at_the_verified_key(host):
    repo = host.file("/etc/yum.repos.d/docker-ce.repo")
    assert repo.mode == 0o644 and repo.user == "root"
    text = repo.content_string
    assert "baseurl=%s/rhel/9/$basearch/stable" % URL in text
    assert "gpgcheck=1" in text
    assert "gpgkey=file:///etc/pki/rpm-gpg/docker-ce.gpg" in text
    assert FINGERPRINT in text
    shown = host.check_output("gpg --batch --show-keys --with-colons /etc/pki/rpm-gpg/docker-ce.gpg")
    assert [f.split(":")[9] for f in shown.splitlines() if f.startswith("fpr:")][0] == FINGERPRINT
    # The rpm database trusts exactly this key.
    assert host.check_output("rpm -q gpg-pubkey --qf '%{VERSION}\\n'").split() == [FINGERPRINT[-8:].lower()]
    assert "docker-ce-stable" in host.check_output("dnf -q repolist")


def test_engine_enabled_running_and_configured(host):
    docker = host.service("docker")
    assert docker.is_running and docker.is_enabled
    assert host.service("containerd").is_running
    assert host.check_output("docker version --format '{{.Server.Version}}'").startswith(VERSION)
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["insecure-registries"] == ["10.100.0.0/24"]
    info = json.loads(host.check_output("docker info --format '{{json .RegistryConfig}}'"))
    assert "10.100.0.0/24" in info["InsecureRegistryCIDRs"]
    assert host.check_output("docker run --rm fleetops/hello:latest echo hello") == "hello"
    assert "docker" in host.user("fleetops").groups
    assert host.check_output("docker compose version --short").strip()


def test_fleet_report_row():
    text = report_text()
    rows = report_rows(text)
    for name in HOSTS:
        assert (rows[name]["Status"], rows[name]["Hello"]) == ("ok", "hello"), text
        assert re.search(r"\b%s\b" % re.escape(VERSION), rows[name]["Docker"]), text


def test_k8s_packages_installed_by_their_el_names(host):
    # k8s_node's vars/RedHat.yml names; dnf installed them from the stand-in for EL's own repository.
    out = host.check_output("rpm -q --qf '%{NAME} %{SUMMARY}\\n' conntrack-tools socat")
    assert [line.split()[0] for line in out.splitlines()] == ["conntrack-tools", "socat"]
    assert "fleetops test build from Debian's binaries" in out
    assert host.check_output("dnf -q repoquery --installed --qf '%{name} %{from_repo}' conntrack-tools socat").split() \
        == ["conntrack-tools", "el-userland-baseos", "socat", "el-userland-baseos"]
    assert host.run("rpm -V conntrack-tools socat").rc == 0
    assert "conntrack v1.4" in host.check_output("conntrack --version")
    assert "socat version 1.7" in host.check_output("socat -V")


def test_k8s_containerd_cri_loaded_with_systemd_cgroups(host):
    plugins = host.check_output("ctr plugins ls")
    assert re.search(r"^io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok\s*$", plugins, re.M), plugins
    text = host.file("/etc/containerd/config.toml").content_string
    assert re.search(r"^\s*SystemdCgroup = true$", text, re.M), text
    assert re.search(r"^disabled_plugins = \[\]$", text, re.M), text


def test_k8s_column_in_the_report():
    # conntrack and socat installed, the CRI plugin loaded, SystemdCgroup set: nothing kubeadm checks is unmet.
    text = report_text()
    rows = report_rows(text)
    assert all(rows[name]["K8s"] == "ready for 1.28" for name in HOSTS), text
