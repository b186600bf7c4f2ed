"""scripts/host_address.sh: the address containers on Docker's default bridge reach this machine at.

Docker leaves the bridge's IPAM gateway empty on some start-up paths (issue 25: `{"Config":[{"Subnet":
"172.17.0.0/16"}]}` while docker0 carries 172.17.0.1/16). The fakes below stand in for `docker` and `ip`, each
answering as a real one does on such a machine; the helper must find the address or fail saying why, never print an
empty one. The last test asks the real Docker engine, where one answers.
"""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELPER = os.path.join(ROOT, "scripts", "host_address.sh")

FAKE_DOCKER = r"""#!/bin/bash
# docker network inspect NET [--format F] | docker image inspect IMG | docker run ... ip route
case "$1 $2" in
  "network inspect")
    [ "$3" = bridge ] || exit 1
    case "$*" in
      *bridge.name*) echo "${FAKE_IFACE-docker0}" ;;
      *IPAM*) echo "${FAKE_GATEWAY-}" ;;
      *) echo '[{"Name": "bridge"}]' ;;
    esac ;;
  "image inspect") [ -n "${FAKE_IMAGE-}" ] ;;
  "run --rm") [ -n "${FAKE_ROUTE-}" ] && printf 'default via %s dev eth0\n172.17.0.0/16 dev eth0 scope link\n' "$FAKE_ROUTE" ;;
  *) exit 2 ;;
esac
"""

FAKE_IP = r"""#!/bin/bash
# ip -4 -o addr show dev IFACE
[ "$6" = "${FAKE_IFACE-docker0}" ] || exit 1
[ -n "${FAKE_IFACE_ADDR-}" ] && echo "4: $6    inet $FAKE_IFACE_ADDR brd 172.17.255.255 scope global $6\       valid_lft forever"
exit 0
"""


@pytest.fixture
def fake_bin(tmp_path):
    for name, text in (("docker", FAKE_DOCKER), ("ip", FAKE_IP)):
        path = tmp_path / name
        path.write_text(text)
        path.chmod(0o755)
    return tmp_path


def run(fake_bin, **env):
    full = dict(os.environ, PATH="%s:%s" % (fake_bin, os.environ["PATH"]), **env)
    return subprocess.run(["bash", HELPER], check=False, env=full, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("env, address", [
    # The machine of issue 25: no IPAM gateway, docker0 carries the address.
    ({"FAKE_GATEWAY": "", "FAKE_IFACE_ADDR": "172.17.0.1/16"}, "172.17.0.1"),
    # The interface of another name (dockerd --bridge, or "com.docker.network.bridge.name" set).
    ({"FAKE_IFACE": "br-fleet", "FAKE_IFACE_ADDR": "10.99.0.1/24"}, "10.99.0.1"),
    # No interface address readable (another network namespace): the IPAM gateway where Docker filled it in.
    ({"FAKE_GATEWAY": "172.18.0.1", "FAKE_IFACE_ADDR": ""}, "172.18.0.1"),
    # Neither: the default route a container sees.
    ({"FAKE_GATEWAY": "", "FAKE_IFACE_ADDR": "", "FAKE_IMAGE": "1", "FAKE_ROUTE": "172.19.0.1"}, "172.19.0.1"),
])
def test_finds_the_address(fake_bin, env, address):
    done = run(fake_bin, **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == address + "\n"


def test_fails_saying_why_never_empty(fake_bin):
    done = run(fake_bin, FAKE_GATEWAY="", FAKE_IFACE_ADDR="", FAKE_IMAGE="1", FAKE_ROUTE="")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "interface docker0 has no IPv4 address" in done.stderr
    assert "no IPv4 gateway" in done.stderr
    assert "sees no default route" in done.stderr


def test_names_the_missing_image(fake_bin):
    done = run(fake_bin, FAKE_GATEWAY="", FAKE_IFACE_ADDR="")
    assert done.returncode == 1 and done.stdout == ""
    assert "molecule/images/build.sh hello" in done.stderr


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on this machine")
def test_real_engine_gives_the_bridge_interface_address():
    if subprocess.run(["docker", "network", "inspect", "bridge"], check=False, capture_output=True).returncode != 0:
        pytest.skip("no Docker engine answers here")
    done = subprocess.run(["bash", HELPER], check=False, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    ip = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", "docker0"], check=False, capture_output=True, text=True).stdout
    assert done.stdout.strip() and done.stdout.strip() in ip
