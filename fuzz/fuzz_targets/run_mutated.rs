//! Structure-aware: a preset with some of its values replaced by edge values (0, 1ns, 584
//! years, 1e300, u32::MAX, 1 EiB, …) chosen by the input, then validate → run under a smaller
//! budget than `run_budget` (5,000 events: valid runs are the slow inputs). Text fuzzing
//! rarely gets a whole scenario right; this target spends its time on valid scenarios with
//! extreme numbers, where the engine is exercised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use spillway_core::{
    PRESETS, Scenario,
    scenario::{ByteSize, Duration},
};

const NUMBERS: [f64; 16] = [
    0.0,
    1.0,
    -1.0,
    0.5,
    1e-300,
    2.0,
    255.0,
    256.0,
    10_000.0,
    1e6,
    1e9,
    4_294_967_295.0,
    1e18,
    1e300,
    100.0,
    0.999,
];
const DURATIONS: [&str; 12] = [
    "0s", "1ns", "999us", "1ms", "1s", "1m", "1h", "30d", "100y", "292y", "584y", "1000000d",
];
const RATES: [&str; 6] = ["0/s", "1e-300/s", "1/s", "1000/s", "1e9/s", "1e12/s"];
const SIZES: [&str; 8] = [
    "0B", "1B", "1023B", "50MB", "1GiB", "1PiB", "1EiB", "16EiB",
];

/// Paths to every leaf (number or string) of `value`.
fn leaves(value: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(Value::String(key.clone()));
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(Value::from(index));
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::Number(_) | Value::String(_) => out.push(path.clone()),
        _ => {}
    }
}

fn leaf_mut<'a>(mut value: &'a mut Value, path: &[Value]) -> &'a mut Value {
    for step in path {
        value = match step {
            Value::String(key) => &mut value[key.as_str()],
            Value::Number(index) => &mut value[index.as_u64().unwrap() as usize],
            _ => unreachable!(),
        };
    }
    value
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, edits)) = data.split_first() else {
        return;
    };
    let preset = &PRESETS[pick as usize % PRESETS.len()];
    let scenario = preset.scenario().expect("presets validate");
    let mut value = serde_json::to_value(&scenario).unwrap();
    let mut paths = Vec::new();
    leaves(&value, &mut Vec::new(), &mut paths);
    for edit in edits.chunks(2) {
        let [at, choice] = edit else { break };
        let path = &paths[*at as usize % paths.len()];
        let leaf = leaf_mut(&mut value, path);
        let choice = *choice as usize;
        let replacement = match &*leaf {
            Value::Number(_) => serde_json::json!(NUMBERS[choice % NUMBERS.len()]),
            Value::String(text) if text.parse::<Duration>().is_ok() => {
                Value::from(DURATIONS[choice % DURATIONS.len()])
            }
            Value::String(text) if text.ends_with("/s") => Value::from(RATES[choice % RATES.len()]),
            Value::String(text) if text.parse::<ByteSize>().is_ok() => {
                Value::from(SIZES[choice % SIZES.len()])
            }
            other => other.clone(),
        };
        *leaf = replacement;
    }
    let Ok(text) = serde_json::to_string(&value) else {
        return;
    };
    let Ok(scenario) = Scenario::from_json(&text, "mutated.json") else {
        return;
    };
    spillway_fuzz::run_within_budget(scenario, 5_000);
});
