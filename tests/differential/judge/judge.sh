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
    # The address from dockerd's own line, read again until that line is whole (grep may see half of it).
    address=""
    j=0
    while [ -z "$address" ] && [ "$j" -lt 25 ]; do
      address="$(sed -n 's/.*API listen on \([^" ]*\)".*/\1/p' "$log" | head -n1)"
      [ -n "$address" ] || { sleep 0.2; j=$((j + 1)); }
    done
    # A clean client per case: no DOCKER_* environment, an empty HOME (no ~/.docker config, context or
    # certificates), and the socket this case's dockerd reported. A TCP socket (the TLS cases) is reached with
    # the judge's test certificate (/etc/docker/judge-tls), every file named.
    home="$(mktemp -d /tmp/judge-home.XXXXXX)"
    case "$address" in
      /*) set -- -H "unix://$address" ;;
      *:*) set -- -H "tcp://127.0.0.1:${address##*:}" --tls --tlscacert /etc/docker/judge-tls/ca.pem \
             --tlscert /etc/docker/judge-tls/cert.pem --tlskey /etc/docker/judge-tls/key.pem ;;
      *) set -- ;;
    esac
    if [ "$#" = 0 ]; then
      use=run message="dockerd said it listens but named no address: $(grep 'API listen on' "$log" | tail -n1)"
    else
      # "Cannot connect" while this dockerd still runs is the client being early (a loaded machine), not a
      # refusal: asked again for up to 10 s. Had dockerd exited, its own message is the verdict.
      k=0
      while :; do
        if message="$(env -i PATH="$PATH" HOME="$home" docker "$@" import /tmp/busybox.tar judge:busybox 2>&1 >/dev/null \
                      && env -i PATH="$PATH" HOME="$home" docker "$@" run --rm --network none judge:busybox \
                           /bin/busybox true 2>&1 >/dev/null)"; then
          break
        fi
        use=run
        if ! kill -0 "$pid" 2>/dev/null; then
          message="dockerd exited after it listened: $(grep -E 'level=(fatal|error)|failed to start' "$log" | tail -n1) $message"
          break
        fi
        case "$message" in *"Cannot connect to the Docker daemon"*) ;; *) break ;; esac
        [ "$k" -lt 20 ] || break
        use=ok k=$((k + 1))
        sleep 0.5
      done
    fi
    rm -rf "$home"
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
