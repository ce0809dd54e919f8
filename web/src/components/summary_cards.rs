//! The numbers that matter, as cards: lag, latency, losses and whether every message is
//! accounted for.

use std::rc::Rc;

use spillway_core::Summary;
use yew::prelude::*;

use crate::charts::{format_count, format_seconds};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub summary: Rc<Summary>,
}

#[function_component(SummaryCards)]
pub fn summary_cards(props: &Props) -> Html {
    let s = &props.summary;
    let over_alert = s.lag.max_seconds > s.lag.alert_seconds;
    let card =
        |id: &'static str, label: &'static str, value: String, detail: String, alarm: bool| {
            html! {
                <div class={classes!("card", alarm.then_some("alarm"))} data-testid={id}>
                    <div class="card-label">{label}</div>
                    <div class="card-value" data-testid={format!("{id}-value")}>{value}</div>
                    <div class="card-detail">{detail}</div>
                </div>
            }
        };
    let latency = if s.latency.count == 0 {
        "—".to_string()
    } else {
        format_seconds(s.latency.p99)
    };
    html! {
        <section class="cards" aria-label="Summary" aria-live="off">
            { card("max-lag", "Max lag", format_seconds(s.lag.max_seconds),
                format!("{} msgs · alert {}", format_count(s.lag.max_messages as f64), format_seconds(s.lag.alert_seconds)), over_alert) }
            { card("lag-now", "Lag now", format_seconds(s.lag.final_seconds),
                format!("{} msgs waiting", format_count(s.lag.final_messages as f64)), s.lag.final_seconds > s.lag.alert_seconds) }
            { card("p99", "p99 latency", latency, format!("p50 {}", format_seconds(s.latency.p50)), false) }
            { card("throughput", "Throughput", format!("{}/s", format_count(s.throughput.out_per_second)),
                format!("in {}/s · load {:.0}%", format_count(s.throughput.in_per_second), s.capacity.offered_load * 100.0), false) }
            { card("losses", "Lost", format_count(s.lost as f64),
                format!("{} rejected · {} dropped · {} failed", format_count(s.counts.rejected as f64),
                    format_count(s.counts.dropped as f64), format_count(s.counts.failed as f64)), s.lost > 0) }
            { card("conservation", "Conservation",
                if s.conservation.holds { "✓ holds".into() } else { "✗ broken".into() },
                format!("{} of {} accounted", format_count(s.conservation.accounted as f64), format_count(s.conservation.produced as f64)),
                !s.conservation.holds) }
        </section>
    }
}
