//! The queue's rules, one test each (docs/rabbitmq-conformance.md lists them with their
//! sources).

use super::*;
use crate::scenario::ByteSize;

fn at(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(ms)
}

fn message(ms: u64) -> Message {
    Message::new(at(ms), 0, false)
}

/// A queue with `consumers` subscribers and the spec's changes.
fn queue(consumers: u32, change: impl FnOnce(&mut RabbitSpec)) -> RabbitQueue {
    let mut spec = RabbitSpec {
        node_memory: ByteSize(100_000),
        base_memory: ByteSize(10_000),
        message_size: ByteSize(1_000),
        ..RabbitSpec::default()
    };
    change(&mut spec);
    RabbitQueue::new(&spec, consumers)
}

/// Lets the queue process work from `now` until it has nothing left to do; returns when
/// it stopped.
fn pump_until_idle(q: &mut RabbitQueue, mut now: SimTime) -> SimTime {
    while let Some(next) = q.pump(now) {
        now = next;
    }
    now
}

/// Publishes messages produced and published at `from`, `from` + 1 ms, … (their times
/// name them).
fn publish_n(q: &mut RabbitQueue, n: u64, from: SimTime) {
    let from = from.as_nanos() / 1_000_000;
    for i in from..from + n {
        assert_eq!(q.publish(message(i), at(i)), Admission::Accepted);
    }
}

#[test]
fn prefetch_bounds_what_each_consumer_holds_and_deliveries_go_round_robin() {
    let mut q = queue(3, |s| s.prefetch = 2);
    publish_n(&mut q, 10, at(0));
    assert_eq!(q.pump(at(0)), None);
    let held: Vec<u32> = q.unacked_per_consumer().collect();
    assert_eq!(held, vec![2, 2, 2], "prefetch 2 each, never more");
    assert_eq!((q.ready(), q.unacked()), (4, 6));
    // Round-robin: consumer 0 got messages 0 and 3, consumer 1 got 1 and 4.
    let taken: Vec<u64> = (0..2)
        .map(|_| q.take(0).unwrap().created_at().as_nanos() / 1_000_000)
        .collect();
    assert_eq!(taken, vec![0, 3]);
    // An ack frees one credit: exactly one more delivery, to that consumer.
    q.ack(0);
    q.pump(at(1));
    assert_eq!(q.unacked_per_consumer().collect::<Vec<_>>(), vec![2, 2, 2]);
    assert_eq!(q.ready(), 3);
}

#[test]
fn unlimited_prefetch_pushes_everything_out_of_ready() {
    let mut q = queue(2, |s| s.prefetch = 0);
    publish_n(&mut q, 7, at(0));
    q.pump(at(0));
    assert_eq!(q.ready(), 0, "messages_ready reads 0 while 7 are unacked");
    assert_eq!(q.unacked(), 7);
}

#[test]
fn a_requeued_message_goes_back_to_the_head() {
    let mut q = queue(1, |s| s.prefetch = 1);
    publish_n(&mut q, 3, at(0));
    q.pump(at(0));
    let first = q.take(0).unwrap();
    q.nack(0, first, Nack::Requeue, at(1));
    q.pump(at(1));
    let again = q.take(0).unwrap();
    assert_eq!(
        again.created_at(),
        first.created_at(),
        "the head again, before 1 and 2"
    );
    assert_eq!(again.deliveries(), 1, "marked redelivered");
    assert_eq!(q.stats.requeued, 1);
}

#[test]
fn a_consumer_that_goes_away_returns_its_unacked_messages_to_the_head_in_order() {
    let mut q = queue(2, |s| s.prefetch = 3);
    publish_n(&mut q, 6, at(0));
    q.pump(at(0));
    let handling = q.take(0).unwrap(); // message 0; 2 and 4 still buffered
    q.unsubscribe(0, at(1));
    q.release(0, handling, at(1));
    assert_eq!(q.unacked_per_consumer().collect::<Vec<_>>()[0], 0);
    // Consumer 1 holds 1, 3, 5; the head is now 0, 2, 4.
    q.ack(1);
    q.pump(at(2));
    let order: Vec<u64> = std::iter::from_fn(|| q.take(1))
        .map(|m| m.created_at().as_nanos() / 1_000_000)
        .collect();
    assert_eq!(order, vec![1, 3, 5, 0]);
}

#[test]
fn drop_head_discards_the_oldest_at_the_length_limit() {
    let mut q = queue(0, |s| s.max_length = Some(3));
    publish_n(&mut q, 5, at(0));
    assert_eq!(q.ready(), 3);
    let gone: Vec<_> = q.gone.drain(..).collect();
    assert_eq!(gone.len(), 2);
    assert!(
        gone.iter()
            .all(|g| g.reason == Reason::Maxlen && !g.dead_lettered)
    );
    let head = q.ready.front().unwrap().created_at();
    assert_eq!(head, at(2), "messages 0 and 1 were dropped");
}

#[test]
fn reject_publish_refuses_at_the_limit_and_reject_publish_dlx_also_dead_letters() {
    for (overflow, dlx) in [
        (RabbitOverflow::RejectPublish, false),
        (RabbitOverflow::RejectPublishDlx, true),
    ] {
        let mut q = queue(0, |s| {
            s.max_length = Some(2);
            s.overflow = overflow;
            s.dead_letter_exchange = dlx;
        });
        publish_n(&mut q, 2, at(0));
        assert!(matches!(
            q.publish(message(9), at(0)),
            Admission::Refused {
                reason: Refusal::Full,
                ..
            }
        ));
        assert_eq!(q.ready(), 2, "the queue keeps its messages");
        assert_eq!(q.stats.rejected_publishes, 1);
        assert_eq!(q.stats.dead_letters.maxlen, u64::from(dlx));
    }
}

#[test]
fn max_length_bytes_counts_message_bodies() {
    let mut q = queue(0, |s| s.max_length_bytes = Some(ByteSize(3_500)));
    publish_n(&mut q, 5, at(0));
    assert_eq!(q.ready(), 3, "3,500 bytes hold three 1,000-byte messages");
}

#[test]
fn expired_messages_are_dead_lettered_with_reason_expired_at_the_head() {
    let mut q = queue(1, |s| {
        s.message_ttl = Some(crate::scenario::Duration::from_secs(1));
        s.dead_letter_exchange = true;
    });
    q.unsubscribe(0, at(0));
    publish_n(&mut q, 2, at(0));
    assert_eq!(q.next_expiry(), Some(at(1000)));
    q.pump(at(999));
    assert_eq!(q.ready(), 2);
    q.pump(at(1000));
    assert_eq!(
        q.ready(),
        1,
        "published at 0 ms: expired at 1 s; the other 1 ms later"
    );
    q.pump(at(1001));
    assert_eq!(q.ready(), 0);
    assert_eq!(q.stats.dead_letters.expired, 2);
    assert!(
        q.gone
            .iter()
            .all(|g| g.reason == Reason::Expired && g.dead_lettered)
    );
}

#[test]
fn rejected_messages_are_dead_lettered_with_reason_rejected() {
    let mut q = queue(1, |s| s.dead_letter_exchange = true);
    publish_n(&mut q, 1, at(0));
    q.pump(at(0));
    let m = q.take(0).unwrap();
    q.nack(0, m, Nack::Reject, at(1));
    assert_eq!(q.stats.dead_letters.rejected, 1);
    assert_eq!((q.ready(), q.unacked()), (0, 0));
}

#[test]
fn a_quorum_queue_dead_letters_past_its_delivery_limit() {
    let mut q = queue(1, |s| {
        s.queue_type = RabbitQueueType::Quorum;
        s.delivery_limit = Some(2);
        s.dead_letter_exchange = true;
    });
    publish_n(&mut q, 1, at(0));
    let mut returns = 0;
    for step in 0..10 {
        let now = at(step * 10);
        q.pump(now);
        let Some(m) = q.take(0) else { break };
        q.nack(0, m, Nack::Requeue, now);
        returns += 1;
    }
    assert_eq!(
        returns, 3,
        "returned twice, the third return passes the limit of 2"
    );
    assert_eq!(q.stats.dead_letters.delivery_limit, 1);
    assert_eq!(q.ready(), 0);
}

#[test]
fn the_alarm_blocks_every_publish_but_not_deliveries_and_clears_at_the_watermark() {
    // Watermark 0.4 × 100,000 = 40,000 bytes: 10,000 base + 30 messages of 1,000; the
    // alarm is raised above it.
    let mut q = queue(1, |s| {
        s.prefetch = 1;
        s.paging_ratio = 2.0; // no paging: RAM only
    });
    publish_n(&mut q, 31, at(0));
    q.pump(at(31));
    assert!(!q.alarm(), "the monitor has not looked yet");
    q.memory_check(at(40));
    assert!(q.alarm());
    let ticket = match q.publish(message(50), at(50)) {
        Admission::Blocked { ticket, deadline } => {
            assert_eq!(
                deadline,
                at(50) + SimDuration::from_secs(30),
                "publish_timeout"
            );
            ticket
        }
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        q.publish(message(51), at(51)),
        Admission::Blocked { .. }
    ));
    assert_eq!(q.blocked(), 2);
    // Consumers go on: deliveries and acks still happen.
    let m = q.take(0).unwrap();
    assert_eq!(m.created_at(), at(0));
    q.ack(0);
    q.pump(at(60));
    assert_eq!(
        q.unacked(),
        1,
        "the next one was delivered during the alarm"
    );
    assert_eq!(q.unblocked(), None, "still raised until the monitor looks");
    // The first blocked publish times out at its producer; the second waits on.
    assert_eq!(q.expire_blocked(ticket).map(|m| m.created_at), Some(at(50)));
    assert_eq!(q.expire_blocked(ticket), None, "once");
    q.memory_check(at(1040));
    assert!(!q.alarm(), "30 messages: at the watermark, not above");
    assert_eq!(q.unblocked().map(|m| m.created_at), Some(at(51)));
    assert_eq!(q.unblocked(), None);
    assert_eq!(q.alarms(at(2000)), (1, 1.0));
}

#[test]
fn paging_starts_at_the_ratio_keeps_the_head_in_ram_and_costs_the_process_time() {
    // Paging at 0.5 × 40,000 = 20,000 bytes: above 10 messages in RAM.
    let mut q = queue(1, |s| {
        s.prefetch = 1;
        s.page_cost = crate::scenario::Duration(SimDuration::from_millis(2));
    });
    q.unsubscribe(0, at(0));
    publish_n(&mut q, 10, at(0));
    assert_eq!(
        q.pump(at(0)),
        None,
        "10 messages: at the threshold, not over"
    );
    publish_n(&mut q, 4, at(0));
    // Over by 4: the process pages out one message every 2 ms until it is not.
    let now = pump_until_idle(&mut q, at(0));
    assert_eq!(q.paged(), 4);
    assert_eq!(
        now,
        at(6),
        "the fourth page-out starts at 6 ms, one after the other"
    );
    assert_eq!(q.process.busy_until(), at(8));
    assert_eq!(q.memory_used(), 20_000);
    // The head stayed in RAM: the first deliveries cost nothing, the paged ones 2 ms each.
    q.subscribe(0);
    assert_eq!(q.pump(at(8)), None, "a RAM head is delivered at once");
    assert_eq!(q.stats.paged_in, 0);
    assert_eq!(q.take(0).unwrap().created_at(), at(0), "in order");
}

#[test]
fn a_quorum_queue_never_pages_and_costs_each_delivery() {
    let mut q = queue(1, |s| {
        s.queue_type = RabbitQueueType::Quorum;
        s.prefetch = 0;
    });
    publish_n(&mut q, 50, at(0));
    let mut now = at(0);
    let mut ticks = 0;
    while let Some(next) = q.pump(now) {
        now = next;
        ticks += 1;
    }
    assert_eq!(q.paged(), 0);
    assert_eq!(q.unacked(), 50);
    assert_eq!(
        ticks, 49,
        "one 100 µs delivery at a time, the first at once"
    );
    assert_eq!(
        q.process.busy_until(),
        SimTime::ZERO + SimDuration::from_micros(5_000)
    );
    // 64 bytes a message in memory, not 1,000.
    assert_eq!(q.memory_used(), 10_000 + 50 * 64);
}

#[test]
fn deliveries_from_the_paged_run_read_each_message_back() {
    // Paging above 10 messages in RAM; page cost 2 ms.
    let mut q = queue(1, |s| {
        s.prefetch = 1;
        s.page_cost = crate::scenario::Duration(SimDuration::from_millis(2));
    });
    q.unsubscribe(0, at(0));
    publish_n(&mut q, 14, at(0));
    let mut now = pump_until_idle(&mut q, at(14));
    assert_eq!(
        (q.head_in_ram, q.paged),
        (10, 4),
        "the newest of the head went to disk"
    );
    q.subscribe(0);
    let mut read_back = Vec::new();
    for _ in 0..14 {
        let mut t = q.process.busy_until().max(now);
        while let Some(next) = q.pump(t) {
            t = next;
        }
        let m = q.take(0).expect("delivered");
        read_back.push(q.stats.paged_in);
        q.ack(0);
        now = t;
        assert_eq!(m.created_at(), at(read_back.len() as u64 - 1), "in order");
    }
    // Ten from RAM for free, then the four paged ones each cost a read.
    assert_eq!(read_back, vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
}

#[test]
fn a_requeue_into_a_queue_at_its_limit_drops_from_the_head() {
    let mut q = queue(1, |s| {
        s.max_length = Some(3);
        s.prefetch = 2;
    });
    publish_n(&mut q, 2, at(0));
    q.pump(at(2));
    publish_n(&mut q, 3, at(2));
    q.pump(at(5));
    assert_eq!((q.ready(), q.unacked()), (3, 2));
    q.gone.clear();
    // The consumer goes away: its two come back to the head and the two oldest ready go.
    q.unsubscribe(0, at(10));
    assert_eq!(q.ready(), 3, "never above x-max-length");
    assert_eq!(q.gone.len(), 2);
    assert!(q.gone.iter().all(|g| g.reason == Reason::Maxlen));
}

#[test]
fn returns_from_a_closed_channel_count_toward_the_delivery_limit() {
    let mut q = queue(1, |s| {
        s.queue_type = RabbitQueueType::Quorum;
        s.delivery_limit = Some(1);
        s.prefetch = 1;
    });
    publish_n(&mut q, 1, at(0));
    for round in 0..3 {
        let now = at(10 * (round + 1));
        q.subscribe(0);
        let mut t = now;
        while let Some(next) = q.pump(t) {
            t = next;
        }
        let Some(m) = q.take(0) else { break };
        q.unsubscribe(0, t);
        q.release(0, m, t);
    }
    assert_eq!(q.ready(), 0, "returned twice: past the limit of 1");
    assert_eq!(q.gone.len(), 1);
    assert_eq!(q.gone[0].reason, Reason::DeliveryLimit);
}

#[test]
fn with_credit_always_counts_the_consumers_with_room() {
    // A deterministic walk through subscribes, deliveries, acks, nacks and closes.
    let mut q = queue(4, |s| s.prefetch = 3);
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as u32
    };
    for step in 0..2_000u64 {
        let now = at(step);
        let c = next() % 4;
        match next() % 6 {
            0 | 1 => {
                let _ = q.publish(message(step), now);
            }
            2 => {
                if let Some(m) = q.take(c) {
                    if next() % 2 == 0 {
                        q.ack(c);
                    } else {
                        q.nack(c, m, Nack::Requeue, now);
                    }
                }
            }
            3 => q.unsubscribe(c, now),
            4 => q.subscribe(c),
            _ => {}
        }
        q.pump(now);
        let expected = q
            .subscribers
            .iter()
            .filter(|s| s.active && s.unacked < 3)
            .count() as u32;
        assert_eq!(q.with_credit, expected, "step {step}");
        let held: u64 = q.subscribers.iter().map(|s| u64::from(s.unacked)).sum();
        assert_eq!(held, q.unacked, "step {step}");
        assert!(
            q.subscribers.iter().all(|s| s.unacked <= 3),
            "prefetch never exceeded"
        );
    }
}

#[test]
fn the_disk_alarm_counts_paged_messages_on_a_classic_queue_and_blocks_publishers() {
    // 10 messages of 1,000 bytes paged out leave 5,000 free of 15,000; the limit is 6,000.
    let mut q = queue(1, |s| {
        s.prefetch = 1;
        s.page_cost = crate::scenario::Duration(SimDuration::from_millis(1));
        s.disk_free = ByteSize(15_000);
        s.disk_free_limit = ByteSize(6_000);
    });
    q.unsubscribe(0, at(0));
    // Paging from 20,000 bytes: 10 messages in RAM; 10 more are paged out.
    publish_n(&mut q, 20, at(0));
    let mut now = pump_until_idle(&mut q, at(0));
    assert_eq!(q.paged(), 10);
    assert_eq!(q.disk_free(), 5_000);
    q.memory_check(now);
    assert!(!q.alarm(), "memory is below its watermark");
    assert!(q.gauges().disk_alarm, "free disk below disk_free_limit");
    assert!(matches!(
        q.publish(message(100), at(100)),
        Admission::Blocked { .. }
    ));
    // Consumers go on; reading the paged run back frees the disk.
    q.subscribe(0);
    for i in 0..20 {
        now = pump_until_idle(&mut q, now);
        q.take(0).expect("a delivery");
        q.ack(0);
        if i == 9 {
            // The RAM head went first: all 10 paged messages are still on disk.
            q.memory_check(now);
            assert!(q.gauges().disk_alarm, "10 still paged: 5,000 free");
        }
    }
    assert_eq!(q.unblocked(), None, "raised until the monitor looks");
    q.memory_check(now);
    assert_eq!(q.unblocked().map(|m| m.created_at), Some(at(100)));
    assert_eq!((q.min_disk_free(), q.disk_alarms(now).0), (5_000, 1));
}

#[test]
fn a_quorum_queue_keeps_every_message_it_holds_on_disk() {
    let mut q = queue(1, |s| {
        s.queue_type = RabbitQueueType::Quorum;
        s.prefetch = 2;
        s.disk_free = ByteSize(10_000);
        s.disk_free_limit = ByteSize(3_000);
    });
    publish_n(&mut q, 7, at(0));
    pump_until_idle(&mut q, at(0)); // each delivery costs the log quorum_cost
    assert_eq!((q.ready(), q.unacked()), (5, 2));
    assert_eq!(q.disk_free(), 3_000, "ready and unacked: 7 on disk");
    q.memory_check(at(10));
    assert!(!q.gauges().disk_alarm, "at the limit, not below");
    publish_n(&mut q, 1, at(11));
    q.memory_check(at(20));
    assert!(q.gauges().disk_alarm);
    q.take(0);
    q.ack(0);
    q.memory_check(at(30));
    assert!(
        !q.gauges().disk_alarm,
        "an ack frees its message's log space"
    );
}

#[test]
fn fire_and_forget_publishers_lose_what_the_length_limit_refuses() {
    for (overflow, dead_lettered) in [
        (RabbitOverflow::RejectPublish, false),
        (RabbitOverflow::RejectPublishDlx, true),
    ] {
        let mut q = queue(0, |s| {
            s.max_length = Some(2);
            s.overflow = overflow;
            s.dead_letter_exchange = true;
            s.publisher_confirms = false;
        });
        publish_n(&mut q, 2, at(0));
        assert_eq!(
            q.publish(message(9), at(9)),
            Admission::Accepted,
            "the publisher is never told"
        );
        assert_eq!(q.ready(), 2, "the queue kept only its two");
        assert_eq!(q.stats.published, 2);
        assert_eq!(q.stats.lost_unconfirmed, 1);
        let gone = q.gone.pop().expect("the refused message left");
        assert_eq!(
            (gone.reason, gone.dead_lettered),
            (Reason::Maxlen, dead_lettered)
        );
    }
}

#[test]
fn a_confirm_window_holds_back_publishes_while_an_alarm_blocks_them() {
    let mut q = queue(0, |s| {
        s.paging_ratio = 2.0;
        s.max_unconfirmed = Some(3);
    });
    q.set_publishers(vec![0]);
    publish_n(&mut q, 31, at(0));
    q.memory_check(at(40));
    assert!(q.alarm());
    for i in 0..3 {
        assert!(matches!(
            q.publish(message(50 + i), at(50 + i)),
            Admission::Blocked { .. }
        ));
    }
    let held = q.publish(message(60), at(60));
    assert!(
        matches!(
            held,
            Admission::Refused {
                reason: Refusal::PushBack,
                ..
            }
        ),
        "three unconfirmed: the producer waits, {held:?}"
    );
    assert_eq!((q.blocked(), q.stats.window_full), (3, 1));
    assert_eq!(q.stats.max_unconfirmed, 3);
}

#[test]
fn a_confirm_latency_bounds_a_producer_to_its_window_per_latency() {
    let mut q = queue(0, |s| {
        s.max_unconfirmed = Some(2);
        s.confirm_latency = crate::scenario::Duration(SimDuration::from_millis(10));
    });
    q.set_publishers(vec![0]);
    publish_n(&mut q, 2, at(0));
    match q.publish(message(3), at(3)) {
        Admission::Refused {
            reason: Refusal::PushBack,
            retry_after,
        } => assert_eq!(
            retry_after,
            SimDuration::from_millis(7),
            "the first confirm"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(q.publish(message(10), at(10)), Admission::Accepted);
}

#[test]
fn nothing_is_paged_out_while_the_disk_alarm_is_raised() {
    // Disk: 3,000 bytes free, limit 2,500: one paged message of 1,000 raises the alarm.
    let mut q = queue(1, |s| {
        s.page_cost = crate::scenario::Duration(SimDuration::from_millis(1));
        s.disk_free = ByteSize(3_000);
        s.disk_free_limit = ByteSize(2_500);
    });
    q.unsubscribe(0, at(0));
    publish_n(&mut q, 11, at(0));
    let now = pump_until_idle(&mut q, at(0));
    assert_eq!(q.paged(), 1, "11 in RAM: one over the paging threshold");
    q.memory_check(now);
    assert!(q.gauges().disk_alarm);
    // A lower watermark puts the 10 RAM messages over the paging threshold (now 10,000
    // bytes, the node's base): the queue would page them all out, but the alarm holds it.
    q.set_watermark(0.2);
    assert!(q.memory.over_paging(q.in_ram()));
    assert_eq!(q.pump(now), None, "the disk alarm holds paging");
    assert_eq!(q.paged(), 1);
}
