#!/usr/bin/env bash
# Builds the Python and JavaScript plugins from source into target/plugins/polyglot/:
#
#   baseline_py.wasm   plugins/baseline-py (+ plugins/sdk-py) with componentize-py
#   baseline_js.wasm   plugins/baseline-js (+ plugins/sdk-js) with componentize-js
#
# The tools are pinned here (requirements.txt, package.json + package-lock.json)
# and installed on first use into target/plugins/polyglot/tools/ from PyPI and npm;
# needs python3 (3.11, with venv) and node 20 + npm. Both SDKs and plugins are on
# contract 0.2. A plugin is rebuilt only when its sources, the SDK, that WIT
# contract or the pinned tools changed.
#
# Usage: plugins/polyglot/build.sh     (run it under `nice -n 19` on a shared machine)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/plugins/polyglot"
tools="$out/tools"
mkdir -p "$tools"
# The build commands below are the ones docs/writing-plugins.md shows, as written
# (host/tests/plugin_kit.rs checks it): run from the repository root, with the
# pinned tools first on PATH.
cd "$root"
export PATH="$tools/venv/bin:$tools/js/node_modules/.bin:$PATH"
# componentize-py imports the sources to snapshot them: keep its bytecode out of the tree.
export PYTHONDONTWRITEBYTECODE=1

# Reinstalls a tool set when its pin file differs from the one it was installed from.
stale_pins() {
    local pins="$1" installed="$2"
    ! cmp -s "$pins" "$installed"
}

install_python_tools() {
    if stale_pins "$here/requirements.txt" "$tools/requirements.txt"; then
        echo "installing $(cat "$here/requirements.txt") into $tools/venv"
        rm -rf "$tools/venv"
        python3 -m venv "$tools/venv"
        "$tools/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
        cp "$here/requirements.txt" "$tools/requirements.txt"
    fi
}

install_node_tools() {
    if stale_pins "$here/package-lock.json" "$tools/js/package-lock.json"; then
        echo "installing componentize-js and jco (package-lock.json) into $tools/js"
        rm -rf "$tools/js"
        mkdir -p "$tools/js"
        cp "$here/package.json" "$here/.npmrc" "$here/package-lock.json" "$tools/js/"
        # npm ci installs exactly the lock; a failed install removes the copied lock,
        # so the next run retries instead of trusting half a tree.
        (cd "$tools/js" && npm ci --no-audit --no-fund --loglevel=error) \
            || { rm -f "$tools/js/package-lock.json"; exit 1; }
    fi
}

# True when $1 is missing or older than any file under the other arguments.
outdated() {
    local target="$1"
    shift
    [[ ! -f "$target" ]] || [[ -n "$(find "$@" -type f -newer "$target" -print -quit)" ]]
}

# Each component has a stamp, `NAME.wasm.built`, touched once its build succeeded:
# the tools write the component in place, and a build cut short leaves no stamp,
# so the next run builds again instead of trusting half a file.
build_python() {
    local wasm="$out/baseline_py.wasm"
    if outdated "$wasm.built" plugins/baseline-py plugins/sdk-py wit/v0.2 "$tools/requirements.txt"; then
        echo "building $wasm"
        rm -f "$wasm.built"
        local start=$SECONDS
        componentize-py -d wit/v0.2 -w sharing-policy componentize \
            -p plugins/baseline-py -p plugins/sdk-py app -o target/plugins/polyglot/baseline_py.wasm
        touch "$wasm.built"
        echo "built $wasm ($(stat -c %s "$wasm") bytes, $((SECONDS - start)) s)"
    fi
}

build_javascript() {
    local wasm="$out/baseline_js.wasm"
    if outdated "$wasm.built" plugins/baseline-js plugins/sdk-js wit/v0.2 "$tools/js/package-lock.json"; then
        echo "building $wasm"
        rm -f "$wasm.built"
        local start=$SECONDS
        # A policy needs no HTTP, clock or randomness: leaving them out keeps the
        # component's imports to what the host links and its decisions deterministic.
        componentize-js plugins/baseline-js/app.js --wit wit/v0.2 --world-name sharing-policy \
            --disable http fetch-event random clocks -o target/plugins/polyglot/baseline_js.wasm
        touch "$wasm.built"
        echo "built $wasm ($(stat -c %s "$wasm") bytes, $((SECONDS - start)) s)"
    fi
}

install_python_tools
install_node_tools
build_python
build_javascript
echo "polyglot plugins up to date in $out"
