//! A metric over replications: its mean and 95% confidence interval (Student t).

use serde::{Deserialize, Serialize};

/// The mean of independent replications and the half-width of its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over the replications.
    pub mean: f64,
    /// Half-width of the 95% confidence interval (Student t); `None` for one replication.
    pub ci95: Option<f64>,
}

impl Estimate {
    /// From replication results, in the order they were run (the order fixes the bits).
    pub fn from_samples(samples: &[f64]) -> Estimate {
        let n = samples.len();
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                ci95: None,
            };
        }
        let mean = samples.iter().sum::<f64>() / n as f64;
        let ci95 = (n >= 2).then(|| {
            if samples.iter().all(|&x| x == samples[0]) {
                return 0.0;
            }
            let variance =
                samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            student_t_975(n - 1) * libm::sqrt(variance / n as f64)
        });
        Estimate { mean, ci95 }
    }

    /// The interval's lower end (the mean for one replication).
    pub fn low(&self) -> f64 {
        self.mean - self.ci95.unwrap_or(0.0)
    }

    /// The interval's upper end (the mean for one replication).
    pub fn high(&self) -> f64 {
        self.mean + self.ci95.unwrap_or(0.0)
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95%): exact
/// table values to three decimals for df ≤ 30, then interpolation in 1/df to the normal 1.960.
pub fn student_t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    // Beyond the table: the values at 40, 60, 120 and ∞, linear in 1/df between them.
    const TAIL: [(f64, f64); 4] = [(30.0, 2.042), (40.0, 2.021), (60.0, 2.000), (120.0, 1.980)];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            let x = 1.0 / df as f64;
            for pair in TAIL.windows(2) {
                let ((d0, t0), (d1, t1)) = (pair[0], pair[1]);
                if df as f64 <= d1 {
                    let (x0, x1) = (1.0 / d0, 1.0 / d1);
                    return t1 + (t0 - t1) * (x - x1) / (x0 - x1);
                }
            }
            1.960 + (1.980 - 1.960) * x * 120.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_follows_student_t() {
        let e = Estimate::from_samples(&[1.0, 2.0, 3.0]);
        assert_eq!(e.mean, 2.0);
        // s = 1, n = 3: 4.303 / √3.
        assert!((e.ci95.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(Estimate::from_samples(&[5.0]).ci95, None);
        assert_eq!(Estimate::from_samples(&[0.0, 0.0]).ci95, Some(0.0));
        assert!((student_t_975(40) - 2.021).abs() < 1e-9);
        assert!(student_t_975(50) < 2.021 && student_t_975(50) > 2.000);
        assert!((student_t_975(1_000_000) - 1.960).abs() < 1e-3);
        assert!(student_t_975(31) < 2.042 && student_t_975(31) > 2.021);
    }
}
