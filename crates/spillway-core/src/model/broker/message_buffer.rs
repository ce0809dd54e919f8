//! A FIFO of queued messages in fixed-size chunks: memory follows the backlog (no doubling
//! spikes, ~12 bytes a message) and a drained backlog gives its memory back.

use std::collections::VecDeque;

use crate::model::message::QueuedMessage;

const CHUNK: usize = 4096;

type Chunk = Box<[QueuedMessage; CHUNK]>;

/// A chunked first-in first-out buffer.
#[derive(Default)]
pub(crate) struct MessageBuffer {
    chunks: VecDeque<Chunk>,
    /// Index of the front message in the first chunk.
    head: usize,
    /// Index one past the back message in the last chunk.
    tail: usize,
    len: usize,
    /// One emptied chunk kept back, so a queue hovering at a chunk boundary does not allocate.
    spare: Option<Chunk>,
}

impl MessageBuffer {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push_back(&mut self, message: QueuedMessage) {
        if self.chunks.is_empty() || self.tail == CHUNK {
            let chunk = self
                .spare
                .take()
                .unwrap_or_else(|| Box::new([QueuedMessage::default(); CHUNK]));
            self.chunks.push_back(chunk);
            self.tail = 0;
            if self.chunks.len() == 1 {
                self.head = 0;
            }
        }
        let last = self.chunks.back_mut().expect("a chunk was just ensured");
        last[self.tail] = message;
        self.tail += 1;
        self.len += 1;
    }

    pub fn front(&self) -> Option<&QueuedMessage> {
        if self.len == 0 {
            None
        } else {
            self.chunks.front().map(|chunk| &chunk[self.head])
        }
    }

    pub fn pop_front(&mut self) -> Option<QueuedMessage> {
        if self.len == 0 {
            return None;
        }
        let message = self.chunks.front().expect("len > 0 implies a chunk")[self.head];
        self.head += 1;
        self.len -= 1;
        let front_exhausted = self.head == CHUNK || self.len == 0;
        if front_exhausted {
            let chunk = self.chunks.pop_front().expect("len > 0 implied a chunk");
            self.spare.get_or_insert(chunk);
            self.head = 0;
            if self.chunks.is_empty() {
                self.tail = 0;
            }
        }
        Some(message)
    }

    /// Bytes held, for the memory benchmark.
    pub fn allocated_bytes(&self) -> usize {
        let chunk_bytes = std::mem::size_of::<[QueuedMessage; CHUNK]>();
        (self.chunks.len() + usize::from(self.spare.is_some())) * chunk_bytes
            + self.chunks.capacity() * std::mem::size_of::<Chunk>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SimTime;
    use crate::model::message::Message;
    use proptest::prelude::*;

    fn message(n: u64) -> QueuedMessage {
        let t = SimTime::from_nanos(n);
        QueuedMessage::enqueue(Message::new(t, 0, false), t)
    }

    proptest! {
        #[test]
        fn behaves_like_a_vecdeque(ops in proptest::collection::vec(any::<bool>(), 0..20_000)) {
            let mut buffer = MessageBuffer::default();
            let mut model = VecDeque::new();
            for (n, push) in ops.into_iter().enumerate() {
                if push {
                    buffer.push_back(message(n as u64));
                    model.push_back(message(n as u64));
                } else {
                    prop_assert_eq!(buffer.pop_front(), model.pop_front());
                }
                prop_assert_eq!(buffer.len(), model.len());
                prop_assert_eq!(buffer.front(), model.front());
            }
        }
    }

    #[test]
    fn crossing_chunk_boundaries_keeps_order() {
        let mut buffer = MessageBuffer::default();
        for n in 0..3 * CHUNK as u64 + 7 {
            buffer.push_back(message(n));
        }
        for n in 0..3 * CHUNK as u64 + 7 {
            assert_eq!(
                buffer.pop_front().unwrap().enqueued_at(),
                SimTime::from_nanos(n)
            );
        }
        assert!(buffer.pop_front().is_none());
        assert!(buffer.allocated_bytes() <= std::mem::size_of::<[QueuedMessage; CHUNK]>() + 64 * 8);
    }
}
