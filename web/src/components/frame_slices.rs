//! Work run in slices, one per frame, until it is done (the compare view's two runs, the
//! planner's replications): the page stays responsive however long the work is.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use yew::prelude::*;

use crate::comparison::Comparison;
use crate::planner::Planner;
use crate::session::EVENTS_PER_SLICE;

/// Something that advances by one bounded slice at a time.
pub trait Sliced {
    /// Whether nothing is left to do.
    fn done(&self) -> bool;
    /// Advances by about one frame's worth of events; an error ends the work.
    fn slice(&mut self) -> Result<(), String>;
}

impl Sliced for Comparison {
    fn done(&self) -> bool {
        self.finished()
    }
    fn slice(&mut self) -> Result<(), String> {
        self.advance(EVENTS_PER_SLICE);
        Ok(())
    }
}

impl Sliced for Planner {
    fn done(&self) -> bool {
        self.finished()
    }
    fn slice(&mut self) -> Result<(), String> {
        self.advance(EVENTS_PER_SLICE).map(|_| ())
    }
}

/// While `work` holds unfinished work, each frame runs one slice and bumps the returned
/// frame counter (re-rendering the caller). Set the counter after replacing the work to
/// start it. An error drops the work and lands in `problem`.
#[hook]
pub fn use_frame_slices<T: Sliced + 'static>(
    work: Rc<RefCell<Option<T>>>,
    problem: UseStateHandle<Option<String>>,
) -> UseStateHandle<u64> {
    let frame = use_state(|| 0u64);
    let frame_setter = frame.clone();
    use_effect_with(*frame, move |frame| {
        let running = work.borrow().as_ref().is_some_and(|w| !w.done());
        let next = *frame + 1;
        let timer = running.then(|| {
            Timeout::new(0, move || {
                let failed = work.borrow_mut().as_mut().and_then(|w| w.slice().err());
                if let Some(error) = failed {
                    *work.borrow_mut() = None;
                    problem.set(Some(error));
                }
                frame_setter.set(next);
            })
        });
        move || drop(timer)
    });
    frame
}
