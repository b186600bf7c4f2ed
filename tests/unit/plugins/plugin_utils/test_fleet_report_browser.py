# -*- coding: utf-8 -*-
"""The fleet report of a generated 1,000-host fleet in a real browser: Debian's Chromium, headless.

It opens the report as it is (timed), without JavaScript (the whole table is there), and with a test script
appended that filters and sorts through the page's own controls and writes what the DOM then shows; the
assertions read that. Screenshots and the generated report are kept under .cache/test-logs/fleet-report-browser/.
Chromium comes from scripts/bootstrap.sh (ensure_host_packages, which `make test` runs); where it is not
installed the test is skipped with that reason. The browser has no network (every host name resolves nowhere)."""

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from ansible_collections.fleetops.docker_host.plugins.filter.fleet_report_rows import fleet_report_rows
from ansible_collections.fleetops.docker_host.plugins.plugin_utils._fleet_report import build_report, render, run_meta

from .fleet_1000 import hostvars

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TEMPLATES = os.path.join(ROOT, 'playbooks', 'templates')
ARTIFACTS = os.path.join(ROOT, '.cache', 'test-logs', 'fleet-report-browser')
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
TIMEOUT = 120

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason='chromium is not installed: scripts/bootstrap.sh installs it (as root: apt-get install chromium)')

# Appended to a copy of the report: drives the page's own filter and sort controls, records what the DOM shows.
DRIVER = r'''
<pre id="test-result"></pre>
<script>
(function () {
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#hosts tbody tr")); }
  function visible() { return rows().filter(function (row) { return !row.hidden; }); }
  function column(key) {
    return Array.prototype.findIndex.call(document.querySelectorAll("#hosts thead th"),
      function (th) { return th.getAttribute("data-key") === key; });
  }
  function cells(key) { var c = column(key); return visible().map(function (row) { return row.cells[c].textContent; }); }
  function sortBy(key) { document.querySelectorAll("#hosts thead th")[column(key)].querySelector("button").click(); }
  function set(id, value, event) { var el = document.getElementById(id); el.value = value; el.dispatchEvent(new Event(event)); }
  var out = {rows: rows().length, controls: !document.getElementById("controls").hidden, counts: {}};
  document.querySelectorAll("#counts li").forEach(function (li) {
    out.counts[li.getAttribute("data-status")] = Number(li.querySelector("b").textContent);
  });
  var message = document.querySelector("table.failed .msg");
  out.messageOverflows = message.scrollWidth > message.clientWidth + 1;
  out.messageLines = Math.round(message.getBoundingClientRect().height / parseFloat(getComputedStyle(message).lineHeight));
  out.failedBeforeHosts = Boolean(document.getElementById("failed").compareDocumentPosition(
    document.getElementById("hosts")) & Node.DOCUMENT_POSITION_FOLLOWING);
  set("status-filter", "failed", "change");
  out.failed = cells("status"); out.shownFailed = document.getElementById("shown").textContent;
  set("filter", "host-42", "input");
  out.failedAndText = cells("host");
  set("status-filter", "", "change");
  out.textOnly = cells("host");
  set("filter", "20.10.24", "input");
  out.docker20 = cells("host");
  set("filter", "", "input");
  out.all = visible().length;
  sortBy("host"); out.hostAscending = cells("host").slice(0, 3);
  sortBy("host"); out.hostDescending = cells("host").slice(0, 3);
  sortBy("docker"); out.dockerAscending = cells("docker");
  sortBy("status"); out.statusAscending = cells("status");
  set("status-filter", "unmet", "change");
  sortBy("kernel_after");
  out.unmetSorted = cells("kernel_after");
  document.getElementById("test-result").textContent = JSON.stringify(out);
  // For the screenshot: the table as the filter and sort left it, moved to the top of the page.
  var top = document.body.firstChild;
  ["controls", "hosts"].forEach(function (id) { document.body.insertBefore(document.getElementById(id), top); });
}());
</script>
'''


def _chromium(user_data, *args):
    argv = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-extensions',
            '--host-resolver-rules=MAP * ~NOTFOUND', '--user-data-dir=' + user_data] + list(args)
    started = time.monotonic()
    run = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False, start_new_session=True)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout, time.monotonic() - started


def _version_key(text):
    return [int(part) for part in re.findall(r'\d+', text)]


@pytest.fixture(scope='module')
def report_files():
    fleet = hostvars()
    rows = fleet_report_rows(fleet, list(fleet))
    meta = run_meta(False, ['ansible-playbook', '-i', 'inventory', 'fleetops.docker_host.site'],
                    playbooks=['fleetops.docker_host.site'], inventory_sources=['inventory'],
                    ansible_version='2.21.5', version='0.2.0')
    report = build_report(rows, meta)
    page = render(report, 'html', TEMPLATES)
    os.makedirs(ARTIFACTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix='fleet-report-browser-')
    plain = os.path.join(ARTIFACTS, 'fleet-report-1000.html')
    driven = os.path.join(work, 'fleet-report-1000-driven.html')
    with open(plain, 'w') as handle:
        handle.write(page)
    with open(driven, 'w') as handle:
        handle.write(page.replace('</body>', DRIVER + '</body>'))
    yield {'plain': plain, 'driven': driven, 'work': work, 'rows': rows, 'report': report}
    shutil.rmtree(work, ignore_errors=True)


def test_opens_quickly_self_contained(report_files):
    assert os.path.getsize(report_files['plain']) < 2 * 1024 * 1024
    dom, seconds = _chromium(os.path.join(report_files['work'], 'profile-open'), '--dump-dom',
                             'file://' + report_files['plain'])
    with open(os.path.join(ARTIFACTS, 'timing.txt'), 'w') as handle:
        handle.write('chromium --dump-dom of the 1,000-host report: %.1f s (browser start included)\n' % seconds)
    assert seconds < 60, seconds
    assert dom.count('<tr class="s-') == 1000
    assert 'id="controls"' in dom and 'of 1000 hosts shown' in dom  # the script ran: the controls are live


# Without the page's own script (a reader with JavaScript off): what is laid out, read by a script that only looks.
LOOKER = r'''
<pre id="test-result"></pre>
<script>
(function () {
  function shown(el) { return el.getClientRects().length > 0; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#hosts tbody tr"));
  document.getElementById("test-result").textContent = JSON.stringify({
    rowsShown: rows.filter(shown).length, controlsShown: shown(document.getElementById("controls")),
    sections: Array.prototype.map.call(document.querySelectorAll("h2"), function (h) { return h.textContent; })});
}());
</script>
'''


def _result(dom):
    match = re.search(r'<pre id="test-result">(.*?)</pre>', dom, re.S)
    assert match and match.group(1), dom[-2000:]
    return json.loads(html.unescape(match.group(1)))


def test_readable_without_javascript(report_files):
    with open(report_files['plain']) as handle:
        page = handle.read()
    without = re.sub(r'<script>.*?</script>', '', page, flags=re.S)
    assert without.count('<script') == 0 and page.count('<script') == 1
    path = os.path.join(report_files['work'], 'fleet-report-1000-nojs.html')
    with open(path, 'w') as handle:
        handle.write(without.replace('</body>', LOOKER + '</body>'))
    dom, _seconds = _chromium(os.path.join(report_files['work'], 'profile-nojs'), '--dump-dom', 'file://' + path)
    out = _result(dom)
    assert out['rowsShown'] == 1000
    assert out['controlsShown'] is False, 'the filter controls do nothing without JavaScript: they stay hidden'
    assert out['sections'] == ['Versions in use', 'Failed hosts', 'What is unmet, and the fix', 'Hosts']


def test_filter_and_sort_in_the_browser(report_files):
    dom, _seconds = _chromium(os.path.join(report_files['work'], 'profile-driven'), '--dump-dom',
                              'file://' + report_files['driven'])
    out = _result(dom)
    rows = report_files['rows']
    expected_counts = dict(report_files['report']['counts'])
    assert (out['rows'], out['all'], out['controls']) == (1000, 1000, True)
    assert out['counts'] == expected_counts
    # Failure messages wrap inside the page: nothing is cut off.
    assert out['messageOverflows'] is False and out['messageLines'] >= 2
    assert out['failedBeforeHosts'] is True
    # Filter by status, by text, both.
    assert out['failed'] == ['failed'] * expected_counts['failed']
    assert out['shownFailed'] == '%d of 1000 hosts shown' % expected_counts['failed']
    by_host = {row['host']: row for row in rows}
    texty = sorted(host for host in by_host if 'host-42' in host)
    assert sorted(out['textOnly']) == texty
    assert sorted(out['failedAndText']) == [host for host in texty if by_host[host]['status'] == 'failed']
    columns = [key for key, _title in report_files['report']['columns']]
    assert sorted(out['docker20']) == sorted(
        row['host'] for row in rows if any('20.10.24' in str(row[key]) for key in columns))
    # Sort: host names in natural order, versions by number, statuses as text; a second click reverses.
    assert out['hostAscending'] == ['host-1', 'host-2', 'host-3']
    assert out['hostDescending'] == ['host-1000', 'host-999', 'host-998']
    assert [_version_key(v) for v in out['dockerAscending'] if v != '-'] == \
        sorted(_version_key(v) for v in out['dockerAscending'] if v != '-')
    assert len(out['dockerAscending']) == 1000
    assert out['statusAscending'] == sorted(out['statusAscending'], key=str.lower)
    unmet = [row['kernel_after'] for row in rows if row['status'] == 'unmet']
    assert sorted(out['unmetSorted']) == sorted(unmet) and len(unmet) > 0


def test_screenshots_kept_as_artifacts(report_files):
    for source, name in ((report_files['plain'], 'fleet-report-1000.png'),
                         (report_files['driven'], 'fleet-report-1000-unmet-sorted.png')):
        target = os.path.join(ARTIFACTS, name)
        if os.path.exists(target):
            os.unlink(target)
        _chromium(os.path.join(report_files['work'], 'profile-' + name), '--window-size=1400,2400',
                  '--hide-scrollbars', '--screenshot=' + target, 'file://' + source)
        with open(target, 'rb') as handle:
            assert handle.read(8) == b'\x89PNG\r\n\x1a\n', name
        assert os.path.getsize(target) > 20000, name
