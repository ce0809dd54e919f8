//! The numbers that matter, as cards: lag, latency, losses and whether every message is
//! accounted for. Each card's `data-raw` carries the exact number behind it, for scripts.

use std::rc::Rc;

use spillway_core::Summary;
use yew::prelude::*;

use crate::charts::{format_count, format_seconds};

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
    raw: f64,
}

fn card(card: Card) -> Html {
    html! {
        <div class={classes!("card", card.alarm.then_some("alarm"))} data-testid={card.id} data-raw={card.raw.to_string()}>
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
            raw: s.lag.max_seconds,
        },
        Card {
            id: "lag-now",
            label: "Lag now",
            value: format_seconds(s.lag.final_seconds),
            detail: format!("{} msgs waiting", count(s.lag.final_messages)),
            alarm: s.lag.final_seconds > s.lag.alert_seconds,
            raw: s.lag.final_messages as f64,
        },
        Card {
            id: "p99",
            label: "p99 latency",
            value: if s.latency.count == 0 {
                "—".into()
            } else {
                format_seconds(s.latency.p99)
            },
            detail: format!("p50 {}", format_seconds(s.latency.p50)),
            alarm: false,
            raw: s.latency.p99,
        },
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
            raw: f64::from(u8::from(s.conservation.holds)),
        },
    ];
    html! {
        <section class="cards" aria-label="Summary">
            { for cards.into_iter().map(card) }
        </section>
    }
}
