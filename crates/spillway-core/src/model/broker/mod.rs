//! Brokers: what a message broker owns — admission, the waiting messages, deliveries in
//! flight, acknowledgements, redelivery, dead-lettering and lag.

pub(crate) mod bounded_queue;
pub(crate) mod message_buffer;
