"""What the roles left on the hostile host (issue 27), read from the host itself and from the Ansible log."""
import json
import os
import re

import testinfra.utils.ansible_runner

HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
testinfra_hosts = ["docker://" + name for name in HOSTS]
EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
SECRETS = ["s3cr3t-hostile-registry", "p4ss-hostile-proxy"]
REAL = "/etc/containerd/real/config.toml"


def results(host):
    with open(os.path.join(EPHEMERAL, "results-%s.json" % host.backend.name)) as handle:
        return json.load(handle)


def config_bytes(host):
    return host.file(REAL).content


def test_config_toml_written_through_the_link(host):
    link = host.file("/etc/containerd/config.toml")
    assert link.is_symlink and link.linked_to == REAL
    assert b"SystemdCgroup = true" in config_bytes(host)
    # Nothing was left beside the link: no regular file replaced it, no stray temporary files.
    assert host.check_output("ls -A /etc/containerd | sort").split() == ["config.toml", "real"]


def test_byte_order_mark_and_latin1_comment_kept(host):
    data = config_bytes(host)
    assert data.startswith(b"\xef\xbb\xbf# containerd config.toml for the hostile scenario")
    assert b"caf\xe9, na\xefve" in data


def test_credentials_file_0600_and_credentials_kept(host):
    real = host.file(REAL)
    assert real.mode == 0o600 and real.user == "root"
    assert b'password = "s3cr3t-hostile-registry"' in config_bytes(host)


def test_the_runtime_the_pods_use_gets_the_cgroup_driver(host):
    text = config_bytes(host).decode("latin-1")
    custom = re.search(r'runtimes\.custom\.options\]\n(.*?)(?:\n\[|\Z)', text, re.S)
    assert custom and re.search(r"^\s*SystemdCgroup = true$", custom.group(1), re.M), text
    dump = host.check_output("containerd config dump")
    assert re.search(r'default_runtime_name = "custom"', dump)
    options = re.search(r'runtimes\.custom\.options\]\n(.*?)\n\s*\[', dump, re.S)
    assert options and "SystemdCgroup = true" in options.group(1), dump


def test_the_result_says_what_is_true(host):
    result = results(host)["k8s_node_result"]
    assert result["cgroup_driver"] == "systemd", result


def test_proxy_drop_in_left_alone_and_dockerd_running(host):
    drop_in = host.file("/etc/systemd/system/docker.service.d/http-proxy.conf")
    assert b"p4ss-hostile-proxy" in drop_in.content
    assert host.service("docker").is_running


def test_no_secret_in_the_ansible_output():
    with open(os.path.join(EPHEMERAL, "ansible.log"), encoding="utf-8", errors="replace") as handle:
        log = handle.read()
    # The log holds converge and idempotence with --diff and -v: the results and diffs were printed.
    assert "TASK [fleetops.docker_host.k8s_node" in log and "TASK [fleetops.docker_host.docker_daemon" in log
    assert "****" in log
    for secret in SECRETS:
        assert secret not in log, secret


def test_lock_held_from_another_pid_namespace_reported_held(host):
    with open(os.path.join(EPHEMERAL, "lock-failure-%s.txt" % host.backend.name)) as handle:
        message = handle.read()
    assert "/var/lib/dpkg/lock" in message and "k8s_node_package_lock_timeout" in message
    # Held by a process the host cannot see: the kernel, asked about the lock file, says so.
    assert "an unknown process" in message and "let go" not in message, message
    # The role stopped at the lock, then installed what it needed once the holder was gone.
    assert host.exists("conntrack") and host.exists("socat")
