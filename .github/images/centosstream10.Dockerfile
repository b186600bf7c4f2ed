# CentOS Stream 10 with systemd as PID 1, for the public-CI Molecule matrix (.github/workflows/ci.yml):
# quay.io's CentOS Stream image has no init, and no maintained Ansible test image ships one for Stream 10.
# Built in CI only; on our machines scripts/molecule.sh reports centosstream10 SKIPPED (image not available).
FROM quay.io/centos/centos:stream10
ENV container=docker
RUN dnf -y install systemd python3 sudo procps-ng iproute && dnf clean all \
 && (cd /lib/systemd/system/sysinit.target.wants/ && for f in *; do [ "$f" = systemd-tmpfiles-setup.service ] || rm -f "$f"; done) \
 && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
    /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
    /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
VOLUME ["/sys/fs/cgroup"]
CMD ["/usr/lib/systemd/systemd"]
