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

/// M/M/c probability that a wait exceeds `t` seconds: C(c, a)·e^(−(cμ − λ)t).
pub fn mmc_wait_exceeds(arrival_rate: f64, service_rate: f64, servers: u32, t: f64) -> f64 {
    let capacity = f64::from(servers) * service_rate;
    if arrival_rate >= capacity {
        return 1.0;
    }
    erlang_c(servers, arrival_rate / service_rate) * libm::exp(-(capacity - arrival_rate) * t)
}

/// M/M/c quantile `q` of the wait in queue (0 when fewer than 1 − q of arrivals wait).
pub fn mmc_wait_quantile(arrival_rate: f64, service_rate: f64, servers: u32, q: f64) -> f64 {
    let capacity = f64::from(servers) * service_rate;
    if arrival_rate >= capacity {
        return f64::INFINITY;
    }
    let waiting = erlang_c(servers, arrival_rate / service_rate);
    if waiting <= 1.0 - q {
        0.0
    } else {
        libm::log(waiting / (1.0 - q)) / (capacity - arrival_rate)
    }
}

/// The stationary distribution of M/M/c/K: `servers` servers and `waiting_room` places, so
/// K = servers + waiting_room; index n is P(n in the system). Computed in a scaled
/// recurrence, stable for thousands of states.
pub fn mmck_distribution(
    arrival_rate: f64,
    service_rate: f64,
    servers: u32,
    waiting_room: u32,
) -> Vec<f64> {
    let a = arrival_rate / service_rate;
    let states = servers as usize + waiting_room as usize + 1;
    let mut weights = Vec::with_capacity(states);
    let mut w = 1.0_f64;
    weights.push(w);
    for n in 1..states {
        let busy = (n as f64).min(f64::from(servers));
        w *= a / busy;
        if w > 1e250 {
            // Rescale so far to keep every weight finite.
            weights.iter_mut().for_each(|x| *x /= w);
            w = 1.0;
        }
        weights.push(w);
    }
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|x| x / total).collect()
}

/// Measures of M/M/c/K: blocking, mean wait of accepted arrivals, the chance an accepted
/// arrival waits, and the wait's quantile `q`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FiniteQueue {
    /// P(an arrival finds the system full) — Erlang B when there is no waiting room.
    pub blocking: f64,
    /// P(an accepted arrival waits).
    pub wait_probability: f64,
    /// Mean wait in queue of accepted arrivals, seconds.
    pub mean_wait: f64,
    /// Quantile `q` of the wait of accepted arrivals, seconds.
    pub wait_quantile: f64,
}

/// M/M/c/K with `waiting_room` places: exact, from the stationary distribution (an
/// accepted arrival that finds n ≥ c waits an Erlang(n − c + 1, cμ) time).
pub fn mmck(
    arrival_rate: f64,
    service_rate: f64,
    servers: u32,
    waiting_room: u32,
    q: f64,
) -> FiniteQueue {
    let p = mmck_distribution(arrival_rate, service_rate, servers, waiting_room);
    let c = servers as usize;
    let blocking = p[p.len() - 1];
    let accepted = 1.0 - blocking;
    let cmu = f64::from(servers) * service_rate;
    // Arrivals that find n in the system (n < K) are accepted; they see p[n] / (1 − p[K]);
    // finding n ≥ c, they wait for j = n − c + 1 departures. stage[j − 1] = P(wait j stages).
    let stage: Vec<f64> = (c..p.len() - 1).map(|n| p[n] / accepted).collect();
    let wait_probability = stage.iter().sum::<f64>().max(0.0);
    let mean_wait: f64 = stage
        .iter()
        .enumerate()
        .map(|(i, w)| w * (i + 1) as f64 / cmu)
        .sum();
    // P(W > t) = Σ_j w_j · P(Poisson(cμt) ≤ j − 1) = Σ_i P(Poisson = i) · Σ_{j > i} w_j.
    let mut tail = vec![0.0; stage.len() + 1];
    for i in (0..stage.len()).rev() {
        tail[i] = tail[i + 1] + stage[i];
    }
    let exceeds = |t: f64| -> f64 { poisson_weighted(cmu * t, &tail) };
    let wait_quantile = if wait_probability <= 1.0 - q {
        0.0
    } else {
        let mut high = mean_wait.max(1.0 / cmu);
        while exceeds(high) > 1.0 - q {
            high *= 2.0;
        }
        let mut low = 0.0;
        for _ in 0..60 {
            let mid = 0.5 * (low + high);
            if exceeds(mid) > 1.0 - q {
                low = mid;
            } else {
                high = mid;
            }
        }
        high
    };
    FiniteQueue {
        blocking,
        wait_probability,
        mean_wait,
        wait_quantile,
    }
}

/// Σ_i P(Poisson(x) = i) · weights[i], summed where the Poisson mass is (x ± 40√x + 40),
/// each term in log space so that no factor under- or overflows.
fn poisson_weighted(x: f64, weights: &[f64]) -> f64 {
    if x <= 0.0 {
        return weights.first().copied().unwrap_or(0.0);
    }
    let spread = 40.0 * libm::sqrt(x) + 40.0;
    let low = libm::floor((x - spread).max(0.0)) as usize;
    let high = (libm::ceil(x + spread) as usize).min(weights.len().saturating_sub(1));
    let log_x = libm::log(x);
    (low..=high)
        .map(|i| libm::exp(-x + i as f64 * log_x - libm::lgamma(i as f64 + 1.0)) * weights[i])
        .sum::<f64>()
        .min(1.0)
}

/// Allen–Cunneen: the G/G/c mean wait ≈ the M/M/c wait × (c_a² + c_s²) / 2, where c² are the
/// squared coefficients of variation of inter-arrival and service times.
pub fn allen_cunneen_mean_wait(
    arrival_rate: f64,
    service_rate: f64,
    servers: u32,
    arrival_scv: f64,
    service_scv: f64,
) -> f64 {
    mmc_mean_wait(arrival_rate, service_rate, servers) * (arrival_scv + service_scv) / 2.0
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

    #[test]
    fn the_planners_textbook_values() {
        // A call centre: λ = 0.2/s, mean service 240 s, 55 agents: P(wait) 0.2387, Wq 8.18 s.
        let (lambda, mu) = (0.2, 1.0 / 240.0);
        assert!((erlang_c(55, lambda / mu) - 0.2387).abs() < 5e-5);
        assert!((mmc_mean_wait(lambda, mu, 55) - 8.18).abs() < 5e-3);
        // Erlang B: 25 Erlangs on 30 servers block 5.26%.
        assert!((erlang_b(30, 25.0) - 0.0526).abs() < 5e-5);
        // M/M/c/K with no waiting room is Erlang B; with a large one it is M/M/c.
        assert!(close(
            mmck(25.0, 1.0, 30, 0, 0.99).blocking,
            erlang_b(30, 25.0)
        ));
        let big = mmck(0.2, mu, 55, 5_000, 0.99);
        assert!((big.mean_wait - mmc_mean_wait(lambda, mu, 55)).abs() < 1e-9);
        assert!((big.wait_probability - erlang_c(55, lambda / mu)).abs() < 1e-9);
        let p99 = mmc_wait_quantile(lambda, mu, 55, 0.99);
        assert!((big.wait_quantile - p99).abs() < 1e-6 * p99);
        // The tail formula inverts the quantile.
        assert!((mmc_wait_exceeds(lambda, mu, 55, p99) - 0.01).abs() < 1e-12);
        // Under overload with a large waiting room, the p99 wait is above the mean (a test
        // for terms that underflow when computed naively).
        let full = mmck(50.0, 1.0 / 0.06, 1, 1_000, 0.99);
        assert!(full.wait_quantile > full.mean_wait && full.mean_wait > 59.0);
        // M/M/c/K matches M/M/1/K for one server.
        assert!(close(
            mmck(0.9, 1.0, 1, 3, 0.99).blocking,
            mm1k_blocking(0.9, 1.0, 4)
        ));
        assert!(close(
            mmck(0.9, 1.0, 1, 3, 0.99).mean_wait,
            mm1k_mean_wait(0.9, 1.0, 4)
        ));
        // Thousands of servers stay finite.
        let huge = mmck(9_000.0, 1.0, 10_000, 10_000, 0.99);
        assert!(huge.blocking.is_finite() && huge.mean_wait.is_finite());
        // Allen–Cunneen is exact for M/M/c and halves the wait for constant service.
        assert!(close(
            allen_cunneen_mean_wait(0.5, 1.0, 1, 1.0, 1.0),
            mm1_mean_wait(0.5, 1.0)
        ));
        assert!(close(
            allen_cunneen_mean_wait(0.5, 1.0, 1, 1.0, 0.0),
            md1_mean_wait(0.5, 1.0)
        ));
    }
}
