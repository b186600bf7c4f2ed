# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it


class ModuleDocFragment(object):
    # The options of the engine look (module_utils/_docker_engine.py, LOOK_ARGUMENT_SPEC), the same in
    # docker_engine_info and docker_daemon_proof, which both run it.
    DOCUMENTATION = r'''
options:
  dropin_dir:
    description: The directory of the C(docker.service) drop-ins.
    type: path
    default: /etc/systemd/system/docker.service.d
  dropins:
    description: File names in O(dropin_dir) to report in RV(dropins), with their content.
    type: list
    elements: str
    default: [http-proxy.conf, daemon-json-hosts.conf]
  masked_dropins:
    description:
      - File names in O(dropin_dir) that hold credentials (the proxy environment file), reported in RV(dropins)
        with C(sha256) and C(mode) instead of their content, so the secrets never appear in a task result.
    type: list
    elements: str
    default: [http-proxy.env]
  path:
    description: The path of C(daemon.json) (with O(settings)).
    type: path
    default: /etc/docker/daemon.json
  settings:
    description:
      - The keys the caller merges into C(daemon.json) (as M(fleetops.docker_host.daemon_json) does). When given,
        RV(plan) holds the decision; absent, the module only looks.
    type: dict
  legacy_options:
    description:
      - C(docker_daemon_options), geerlingguy.docker's name for O(settings), deprecated. Merged like O(settings)
        with a deprecation warning; together with a non-empty O(settings) C(problems) in RV(plan) refuses it.
    type: dict
  remove:
    description: Top-level or dotted keys the caller deletes from C(daemon.json) (with O(settings)).
    type: list
    elements: str
    default: []
  list_merge:
    description: How a list in O(settings) combines with the list in the file (with O(settings)).
    type: str
    choices: [replace, append_unique]
    default: replace
  proxy:
    description:
      - The proxy for dockerd (C(http_proxy), C(https_proxy), C(no_proxy)) the caller wants in C(http-proxy.conf)
        (with O(settings)); empty leaves that drop-in alone. The credentials in its URLs are masked in the output.
    type: dict
    default: {}
  record_path:
    description:
      - Where the role records, after each successful reload or restart, what the engine was given (per-key
        digests of C(daemon.json) and digests of the drop-ins, never their text), to tell a change that is
        still pending from one that is applied.
    type: path
    default: /var/lib/fleetops/docker_daemon/applied.json
  hello_image:
    description:
      - The image the caller's hello proof runs; reported in RV(images) (C(docker image inspect), read-only) and
        used for C(prove_with_archive) in RV(plan).
    type: str
  hello_archive:
    description: The caller has an image archive for the hello proof (see C(prove_with_archive) in RV(plan)).
    type: bool
    default: false
  hello_archive_path:
    description:
      - Where the caller copies the archive on the host for the hello proof (and removes it after). A file there
        before the run was left by a run cut off between the copy and the removal (C(remove_archive) in RV(plan)).
    type: path
    default: /var/tmp/docker_daemon_verify_image.tar
    version_added: 0.3.0
  journal_since:
    description:
      - When set, read C(journalctl --unit docker) since this time (seconds since the epoch, as RV(checked_at),
        or any time C(journalctl --since) accepts) and summarise it in RV(journal).
    type: str
'''
