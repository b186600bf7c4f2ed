"""The one list of test platforms: which image each distro name boots, and which Molecule scenario runs on which
distros, here (`make test`) and in public CI. scripts/molecule.sh, scripts/test.sh and the CI workflow's matrix
(.github/workflows/ci.yml, job `plan`) all read it; nothing else names a distro's image.

  platforms.py image DISTRO        the image DISTRO boots
  platforms.py build DISTRO...     the local image names (molecule/images/build.sh arguments) these distros need
  platforms.py scenarios           the scenarios `make test` runs, one per line
  platforms.py runs SCENARIO       its runs here, one per line (a run is distros joined by "+": one fleet)
  platforms.py matrix              the CI matrix, as GitHub's `matrix=<json>` output line

Standard library only (it runs before the virtualenv exists, and on CI's bare runner)."""
import json
import sys

# Distro name -> (image, local build name or None for a registry image).
# Local images are built here by molecule/images/build.sh (debootstrap); registry images can be pulled only in
# public CI: here scripts/molecule.sh reports their runs SKIPPED, never passed.
DISTROS = {
    "debian11": ("fleetops/debian-systemd:11", "11"),
    "debian12": ("fleetops/debian-systemd:12", "12"),
    "debian13": ("fleetops/debian-systemd:13", "13"),
    # EL 9 package tooling on a Debian 12 userland (not Rocky Linux nor any EL release): molecule/images/el9.
    "el9tooling": ("fleetops/el9-tooling-debian:12", "el9"),
    "ubuntu2204": ("geerlingguy/docker-ubuntu2204-ansible:latest", None),
    "ubuntu2404": ("geerlingguy/docker-ubuntu2404-ansible:latest", None),
    "rockylinux8": ("geerlingguy/docker-rockylinux8-ansible:latest", None),
    "rockylinux9": ("geerlingguy/docker-rockylinux9-ansible:latest", None),
    "rockylinux10": ("geerlingguy/docker-rockylinux10-ansible:latest", None),
    "almalinux8": ("quay.io/almalinux/8-init:8", None),
    "almalinux9": ("geerlingguy/docker-almalinux9-ansible:latest", None),
    "almalinux10": ("almalinux/10-init:latest", None),
    "centosstream9": ("geerlingguy/docker-centos9-ansible:latest", None),
    # Built by the CI job from .github/images/centosstream10.Dockerfile (no registry image ships systemd for it).
    "centosstream10": ("fleetops-ci/centos-stream10-systemd:latest", None),
}

# Scenario -> (runs of `make test`, extra runs in public CI only). The distros of one run form one fleet.
SCENARIOS = {
    "default": (["debian11+debian12+debian13", "ubuntu2204+ubuntu2404", "rockylinux9+almalinux9+centosstream9"], []),
    "docker_daemon": (["debian12+debian13"], []),
    "docker_install_el": (["rockylinux9", "almalinux9", "centosstream9", "rockylinux8", "almalinux8"],
                          ["rockylinux10", "almalinux10", "centosstream10"]),
    "docker_install_files": (["debian12"], []),
    "docker_install_repo": (["debian12"], []),
    # kernel_ml's ELRepo steps on real EL userlands too, where dnf, rpm and grubby are the distributions' own.
    "el_kernel": (["el9tooling"], ["rockylinux9", "almalinux10"]),
    "el_userland": (["el9tooling"], []),
    "example_inventory": (["debian12"], []),
    "k8s_node": (["debian12"], []),
    "k8s_sysctl": (["debian12"], []),
    # Three Docker-in-Docker hosts: one manager + two workers, then three managers and back, a worker leaving, a
    # stale entry repaired, an even manager count refused; the routing mesh SKIPPED here (no IPVS) (issue 32).
    "swarm": (["debian12"], []),
    # Ubuntu-shaped hosts (Debian 12 with Ubuntu 24.04's os-release, not Ubuntu) and a Docker-shaped local tree of
    # Debian's engine under Docker's package names: engine upgrades (issue 29), with the lock, the site.yml path,
    # a failed rollback and a broken version rolled back; passed end to end here (molecule test, 02:28-02:41 UTC).
    "upgrade": (["debian12"], []),
    # Issue 27's hostile inputs on a role-level host (symlinked config.toml with BOM, Latin-1 and credentials,
    # proxy password, another default runtime, dpkg's lock held from another PID namespace). About 4 min.
    "hostile": (["debian12"], []),
    # Offline bundles (issue 30): built on a connected Debian 12 host, installed on one started with no network
    # (passed end to end here, 6.5 min).
    "bundle": (["debian12"], []),
    # A QEMU VM: CI runs it in a job of its own (kernel-vm), not in the container matrix.
    "kernel_vm": (["debian12"], []),
}
OWN_JOB = {"kernel_vm"}


def runs(scenario, ci=False):
    here, ci_only = SCENARIOS[scenario]
    return here + (ci_only if ci else [])


def image(distro):
    return DISTROS[distro][0]


def builds(distros):
    names = []
    for run in distros:
        for distro in run.split("+"):
            build = DISTROS[distro][1]
            if build and build not in names:
                names.append(build)
    return names


def matrix():
    return {"include": [{"scenario": s, "distro": run}
                        for s in sorted(SCENARIOS) if s not in OWN_JOB for run in runs(s, ci=True)]}


def check():
    """Every run names known distros."""
    unknown = sorted(set(d for s in SCENARIOS for run in runs(s, ci=True) for d in run.split("+")) - set(DISTROS))
    if unknown:
        raise SystemExit("platforms.py: runs name unknown distros: %s" % ", ".join(unknown))


def main(argv):
    check()
    if len(argv) < 2:
        raise SystemExit(__doc__)
    command, args = argv[1], argv[2:]
    try:
        if command == "image" and len(args) == 1:
            print(image(args[0]))
        elif command == "build":
            print("\n".join(builds(args)))
        elif command == "scenarios" and not args:
            print("\n".join(sorted(SCENARIOS)))
        elif command == "runs" and len(args) == 1:
            for run in runs(args[0]):  # none: a scenario defined for public CI only
                print(run)
        elif command == "matrix" and not args:
            print("matrix=" + json.dumps(matrix(), separators=(",", ":")))
        else:
            raise SystemExit(__doc__)
    except KeyError as exc:
        known = DISTROS if command in ("image", "build") else SCENARIOS
        raise SystemExit("platforms.py: unknown %s %s (known: %s)" % (
            "distro" if known is DISTROS else "scenario", exc, " ".join(sorted(known)))) from None
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
