"""isac-policy-build MODULE OUT.wasm: builds a policy module (app.py -> `app`)
into a component with componentize-py, against the contract packed with the
SDK (isac_policy_sdk/wit/policy.wit).

A separate package from `isac_policy_sdk`, whose import needs the bindings
componentize-py generates: this one runs in the author's own Python.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: isac-policy-build MODULE OUT.wasm", file=sys.stderr)
        return 2
    module, out = sys.argv[1], sys.argv[2]
    sdk = importlib.util.find_spec("isac_policy_sdk")
    sdk_dir = pathlib.Path(list(sdk.submodule_search_locations)[0])
    tool = pathlib.Path(sys.executable).parent / "componentize-py"
    command = [
        str(tool), "-d", str(sdk_dir / "wit"), "-w", "sharing-policy", "componentize",
        "-p", ".", "-p", str(sdk_dir.parent), module, "-o", out,
    ]
    # componentize-py imports the sources to snapshot them: keep bytecode out of the project.
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
