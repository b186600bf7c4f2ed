"""One line saying why a Molecule or gate log failed, for the suite's tally (scripts/test.sh):
   scripts/failure_reason.py LOG
The first failed Ansible task with its host and message (`TASK [name] on host: msg`), else the first failed test
(pytest/testinfra), else Ansible's or Molecule's own error line, else the log's last line. Never more than one line
of at most 300 characters; nothing (exit 0) for a log that cannot be read."""
import json
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BOX = re.compile(r"^\s*[\u2502|]\s?")  # Molecule frames a command's output in a box: "  \u2502 [ERROR]: ..."
TASK = re.compile(r"^TASK \[(?P<name>[^\]]*?)\s*(?:\]|$)")  # a long name wraps: its first line
FATAL = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\]: (?:FAILED|UNREACHABLE)! => (?P<rest>.*)$")
OURS = re.compile(r"^FAIL: .+$")  # the project's own gate scripts (galaxy_install_test.sh, ...)
PYTEST = re.compile(r"^(?:FAILED|ERROR) \S+::\S+.*$")
ASSERT = re.compile(r"^E\s{3}\S.*$")
ACTION = re.compile(r"^INFO\s+\S+ \S+ (?P<action>\w+): Executing")  # Molecule: "INFO  el_kernel > prepare: Executing"
STOPPED = "stopped by the test suite"
ERROR = re.compile(r"^(?:ERROR!|\[ERROR\]:|CRITICAL|ERROR)\s*(?P<msg>.*)$")
LIMIT = 300


def message(rest):
    """The `msg` of an Ansible result printed after `=> ` (JSON), or the text itself."""
    try:
        data = json.loads(rest)
    except ValueError:
        return rest
    if not isinstance(data, dict):
        return rest
    for key in ("msg", "stderr", "module_stderr", "reason"):
        value = data.get(key)
        if value:
            return value if isinstance(value, str) else json.dumps(value)
    results = [r for r in data.get("results") or [] if isinstance(r, dict) and r.get("failed")]
    if results:
        return message(json.dumps(results[0]))
    return rest


def reason(lines):
    lines = [BOX.sub("", ANSI.sub("", line)) for line in lines]
    if any(STOPPED in line for line in lines):
        # A run stopped for taking too long has no failed task: say where it was.
        actions = [m.group("action") for m in map(ACTION.match, lines) if m]
        tasks = [m.group("name") for m in map(TASK.match, lines) if m]
        where = ["in Molecule's %s" % actions[-1]] if actions else []
        where += ["last task started: %s" % tasks[-1]] if tasks else []
        return "still running when stopped (%s)" % "; ".join(where or ["nothing started"])
    task = None
    for line in lines:
        match = TASK.match(line)
        if match:
            task = match.group("name")
            continue
        match = FATAL.match(line)
        if match:
            where = "TASK [%s] on %s" % (task, match.group("host")) if task else match.group("host")
            return "%s: %s" % (where, message(match.group("rest")))
    for pattern in (OURS, PYTEST, ASSERT):
        for line in lines:
            if pattern.match(line):
                return line.strip()
    for index, line in enumerate(lines):
        match = ERROR.match(line)
        if match and match.group("msg"):
            # Ansible wraps a long error over the next lines, up to a blank one or its "Origin:".
            more = []
            for following in lines[index + 1:index + 4]:
                if not following.strip() or following.startswith(("Origin:", "CRITICAL", "ERROR", "INFO", "WARNING")):
                    break
                more.append(following.strip())
            return " ".join([line.strip()] + more)
    tail = [line for line in lines if line.strip()]
    return tail[-1].strip() if tail else ""


def one_line(text):
    text = " ".join(text.split())
    return text if len(text) <= LIMIT else text[:LIMIT - 3] + "..."


def main(argv):
    try:
        with open(argv[1], encoding="utf-8", errors="replace") as log:
            lines = [line.rstrip("\n") for line in log]
    except (IndexError, OSError):
        return 0
    print(one_line(reason(lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
