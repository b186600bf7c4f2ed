"""scripts/role_docs.py: the role pages Galaxy shows get Markdown, not Ansible's markup or swallowed <tags>."""

import importlib.util
import os

import pytest

pytest.importorskip("antsibull_docs_parser")  # the main line's toolchain has it; the compat line does not

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, "scripts", "role_docs.py")
if not os.path.exists(SCRIPT):  # an installed collection carries no scripts/
    pytest.skip("scripts/role_docs.py is not in this tree", allow_module_level=True)
SPEC = importlib.util.spec_from_file_location("role_docs", SCRIPT)
role_docs = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(role_docs)


@pytest.mark.parametrize("markup, markdown", [
    ("Run C(docker run --rm <image> echo hello).", "Run `docker run --rm <image> echo hello`."),
    ("With I(docker_package_source=files) or O(docker_users).", "With `docker_package_source=files` or `docker_users`."),
    ("V(repo) is the default.", "`repo` is the default."),
    ("See L(Docker's guide,https://docs.docker.com/engine/install/).",
     "See [Docker's guide](https://docs.docker.com/engine/install/)."),
    ("U(https://www.elrepo.org)", "<https://www.elrepo.org>"),
    ("B(root-equivalent)", "**root-equivalent**"),
    ("M(fleetops.docker_host.sysctl_check) does it.", "`fleetops.docker_host.sysctl_check` does it."),
    # Text outside markup: a tag-like word stays visible, a pipe cannot split the table cell.
    ("docker run <image> echo hello", "docker run &lt;image&gt; echo hello"),
    ("a|b and C(x|y)", "a\\|b and `x\\|y`"),
    ("*not emphasis* and my_var and _lone_", "\\*not emphasis\\* and my_var and \\_lone\\_"),
    (["First paragraph.", "Second one."], "First paragraph.<br>Second one."),
])
def test_markup_becomes_markdown(markup, markdown):
    assert role_docs.markdown(markup) == markdown


def test_broken_markup_is_an_error_not_a_silent_page():
    with pytest.raises(ValueError, match="Cannot find closing"):
        role_docs.markdown("C(unclosed")


def test_every_readme_has_one_generated_table_and_no_raw_markup():
    for role in sorted(os.listdir(os.path.join(ROOT, "roles"))):
        with open(os.path.join(ROOT, "roles", role, "README.md")) as handle:
            text = handle.read()
        assert text.count(role_docs.BEGIN) == 1, role
        assert role_docs.problems(text) == [], role
