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

/// Runs an install command; when it fails, says what to run by hand.
fn install(mut command: Command, by_hand: &str) -> Result<()> {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        _ => bail!("{by_hand}"),
    }
}

/// Installs Debian packages with apt-get.
fn apt_get_install(packages: &str) -> Result<()> {
    let mut command = Command::new("sh");
    command.args([
        "-c",
        &format!(
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {packages}"
        ),
    ]);
    install(command, &format!("apt-get could not install {packages}"))
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
    let mut command = Command::new("rustup");
    command.args(["target", "add", "wasm32-unknown-unknown"]);
    install(
        command,
        "could not install the wasm32 target: run `rustup target add wasm32-unknown-unknown` and retry",
    )
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
    let mut command = Command::new("cargo");
    command.args(["install", "wasm-bindgen-cli", "--version", &version]);
    install(
        command,
        &format!(
            "could not install wasm-bindgen-cli {version}: run `cargo install wasm-bindgen-cli --version {version}` and retry"
        ),
    )
}

/// Node.js runs the WebAssembly tests; install Debian's if it is missing.
pub(crate) fn ensure_node() -> Result<()> {
    if output("node", &["--version"]).is_some() {
        return Ok(());
    }
    println!("xtask: installing Node.js (apt-get)");
    apt_get_install("nodejs")?;
    if output("node", &["--version"]).is_none() {
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

/// The Trunk release that builds on this toolchain (0.22 needs a newer rustc).
pub(crate) const TRUNK_VERSION: &str = "0.21.14";

/// `cargo install trunk --version 0.21.14 --locked` unless that version is on PATH.
pub(crate) fn ensure_trunk() -> Result<()> {
    let installed = output("trunk", &["--version"]).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
        return Ok(());
    }
    // A debug build: Trunk only orchestrates cargo, wasm-bindgen and wasm-opt, and it builds
    // in half the time of a release build (about 3 minutes instead of 7 on two cores).
    println!("xtask: installing Trunk {TRUNK_VERSION} (first use only; about 3 minutes)");
    let mut command = Command::new("cargo");
    command.args([
        "install",
        "--debug",
        "trunk",
        "--version",
        TRUNK_VERSION,
        "--locked",
    ]);
    install(
        command,
        &format!(
            "could not install Trunk: run `cargo install --debug trunk --version {TRUNK_VERSION} --locked` and retry"
        ),
    )
}

/// `npm ci` in `dir` (under the workspace) unless its node_modules matches its lockfile.
pub(crate) fn ensure_npm_packages(dir: &str) -> Result<()> {
    ensure_node()?;
    let dir = workspace_root().join(dir);
    let lock = std::fs::read(dir.join("package-lock.json"))
        .with_context(|| format!("reading {}/package-lock.json", dir.display()))?;
    let installed = std::fs::read(dir.join("node_modules/.package-lock.json")).unwrap_or_default();
    // npm writes node_modules/.package-lock.json; same packages, same versions: nothing to do.
    if !installed.is_empty() && same_packages(&lock, &installed) {
        return Ok(());
    }
    println!("xtask: installing npm packages in {}", dir.display());
    let mut command = Command::new("npm");
    command
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir);
    install(
        command,
        &format!(
            "could not install npm packages in {}: run `npm ci` there and retry",
            dir.display()
        ),
    )
}

fn same_packages(lock: &[u8], installed: &[u8]) -> bool {
    let packages = |bytes: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .map(|v| v["packages"].clone())
    };
    let lock = packages(lock).map(|mut p| {
        if let Some(map) = p.as_object_mut() {
            map.remove(""); // the root package is not installed into node_modules
        }
        p
    });
    lock.is_some() && lock == packages(installed)
}

/// Debian's Chromium and ChromeDriver, for the browser tests.
pub(crate) fn ensure_chromium() -> Result<()> {
    let present = |program: &str| output(program, &["--version"]).is_some();
    if present("chromium") && present("chromedriver") {
        return Ok(());
    }
    println!("xtask: installing Chromium and ChromeDriver (apt-get)");
    let installed = apt_get_install("chromium chromium-driver").is_ok();
    if !installed || !present("chromium") || !present("chromedriver") {
        bail!(
            "Chromium and ChromeDriver are needed for the browser tests: install Debian's `chromium` and `chromium-driver` and retry"
        );
    }
    Ok(())
}

/// A nightly toolchain, which cargo-fuzz needs (sanitizers, -Z flags).
pub(crate) fn ensure_nightly() -> Result<()> {
    if output("cargo", &["+nightly", "--version"]).is_some() {
        return Ok(());
    }
    println!("xtask: installing the nightly toolchain (rustup)");
    let mut command = Command::new("rustup");
    command.args(["toolchain", "install", "nightly", "--profile", "minimal"]);
    install(
        command,
        "fuzzing needs a nightly toolchain: run `rustup toolchain install nightly` and retry",
    )
}

/// `cargo install cargo-fuzz --locked` unless `cargo fuzz` works.
pub(crate) fn ensure_cargo_fuzz() -> Result<()> {
    if output("cargo-fuzz", &["--version"]).is_some() {
        return Ok(());
    }
    println!("xtask: installing cargo-fuzz (first use only; about 2 minutes)");
    let mut command = Command::new("cargo");
    command.args(["install", "cargo-fuzz", "--locked"]);
    install(
        command,
        "could not install cargo-fuzz: run `cargo install cargo-fuzz --locked` and retry",
    )
}
