//! Retry budgets: a client-wide allowance that stops retries from multiplying load when
//! most calls are failing.

use serde::{Deserialize, Serialize};

/// How a client limits its retries as a whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", try_from = "RetryBudgetTable")]
pub enum RetryBudgetSpec {
    /// AWS SDK standard mode: a token bucket that starts full; a retry costs `cost` tokens
    /// (`timeout_cost` after a timeout) and is refused when the bucket holds fewer; each
    /// success puts back `refund` tokens, up to `quota`.
    AwsStandard {
        /// Bucket size and starting level. Default 500.
        #[serde(default = "default_quota")]
        quota: u32,
        /// Tokens a retry costs. Default 5.
        #[serde(default = "default_cost")]
        cost: u32,
        /// Tokens a retry after a timeout costs. Default 10.
        #[serde(default = "default_timeout_cost")]
        timeout_cost: u32,
        /// Tokens a success returns. Default 1.
        #[serde(default = "default_refund")]
        refund: u32,
    },
    /// gRPC retry throttling: tokens start at `max_tokens`; a failure takes 1, a success adds
    /// `token_ratio`; no retries while tokens ≤ max_tokens / 2.
    Grpc {
        /// Ceiling and starting level. Default 10.
        #[serde(default = "default_max_tokens")]
        max_tokens: f64,
        /// Added per success. Default 0.1.
        #[serde(default = "default_token_ratio")]
        token_ratio: f64,
    },
}

/// A `retry_budget` table as written, read flat and then checked against its kind (as fault
/// tables are): serde's internally tagged enums buffer the table first, which costs the
/// playground's WebAssembly more than this.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryBudgetTable {
    kind: RetryBudgetKind,
    quota: Option<u32>,
    cost: Option<u32>,
    timeout_cost: Option<u32>,
    refund: Option<u32>,
    max_tokens: Option<f64>,
    token_ratio: Option<f64>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RetryBudgetKind {
    AwsStandard,
    Grpc,
}

impl TryFrom<RetryBudgetTable> for RetryBudgetSpec {
    type Error = String;

    fn try_from(t: RetryBudgetTable) -> Result<Self, String> {
        let foreign = match t.kind {
            RetryBudgetKind::AwsStandard => [
                ("max_tokens", t.max_tokens.is_some()),
                ("token_ratio", t.token_ratio.is_some()),
            ]
            .into_iter()
            .find(|(_, set)| *set)
            .map(|(name, _)| {
                (
                    "aws-standard",
                    name,
                    "`quota`, `cost`, `timeout_cost`, `refund`",
                )
            }),
            RetryBudgetKind::Grpc => [
                ("quota", t.quota.is_some()),
                ("cost", t.cost.is_some()),
                ("timeout_cost", t.timeout_cost.is_some()),
                ("refund", t.refund.is_some()),
            ]
            .into_iter()
            .find(|(_, set)| *set)
            .map(|(name, _)| ("grpc", name, "`max_tokens`, `token_ratio`")),
        };
        if let Some((kind, field, takes)) = foreign {
            return Err(format!(
                "a `{kind}` retry budget takes no `{field}` (it takes {takes})"
            ));
        }
        Ok(match t.kind {
            RetryBudgetKind::AwsStandard => RetryBudgetSpec::AwsStandard {
                quota: t.quota.unwrap_or_else(default_quota),
                cost: t.cost.unwrap_or_else(default_cost),
                timeout_cost: t.timeout_cost.unwrap_or_else(default_timeout_cost),
                refund: t.refund.unwrap_or_else(default_refund),
            },
            RetryBudgetKind::Grpc => RetryBudgetSpec::Grpc {
                max_tokens: t.max_tokens.unwrap_or_else(default_max_tokens),
                token_ratio: t.token_ratio.unwrap_or_else(default_token_ratio),
            },
        })
    }
}

fn default_quota() -> u32 {
    500
}
fn default_cost() -> u32 {
    5
}
fn default_timeout_cost() -> u32 {
    10
}
fn default_refund() -> u32 {
    1
}
fn default_max_tokens() -> f64 {
    10.0
}
fn default_token_ratio() -> f64 {
    0.1
}

/// The running state of a budget.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryBudget {
    spec: RetryBudgetSpec,
    tokens: f64,
}

impl RetryBudget {
    /// A full budget.
    pub fn new(spec: &RetryBudgetSpec) -> Self {
        let tokens = match spec {
            RetryBudgetSpec::AwsStandard { quota, .. } => f64::from(*quota),
            RetryBudgetSpec::Grpc { max_tokens, .. } => *max_tokens,
        };
        RetryBudget {
            spec: spec.clone(),
            tokens,
        }
    }

    /// Tokens left.
    pub fn tokens(&self) -> f64 {
        self.tokens
    }

    /// Records a failed call and asks whether it may be retried; takes the retry's cost if so.
    pub fn failure_allows_retry(&mut self, timed_out: bool) -> bool {
        match self.spec {
            RetryBudgetSpec::AwsStandard {
                cost, timeout_cost, ..
            } => {
                let cost = f64::from(if timed_out { timeout_cost } else { cost });
                if self.tokens < cost {
                    return false;
                }
                self.tokens -= cost;
                true
            }
            RetryBudgetSpec::Grpc { max_tokens, .. } => {
                self.tokens = (self.tokens - 1.0).max(0.0);
                self.tokens > max_tokens / 2.0
            }
        }
    }

    /// Records a successful call.
    pub fn success(&mut self) {
        match self.spec {
            RetryBudgetSpec::AwsStandard { quota, refund, .. } => {
                self.tokens = (self.tokens + f64::from(refund)).min(f64::from(quota));
            }
            RetryBudgetSpec::Grpc {
                max_tokens,
                token_ratio,
            } => {
                self.tokens = (self.tokens + token_ratio).min(max_tokens);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws() -> RetryBudget {
        RetryBudget::new(&RetryBudgetSpec::AwsStandard {
            quota: 500,
            cost: 5,
            timeout_cost: 10,
            refund: 1,
        })
    }

    #[test]
    fn aws_standard_allows_one_hundred_retries_from_a_full_bucket() {
        let mut budget = aws();
        let allowed = (0..1000)
            .filter(|_| budget.failure_allows_retry(false))
            .count();
        assert_eq!(allowed, 100, "500 tokens / 5 per retry");
        assert_eq!(budget.tokens(), 0.0);
        // Five successes buy back exactly one retry.
        for _ in 0..5 {
            budget.success();
        }
        assert!(budget.failure_allows_retry(false));
        assert!(!budget.failure_allows_retry(false));
    }

    #[test]
    fn aws_timeouts_cost_double_and_refunds_stop_at_the_quota() {
        let mut budget = aws();
        let allowed = (0..1000)
            .filter(|_| budget.failure_allows_retry(true))
            .count();
        assert_eq!(allowed, 50);
        let mut full = aws();
        full.success();
        assert_eq!(full.tokens(), 500.0);
    }

    #[test]
    fn grpc_stops_retrying_at_half_the_tokens() {
        let mut budget = RetryBudget::new(&RetryBudgetSpec::Grpc {
            max_tokens: 10.0,
            token_ratio: 0.1,
        });
        // 10 → 9, 8, 7, 6 allow; 5 is not above 10/2.
        let allowed: Vec<bool> = (0..6).map(|_| budget.failure_allows_retry(false)).collect();
        assert_eq!(allowed, [true, true, true, true, false, false]);
        assert_eq!(budget.tokens(), 4.0);
        // Eleven successes lift it to 5.1: above half again.
        for _ in 0..11 {
            budget.success();
        }
        assert!((budget.tokens() - 5.1).abs() < 1e-9);
        assert!(
            !budget.failure_allows_retry(false),
            "the failure itself takes a token first"
        );
    }
}
