"""scripts/failure_reason.py: the one line the suite's tally prints after a failed gate or scenario."""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = importlib.util.spec_from_file_location("failure_reason", os.path.join(ROOT, "scripts", "failure_reason.py"))
failure_reason = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(failure_reason)

# What issue 25's fresh machine printed (shape of ansible-core 2.21's default callback, colours included).
PREPARE_LOG = """\x1b[0;32mINFO     Running el_userland > prepare\x1b[0m
PLAY [Build the signed EL repository and serve it on the Docker bridge] ***
TASK [Read the Docker bridge's address (the test host as its containers reach it)] ***
ok: [localhost]
TASK [Wait until the repository answers] ***
FAILED - RETRYING: [localhost]: Wait until the repository answers (20 retries left).
\x1b[0;31mfatal: [localhost]: FAILED! => {"attempts": 20, "changed": false, "msg": "Status code was -1 and not [200]: \
Request failed: <urlopen error [Errno 111] Connection refused>", "url": "http://:8769/gpg"}\x1b[0m
PLAY RECAP ***
localhost : ok=3 changed=1 unreachable=0 failed=1
CRITICAL Ansible return code was 2, command was: ansible-playbook prepare.yml
"""

LOOP_LOG = """TASK [Install] ***
failed: [h1] (item=a) => {"ansible_loop_var": "item", "item": "a", "msg": "No package matching 'a'"}
fatal: [h1]: FAILED! => {"changed": false, "msg": "One or more items failed", "results": [{"failed": true, \
"msg": "No package matching 'a'"}]}
"""

VERIFY_LOG = """INFO     Running k8s_node > verify
tests/test_k8s.py::test_cri[ansible://k8s-node-1] FAILED
E   AssertionError: containerd did not answer RuntimeReady
E    +  where False = ...
=========================== short test summary info ============================
FAILED tests/test_k8s.py::test_cri[ansible://k8s-node-1] - AssertionError: containerd did not answer RuntimeReady
"""


def test_failed_task_with_its_message():
    line = failure_reason.reason(PREPARE_LOG.splitlines())
    assert line.startswith("TASK [Wait until the repository answers] on localhost: Status code was -1")
    assert "Connection refused" in line


def test_loop_failure_gives_the_failed_item_message():
    line = failure_reason.reason(LOOP_LOG.splitlines())
    assert line == "TASK [Install] on h1: One or more items failed"


def test_pytest_summary_line():
    line = failure_reason.reason(VERIFY_LOG.splitlines())
    assert line.startswith("FAILED tests/test_k8s.py::test_cri")
    assert "RuntimeReady" in line


def test_molecule_error_when_no_task_failed():
    line = failure_reason.reason(["INFO something", "CRITICAL Instances missing from the 'platform' section"])
    assert line == "CRITICAL Instances missing from the 'platform' section"


def test_last_line_otherwise_and_one_line_of_bounded_length(tmp_path, capsys):
    log = tmp_path / "log"
    log.write_text("a\n" + "word " * 200 + "\n\n")
    assert failure_reason.main(["x", str(log)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and len(out.strip()) == failure_reason.LIMIT and out.strip().endswith("...")


def test_unreadable_log_prints_nothing(tmp_path, capsys):
    assert failure_reason.main(["x", str(tmp_path / "missing")]) == 0
    assert capsys.readouterr().out == ""


def test_ansible_error_inside_molecule_box_with_its_continuation():
    log = """INFO     el_userland > prepare: Executing
  \u2502 ansible-playbook --inventory /root/.ansible/tmp/inventory
  \u2502 [ERROR]: unexpected parameter type in action: <class
  \u2502   'ansible.module_utils._internal._datatag._AnsibleTaggedList'>
  \u2502 Origin: /work/main/molecule/el_userland/prepare.yml:34:7
  \u2502
  \u2514\u2500 Return code: 4 \u2500\u2500\u2500
CRITICAL Ansible return code was 4, command was: ansible-playbook prepare.yml
"""
    line = failure_reason.reason(log.splitlines())
    assert line == ("[ERROR]: unexpected parameter type in action: <class "
                    "'ansible.module_utils._internal._datatag._AnsibleTaggedList'>")


def test_stopped_run_says_where_it_was():
    log = ["INFO     el_kernel \u279c create: Executing", "INFO     el_kernel \u279c prepare: Executing",
           "TASK [Build the tree] ***", "==> stopped by the test suite after 1500s"]
    assert failure_reason.reason(log) == ("still running when stopped (in Molecule's prepare; "
                                          "last task started: Build the tree)")


def test_a_gate_script_failure_line():
    log = ["==> building", "FAIL: a report was written into the installed collection", "set_stats: ..."]
    assert failure_reason.reason(log) == "FAIL: a report was written into the installed collection"
