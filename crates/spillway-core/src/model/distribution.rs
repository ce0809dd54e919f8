//! Sampling durations (service times) from the distributions a scenario names.

use rand_distr::Distribution as _;
use rand_distr::weighted::WeightedAliasIndex;

use crate::engine::random::RandomStream;
use crate::engine::time::SimDuration;
use crate::scenario::DistributionSpec;

/// A ready-to-sample duration distribution; parameters in seconds.
#[derive(Clone, Debug)]
pub(crate) enum DurationDistribution {
    Constant(SimDuration),
    Exponential {
        mean: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Pareto {
        min: f64,
        shape: f64,
    },
    Empirical {
        values: Vec<SimDuration>,
        picker: Option<WeightedAliasIndex<f64>>,
    },
}

impl DurationDistribution {
    /// Builds from a validated spec.
    pub fn from_spec(spec: &DistributionSpec) -> Self {
        match spec {
            DistributionSpec::Constant { value } => DurationDistribution::Constant(value.sim()),
            DistributionSpec::Exponential { mean } => DurationDistribution::Exponential {
                mean: mean.as_secs_f64(),
            },
            DistributionSpec::Lognormal { mean, stddev } => {
                let (mean, stddev) = (mean.as_secs_f64(), stddev.as_secs_f64());
                let sigma_squared = libm::log(1.0 + (stddev / mean).powi(2));
                DurationDistribution::Lognormal {
                    mu: libm::log(mean) - sigma_squared / 2.0,
                    sigma: libm::sqrt(sigma_squared),
                }
            }
            DistributionSpec::Uniform { min, max } => DurationDistribution::Uniform {
                min: min.as_secs_f64(),
                max: max.as_secs_f64(),
            },
            DistributionSpec::Pareto { min, shape } => DurationDistribution::Pareto {
                min: min.as_secs_f64(),
                shape: *shape,
            },
            DistributionSpec::Empirical { values, weights } => DurationDistribution::Empirical {
                values: values.iter().map(|v| v.sim()).collect(),
                // Validation guarantees the weights are usable; equal weights need no table.
                picker: (!weights.is_empty())
                    .then(|| WeightedAliasIndex::new(weights.clone()).ok())
                    .flatten(),
            },
        }
    }

    /// One draw. Constant and exponential (the hot cases) are inlined; the rest are not.
    #[inline(always)]
    pub fn sample(&self, stream: &mut RandomStream) -> SimDuration {
        match self {
            DurationDistribution::Constant(value) => *value,
            DurationDistribution::Exponential { mean } => {
                SimDuration::from_secs_f64(stream.exponential(*mean))
            }
            other => other.sample_other(stream),
        }
    }

    #[inline(never)]
    fn sample_other(&self, stream: &mut RandomStream) -> SimDuration {
        let seconds = match self {
            DurationDistribution::Constant(value) => return *value,
            DurationDistribution::Exponential { mean } => stream.exponential(*mean),
            DurationDistribution::Lognormal { mu, sigma } => {
                libm::exp(mu + sigma * stream.standard_normal())
            }
            DurationDistribution::Uniform { min, max } => stream.uniform_between(*min, *max),
            DurationDistribution::Pareto { min, shape } => {
                min * libm::pow(stream.uniform_nonzero(), -1.0 / shape)
            }
            DurationDistribution::Empirical { values, picker } => {
                let index = match picker {
                    Some(picker) => picker.sample(stream.generator()),
                    None => {
                        ((stream.uniform() * values.len() as f64) as usize).min(values.len() - 1)
                    }
                };
                return values[index];
            }
        };
        SimDuration::from_secs_f64(seconds)
    }

    /// E[S] in seconds, if finite.
    pub fn mean(&self) -> Option<f64> {
        match self {
            DurationDistribution::Constant(value) => Some(value.as_secs_f64()),
            DurationDistribution::Exponential { mean } => Some(*mean),
            DurationDistribution::Lognormal { mu, sigma } => {
                Some(libm::exp(mu + sigma * sigma / 2.0))
            }
            DurationDistribution::Uniform { min, max } => Some((min + max) / 2.0),
            DurationDistribution::Pareto { min, shape } => {
                (*shape > 1.0).then(|| shape * min / (shape - 1.0))
            }
            DurationDistribution::Empirical { values, picker } => {
                let weights = empirical_weights(values.len(), picker);
                let total: f64 = weights.iter().sum();
                Some(
                    values
                        .iter()
                        .zip(&weights)
                        .map(|(v, w)| v.as_secs_f64() * w)
                        .sum::<f64>()
                        / total,
                )
            }
        }
    }
}

fn empirical_weights(count: usize, picker: &Option<WeightedAliasIndex<f64>>) -> Vec<f64> {
    match picker {
        Some(picker) => picker.weights(),
        None => vec![1.0; count],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Duration;

    fn sample_mean(spec: DistributionSpec, n: usize) -> (f64, f64) {
        let distribution = DurationDistribution::from_spec(&spec);
        let mut stream = RandomStream::for_component(3, "test");
        let mean = (0..n)
            .map(|_| distribution.sample(&mut stream).as_secs_f64())
            .sum::<f64>()
            / n as f64;
        (mean, distribution.mean().unwrap())
    }

    #[test]
    fn sample_means_match_the_stated_means() {
        let ms = Duration::from_millis;
        let cases = [
            DistributionSpec::Constant { value: ms(50) },
            DistributionSpec::Exponential { mean: ms(200) },
            DistributionSpec::Lognormal {
                mean: ms(100),
                stddev: ms(80),
            },
            DistributionSpec::Uniform {
                min: ms(10),
                max: ms(30),
            },
            DistributionSpec::Pareto {
                min: ms(10),
                shape: 3.0,
            },
            DistributionSpec::Empirical {
                values: vec![ms(10), ms(100)],
                weights: vec![3.0, 1.0],
            },
        ];
        for spec in cases {
            let (sampled, stated) = sample_mean(spec.clone(), 200_000);
            assert!(
                (sampled / stated - 1.0).abs() < 0.02,
                "{spec:?}: sampled {sampled}, stated {stated}"
            );
        }
    }

    #[test]
    fn pareto_with_shape_at_most_one_has_no_mean() {
        let spec = DistributionSpec::Pareto {
            min: Duration::from_millis(1),
            shape: 1.0,
        };
        assert_eq!(DurationDistribution::from_spec(&spec).mean(), None);
    }
}
