//! The playground's panels: each takes props and reports what the user did as an
//! [`Action`](crate::state::Action) through a callback.

use std::cell::RefCell;
use std::rc::Rc;

use crate::session::Session;

pub mod charts_view;
pub mod compare_view;
pub mod frame_slices;
pub mod live_knobs;
pub mod notice_bar;
pub mod planner_view;
pub mod run_controls;
pub mod scenario_panel;
pub mod summary_cards;

/// The shared run, compared by identity (a prop changes when the run is replaced).
#[derive(Clone)]
pub struct SessionHandle(pub Rc<RefCell<Session>>);

impl PartialEq for SessionHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
