//! The engine: integer simulated time, the future event list, the run loop with its limits,
//! the event-log fingerprint and the named random streams. It knows nothing of any model.

pub(crate) mod event_queue;
pub(crate) mod fingerprint;
pub mod random;
pub(crate) mod simulation;
pub mod time;
