//! Scripted incidents: each fault starts at `at` and, if it has one, ends at `until`. The
//! effects of all active faults combine: traffic and slow-down multiply, error rates take the
//! largest, poison shares add up.

use crate::model::context::Context;
use crate::model::event::Event;
use crate::model::system::System;
use crate::scenario::{FaultKind, FaultSpec};

impl System {
    /// Fault `index` starts or ends at `now`.
    pub(crate) fn fault_changes(&mut self, index: u16, starting: bool, cx: &mut Context) {
        // A crash is an instant, not a window: it is never "active" (the chart's fault band).
        self.active_faults[usize::from(index)] = starting
            && !matches!(
                self.faults[usize::from(index)],
                FaultSpec::ConsumerCrash { .. }
            );
        let fault = &self.faults[usize::from(index)];
        if let FaultSpec::ConsumerCrash {
            count,
            restart_after,
            ..
        } = *fault
        {
            if starting {
                for consumer in self.consumers.newest_active(count) {
                    cx.metrics.counts.consumer_crashes += 1;
                    let restart = self.consumer_down(consumer, cx);
                    if let Some(delay) = restart_after.filter(|_| restart) {
                        cx.schedule_in(delay.sim(), Event::ConsumerUp { consumer });
                    }
                }
                self.pull(cx);
            }
            return;
        }
        let active = || {
            self.faults
                .iter()
                .zip(&self.active_faults)
                .filter(|(_, on)| **on)
                .map(|(f, _)| f)
        };
        let any = |kind: FaultKind| active().any(|f| f.kind() == kind);
        let traffic = active()
            .filter_map(|f| match *f {
                FaultSpec::Traffic { multiplier, .. } => Some(multiplier),
                _ => None,
            })
            .product::<f64>();
        let slow = active()
            .filter_map(|f| match *f {
                FaultSpec::DownstreamSlow { multiplier, .. } => Some(multiplier),
                _ => None,
            })
            .product::<f64>();
        let errors = active()
            .filter_map(|f| match *f {
                FaultSpec::DownstreamErrors { probability, .. } => Some(probability),
                _ => None,
            })
            .fold(0.0, f64::max);
        let poison = active()
            .filter_map(|f| match *f {
                FaultSpec::Poison { share, .. } => Some(share),
                _ => None,
            })
            .sum::<f64>()
            .min(1.0);
        let (read_only, down) = (
            any(FaultKind::DownstreamReadOnly),
            any(FaultKind::DownstreamDown),
        );

        self.fault_poison_share = poison;
        if let Some(downstream) = &mut self.downstream {
            downstream.slow_multiplier = slow;
            downstream.fault_error_probability = errors;
            downstream.read_only = read_only;
            downstream.down = down;
        }
        if self.faults[usize::from(index)].kind() == FaultKind::Traffic {
            self.fault_traffic_multiplier = traffic;
            self.retime_arrivals(cx);
        }
    }

    /// Applies the current traffic multipliers (faults × operator) to every producer.
    /// Poisson arrivals are memoryless, so redrawing the next arrival at the new rate from
    /// now is exact; the arrival already scheduled becomes stale.
    pub(crate) fn retime_arrivals(&mut self, cx: &mut Context) {
        let multiplier = self.fault_traffic_multiplier * self.operator_traffic_multiplier;
        for (producer_index, producer) in self.producers.iter_mut().enumerate() {
            producer.set_live_multiplier(multiplier);
            if let Some(next) = producer.next_arrival(cx.now) {
                let generation = producer.generation;
                cx.events.schedule(
                    next,
                    Event::Arrival {
                        producer: producer_index as u16,
                        generation,
                    },
                );
            }
        }
    }
}
