#!/usr/bin/env bash
# A TCP port free on ADDRESS (default 127.0.0.1): PREFERRED when nothing listens there, else one the kernel
# picks. For the scenarios' local servers (repositories, the VM's SSH forward), so a port another program
# already holds fails nothing: scripts/free_port.sh PREFERRED [ADDRESS]
set -euo pipefail
preferred="${1:?usage: free_port.sh PREFERRED [ADDRESS]}"
address="${2:-127.0.0.1}"
exec python3 - "$preferred" "$address" <<'PY'
import socket
import sys

preferred, address = int(sys.argv[1]), sys.argv[2]
for port in (preferred, 0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((address, port))
    except OSError:
        continue
    else:
        print(s.getsockname()[1])
        sys.exit(0)
    finally:
        s.close()
sys.exit("free_port.sh: no free TCP port on %s" % address)
PY
