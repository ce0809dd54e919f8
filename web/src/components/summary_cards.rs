//! The numbers that matter, as cards: lag, latency, losses and whether every message is
//! accounted for. Each card's `data-raw` carries the exact number behind it, for scripts.

use std::rc::Rc;

use spillway_core::Summary;
use yew::prelude::*;

use spillway_charts::format::{format_count, format_seconds};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub summary: Rc<Summary>,
}

struct Card {
    id: &'static str,
    label: &'static str,
    value: String,
    detail: String,
    alarm: bool,
    /// Not an alarm, but not to be read at face value (percentiles of a few messages).
    caution: bool,
    /// The whole story, for a hover (the detail line is short).
    title: Option<String>,
    raw: f64,
}

fn card(card: Card) -> Html {
    html! {
        <div class={classes!("card", card.alarm.then_some("alarm"), card.caution.then_some("caution"))}
            data-testid={card.id} data-raw={card.raw.to_string()} title={card.title}>
            <div class="card-label">{card.label}</div>
            <div class="card-value" data-testid={format!("{}-value", card.id)}>{card.value}</div>
            <div class="card-detail">{card.detail}</div>
        </div>
    }
}

#[function_component(SummaryCards)]
pub fn summary_cards(props: &Props) -> Html {
    let s = &props.summary;
    let count = |n: u64| format_count(n as f64);
    let cards = [
        Card {
            id: "max-lag",
            label: "Max lag",
            value: format_seconds(s.lag.max_seconds),
            detail: format!(
                "{} msgs · alert {}",
                count(s.lag.max_messages),
                format_seconds(s.lag.alert_seconds)
            ),
            alarm: s.lag.max_seconds > s.lag.alert_seconds,
            caution: false,
            title: None,
            raw: s.lag.max_seconds,
        },
        Card {
            id: "lag-now",
            label: "Lag now",
            value: format_seconds(s.lag.final_seconds),
            detail: format!("{} msgs waiting", count(s.lag.final_messages)),
            alarm: s.lag.final_seconds > s.lag.alert_seconds,
            caution: false,
            title: None,
            raw: s.lag.final_messages as f64,
        },
        latency_card(s),
        Card {
            id: "throughput",
            label: "Throughput",
            value: format!("{}/s", format_count(s.throughput.out_per_second)),
            detail: format!(
                "in {}/s · load {:.0}%",
                format_count(s.throughput.in_per_second),
                s.capacity.offered_load * 100.0
            ),
            alarm: false,
            caution: false,
            title: None,
            raw: s.throughput.out_per_second,
        },
        Card {
            id: "lost",
            label: "Lost",
            value: count(s.lost),
            detail: format!(
                "{} rejected · {} dropped · {} failed",
                count(s.counts.rejected),
                count(s.counts.dropped),
                count(s.counts.failed)
            ),
            alarm: s.lost > 0,
            caution: false,
            title: None,
            raw: s.lost as f64,
        },
        Card {
            id: "conservation",
            label: "Conservation",
            value: if s.conservation.holds {
                "✓ holds".into()
            } else {
                "✗ broken".into()
            },
            detail: format!(
                "{} of {} accounted",
                count(s.conservation.accounted),
                count(s.conservation.produced)
            ),
            alarm: !s.conservation.holds,
            caution: false,
            title: None,
            raw: f64::from(u8::from(s.conservation.holds)),
        },
    ];
    html! {
        <section class="cards" aria-label="Summary">
            { for cards.into_iter().map(card) }
        </section>
    }
}

/// Percentiles of fewer than this many messages are flagged as thin.
const FEW_MESSAGES: u64 = 100;

/// Whether the latency percentiles describe too few of the messages to be read at face
/// value: under [`FEW_MESSAGES`] completed, or under half of those produced (in a retry
/// storm the few that complete are the lucky fast ones; the rest are still waiting).
pub fn thin_percentiles(completed: u64, produced: u64) -> bool {
    produced > 0 && (completed < FEW_MESSAGES || completed * 2 < produced)
}

fn latency_card(s: &Summary) -> Card {
    let completed = s.latency.count;
    let produced = s.counts.produced;
    let count = |n: u64| format_count(n as f64);
    let value = if completed == 0 {
        "—".into()
    } else {
        format_seconds(s.latency.p99)
    };
    if !thin_percentiles(completed, produced) {
        return Card {
            id: "p99",
            label: "p99 latency",
            value,
            detail: format!("p50 {}", format_seconds(s.latency.p50)),
            alarm: false,
            caution: false,
            title: None,
            raw: s.latency.p99,
        };
    }
    Card {
        id: "p99",
        label: "p99 latency",
        value,
        detail: format!("{} of {} done", count(completed), count(produced)),
        alarm: false,
        caution: true,
        title: Some(format!(
            "p99 of {completed} completed of {produced} produced ({:.0}%); p50 {}. \
             The rest are still waiting or failed: their latency is not in these percentiles.",
            completed as f64 * 100.0 / produced as f64,
            format_seconds(s.latency.p50),
        )),
        raw: s.latency.p99,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_few_messages_are_flagged() {
        assert!(
            !thin_percentiles(0, 0),
            "nothing produced yet: nothing to flag"
        );
        assert!(thin_percentiles(40, 50), "fewer than a hundred completed");
        assert!(thin_percentiles(5_900, 23_900), "a quarter completed");
        assert!(!thin_percentiles(23_000, 23_900));
        assert!(!thin_percentiles(150, 290));
    }

    #[test]
    fn the_retry_storm_latency_card_says_how_few_it_covers() {
        let scenario = spillway_core::Preset::find("retry-storm")
            .unwrap()
            .scenario()
            .unwrap();
        let mut simulation = spillway_core::Simulation::new(&scenario).expect("a valid scenario");
        simulation.run();
        let summary = simulation.summary();
        let card = latency_card(&summary);
        assert!(card.caution, "{}", card.detail);
        assert!(card.detail.ends_with(" done"), "{}", card.detail);
        let title = card.title.unwrap();
        assert!(title.starts_with(&format!(
            "p99 of {} completed of {} produced",
            summary.latency.count, summary.counts.produced
        )));
        let steady = spillway_core::Preset::find("steady")
            .unwrap()
            .scenario()
            .unwrap();
        let mut simulation = spillway_core::Simulation::new(&steady).expect("a valid scenario");
        simulation.run();
        assert!(!latency_card(&simulation.summary()).caution);
    }
}
