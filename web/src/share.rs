//! Share links and saved state: the scenario text and the live changes of a run, as JSON,
//! deflated and base64url-encoded into the URL fragment (`#run=…`), which never reaches a
//! server. Local storage keeps the same payload so a reload loses nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::session::KnobChange;
use spillway_core::{ChangeEntry, SortedChanges};

/// The URL fragment key.
pub const FRAGMENT_KEY: &str = "run=";
/// Largest decompressed payload accepted from a link (a scenario is a few KB; the CLI reads
/// scenario files of at most the same size). Inflating stops there: a small link that
/// decompresses to gigabytes (a decompression bomb) costs 1 MiB, not the tab.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;
/// Longest run data accepted from a link or local storage, in characters (a preset's link
/// is under 2,000).
pub const MAX_LINK_CHARS: usize = 1 << 20;

/// Everything needed to reproduce a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SharedRun {
    /// Format version.
    pub v: u32,
    /// The scenario as TOML, exactly as the editor holds it (seed included).
    pub scenario: String,
    /// Live changes with their simulated times.
    #[serde(default)]
    pub changes: Vec<KnobChange>,
    /// Where each of `changes` was in the link's list, and the entries of that list this
    /// build could not read (a knob from a newer build): reported as skipped, never fatal.
    #[serde(skip)]
    pub unread: SortedChanges,
}

/// Two shared runs are equal when they replay the same run: what a link held but this build
/// could not read is a note for the reader, not part of the run.
impl PartialEq for SharedRun {
    fn eq(&self, other: &Self) -> bool {
        (self.v, &self.scenario, &self.changes) == (other.v, &other.scenario, &other.changes)
    }
}

/// The payload as read: changes this build may not understand are kept apart.
#[derive(Deserialize)]
struct SharedRunIn {
    v: u32,
    scenario: String,
    #[serde(default)]
    changes: Vec<ChangeEntry>,
}

impl SharedRun {
    /// A payload of the current format.
    pub fn new(scenario: String, changes: Vec<KnobChange>) -> Self {
        SharedRun {
            v: 1,
            scenario,
            changes,
            unread: SortedChanges::default(),
        }
    }

    /// Compact text for a URL fragment or local storage.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("a shared run always serialises");
        URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&json, 9))
    }

    /// Reads [`encode`](Self::encode)'s output, saying what is wrong with a damaged link.
    pub fn decode(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() > MAX_LINK_CHARS {
            return Err(format!(
                "the link's run data is too large (over {} MiB)",
                MAX_LINK_CHARS >> 20
            ));
        }
        let compressed = URL_SAFE_NO_PAD.decode(text).map_err(|e| {
            format!("the link's run data is not valid base64url ({e}); was it cut short?")
        })?;
        let json =
            miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_PAYLOAD_BYTES)
                .map_err(|error| match error.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => format!(
                        "the link's run data is too large (it decompresses to over {} MiB)",
                        MAX_PAYLOAD_BYTES >> 20
                    ),
                    _ => {
                        "the link's run data is damaged (it does not decompress); was it cut short?"
                            .to_string()
                    }
                })?;
        let run: SharedRunIn = serde_json::from_slice(&json)
            .map_err(|e| format!("the link's run data is not a Spillway run: {e}"))?;
        if run.v != 1 {
            return Err(format!(
                "the link was made by a newer Spillway (format {}); this one reads format 1",
                run.v
            ));
        }
        let mut unread = ChangeEntry::sort(run.changes);
        Ok(SharedRun {
            v: run.v,
            scenario: run.scenario,
            changes: std::mem::take(&mut unread.known),
            unread,
        })
    }

    /// The payload in a URL fragment such as `#run=…`, if there is one.
    pub fn from_fragment(fragment: &str) -> Option<Result<Self, String>> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        fragment
            .split('&')
            .find_map(|part| part.strip_prefix(FRAGMENT_KEY))
            .map(SharedRun::decode)
    }

    /// The fragment for this run, including `#`.
    pub fn to_fragment(&self) -> String {
        format!("#{FRAGMENT_KEY}{}", self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillway_core::{Intervention, PRESETS};

    #[test]
    fn every_preset_round_trips_through_a_fragment() {
        for preset in PRESETS {
            let run = SharedRun::new(
                preset.toml.to_string(),
                vec![KnobChange {
                    at_nanos: 123_456_789_012,
                    change: Intervention::RateMultiplier(1.25),
                }],
            );
            let fragment = run.to_fragment();
            assert!(
                fragment.len() < 2_000,
                "{}: {} chars",
                preset.name,
                fragment.len()
            );
            let back = SharedRun::from_fragment(&fragment).unwrap().unwrap();
            assert_eq!((back.scenario, back.changes), (run.scenario, run.changes));
            assert!(back.unread.not_understood.is_empty());
        }
    }

    #[test]
    fn a_knob_this_build_does_not_know_is_listed_not_fatal() {
        // A link from a newer build (or hand-edited) with a knob this one lacks.
        let json = br#"{"v":1,"scenario":"name = 'x'","changes":[
            {"at_nanos":1000000000,"change":{"knob":"consumers","value":8}},
            {"at_nanos":2000000000,"change":{"knob":"disk_free_limit","value":48}},
            {"at_nanos":3000000000,"change":{"knob":"rate_multiplier","value":2.0}}]}"#;
        let link = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(json, 9));
        let run = SharedRun::decode(&link).expect("the link opens");
        assert_eq!(run.changes.len(), 2);
        assert_eq!(run.unread.places, [0, 2]);
        assert_eq!(run.unread.not_understood.len(), 1);
        let (place, line) = &run.unread.not_understood[0];
        assert_eq!(*place, 1);
        assert!(
            line.contains("change 2 (knob `disk_free_limit` at 2.000 s)"),
            "{line}"
        );
    }

    #[test]
    fn damaged_links_say_what_is_wrong() {
        let good = SharedRun::new("name = \"x\"".into(), vec![]).encode();
        let cut = &good[..good.len() / 2];
        assert!(SharedRun::decode(cut).unwrap_err().contains("cut short"));
        assert!(
            SharedRun::decode("%%%")
                .unwrap_err()
                .contains("not valid base64url")
        );
        let not_a_run = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(b"[1,2]", 9));
        assert!(
            SharedRun::decode(&not_a_run)
                .unwrap_err()
                .contains("not a Spillway run")
        );
        assert_eq!(SharedRun::from_fragment("#other=1"), None);
    }

    #[test]
    fn oversized_links_and_decompression_bombs_say_too_large() {
        // 64 MiB of spaces deflates to about 64 KB; inflating stops at 1 MiB.
        let bomb = vec![b' '; 64 << 20];
        let link = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&bomb, 9));
        assert!(link.len() < MAX_LINK_CHARS, "{}", link.len());
        let problem = SharedRun::decode(&link).unwrap_err();
        assert!(
            problem.contains("too large (it decompresses to over 1 MiB)"),
            "{problem}"
        );
        let long = "A".repeat(MAX_LINK_CHARS + 1);
        let problem = SharedRun::decode(&long).unwrap_err();
        assert!(problem.contains("too large (over 1 MiB)"), "{problem}");
        // Just under the limit still opens.
        let big = SharedRun::new(format!("# {}", "x".repeat(MAX_PAYLOAD_BYTES - 100)), vec![]);
        assert_eq!(SharedRun::decode(&big.encode()), Ok(big));
    }
}
