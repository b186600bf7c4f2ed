"""Every variable the example inventory sets is an option of some role's meta/argument_specs.yml, with a value
of the spec's type and, where the spec has choices, one of them; none is one that only a play keyword reads
(serial, hosts: those are templated before any host's group_vars apply, so there they have no effect).
Exit 1 naming each refused variable."""
import pathlib
import sys

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Not role options: connection variables.
CONNECTION_VARS = {"ansible_user", "ansible_become"}
# Read by play keywords of the playbooks (playbooks/kernel.yml: hosts, serial, max_fail_percentage; every
# play's hosts): extra vars (-e), since a play keyword does not see a host's group_vars.
PLAY_KEYWORD_VARS = {"kernel_ml_serial", "kernel_ml_max_fail_percentage", "kernel_ml_target", "target"}


def options():
    found = {}
    for spec in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        data = yaml.safe_load(spec.read_text()) or {}
        for entry in (data.get("argument_specs") or {}).values():
            for name, opt in (entry.get("options") or {}).items():
                found.setdefault(name, opt or {})
    return found


def problems():
    opts = options()
    out = []
    for path in sorted((ROOT / "examples" / "inventory").rglob("*.yml")):
        if path.name == "hosts.yml":
            continue
        data = yaml.safe_load(path.read_text()) or {}
        for name, value in data.items():
            where = "%s: %s" % (path.relative_to(ROOT), name)
            if name in CONNECTION_VARS:
                continue
            if name in PLAY_KEYWORD_VARS:
                out.append("%s has no effect in an inventory (a play keyword reads it before group_vars apply); "
                           "pass it as an extra var, e.g. -e %s=..." % (where, name))
                continue
            if name not in opts:
                out.append("%s is no option of any role's argument_specs" % where)
                continue
            # Ansible's own argument spec validation (types, choices, elements), as the role would run it.
            spec = {k: v for k, v in opts[name].items() if k not in ("description", "required", "default", "version_added")}
            result = ArgumentSpecValidator({name: spec}).validate({name: value})
            out.extend("%s: %s" % (where, err) for err in result.error_messages)
    return out


if __name__ == "__main__":
    found = problems()
    for line in found:
        print(line)
    print("examples: %d problem(s)" % len(found))
    sys.exit(1 if found else 0)
