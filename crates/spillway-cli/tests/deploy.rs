//! The container image and the Kubernetes Indexed Job cannot run on the build machines, so
//! their contract is checked here: the manifest parses and has what an Indexed Job sweep
//! needs, its arguments are accepted by this build's `spillway sweep`, and the Containerfile
//! builds a static, non-root image.

use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

fn deploy(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn job() -> Value {
    serde_yaml::from_str(&deploy("sweep-job.yaml")).expect("the manifest is YAML")
}

fn container(job: &Value) -> &Value {
    let containers = job["spec"]["template"]["spec"]["containers"]
        .as_sequence()
        .expect("containers");
    assert_eq!(containers.len(), 1);
    &containers[0]
}

fn args(job: &Value) -> Vec<String> {
    container(job)["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string args").to_string())
        .collect()
}

#[test]
fn the_manifest_is_an_indexed_job_whose_completions_match_the_shards() {
    let job = job();
    assert_eq!(job["apiVersion"], "batch/v1");
    assert_eq!(job["kind"], "Job");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let completions = spec["completions"].as_u64().expect("completions");
    assert!(spec["parallelism"].as_u64().unwrap() <= completions);
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    let args = args(&job);
    assert_eq!(args[0], "sweep");
    assert!(
        args.contains(&format!("--job-shards={completions}")),
        "--job-shards must equal completions ({completions}): {args:?}"
    );
    // Each pod writes its own file, named by its index, on a mounted volume.
    let output = args
        .iter()
        .find_map(|a| a.strip_prefix("--json="))
        .expect("a --json output");
    assert!(output.contains("$(JOB_COMPLETION_INDEX)"), "{output}");
    let mounts = container(&job)["volumeMounts"].as_sequence().unwrap();
    let volumes = job["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap();
    let writable = mounts
        .iter()
        .filter(|m| m["readOnly"].as_bool() != Some(true))
        .any(|m| output.starts_with(m["mountPath"].as_str().unwrap()));
    assert!(writable, "{output} is not on a writable volume");
    for mount in mounts {
        assert!(
            volumes.iter().any(|v| v["name"] == mount["name"]),
            "mount {:?} has no volume",
            mount["name"]
        );
    }
    // The scenario comes from a mounted volume too.
    assert!(
        mounts
            .iter()
            .any(|m| args[1].starts_with(m["mountPath"].as_str().unwrap()))
    );
}

#[test]
fn the_pods_run_non_root_read_only_and_with_limits() {
    let job = job();
    let pod = &job["spec"]["template"]["spec"]["securityContext"];
    assert_eq!(pod["runAsNonRoot"], true);
    assert_ne!(pod["runAsUser"].as_u64(), Some(0));
    let container = container(&job);
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    let limits = &container["resources"]["limits"];
    assert!(
        limits["cpu"].is_string() && limits["memory"].is_string(),
        "{limits:?}"
    );
}

#[test]
fn this_build_accepts_the_manifests_arguments() {
    let job = job();
    let completions = job["spec"]["completions"].as_u64().unwrap();
    let dir = std::env::temp_dir().join(format!("spillway-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("scenario.toml");
    std::fs::write(
        &scenario,
        "name = \"orders\"\n[[producers]]\nrate = \"2000/s\"\n[consumers]\ncount = 30\n\
         service_time = { distribution = \"exponential\", mean = \"10ms\" }\n",
    )
    .unwrap();
    // The manifest's arguments with its volume paths pointed here, as pod 4 of the Job.
    let args: Vec<String> = args(&job)
        .into_iter()
        .map(|a| {
            a.replace("/scenario/scenario.toml", scenario.to_str().unwrap())
                .replace("/results", dir.to_str().unwrap())
                .replace("$(JOB_COMPLETION_INDEX)", "3")
        })
        .chain(["--dry-run".to_string()])
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(&args)
        .env("JOB_COMPLETION_INDEX", "3")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 400 counts × 25 rates = 10,000 points, shard 4 of 16 holds 625 of them.
    assert!(
        stdout.contains(&format!(
            "shard 4/{completions}: 625 of 10000 points × 10 replication(s)"
        )),
        "{stdout}"
    );
    // Outside a Job the index is missing, and that is said.
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(&args)
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JOB_COMPLETION_INDEX is not set"));
}

#[test]
fn the_containerfile_builds_a_static_non_root_image() {
    let text = deploy("Containerfile");
    let stages: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 2, "multi-stage: {stages:?}");
    assert!(
        stages[1].trim() == "FROM scratch",
        "the final stage is the binary alone"
    );
    assert!(
        text.contains("--target x86_64-unknown-linux-musl"),
        "a static musl binary"
    );
    assert!(text.contains("--locked"), "built from Cargo.lock");
    let user = text
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER");
    assert!(
        !user.starts_with('0') && !user.starts_with("root"),
        "{user}"
    );
    assert!(text.contains("ENTRYPOINT [\"/spillway\"]"));
}
