# -*- coding: utf-8 -*-
"""The hello's verdict (plugins/module_utils/_files.py, used by docker_hello and docker_daemon_proof): the hello
container's run judged in one place (pure functions, no module run, so on every ansible-core line)."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._files import hello_argv, hello_result


def test_hello_result_ok():
    hello = hello_result(['docker', 'run', '--rm', 'img', 'echo', 'hello'], 0, 'hello\n', '')
    assert hello == {'cmd': ['docker', 'run', '--rm', 'img', 'echo', 'hello'], 'rc': 0, 'stdout': 'hello',
                     'stderr': '', 'image_missing': False, 'passed': True, 'reason': ''}


@pytest.mark.parametrize('rc, stderr, missing', [
    (125, 'docker: Error response from daemon: No such image: fleetops/hello:latest.\n', True),
    (125, 'Unable to find image \'x:latest\' locally\ndocker: Error response from daemon: pull access denied', False),
    (0, 'No such image (a warning, but it ran)', False),
])
def test_hello_image_missing(rc, stderr, missing):
    hello = hello_result(['docker'], rc, '', stderr)
    assert hello['image_missing'] is missing
    assert hello['stderr'] == stderr.rstrip('\n')
    assert hello['passed'] is False


@pytest.mark.parametrize('rc, stdout, expect, passed, reason', [
    (0, 'hello\n', 'hello', True, ''),
    (0, '  hello  \n', 'hello', True, ''),            # trimmed, as the roles' Jinja did
    (0, 'hello world\n', 'hello', False, 'printed "hello world", not "hello"'),
    (0, 'ok\n', 'ok', True, ''),
    (1, 'hello\n', 'hello', False, 'exited 1: hello'),   # the right words with a failing exit do not pass
    (137, '', 'hello', False, 'exited 137: (no output)'),
])
def test_hello_verdict(rc, stdout, expect, passed, reason):
    hello = hello_result(['docker'], rc, stdout, '', expect)
    assert (hello['passed'], hello['reason']) == (passed, reason)


@pytest.mark.parametrize('pull, argv', [
    ('missing', ['docker', 'run', '--rm', 'img', 'echo', 'hello']),
    ('never', ['docker', 'run', '--rm', '--pull', 'never', 'img', 'echo', 'hello']),
])
def test_hello_argv(pull, argv):
    assert hello_argv('docker', 'img', ['echo', 'hello'], pull) == argv
