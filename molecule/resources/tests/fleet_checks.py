"""What the scenarios' testinfra files read the same way: the fleet report's table by column name, and an
ansible-playbook run with its recap per host. Imported by molecule/<scenario>/tests/test_*.py."""
import json
import os
import re
import subprocess

_RECAP = re.compile(r"^(\S+)\s+:((?:\s+\w+=\d+)+)\s*$", re.M)


def report_text(name="fleet-report"):
    """The Markdown report <name>.md in the scenario's ephemeral directory (or an absolute path), "" if absent."""
    path = name if os.path.isabs(name) else os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], name)
    if not os.path.exists(path + ".md"):
        return ""
    with open(path + ".md") as handle:
        return handle.read()


def report_rows(text):
    """{host: {column: cell}} from the report's host table, the columns named by its header row."""
    lines = text.splitlines()
    header = next((line for line in lines if line.startswith("| Host |")), None)
    if header is None:
        return {}
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    rows = {}
    for line in lines[lines.index(header) + 2:]:
        if not line.startswith("| "):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(columns, cells))
    return rows


def run_playbook(playbook, *args, **extra_vars):
    """ansible-playbook against the scenario's inventory, plain text output; never raises on failure."""
    argv = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], playbook] + list(args)
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    return subprocess.run(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
    )


def recap(output):
    """{host: {"ok": n, "changed": n, "failed": n, ...}} from the PLAY RECAP of a run's output."""
    return {host: {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", counts)}
            for host, counts in _RECAP.findall(output)}


def assert_check_mode_changes_nothing(playbook, hosts):
    """`<playbook> --check --diff` on converged hosts: it succeeds and every host reports changed=0."""
    run = run_playbook(playbook, "--check", "--diff")
    assert run.returncode == 0, run.stdout[-3000:]
    counts = recap(run.stdout)
    assert set(counts) >= set(hosts), run.stdout[-3000:]
    assert all(c["changed"] == 0 for c in counts.values()), run.stdout[-3000:]
