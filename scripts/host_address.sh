#!/usr/bin/env bash
# The IPv4 address at which containers on Docker's default bridge reach this machine, for the scenarios that
# serve a repository from here (el_kernel, el_userland, upgrade, ...): scripts/host_address.sh [NETWORK]
# Docker does not promise the bridge's IPAM gateway field: on some start-up paths `docker network inspect
# bridge` holds only the subnet, while docker0 carries the address. So, in order:
#   1. the bridge interface's own address (the network's com.docker.network.bridge.name, docker0 by default);
#   2. the IPAM gateway, where Docker filled it in;
#   3. the default route as a container on that network sees it (busybox `ip route` in fleetops/hello).
# Prints the address and exits 0, or says why none was found and exits 1: never an empty address.
# FLEETOPS_HOST_ADDRESS_IMAGE names the image of step 3 (default fleetops/hello:latest).
set -euo pipefail
network="${1:-bridge}"
image="${FLEETOPS_HOST_ADDRESS_IMAGE:-fleetops/hello:latest}"
tried=()

is_ipv4() { [[ "$1" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]]; }

if ! docker network inspect "$network" >/dev/null 2>&1; then
  echo "host_address.sh: Docker has no network '$network' (is dockerd running? docker network ls)" >&2
  exit 1
fi

# 1. The bridge interface's address.
iface="$(docker network inspect "$network" --format '{{ index .Options "com.docker.network.bridge.name" }}' 2>/dev/null || true)"
case "$iface" in ""|"<no value>") [ "$network" = bridge ] && iface=docker0 || iface="" ;; esac
if [ -n "$iface" ]; then
  addr="$(ip -4 -o addr show dev "$iface" 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')"
  if is_ipv4 "${addr:-}"; then echo "$addr"; exit 0; fi
  tried+=("interface $iface has no IPv4 address")
else
  tried+=("network $network names no bridge interface")
fi

# 2. The IPAM gateway, when Docker filled it in.
addr="$(docker network inspect "$network" --format '{{ range .IPAM.Config }}{{ .Gateway }} {{ end }}' 2>/dev/null \
  | tr ' ' '\n' | grep -m1 -E '^([0-9]{1,3}\.){3}[0-9]{1,3}$' || true)"
if is_ipv4 "${addr:-}"; then echo "$addr"; exit 0; fi
tried+=("its IPAM config has no IPv4 gateway")

# 3. The default route seen from inside a container on the network.
if docker image inspect "$image" >/dev/null 2>&1; then
  addr="$(timeout 60 docker run --rm --network "$network" --entrypoint /bin/busybox "$image" ip route 2>/dev/null \
    | awk '$1 == "default" && $2 == "via" {print $3; exit}' || true)"
  if is_ipv4 "${addr:-}"; then echo "$addr"; exit 0; fi
  tried+=("a container on it sees no default route")
else
  tried+=("image $image (for the in-container look) is not here: molecule/images/build.sh hello")
fi

printf 'host_address.sh: no address at which containers on Docker network %s reach this machine: %s\n' \
  "$network" "$(IFS=';'; echo "${tried[*]}")" >&2
exit 1
