"""The kernel_ml role's data: ELRepo's release table per EL major version, keys and repository ids."""

import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "kernel_ml")

V1 = "96C0 104F 6315 4731 1E0B B1AE 309B C305 BAAD AE52"
V2 = "B8A7 5587 4DA2 40C9 DAC4 E715 5160 0989 EAA3 1D4A"


def _load_vars():
    merged = {}
    for path in sorted(glob.glob(os.path.join(ROLE, "vars", "*.yml"))):
        with open(path) as handle:
            merged.update(yaml.safe_load(handle) or {})
    return merged


def _load_defaults():
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def role_vars():
    return _load_vars()


@pytest.fixture(scope="module")
def table(role_vars):
    return role_vars["__kernel_ml_el_releases"]


def test_table_covers_el7_to_el10(table):
    assert sorted(table, key=int) == ["7", "8", "9", "10"]


@pytest.mark.parametrize(
    "major, package",
    [
        ("7", "elrepo-release-7.el7.elrepo.noarch.rpm"),
        ("8", "elrepo-release-8.el8.elrepo.noarch.rpm"),
        ("9", "elrepo-release-9.el9.elrepo.noarch.rpm"),
        ("10", "elrepo-release-10.el10.elrepo.noarch.rpm"),
    ],
)
def test_release_package_url(table, major, package):
    url = _load_defaults()["kernel_ml_elrepo_url"] + "/" + table[major]["release_package"]
    assert url == "https://www.elrepo.org/" + package


@pytest.mark.parametrize(
    "major, keys",
    [("7", ["v1"]), ("8", ["v1", "v2"]), ("9", ["v1", "v2"]), ("10", ["v2"])],
)
def test_keys_per_major_version(table, major, keys):
    assert table[major]["keys"] == keys


@pytest.mark.parametrize(
    "name, url, fingerprint",
    [
        ("v1", "https://www.elrepo.org/RPM-GPG-KEY-elrepo.org", V1),
        ("v2", "https://www.elrepo.org/RPM-GPG-KEY-v2-elrepo.org", V2),
    ],
)
def test_key_urls_and_fingerprints(role_vars, name, url, fingerprint):
    key = role_vars["__kernel_ml_elrepo_keys"][name]
    assert _load_defaults()["kernel_ml_elrepo_url"] + "/" + key["file"] == url
    assert key["fingerprint"] == fingerprint
    assert len(key["fingerprint"].replace(" ", "")) == 40


@pytest.mark.parametrize("major", ["7", "8", "9", "10"])
def test_repo_ids_and_kernel_repo(table, major):
    row = table[major]
    assert row["repo_ids"] == ["elrepo", "elrepo-testing", "elrepo-kernel", "elrepo-extras"]
    assert row["kernel_repo"] == "elrepo-kernel"
    assert row["kernel_repo"] in row["repo_ids"]


def test_only_el7_is_archived(table):
    assert [major for major, row in table.items() if row["archived"]] == ["7"]


def test_flavors_map_to_elrepo_packages(role_vars):
    assert role_vars["__kernel_ml_el_packages"] == {"ml": "kernel-ml", "lt": "kernel-lt"}


def test_flavor_choices_match_the_argument_spec(role_vars):
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        spec = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    assert sorted(spec["kernel_ml_flavor"]["choices"]) == sorted(role_vars["__kernel_ml_el_packages"])
    assert spec["kernel_ml_reboot"]["type"] == "bool"


def test_defaults_match_the_argument_spec():
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        spec = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    defaults = _load_defaults()
    assert sorted(defaults) == sorted(spec)
    for name, value in defaults.items():
        assert spec[name]["default"] == value, name


def test_debian_architectures(role_vars):
    assert role_vars["__kernel_ml_debian_arch"]["x86_64"] == "amd64"
    assert role_vars["__kernel_ml_debian_arch"]["aarch64"] == "arm64"


@pytest.mark.parametrize("name", ["v1", "v2"])
def test_installed_key_is_the_downloaded_file(role_vars, name):
    key = role_vars["__kernel_ml_elrepo_keys"][name]
    assert key["installed"] == "file:///etc/pki/rpm-gpg/" + key["file"]
