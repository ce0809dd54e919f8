//! Installing the tools the checks need, idempotently, with a clear message when it fails.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::workspace_root;

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `rustup target add wasm32-unknown-unknown` unless it is installed.
pub(crate) fn ensure_wasm_target() -> Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    println!("xtask: installing the wasm32-unknown-unknown target");
    let status = Command::new("rustup")
        .args(["target", "add", "wasm32-unknown-unknown"])
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        _ => bail!(
            "could not install the wasm32 target: run `rustup target add wasm32-unknown-unknown` and retry"
        ),
    }
}

/// The wasm-bindgen version pinned in Cargo.lock.
pub(crate) fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_string());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen entry")
}

/// `cargo install wasm-bindgen-cli` at the version in Cargo.lock unless that version is on PATH.
pub(crate) fn ensure_wasm_bindgen_cli() -> Result<()> {
    let version = locked_wasm_bindgen_version()?;
    let installed = output("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(());
    }
    println!(
        "xtask: installing wasm-bindgen-cli {version} (the version in Cargo.lock; about 2 minutes)"
    );
    let status = Command::new("cargo")
        .args(["install", "wasm-bindgen-cli", "--version", &version])
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        _ => bail!(
            "could not install wasm-bindgen-cli {version}: run `cargo install wasm-bindgen-cli --version {version}` and retry"
        ),
    }
}

/// Node.js runs the WebAssembly tests; install Debian's if it is missing.
pub(crate) fn ensure_node() -> Result<()> {
    if output("node", &["--version"]).is_some() {
        return Ok(());
    }
    println!("xtask: installing Node.js (apt-get)");
    let installed = Command::new("sh")
        .args(["-c", "apt-get update -qq && apt-get install -y -qq nodejs"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !installed || output("node", &["--version"]).is_none() {
        bail!(
            "Node.js is needed for the WebAssembly tests: install it (e.g. `apt-get install nodejs`) and retry"
        );
    }
    Ok(())
}

/// A Python virtual environment under target/ with SimPy, for the side-by-side benchmark.
pub(crate) fn ensure_simpy() -> Result<std::path::PathBuf> {
    let venv = workspace_root().join("target/simpy-venv");
    let python = venv.join("bin/python");
    if output(python.to_str().unwrap_or_default(), &["-c", "import simpy"]).is_some() {
        return Ok(python);
    }
    println!("xtask: creating {} with SimPy", venv.display());
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let installed = created
        && Command::new(&python)
            .args(["-m", "pip", "install", "-q", "simpy"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if !installed {
        bail!(
            "could not install SimPy into {}: needs python3 with venv and PyPI access",
            venv.display()
        );
    }
    Ok(python)
}
