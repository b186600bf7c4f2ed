# -*- coding: utf-8 -*-
"""daemon.json against dockerd (issue 27, family 7): what dockerd accepts, the module accepts.

log-opts "mode" and "max-buffer-size" are dockerd's own for every log driver (moby daemon/logger
ValidateLogOpts); an insecure-registries entry with http:// or https:// is accepted by dockerd, which strips the
scheme with a warning (moby registry/config.go)."""

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils import _daemon_json as dj

DRIVERS = (None, 'json-file', 'local', 'journald', 'syslog', 'fluentd', 'gelf', 'awslogs', 'splunk', 'etwlogs',
           'gcplogs', 'logentries', 'none')

pytestmark = pytest.mark.usefixtures('bounded')


@pytest.mark.parametrize('driver', DRIVERS)
@pytest.mark.parametrize('opts', [
    {'mode': 'non-blocking', 'max-buffer-size': '4m'},
    {'mode': 'non-blocking'},
    {'mode': 'blocking'},
    {'mode': 'non-blocking', 'max-buffer-size': '1g'},
])
def test_log_mode_accepted_for_every_driver(driver, opts):
    config = {'log-opts': dict(opts)}
    if driver:
        config['log-driver'] = driver
    errors, _warnings = dj.validate(config)
    assert errors == []


@pytest.mark.parametrize('driver', ('json-file', 'local', 'journald'))
@pytest.mark.parametrize('opts, words', [
    ({'mode': 'nonblocking'}, '"log-opts.mode" "nonblocking"'),
    ({'mode': 'async'}, 'write "blocking" or "non-blocking"'),
    ({'max-buffer-size': '4m'}, 'only read with "mode": "non-blocking"'),
    ({'mode': 'blocking', 'max-buffer-size': '4m'}, 'only read with "mode": "non-blocking"'),
    ({'mode': 'non-blocking', 'max-buffer-size': 'lots'}, '"log-opts.max-buffer-size" "lots" is not a size'),
])
def test_log_mode_values_dockerd_refuses_are_refused_naming_value_and_fix(driver, opts, words):
    errors, _warnings = dj.validate({'log-driver': driver, 'log-opts': opts})
    assert any(words in error for error in errors), errors


def test_other_driver_options_still_checked_beside_mode():
    errors, _warnings = dj.validate({'log-driver': 'local', 'log-opts': {'mode': 'non-blocking', 'tag': 'x'}})
    assert len(errors) == 1 and '"log-opts.tag" is not an option of the local log driver' in errors[0]


@pytest.mark.parametrize('entry, used', [
    ('http://registry.lab:5000', 'registry.lab:5000'),
    ('https://registry.lab:5000', 'registry.lab:5000'),
    ('HTTP://registry.lab', 'registry.lab'),
    ('http://10.0.0.0/8', '10.0.0.0/8'),
    ('https://[fd00::1]:5000', '[fd00::1]:5000'),
])
def test_insecure_registry_with_a_scheme_accepted_with_dockerds_warning(entry, used):
    errors, warnings = dj.validate({'insecure-registries': [entry]})
    assert errors == []
    assert any('carries a scheme' in warning and '"%s"' % used in warning for warning in warnings), warnings


@pytest.mark.parametrize('entry', ['http://registry.lab:5000/', 'https://reg/path', 'ftp://reg', 'http://https://reg',
                                   'http://', 'https://reg:port'])
def test_insecure_registry_dockerd_refuses_after_the_scheme_is_refused(entry):
    errors, _warnings = dj.validate({'insecure-registries': [entry]})
    assert errors and '"%s"' % entry in errors[0]


def test_insecure_registry_without_scheme_gives_no_warning():
    errors, warnings = dj.validate({'insecure-registries': ['registry.lab:5000', '10.0.0.0/8']})
    assert errors == [] and not [warning for warning in warnings if 'scheme' in warning]


@pytest.mark.parametrize('settings', [
    {'log-opts': {'mode': 'non-blocking', 'max-buffer-size': '4m'}},
    {'log-driver': 'journald', 'log-opts': {'mode': 'non-blocking', 'max-buffer-size': '4m'}},
    {'insecure-registries': ['http://registry.lab:5000']},
])
def test_compute_accepts_what_dockerd_accepts(settings):
    outcome = dj.compute({}, settings)
    assert outcome['config'] == settings


def test_the_none_driver_takes_any_log_opts_as_dockerd_does():
    assert dj.validate({'log-driver': 'none', 'log-opts': {'mode': 'whatever', 'max-buffer-size': 'x'}})[0] == []
