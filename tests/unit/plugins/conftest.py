# -*- coding: utf-8 -*-
"""Fixtures of the hostile-input tests (issue 27); a test module asks for them with
pytestmark = pytest.mark.usefixtures('bounded') or by name."""

import signal

import pytest

# Every hostile test is bounded: a module that blocks on a FIFO fails the test instead of hanging the suite.
SECONDS = 20


@pytest.fixture
def bounded():
    """Fails the test after SECONDS (SIGALRM) instead of letting a blocked read hang the run."""
    def expired(signum, frame):
        raise TimeoutError('the module did not return within %d s (blocked on a FIFO?)' % SECONDS)
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def warned(monkeypatch):
    """The module's warnings as text, recorded as AnsibleModule.warn is called (what ansible-core returns in the
    result differs between versions and in-process contexts)."""
    from ansible.module_utils.basic import AnsibleModule  # noqa: PLC0415 - the controller-free import, at use
    seen = []
    real = AnsibleModule.warn

    def warn(self, warning):
        seen.append(warning)
        return real(self, warning)
    monkeypatch.setattr(AnsibleModule, 'warn', warn)
    return seen
