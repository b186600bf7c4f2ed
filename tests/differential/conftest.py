"""The judge: the container scripts/differential.sh starts (fleetops-differential, image
fleetops-differential:judge, dockerd 26 from Debian 13). Cases are copied in and judged by judge/judge.sh."""
import json
import os
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
CONTAINER = os.environ.get('FLEETOPS_DIFFERENTIAL_CONTAINER', 'fleetops-differential')


def run_judge(documents):
    """{file name: text} -> (dockerd --version line, {file name: (validate status, use, message)}), one container.

    use is ok (dockerd started with the file and ran a container), start or run (it refused the file then),
    timeout, or skipped (--validate refused it already): see judge/judge.sh."""
    with tempfile.TemporaryDirectory(prefix='fleetops-differential.') as cases:
        # Not /tmp: a tmpfs there, and docker cp writes under the container's own filesystem only.
        target = '/var/tmp/' + os.path.basename(cases)
        os.chmod(cases, 0o755)
        for name, text in documents.items():
            with open(os.path.join(cases, name), 'w', encoding='utf-8') as handle:
                handle.write(text)
            os.chmod(os.path.join(cases, name), 0o644)
        proc = subprocess.run(['docker', 'cp', cases, '%s:%s' % (CONTAINER, target)], capture_output=True,
                              text=True, check=False)
        if proc.returncode == 0:
            proc = subprocess.run(['docker', 'exec', CONTAINER, 'sh', '/usr/local/bin/judge.sh', target],
                                  capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail('the judge container %s did not run (exit %d): %s; run the differential with '
                    '`make differential` (scripts/differential.sh starts it)'
                    % (CONTAINER, proc.returncode, (proc.stderr or proc.stdout).strip()[-500:]), pytrace=False)
    lines = proc.stdout.splitlines()
    verdicts = {}
    for line in lines[1:]:
        name, status, use, output = (line.split('\t', 3) + ['', ''])[:4]
        verdicts[name] = (int(status), use, output)
    missing = sorted(set(documents) - set(verdicts))
    if missing:
        pytest.fail('the judge gave no verdict for %s' % ', '.join(missing), pytrace=False)
    return lines[0], verdicts


@pytest.fixture(scope='session')
def judge():
    return run_judge


@pytest.fixture(scope='session')
def record():
    """Collects one row per case; written to .cache/differential/daemon_json.json at the end for the counts."""
    rows = []
    yield rows
    out = os.path.join(HERE, '..', '..', '.cache', 'differential')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'daemon_json.json'), 'w', encoding='utf-8') as handle:
        json.dump(rows, handle, indent=1, sort_keys=True)
