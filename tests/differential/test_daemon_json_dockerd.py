"""Differential: daemon_json's own validation (module_utils/_daemon_json.py) against a real dockerd 26.

For every configuration in daemon_json_cases.py the module decides as it does on a host whose dockerd cannot
validate a file itself (strict, the dockerd version given), and dockerd 26 from Debian 13 decides in the
fleetops-differential:judge container (judge/judge.sh): `dockerd --validate --config-file`, then, when that
passes, dockerd started with the file and a container run. dockerd "uses" a file when all of that works.
A case fails when
 - dockerd refuses it (at --validate, at start or at a container's start) and the module lets it through, or
 - dockerd uses it and the module refuses it, or
 - the module accepts it and writes something else (its normalisation), and dockerd refuses what it writes.
Run with `make differential` (scripts/differential.sh builds the judge once, then runs this directory).
"""
import json

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._daemon_json import (
    DaemonJsonError, compute, parse_docker_version, parse_document, render)
from daemon_json_cases import CASES, KNOWN_DIFFERENCES

NAMES = [case[0] for case in CASES]


def module_verdict(text, version):
    """(accepted, the file the module would write or its refusal, warnings), as daemon_json decides on an empty
    daemon.json with the configuration given as its settings."""
    try:
        settings, warnings = parse_document(text.encode('utf-8'), 'daemon.json')
        outcome = compute({}, settings, strict=True, dockerd_version=version)
    except DaemonJsonError as exc:
        return False, str(exc), []
    return True, render(outcome['config']), warnings + outcome['warnings']


def same_document(text, written):
    """Whether the module's file says what the case says (then dockerd's verdict on the case stands for it)."""
    try:
        return json.loads(text) == json.loads(written)
    except ValueError:
        return False


@pytest.fixture(scope='module')
def verdicts(judge):
    version_line, dockerd = judge(dict((name + '.json', text) for name, text in CASES))
    version = parse_docker_version(version_line)
    assert version is not None and version[0] >= 26, 'the judge is not dockerd 26 or later: %s' % version_line
    module = dict((name, module_verdict(text, version)) for name, text in CASES)
    # The module's own file goes to the judge only where it differs from the case (e.g. a duplicate key dropped).
    written = dict((name + '.written.json', module[name][1]) for name, text in CASES
                   if module[name][0] and not same_document(text, module[name][1]))
    dockerd_written = judge(written)[1] if written else {}
    return version_line, dockerd, module, dockerd_written


def test_enough_cases_and_the_issue_cases_first():
    assert len(CASES) >= 62
    assert len(set(NAMES)) == len(NAMES)
    assert CASES[0][1] == '{"log-opts": {"mode": "non-blocking", "max-buffer-size": "4m"}}'
    assert 'http://' in CASES[1][1] and 'insecure-registries' in CASES[1][1]
    assert set(KNOWN_DIFFERENCES) <= set(NAMES)


@pytest.mark.parametrize('name', NAMES)
def test_module_agrees_with_dockerd(name, verdicts, record):
    version_line, dockerd, module, dockerd_written = verdicts
    status, use, output = dockerd[name + '.json']
    assert use != 'timeout', 'the judge could not decide: %s' % output
    uses = status == 0 and use == 'ok'
    accepted, detail, warnings = module[name]
    written = dockerd_written.get(name + '.written.json')
    record.append(dict(name=name, dockerd=version_line, dockerd_uses=uses, dockerd_stage=use if status == 0
                       else 'validate', dockerd_output=output, module_accepts=accepted, module_detail=detail,
                       module_warnings=warnings, written_differs=written is not None,
                       dockerd_uses_written=None if written is None else written[0] == 0 and written[1] == 'ok',
                       known=KNOWN_DIFFERENCES.get(name, (None, None))[1]))
    if name in KNOWN_DIFFERENCES:
        way = KNOWN_DIFFERENCES[name][0]
        assert (uses, accepted) == ((True, False) if way == 'refuses' else (False, True)), \
            'no longer the known difference (%s): dockerd %s (%s), daemon_json %s: %s' % (
                KNOWN_DIFFERENCES[name][1], 'uses it' if uses else 'refuses it', output,
                'accepts it' if accepted else 'refuses it', detail)
        return
    if not uses:
        assert not accepted, 'dockerd refuses it (%s: %s) and daemon_json lets it through' % (use, output)
        return
    assert accepted, 'dockerd uses it and daemon_json refuses it: %s' % detail
    if written is not None:
        assert written[0] == 0 and written[1] == 'ok', \
            'dockerd refuses the file daemon_json would write (%s: %s):\n%s' % (written[1], written[2], detail)
