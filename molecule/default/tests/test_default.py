"""What site.yml must leave on every host of the fleet, read from the hosts themselves."""
import json
import os
import re
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "tests"))
from fleet_checks import assert_check_mode_changes_nothing, recap, report_rows, report_text, run_playbook  # noqa: E402

HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
# testinfra's docker backend (docker exec) for the per-host checks: the same containers, far faster
# than one Ansible run per command.
testinfra_hosts = ["docker://" + name for name in HOSTS]
K8S_KEYS = ("net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables", "net.ipv4.ip_forward")


def test_engine_enabled_and_running(host):
    docker = host.service("docker")
    assert docker.is_running
    assert docker.is_enabled


def test_daemon_json_has_the_fleet_settings(host):
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["insecure-registries"] == ["10.100.0.0/24"]
    # The engine itself took the setting (a reload or restart happened).
    info = json.loads(host.check_output("docker info --format '{{json .RegistryConfig}}'"))
    assert "10.100.0.0/24" in info["InsecureRegistryCIDRs"]


def test_hello_container_runs(host):
    assert host.check_output("docker run --rm fleetops/hello:latest echo hello") == "hello"


def test_docker_users_run_containers_through_the_group(host):
    assert "docker" in host.user("fleetops").groups
    assert host.check_output("runuser -u fleetops -- docker run --rm fleetops/hello:latest echo hello") == "hello"


def test_engine_packages_and_compose(host):
    if host.system_info.distribution in ("debian", "ubuntu"):
        # docker_package_source=distro: the archive's engine, not Docker's.
        assert host.package("docker.io").is_installed
        assert not host.package("docker-ce").is_installed
    else:
        assert host.package("docker-ce").is_installed
    compose = host.run("docker compose version || docker-compose version --short")
    assert compose.rc == 0 and compose.stdout.strip(), compose.stderr


def test_k8s_sysctls_live_and_persisted(host):
    persisted = host.file("/etc/sysctl.d/k8s.conf").content_string
    for key in K8S_KEYS:
        assert host.file("/proc/sys/" + key.replace(".", "/")).content_string.strip() == "1", key
        assert re.search(r"^%s\s*=\s*1\s*$" % re.escape(key), persisted, re.M), key
    modules = host.file("/etc/modules-load.d/k8s.conf").content_string.split()
    assert "br_netfilter" in modules and "overlay" in modules


def test_fleet_report_lists_every_host_ok():
    text = report_text()
    rows = report_rows(text)
    for name in HOSTS:
        assert (rows[name]["Status"], rows[name]["Sysctl"], rows[name]["Hello"]) == ("ok", "ok", "hello"), text
    assert os.path.exists(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "fleet-report.html"))
    # The report places itself: a real run, when, which collection, which inventory and playbook.
    assert text.startswith("# Fleet report\n") and "CHECK RUN" not in text, text
    for line in ("- Run: real run", "- Generated: 20", "- Collection: fleetops.docker_host 0.", "- Inventory: /",
                 "- Playbook: ", "- Command line: `"):
        assert "\n" + line in text, text


def _check_report():
    """The check run's own report: fleet-report.check.md (and .html) beside the real run's."""
    text = report_text("fleet-report.check")
    assert text.startswith("# Fleet report (check run)\n"), text
    assert "CHECK RUN (`--check`): nothing was changed." in text and "- Run: check run (--check)" in text, text
    html = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "fleet-report.check.html")
    with open(html) as handle:
        assert "<title>Fleet report (check run)</title>" in handle.read()
    return text, report_rows(text)


def test_the_check_step_on_the_fresh_fleet_wrote_its_own_report():
    """Molecule's check step (site.yml --check before converge) wrote fleet-report.check.*, marked as a check run;
    no host failed, and no status says ok next to a verdict that is not met."""
    text, rows = _check_report()
    assert set(rows) == set(HOSTS), text
    for name in HOSTS:
        assert rows[name]["Status"] in ("ok", "would change", "unmet"), text
        if rows[name]["Status"] == "ok":
            assert not rows[name]["Sysctl"].startswith(("bad", "would")), text
            assert not rows[name]["K8s"].startswith("not ready"), text


def test_check_mode_on_converged_fleet_changes_nothing():
    """`site.yml --check --diff` on the converged fleet: every host reports changed=0, the check run writes its
    own report (every host ok) and leaves the real run's report and files as they were."""
    real = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "fleet-report")
    before = {ext: open(real + ext, "rb").read() for ext in (".md", ".html")}
    assert_check_mode_changes_nothing(os.path.join(os.path.dirname(os.path.dirname(__file__)), "converge.yml"), HOSTS)
    assert {ext: open(real + ext, "rb").read() for ext in (".md", ".html")} == before
    text, rows = _check_report()
    assert all(rows[name]["Status"] == "ok" and rows[name]["Sysctl"] == "ok" for name in HOSTS), text


def _site_with(extra_vars, report):
    """site.yml (the scenario's converge playbook) with extra vars and its own report path."""
    playbook = os.path.join(os.path.dirname(os.path.dirname(__file__)), "converge.yml")
    run = run_playbook(playbook, **dict(extra_vars, fleetops_report_path=report))
    text = report_text(report)
    return run, report_rows(text), text


def test_a_failed_stage_is_reported_and_fails_only_that_host():
    """Bad input on one host: that host fails the sysctl stage with its message in the report and the
    run's exit status; the others converge as before (changed=0)."""
    bad = sorted(HOSTS)[0]
    report = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "fleet-report-one-failed")
    good = {"net.bridge.bridge-nf-call-iptables": 1, "net.bridge.bridge-nf-call-ip6tables": 1, "net.ipv4.ip_forward": 1}
    run, rows, text = _site_with(
        {"k8s_sysctl_settings": "{{ {'bad key': 1} if inventory_hostname == '%s' else %s }}" % (bad, json.dumps(good))},
        report)
    assert run.returncode != 0, run.stdout[-3000:]
    counts = recap(run.stdout)
    assert counts[bad]["failed"] == 1 and all(counts[h]["failed"] == 0 for h in HOSTS if h != bad), run.stdout[-3000:]
    assert rows[bad]["Status"] == "failed", text
    assert "**%s** (sysctl)" % bad in text and "bad key" in text, text
    assert all(rows[h]["Status"] == "ok" and rows[h]["Hello"] == "hello" for h in HOSTS if h != bad), text


def test_the_report_is_written_when_every_host_fails():
    report = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "fleet-report-all-failed")
    run, rows, text = _site_with({"docker_package_source": "files"}, report)
    assert run.returncode != 0, run.stdout[-3000:]
    assert set(rows) == set(HOSTS) and all(r["Status"] == "failed" for r in rows.values()), text
    assert text.count("(docker): ") == len(HOSTS) and "docker_package_files" in text, text
    # The run says where the report is, after the report, even though every host then fails.
    after_report = run.stdout.split("TASK [Write the fleet report", 1)
    assert len(after_report) == 2, run.stdout[-3000:]
    assert "Fleet report: %s.html and %s.md" % (report, report) in after_report[1], run.stdout[-3000:]


def test_fleet_report_k8s_column_for_the_k8s_nodes_only():
    """fleet-2 is in k8s_nodes: the k8s stage ran there and the K8s column says ready for the release its group
    names (1.28, whose floors this machine meets); the others show '-'."""
    text = report_text()
    rows = report_rows(text)
    for name in HOSTS:
        assert rows[name]["K8s"] == ("ready for 1.28" if name == "fleet-2" else "-"), text
