//! The playground: build it with Trunk (never letting Trunk download anything), serve it,
//! and test it in headless Chromium.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{cargo, step, tools, workspace_root};

/// Every tool a Trunk build needs, installed if missing.
fn ensure_build_tools() -> Result<()> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen_cli()?;
    tools::ensure_trunk()?;
    tools::ensure_npm_packages("web")?;
    // Trunk builds with --offline (Trunk.toml), so every crate must already be here.
    step("cargo fetch", cargo(&["fetch"]))
}

/// `trunk <args>` with binaryen's wasm-opt first on PATH and no version check over the network.
fn trunk(args: &[&str]) -> Command {
    let root = workspace_root();
    let tools_bin = root.join("web/node_modules/.bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![tools_bin];
    paths.extend(std::env::split_paths(&path));
    let mut command = Command::new("trunk");
    command
        .args(args)
        .current_dir(&root)
        .env(
            "PATH",
            std::env::join_paths(paths).expect("PATH entries are valid"),
        )
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    command
}

/// A built `dist/` and the size of its WebAssembly.
pub(crate) struct Dist {
    pub path: PathBuf,
    pub wasm_bytes: usize,
    pub wasm_gzip_bytes: usize,
}

/// Builds `dist/` and reports the size of the WebAssembly, raw and gzipped.
pub(crate) fn dist() -> Result<Dist> {
    ensure_build_tools()?;
    step(
        "trunk build (release) -> dist/",
        trunk(&["build", "--release"]),
    )?;
    let dist = workspace_root().join("dist");
    let wasm = std::fs::read_dir(&dist)
        .context("reading dist/")?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "wasm"))
        .context("dist/ has no .wasm file")?;
    let bytes = std::fs::read(&wasm)?;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&bytes)?;
    let gzipped = gzip.finish()?.len();
    println!(
        "xtask: dist/ is ready; {} is {} KB ({} KB gzipped)",
        wasm.file_name().unwrap_or_default().to_string_lossy(),
        bytes.len() / 1024,
        gzipped / 1024
    );
    Ok(Dist {
        path: dist,
        wasm_bytes: bytes.len(),
        wasm_gzip_bytes: gzipped,
    })
}

/// The playground's speed in headless Chromium (tests/e2e/bench.mjs): medians as JSON.
pub(crate) fn bench() -> Result<serde_json::Value> {
    tools::ensure_chromium()?;
    tools::ensure_npm_packages("tests/e2e")?;
    let dist = dist()?;
    println!("\n==> the playground in headless Chromium: 1 h at 2,000 msg/s at max speed, 5 runs");
    let output = Command::new("node")
        .arg("tests/e2e/bench.mjs")
        .current_dir(workspace_root())
        .env("SPILLWAY_DIST", &dist.path)
        .output()
        .context("running tests/e2e/bench.mjs")?;
    if !output.status.success() {
        anyhow::bail!(
            "the playground benchmark failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut results: serde_json::Value = serde_json::from_slice(&output.stdout)
        .context("reading the playground benchmark's JSON")?;
    results["wasm_bytes"] = dist.wasm_bytes.into();
    results["wasm_gzip_bytes"] = dist.wasm_gzip_bytes.into();
    Ok(results)
}

/// Builds and serves the playground on `address:port`, rebuilding on changes.
pub(crate) fn serve(address: &str, port: u16) -> Result<()> {
    ensure_build_tools()?;
    let port = port.to_string();
    println!("xtask: the playground will be at http://{address}:{port}/ once built");
    step(
        "trunk serve",
        trunk(&["serve", "--release", "--address", address, "--port", &port]),
    )
}

/// The app's own tests in headless Chromium (wasm-bindgen-test via chromedriver).
pub(crate) fn browser_tests() -> Result<()> {
    tools::ensure_chromium()?;
    let mut command = cargo(&[
        "test",
        "-p",
        "spillway-web",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "browser",
    ]);
    command.env("CHROMEDRIVER", "chromedriver");
    step(
        "playground tests in headless Chromium (wasm-bindgen-test)",
        command,
    )
}

/// The end-to-end test: the built `dist/` served locally, driven by Playwright in Chromium.
/// Screenshots land in target/screenshots/.
pub(crate) fn end_to_end() -> Result<()> {
    tools::ensure_chromium()?;
    tools::ensure_npm_packages("tests/e2e")?;
    let dist = dist()?.path;
    let root = workspace_root();
    // The review-report and planner tests run the CLI the way a user does.
    step("build the CLI", cargo(&["build", "-p", "spillway-cli"]))?;
    let cli = root.join("target/debug/spillway");
    let screenshots = root.join("target/screenshots");
    std::fs::create_dir_all(&screenshots)?;
    let mut command = Command::new("node");
    command
        .args([
            "--test",
            "--test-reporter=spec",
            "tests/e2e/playground.test.mjs",
        ])
        .current_dir(&root)
        .env("SPILLWAY_DIST", &dist)
        .env("SPILLWAY_SCREENSHOTS", &screenshots)
        .env("SPILLWAY_CLI", &cli);
    step(
        "end-to-end test in Chromium (Playwright against dist/)",
        command,
    )?;
    println!("xtask: screenshots in {}", screenshots.display());
    Ok(())
}
