//! Builds every plugin of the workspace for `wasm32-wasip2` before anything that
//! depends on this crate compiles, and writes their paths into `artifacts.rs`
//! (the pattern of wasmtime's test-programs). A newcomer needs no extra step: the
//! target is installed with rustup when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "wasm-plugin";

/// How many of [`PLUGINS`] are reference policies (the rest are test-only).
const REFERENCE_COUNT: usize = 3;

/// (package, constant name). Reference plugins first, then test-only ones.
const PLUGINS: &[(&str, &str)] = &[
    ("baseline", "BASELINE"),
    ("financials", "FINANCIALS"),
    ("give-and-take", "GIVE_AND_TAKE"),
    ("misbehaving", "MISBEHAVING"),
    ("foreign-contract", "FOREIGN_CONTRACT"),
    ("flooding", "FLOODING"),
    ("shadow-evader", "SHADOW_EVADER"),
    ("log-leaker", "LOG_LEAKER"),
    ("settings-hostile", "SETTINGS_HOSTILE"),
    ("slow-start", "SLOW_START"),
    ("selectors", "SELECTORS"),
    ("baseline-0-1", "BASELINE_0_1"),
    ("edited-contract", "EDITED_CONTRACT"),
];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("workspace root exists");
    for watched in [
        "wit",
        "plugins/sdk",
        "plugins/sdk-0.1",
        "plugins/baseline",
        "plugins/financials",
        "plugins/give-and-take",
        "plugins/testing",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }

    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out: build the plugins beside it,
    // in a target directory of their own, so the outer cargo's lock is not contended.
    let target_root = out_dir
        .ancestors()
        .nth(4)
        .expect("OUT_DIR is inside the target directory");
    let plugin_target = target_root.join("plugins");

    ensure_target_installed();
    build_plugins(&workspace, &plugin_target);

    let built = plugin_target.join(TARGET).join(PROFILE);
    let mut constants = String::new();
    for (package, constant) in PLUGINS {
        let file = built.join(format!("{}.wasm", package.replace('-', "_")));
        assert!(
            file.is_file(),
            "cargo built {package} but {} is missing",
            file.display()
        );
        constants.push_str(&format!(
            "/// `{package}` built for {TARGET}.\npub const {constant}: &str = {:?};\n",
            file.display().to_string()
        ));
    }
    constants.push_str("/// The reference policies' bytes, by name, for embedding in the host.\npub static REFERENCE_PLUGINS: &[(&str, &[u8])] = &[\n");
    for (package, _) in &PLUGINS[..REFERENCE_COUNT] {
        let file = built.join(format!("{}.wasm", package.replace('-', "_")));
        constants.push_str(&format!(
            "    ({package:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        ));
    }
    constants.push_str("];\n");
    fs::write(out_dir.join("artifacts.rs"), constants).expect("OUT_DIR is writable");
}

fn ensure_target_installed() {
    let sysroot = Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .expect("rustc runs");
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_string();
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .is_dir()
    {
        return;
    }
    println!("cargo:warning=installing the {TARGET} target with rustup (once)");
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .expect("rustup is needed to install the wasm32-wasip2 target");
    assert!(status.success(), "`rustup target add {TARGET}` failed");
}

fn build_plugins(workspace: &Path, plugin_target: &Path) {
    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(workspace)
        .args([
            "build",
            "--target",
            TARGET,
            "--profile",
            PROFILE,
            "--target-dir",
        ])
        .arg(plugin_target);
    for (package, _) in PLUGINS {
        cargo.args(["-p", package]);
    }
    // Settings meant for the outer (native) build must not leak into the wasm one.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cargo.env_remove(var);
    }
    let output = cargo.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "building the policy plugins failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
