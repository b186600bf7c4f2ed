# -*- coding: utf-8 -*-
"""plugins/module_utils/_containerd.py, its CRI call: the CRI answers decoded by hand, from bytes a real containerd sent."""

import binascii
import json
import os

import pytest

from ansible_collections.fleetops.docker_host.plugins.module_utils._containerd import (
    ProtobufError,
    answer,
    decode_status,
    decode_version,
    failed,
    fields,
    no_client,
    parse_crictl_info,
    parse_crictl_version,
)

with open(os.path.join(os.path.dirname(__file__), 'fixtures', 'cri-containerd-1.6.20.json')) as handle:
    CAPTURED = json.load(handle)


def _bytes(key):
    return binascii.unhexlify(CAPTURED[key])


def test_version_of_debian_12s_containerd():
    assert decode_version(_bytes('/runtime.v1.RuntimeService/Version')) == {
        'version': '0.1.0', 'runtime_name': 'containerd', 'runtime_version': '1.6.20~ds1', 'runtime_api_version': 'v1'}
    assert decode_version(_bytes('/runtime.v1alpha2.RuntimeService/Version'))['runtime_api_version'] == 'v1alpha2'


def test_status_of_debian_12s_containerd():
    status = decode_status(_bytes('/runtime.v1.RuntimeService/Status'))
    assert status['info'] == {}
    assert status['conditions'] == [
        {'type': 'RuntimeReady', 'status': True, 'reason': '', 'message': ''},
        {'type': 'NetworkReady', 'status': False, 'reason': 'NetworkPluginNotReady',
         'message': 'Network plugin returns error: cni plugin not initialized'},
    ]


def test_verbose_status_carries_the_info_map():
    key = [k for k in CAPTURED if k.startswith('/runtime.v1.RuntimeService/Status verbose')][0]
    status = decode_status(_bytes(key))
    assert status['info'] == {'golang': '"go1.19.8"'}
    assert [c['type'] for c in status['conditions']] == ['RuntimeReady', 'NetworkReady']


def test_answer_from_the_captured_bytes():
    result = answer('python-grpc', decode_version(_bytes('/runtime.v1.RuntimeService/Version')),
                    decode_status(_bytes('/runtime.v1.RuntimeService/Status')), api='runtime.v1')
    assert result['runtime_name'] == 'containerd' and result['runtime_ready'] is True
    assert result['conditions'] == {'RuntimeReady': True, 'NetworkReady': False}
    assert result['error'] is None and result['proof'] == 'python-grpc' and result['api'] == 'runtime.v1'


def test_a_runtime_not_ready_gives_its_reason():
    status = {'conditions': [{'type': 'RuntimeReady', 'status': False, 'reason': 'NoRunc', 'message': 'runc  missing'}]}
    result = answer('crictl', {}, status)
    assert result['runtime_ready'] is False and result['not_ready_reason'] == 'NoRunc runc missing'


def test_fields_of_every_wire_type():
    # 1: varint 150; 2: bytes "hi"; 3: fixed64; 4: fixed32; numbers above 15 take a two-byte key.
    data = b'\x08\x96\x01' + b'\x12\x02hi' + b'\x19' + b'\x01' * 8 + b'\x25' + b'\x02' * 4 + b'\x80\x01\x01'
    assert fields(data) == [(1, 150), (2, b'hi'), (3, b'\x01' * 8), (4, b'\x02' * 4), (16, 1)]
    assert fields(b'') == []


@pytest.mark.parametrize('data, words', [
    (b'\x0a\x05abc', 'runs past the end'),
    (b'\x08\x96', 'truncated varint'),
    (b'\x08' + b'\xff' * 11, 'longer than 10 bytes'),
    (b'\x0b', 'unsupported wire type 3'),
    (b'\x00\x01', 'field number 0'),
    (b'\x19\x01', 'fixed value runs past the end'),
])
def test_broken_messages_are_refused(data, words):
    with pytest.raises(ProtobufError, match=words):
        fields(data)


def test_a_wrong_type_is_refused():
    with pytest.raises(ProtobufError, match='expected a string'):
        decode_version(b'\x10\x01')  # runtime_name sent as a varint
    with pytest.raises(ProtobufError, match='expected a message'):
        decode_status(b'\x08\x01')  # status sent as a varint
    with pytest.raises(ProtobufError, match='expected a bool'):
        decode_status(b'\x0a\x05\x0a\x03\x12\x01x')  # condition.status sent as bytes


def test_crictl_version_and_info():
    version = parse_crictl_version('Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  1.7.24\n'
                                   'RuntimeApiVersion:  v1\n')
    assert version == {'version': '0.1.0', 'runtime_name': 'containerd', 'runtime_version': '1.7.24',
                       'runtime_api_version': 'v1'}
    info = parse_crictl_info(json.dumps({'status': {'conditions': [
        {'type': 'RuntimeReady', 'status': True, 'reason': '', 'message': ''},
        {'type': 'NetworkReady', 'status': False, 'reason': 'NetworkPluginNotReady', 'message': 'cni'}]},
        'config': {'containerd': {}}}))
    result = answer('crictl', version, info)
    assert result['runtime_ready'] is True and result['api'] == 'v1' and result['conditions']['NetworkReady'] is False
    with pytest.raises(ProtobufError, match='did not print JSON'):
        parse_crictl_info('FATA[0000] connect: permission denied')


def test_failed_and_no_client():
    assert failed('crictl', 'rc 1:  refused\n')['error'] == 'rc 1: refused'
    none = no_client()
    assert none['client'] is None and none['proof'] == 'ctr plugins ls' and none['error'] is None
