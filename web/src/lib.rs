//! # spillway-web
//!
//! The Spillway playground: `spillway-core` compiled to WebAssembly, driven by a Yew app that
//! advances the run in frame-sized slices and draws its time series live. Everything here
//! drives the core and renders its snapshots; no model lives in this crate.
//!
//! ```no_run
//! // In the browser (see `src/main.rs`); `cargo xtask serve` builds and serves it.
//! spillway_web::mount();
//! ```
//!
//! Plain-Rust parts (the session, share links, the form's TOML edits, exports, the state
//! reducer) are unit-tested natively; the components are tested in headless Chromium
//! (`tests/browser.rs`).

pub mod app;
pub mod browser;
pub mod clock;
pub mod comparison;
pub mod components;
pub mod export;
pub mod planner;
pub mod scenario_form;
pub mod session;
pub mod share;
pub mod state;

/// Mounts the playground on the page's `<body>`.
pub fn mount() {
    yew::Renderer::<app::App>::new().render();
}

/// Mounts the playground inside `element` (tests mount it in a fresh `<div>`); dropping
/// nothing unmounts it, [`yew::AppHandle::destroy`] does.
pub fn mount_in(element: web_sys::Element) -> yew::AppHandle<app::App> {
    yew::Renderer::<app::App>::with_root(element).render()
}
