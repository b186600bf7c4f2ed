# -*- coding: utf-8 -*-
# Copyright: fleetops.docker_host contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CRI call of fleetops.docker_host.k8s_node_info: RuntimeService Version and Status, asked with crictl
where it is installed, else with Python's grpc module where it is importable (Debian's python3-grpcio; Debian
packages no crictl), as raw method calls whose protobuf answers are decoded here by hand - two small messages,
no generated code. Runs on Python 3.6+.

The messages (Kubernetes' cri-api, api.proto; the same field numbers in runtime.v1 and runtime.v1alpha2):
  VersionRequest  {string version = 1}                       -> sent empty
  VersionResponse {string version = 1; string runtime_name = 2; string runtime_version = 3;
                   string runtime_api_version = 4}
  StatusRequest   {bool verbose = 1}                         -> sent empty (verbose false)
  StatusResponse  {RuntimeStatus status = 1; map<string, string> info = 2}
  RuntimeStatus   {repeated RuntimeCondition conditions = 1}
  RuntimeCondition {string type = 1; bool status = 2; string reason = 3; string message = 4}
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type  # noqa: UP001 - ansible-test sanity expects it

import json

# The CRI API versions, newest first: containerd 1.6/1.7 serve both, 2.x only v1.
CRI_APIS = ('runtime.v1', 'runtime.v1alpha2')
VERSION_FIELDS = {1: 'version', 2: 'runtime_name', 3: 'runtime_version', 4: 'runtime_api_version'}
CONDITION_FIELDS = {1: 'type', 2: 'status', 3: 'reason', 4: 'message'}
# crictl version's keys -> VersionResponse's.
CRICTL_VERSION_KEYS = {'Version': 'version', 'RuntimeName': 'runtime_name', 'RuntimeVersion': 'runtime_version',
                       'RuntimeApiVersion': 'runtime_api_version'}
# The length-delimited bytes fit in a small answer; a larger length is a broken message, not a big one.
MAX_MESSAGE = 1 << 24


class ProtobufError(ValueError):
    pass


def _varint(data, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ProtobufError('truncated varint at byte %d' % pos)
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError('varint longer than 10 bytes at byte %d' % pos)


def fields(data):
    """The fields of one protobuf message, in order: [(number, value)], a varint as int, a length-delimited
    field as bytes, a fixed 64/32-bit field as its raw bytes."""
    data = bytes(bytearray(data))
    found, pos = [], 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError('field number 0 at byte %d' % pos)
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if length > MAX_MESSAGE or pos + length > len(data):
                raise ProtobufError('field %d: length %d runs past the end (%d bytes)' % (number, length, len(data)))
            value, pos = data[pos:pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > len(data):
                raise ProtobufError('field %d: fixed value runs past the end' % number)
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ProtobufError('field %d: unsupported wire type %d' % (number, wire))
        found.append((number, value))
    return found


def _text(number, value):
    if not isinstance(value, bytes):
        raise ProtobufError('field %d: expected a string, got a varint' % number)
    return value.decode('utf-8', 'replace')


def decode_version(data):
    """VersionResponse bytes -> {version, runtime_name, runtime_version, runtime_api_version}."""
    result = dict((name, '') for name in VERSION_FIELDS.values())
    for number, value in fields(data):
        if number in VERSION_FIELDS:
            result[VERSION_FIELDS[number]] = _text(number, value)
    return result


def _condition(data):
    condition = {'type': '', 'status': False, 'reason': '', 'message': ''}
    for number, value in fields(data):
        if number == 2:
            if not isinstance(value, int):
                raise ProtobufError('RuntimeCondition.status: expected a bool')
            condition['status'] = bool(value)
        elif number in CONDITION_FIELDS:
            condition[CONDITION_FIELDS[number]] = _text(number, value)
    return condition


def decode_status(data):
    """StatusResponse bytes -> {conditions: [{type, status, reason, message}], info: {key: value}}."""
    conditions, info = [], {}
    for number, value in fields(data):
        if number == 1:
            for inner, item in fields(_raw(number, value)):
                if inner == 1:
                    conditions.append(_condition(_raw(inner, item)))
        elif number == 2:
            entry = dict(fields(_raw(number, value)))
            info[_text(1, entry.get(1, b''))] = _text(2, entry.get(2, b''))
    return {'conditions': conditions, 'info': info}


def _raw(number, value):
    if not isinstance(value, bytes):
        raise ProtobufError('field %d: expected a message, got a varint' % number)
    return value


def parse_crictl_version(text):
    """`crictl version` (Key:  value lines) -> the VersionResponse dict."""
    result = dict((name, '') for name in VERSION_FIELDS.values())
    for line in (text or '').splitlines():
        key, sep, value = line.partition(':')
        if sep and key.strip() in CRICTL_VERSION_KEYS:
            result[CRICTL_VERSION_KEYS[key.strip()]] = value.strip()
    return result


def parse_crictl_info(text):
    """`crictl info` (JSON, {status: {conditions: [...]}}) -> the decode_status dict (info left empty)."""
    try:
        data = json.loads(text or '')
    except ValueError as exc:
        raise ProtobufError('crictl info did not print JSON: %s' % exc) from None
    conditions = []
    for item in ((data.get('status') or {}).get('conditions') or []) if isinstance(data, dict) else []:
        if isinstance(item, dict):
            conditions.append({'type': str(item.get('type') or ''), 'status': item.get('status') is True,
                               'reason': str(item.get('reason') or ''), 'message': str(item.get('message') or '')})
    return {'conditions': conditions, 'info': {}}


def answer(client, version, status, api=None):
    """The k8s_node_info `cri_call` fields from a Version and a Status answer."""
    conditions = dict((item['type'], item['status']) for item in status.get('conditions') or [] if item['type'])
    runtime = [item for item in status.get('conditions') or [] if item['type'] == 'RuntimeReady']
    return {
        'client': client, 'proof': client, 'api': api or version.get('runtime_api_version') or None,
        'runtime_name': version.get('runtime_name') or None, 'runtime_version': version.get('runtime_version') or None,
        'runtime_api_version': version.get('runtime_api_version') or None, 'conditions': conditions,
        'runtime_ready': conditions.get('RuntimeReady'),
        'not_ready_reason': ' '.join(' '.join((runtime[0]['reason'], runtime[0]['message'])).split()) if runtime
        and not runtime[0]['status'] else '',
        'error': None,
    }


def failed(client, error):
    return {'client': client, 'proof': client, 'api': None, 'runtime_name': None, 'runtime_version': None,
            'runtime_api_version': None, 'conditions': {}, 'runtime_ready': None, 'not_ready_reason': '',
            'error': ' '.join(str(error).split())[-2000:]}


def no_client(proof='ctr plugins ls'):
    """No CRI client on the host (or nothing to ask): the proof is PROOF."""
    result = failed(None, '')
    result.update(proof=proof, error=None)
    return result


# grpc is imported in the functions, not at the top: it is optional (guarded), and its import (about 60 ms, measured
# with python3-grpcio 1.51 on Debian 12) is paid only when crictl is absent and the CRI plugin answers.
def grpc_available():
    """Whether Python's grpc module imports on this host."""
    try:
        import grpc  # noqa: F401, PLC0415 pylint: disable=unused-import
    except ImportError:
        return False
    return True


def grpc_call(socket_path, timeout=5.0):
    """Version and Status over the CRI socket with Python's grpc module: the cri_call dict."""
    import grpc  # noqa: PLC0415 - only called when grpc_available()

    channel = grpc.insecure_channel('unix://' + socket_path)
    try:
        error = None
        for api in CRI_APIS:
            try:
                version = channel.unary_unary('/%s.RuntimeService/Version' % api)(b'', timeout=timeout)
                status = channel.unary_unary('/%s.RuntimeService/Status' % api)(b'', timeout=timeout)
            except grpc.RpcError as exc:
                error = '%s: %s %s' % (api, exc.code(), exc.details())
                if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                    continue
                return failed('python-grpc', error)
            try:
                return answer('python-grpc', decode_version(version), decode_status(status), api=api)
            except ProtobufError as exc:
                return failed('python-grpc', '%s: the answer is not the expected message: %s' % (api, exc))
        return failed('python-grpc', error)
    finally:
        channel.close()
