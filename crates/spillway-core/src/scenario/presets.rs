//! Scenarios shipped with Spillway, embedded so the CLI and the browser offer the same set.

use crate::scenario::{Scenario, ScenarioErrors};

/// A named, embedded scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Name used with `--preset`.
    pub name: &'static str,
    /// The TOML text.
    pub toml: &'static str,
}

/// The preset `spillway run` uses when given nothing.
pub const DEFAULT_PRESET: &str = "steady";

/// Every preset, in the order they are listed.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "steady",
        toml: include_str!("../../presets/steady.toml"),
    },
    Preset {
        name: "sustained-overload",
        toml: include_str!("../../presets/sustained-overload.toml"),
    },
    Preset {
        name: "spike-absorbed",
        toml: include_str!("../../presets/spike-absorbed.toml"),
    },
    Preset {
        name: "backpressure-retry-storm",
        toml: include_str!("../../presets/backpressure-retry-storm.toml"),
    },
    Preset {
        name: "priority-shedding",
        toml: include_str!("../../presets/priority-shedding.toml"),
    },
    Preset {
        name: "poison-messages",
        toml: include_str!("../../presets/poison-messages.toml"),
    },
    Preset {
        name: "retry-storm",
        toml: include_str!("../../presets/retry-storm.toml"),
    },
    Preset {
        name: "retry-storm-fixed",
        toml: include_str!("../../presets/retry-storm-fixed.toml"),
    },
    Preset {
        name: "death-spiral",
        toml: include_str!("../../presets/death-spiral.toml"),
    },
    Preset {
        name: "breaker-saves-the-day",
        toml: include_str!("../../presets/breaker-saves-the-day.toml"),
    },
    Preset {
        name: "shed-the-analytics",
        toml: include_str!("../../presets/shed-the-analytics.toml"),
    },
    Preset {
        name: "autoscale-on-lag",
        toml: include_str!("../../presets/autoscale-on-lag.toml"),
    },
    Preset {
        name: "monday-morning-checklist",
        toml: include_str!("../../presets/monday-morning-checklist.toml"),
    },
    Preset {
        name: "sqs-visibility-trap",
        toml: include_str!("../../presets/sqs-visibility-trap.toml"),
    },
    Preset {
        name: "sqs-trap-fixed",
        toml: include_str!("../../presets/sqs-trap-fixed.toml"),
    },
    Preset {
        name: "sqs-fix-visibility",
        toml: include_str!("../../presets/sqs-fix-visibility.toml"),
    },
    Preset {
        name: "sqs-fix-fewer-receives",
        toml: include_str!("../../presets/sqs-fix-fewer-receives.toml"),
    },
    Preset {
        name: "sqs-fix-heartbeat",
        toml: include_str!("../../presets/sqs-fix-heartbeat.toml"),
    },
    Preset {
        name: "sqs-fix-backoff-dlq",
        toml: include_str!("../../presets/sqs-fix-backoff-dlq.toml"),
    },
    Preset {
        name: "sqs-fifo-stalled-group",
        toml: include_str!("../../presets/sqs-fifo-stalled-group.toml"),
    },
    Preset {
        name: "kafka-poison-record",
        toml: include_str!("../../presets/kafka-poison-record.toml"),
    },
    Preset {
        name: "kafka-poison-record-fixed",
        toml: include_str!("../../presets/kafka-poison-record-fixed.toml"),
    },
    Preset {
        name: "kafka-hot-key",
        toml: include_str!("../../presets/kafka-hot-key.toml"),
    },
    Preset {
        name: "kafka-hot-key-fixed",
        toml: include_str!("../../presets/kafka-hot-key-fixed.toml"),
    },
    Preset {
        name: "kafka-rebalance-storm",
        toml: include_str!("../../presets/kafka-rebalance-storm.toml"),
    },
    Preset {
        name: "kafka-rebalance-storm-fixed",
        toml: include_str!("../../presets/kafka-rebalance-storm-fixed.toml"),
    },
    Preset {
        name: "kafka-max-poll-eviction",
        toml: include_str!("../../presets/kafka-max-poll-eviction.toml"),
    },
    Preset {
        name: "kafka-max-poll-eviction-fixed",
        toml: include_str!("../../presets/kafka-max-poll-eviction-fixed.toml"),
    },
    Preset {
        name: "rabbitmq-memory-alarm",
        toml: include_str!("../../presets/rabbitmq-memory-alarm.toml"),
    },
    Preset {
        name: "rabbitmq-memory-alarm-fixed",
        toml: include_str!("../../presets/rabbitmq-memory-alarm-fixed.toml"),
    },
    Preset {
        name: "rabbitmq-paging-collapse",
        toml: include_str!("../../presets/rabbitmq-paging-collapse.toml"),
    },
    Preset {
        name: "rabbitmq-paging-collapse-fixed",
        toml: include_str!("../../presets/rabbitmq-paging-collapse-fixed.toml"),
    },
    Preset {
        name: "rabbitmq-prefetch-hoarding",
        toml: include_str!("../../presets/rabbitmq-prefetch-hoarding.toml"),
    },
    Preset {
        name: "rabbitmq-prefetch-hoarding-fixed",
        toml: include_str!("../../presets/rabbitmq-prefetch-hoarding-fixed.toml"),
    },
    Preset {
        name: "rabbitmq-disk-alarm",
        toml: include_str!("../../presets/rabbitmq-disk-alarm.toml"),
    },
    Preset {
        name: "rabbitmq-disk-alarm-fixed",
        toml: include_str!("../../presets/rabbitmq-disk-alarm-fixed.toml"),
    },
];

impl Preset {
    /// Looks a preset up by name.
    pub fn find(name: &str) -> Option<Preset> {
        PRESETS.iter().copied().find(|preset| preset.name == name)
    }

    /// The closest preset name, for "did you mean" messages.
    pub fn closest(name: &str) -> Option<&'static str> {
        PRESETS
            .iter()
            .map(|preset| (strsim::jaro_winkler(name, preset.name), preset.name))
            .filter(|(score, _)| *score > 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, name)| name)
    }

    /// The parsed scenario.
    #[inline]
    pub fn scenario(&self) -> Result<Scenario, ScenarioErrors> {
        Scenario::from_toml(self.toml, &format!("preset:{}", self.name))
    }

    /// The one-line description (the scenario's `description`).
    pub fn description(&self) -> String {
        self.scenario().map(|s| s.description).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_is_named_for_its_file() {
        for preset in PRESETS {
            let scenario = preset.scenario().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(scenario.name, preset.name);
            assert!(
                !scenario.description.is_empty(),
                "{} needs a description",
                preset.name
            );
        }
        assert!(Preset::find(DEFAULT_PRESET).is_some());
        assert_eq!(
            Preset::closest("sustained-overlaod"),
            Some("sustained-overload")
        );
    }
}
