//! Closed forms from queueing theory, used by the capacity planner and to validate the
//! simulator. Rates are per second, times in seconds. Unstable systems (ρ ≥ 1) give +∞.

/// Little's law: mean number in a system = arrival rate × mean time in it.
pub fn littles_law_number(arrival_rate: f64, mean_time: f64) -> f64 {
    arrival_rate * mean_time
}

/// M/M/1 mean wait in queue: ρ / (μ − λ).
pub fn mm1_mean_wait(arrival_rate: f64, service_rate: f64) -> f64 {
    let rho = arrival_rate / service_rate;
    if rho >= 1.0 {
        f64::INFINITY
    } else {
        rho / (service_rate - arrival_rate)
    }
}

/// Erlang B: probability that all `servers` are busy in M/M/c/c with offered load `a = λ/μ`.
pub fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    (1..=servers).fold(1.0, |blocking, k| {
        offered_load * blocking / (f64::from(k) + offered_load * blocking)
    })
}

/// Erlang C: probability that an arrival waits in M/M/c with offered load `a = λ/μ` (< c).
pub fn erlang_c(servers: u32, offered_load: f64) -> f64 {
    let c = f64::from(servers);
    if offered_load >= c {
        return 1.0;
    }
    let b = erlang_b(servers, offered_load);
    c * b / (c - offered_load * (1.0 - b))
}

/// M/M/c mean wait in queue: C(c, a) / (cμ − λ).
pub fn mmc_mean_wait(arrival_rate: f64, service_rate: f64, servers: u32) -> f64 {
    let capacity = f64::from(servers) * service_rate;
    if arrival_rate >= capacity {
        return f64::INFINITY;
    }
    erlang_c(servers, arrival_rate / service_rate) / (capacity - arrival_rate)
}

/// Stationary distribution of M/M/1/K (`system_capacity` = K, counting the one in service).
fn mm1k_distribution(arrival_rate: f64, service_rate: f64, system_capacity: u32) -> Vec<f64> {
    let rho = arrival_rate / service_rate;
    let weights: Vec<f64> = (0..=system_capacity)
        .map(|n| libm::pow(rho, f64::from(n)))
        .collect();
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}

/// M/M/1/K blocking probability: the chance an arrival finds K in the system.
pub fn mm1k_blocking(arrival_rate: f64, service_rate: f64, system_capacity: u32) -> f64 {
    *mm1k_distribution(arrival_rate, service_rate, system_capacity)
        .last()
        .expect("K + 1 states")
}

/// M/M/1/K mean wait in queue of accepted arrivals.
pub fn mm1k_mean_wait(arrival_rate: f64, service_rate: f64, system_capacity: u32) -> f64 {
    let p = mm1k_distribution(arrival_rate, service_rate, system_capacity);
    let queue_length: f64 = p
        .iter()
        .enumerate()
        .skip(1)
        .map(|(n, pn)| (n - 1) as f64 * pn)
        .sum();
    let accepted_rate = arrival_rate * (1.0 - p[p.len() - 1]);
    queue_length / accepted_rate
}

/// Pollaczek–Khinchine: M/G/1 mean wait = λ·E[S²] / (2(1 − ρ)).
pub fn mg1_mean_wait(arrival_rate: f64, mean_service: f64, service_second_moment: f64) -> f64 {
    let rho = arrival_rate * mean_service;
    if rho >= 1.0 {
        f64::INFINITY
    } else {
        arrival_rate * service_second_moment / (2.0 * (1.0 - rho))
    }
}

/// M/D/1 mean wait (P–K with constant service): ρ / (2μ(1 − ρ)).
pub fn md1_mean_wait(arrival_rate: f64, service_rate: f64) -> f64 {
    let mean = 1.0 / service_rate;
    mg1_mean_wait(arrival_rate, mean, mean * mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn textbook_values() {
        // M/M/1 with λ = 0.9, μ = 1: Wq = 9.
        assert!(close(mm1_mean_wait(0.9, 1.0), 9.0));
        // Erlang B(2, 1) = 0.2; Erlang C(2, 1) = 1/3.
        assert!(close(erlang_b(2, 1.0), 0.2));
        assert!(close(erlang_c(2, 1.0), 1.0 / 3.0));
        // M/M/c with c = 1 is M/M/1.
        assert!(close(mmc_mean_wait(0.5, 1.0, 1), mm1_mean_wait(0.5, 1.0)));
        // M/D/1 waits half as long as M/M/1.
        assert!(close(
            md1_mean_wait(0.5, 1.0),
            mm1_mean_wait(0.5, 1.0) / 2.0
        ));
        // M/M/1/K with ρ = 1: uniform over K + 1 states.
        assert!(close(mm1k_blocking(1.0, 1.0, 4), 0.2));
        // M/M/1/K tends to M/M/1 as K grows.
        assert!((mm1k_mean_wait(0.5, 1.0, 200) - mm1_mean_wait(0.5, 1.0)).abs() < 1e-9);
        assert!(close(littles_law_number(4.0, 0.5), 2.0));
        assert_eq!(mm1_mean_wait(1.0, 1.0), f64::INFINITY);
    }
}
