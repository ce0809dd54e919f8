//! The time series: gauges and rates sampled on a fixed simulated-time grid (the charts).

use serde::{Deserialize, Serialize};

macro_rules! series_columns {
    ($($(#[doc = $doc:literal])* $column:ident),* $(,)?) => {
        /// Columns of equal length; row i is the state at `time[i]` (seconds), and rates are
        /// averages over the interval ending there.
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct TimeSeries {
            /// Spacing of the rows, seconds.
            pub interval_seconds: f64,
            $($(#[doc = $doc])* pub $column: Vec<f64>,)*
            /// Kafka: each partition's lag (log-end − committed) at every row, a column per
            /// partition (empty for other brokers).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub partition_lag: Vec<Vec<f64>>,
        }

        /// One row of the series.
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        pub struct SeriesRow {
            $($(#[doc = $doc])* pub $column: f64,)*
        }

        impl TimeSeries {
            /// Column names in CSV order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($column)),*];

            /// Appends a row.
            pub fn push(&mut self, row: SeriesRow) {
                $(self.$column.push(row.$column);)*
            }

            /// Row `index` as values in [`COLUMNS`](Self::COLUMNS) order.
            pub fn row_values(&self, index: usize) -> Vec<f64> {
                vec![$(self.$column[index]),*]
            }

            /// Bytes the columns hold, for the memory budget.
            pub fn allocated_bytes(&self) -> usize {
                0 $(+ self.$column.capacity() * std::mem::size_of::<f64>())*
                    + self
                        .partition_lag
                        .iter()
                        .map(|c| c.capacity() * std::mem::size_of::<f64>())
                        .sum::<usize>()
            }

            /// A column by name.
            pub fn column(&self, name: &str) -> Option<&[f64]> {
                match name {
                    $(stringify!($column) => Some(&self.$column),)*
                    _ => None,
                }
            }
        }
    };
}

series_columns! {
    /// Simulated time, seconds.
    time,
    /// Messages waiting in the queue (consumer lag in messages).
    queue_depth,
    /// Age since production of the oldest unfinished message (waiting, in service or waiting
    /// for redelivery), seconds: consumer lag in time. A redelivery does not make it young.
    lag_seconds,
    /// Messages being processed.
    in_service,
    /// Consumers working on at least one message.
    consumers_busy,
    /// Consumers taking messages (not crashed, starting or retired).
    consumers_active,
    /// Busy fraction of consumer slots over the interval, 0–1.
    utilisation,
    /// Sends blocked waiting for queue space.
    blocked,
    /// Messages waiting to be re-sent by producers.
    waiting_to_retry,
    /// Messages created per second.
    produced_per_second,
    /// Sends accepted by the queue per second (throughput in).
    accepted_per_second,
    /// Messages processed successfully per second (throughput out, goodput).
    completed_per_second,
    /// Processing attempts per second, successful or not (compare with goodput).
    attempts_per_second,
    /// Messages whose processing failed, per second.
    failed_per_second,
    /// Messages lost to refused sends per second.
    rejected_per_second,
    /// Producer retries per second.
    retried_per_second,
    /// Messages dropped or shed from the queue per second.
    dropped_per_second,
    /// Failed messages sent back for another processing attempt, per second.
    redelivered_per_second,
    /// Failed messages waiting for their redelivery backoff.
    waiting_to_redeliver,
    /// Messages in the dead-letter queue.
    dead_letter_depth,
    /// Downstream connections in use.
    downstream_in_use,
    /// Circuit breaker: 0 closed, 0.5 half-open, 1 open.
    breaker_state,
    /// Faults active (draw them as bands).
    faults_active,
    /// SQS: messages in flight (ApproximateNumberOfMessagesNotVisible).
    not_visible,
    /// SQS: messages waiting out their delivery delay (ApproximateNumberOfMessagesDelayed).
    delayed,
    /// SQS: ApproximateAgeOfOldestMessage, seconds (skips messages received 3+ times).
    age_of_oldest_seconds,
    /// SQS: messages received per second (NumberOfMessagesReceived), duplicates included.
    receives_per_second,
    /// Share of the consumer time ended in the interval that was thrown away (failed
    /// attempts, failed deletes, workers that went down), 0–1.
    wasted_share,
    /// Kafka: 1 while the consumer group is rebalancing (draw it as a band), else 0.
    rebalancing,
    /// Kafka: the largest partition lag (log-end − committed).
    worst_partition_lag,
    /// Kafka: records processed again per second (redone after a rebalance).
    duplicates_per_second,
    /// RabbitMQ: memory the node uses, bytes.
    memory_used,
    /// RabbitMQ: memory the node uses as a share of node memory, 0–1 (the watermark is a
    /// share too).
    memory_share,
    /// RabbitMQ: 1 while the memory alarm blocks publishers (draw it as a band), else 0.
    memory_alarm,
    /// RabbitMQ: 1 while the disk alarm blocks publishers (draw it as a band), else 0.
    disk_alarm,
    /// RabbitMQ: free disk space on the node, bytes.
    disk_free,
    /// RabbitMQ: share of the disk space free at the start that messages now take, 0–1.
    disk_share,
    /// RabbitMQ: messages delivered and not acknowledged (messages_unacknowledged).
    unacknowledged,
    /// RabbitMQ: ready messages paged out to disk.
    paged_out,
    /// RabbitMQ: deliveries to consumers per second (deliver).
    delivered_per_second,
    /// RabbitMQ: the most unacknowledged messages one consumer holds (prefetch hoarding).
    consumer_unacked_max,
    /// RabbitMQ: the fewest unacknowledged messages a subscribed consumer holds.
    consumer_unacked_min,
    /// Median end-to-end latency of messages completed in the interval, seconds.
    latency_p50,
    /// 99th-percentile end-to-end latency in the interval, seconds.
    latency_p99,
}

impl TimeSeries {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// True when no row has been recorded.
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// The CSV header: [`COLUMNS`](Self::COLUMNS), then `partition_{p}_lag` for each Kafka
    /// partition.
    pub fn csv_header(&self) -> Vec<String> {
        Self::COLUMNS
            .iter()
            .map(|c| (*c).to_string())
            .chain((0..self.partition_lag.len()).map(|p| format!("partition_{p}_lag")))
            .collect()
    }

    /// Row `index` in [`csv_header`](Self::csv_header) order.
    pub fn csv_values(&self, index: usize) -> Vec<f64> {
        let mut values = self.row_values(index);
        values.extend(self.partition_lag.iter().map(|column| column[index]));
        values
    }
}
