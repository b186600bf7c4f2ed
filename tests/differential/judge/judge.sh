#!/bin/sh
# judge.sh DIR: dockerd 26's verdict on every DIR/*.json, one tab-separated line per file:
#   <name> <validate exit status> <use: ok|start|run|timeout|skipped> <dockerd's message>
# 1. `dockerd --validate --config-file <f>`: what dockerd checks in the file alone.
# 2. When that passes: dockerd started for real with the file (its own containerd, a fresh data root), and a
#    container run from a busybox-only image, so that what dockerd refuses only at start ("failed to start
#    daemon") or when it creates or starts a container (log options, e.g. max-file "0") counts too (that
#    container without a network: /proc/sys is read-only in the judge, so a veth cannot be set up).
#    ok = dockerd used the file; start/run = it refused it then. Needs the container run with SYS_ADMIN and
#    NET_ADMIN, seccomp and AppArmor unconfined and the host's cgroups (scripts/differential.sh).
# The first line is `dockerd --version`.
dir="${1:-/cases}"
dockerd --version
mkdir -p /tmp/bb/bin && cp /bin/busybox /tmp/bb/bin/busybox && tar -C /tmp/bb -cf /tmp/busybox.tar .
one_line() { tr '\n\t' '  ' | sed 's/  */ /g'; }
for f in "$dir"/*.json; do
  name="$(basename "$f")"
  out="$(dockerd --validate --config-file "$f" 2>&1)"
  rc=$?
  if [ "$rc" != 0 ] || [ "${JUDGE_START:-1}" = 0 ]; then
    printf '%s\t%s\tskipped\t%s\n' "$name" "$rc" "$(printf '%s' "$out" | one_line)"
    continue
  fi
  rm -rf /var/lib/docker/* /srv/docker /run/docker /var/run/docker.pid /run/containerd
  log=/tmp/dockerd.log
  dockerd --config-file "$f" >"$log" 2>&1 &
  pid=$!
  use=timeout
  i=0
  while [ "$i" -lt 150 ]; do
    if ! kill -0 "$pid" 2>/dev/null; then use=start; break; fi
    if grep -q 'API listen on' "$log"; then use=ok; break; fi
    sleep 0.2; i=$((i + 1))
  done
  message=""
  if [ "$use" = ok ]; then
    address="$(sed -n 's/.*API listen on \([^"]*\)".*/\1/p' "$log" | head -n1)"
    # A TCP socket (the TLS cases) is reached with the judge's test certificate (/etc/docker/judge-tls).
    case "$address" in
      /*) set -- -H "unix://$address" ;;
      *) set -- -H "tcp://127.0.0.1:${address##*:}" --tls --tlscert /etc/docker/judge-tls/cert.pem \
           --tlskey /etc/docker/judge-tls/key.pem ;;
    esac
    if ! message="$(docker "$@" import /tmp/busybox.tar judge:busybox 2>&1 >/dev/null \
                    && docker "$@" run --rm --network none judge:busybox /bin/busybox true 2>&1 >/dev/null)"; then
      use=run
    fi
    kill "$pid" 2>/dev/null
  elif [ "$use" = start ]; then
    message="$(grep -E 'failed to start daemon|level=fatal|Error starting daemon|unable to configure' "$log" | tail -n1)"
  else
    message="dockerd neither listened nor exited within 30 s: $(tail -n1 "$log")"
    kill "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$use" "$(printf '%s' "$message" | one_line)"
done
