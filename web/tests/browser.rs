//! The playground in a real browser (headless Chromium through chromedriver; `cargo xtask
//! test` installs them): it mounts, loads a preset, draws its charts, and a share link opens
//! the same scenario.

use gloo_timers::future::TimeoutFuture;
use spillway_web::share::SharedRun;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    CanvasRenderingContext2d, Element, HtmlCanvasElement, HtmlInputElement, HtmlSelectElement,
    HtmlTextAreaElement,
};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh app in its own `<div>`, with no saved state or link from earlier tests.
async fn mount(fragment: Option<&str>) -> (Element, yew::AppHandle<spillway_web::app::App>) {
    let window = web_sys::window().unwrap();
    window.local_storage().unwrap().unwrap().clear().unwrap();
    let history = window.history().unwrap();
    let path = window.location().pathname().unwrap();
    let url = format!("{path}{}", fragment.unwrap_or(""));
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        .unwrap();
    let root = document().create_element("div").unwrap();
    root.set_attribute("style", "width:1366px;height:768px")
        .unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let handle = spillway_web::mount_in(root.clone());
    settle().await;
    (root, handle)
}

/// Lets Yew render and effects run.
async fn settle() {
    TimeoutFuture::new(60).await;
}

fn find<T: JsCast>(root: &Element, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .dyn_into()
        .unwrap_or_else(|_| panic!("{selector} is not the expected element"))
}

fn text(root: &Element, selector: &str) -> String {
    find::<Element>(root, selector)
        .text_content()
        .unwrap_or_default()
}

fn change(element: &Element) {
    let event = web_sys::Event::new("change").unwrap();
    element.dispatch_event(&event).unwrap();
}

async fn pick_preset(root: &Element, name: &str) {
    let select: HtmlSelectElement = find(root, "[data-testid=preset]");
    select.set_value(name);
    change(&select);
    // Wait for the new scenario to be in the editor (on a loaded machine one frame is not
    // always enough), up to ~3 s, then let the tests' own assertions speak.
    let editor: HtmlTextAreaElement = find(root, "[data-testid=toml]");
    for _ in 0..50 {
        settle().await;
        if editor.value().contains(&format!("name = \"{name}\"")) {
            break;
        }
    }
}

/// Pixels of `canvas` that are the given colour (within a small tolerance).
/// Waits up to `frames` settles for the element `[data-testid=ID]` to say
/// `data-finished="true"` (work run in frame slices).
async fn finished_within(root: &Element, id: &str, frames: u32) -> bool {
    for _ in 0..frames {
        settle().await;
        let progress = root.query_selector(&format!("[data-testid={id}]")).unwrap();
        if progress
            .and_then(|p| p.get_attribute("data-finished"))
            .as_deref()
            == Some("true")
        {
            return true;
        }
    }
    false
}

fn pixels_of(canvas: &HtmlCanvasElement, colour: (u8, u8, u8)) -> usize {
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let data = context
        .get_image_data(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        )
        .unwrap()
        .data();
    data.chunks(4)
        .filter(|p| {
            p[0].abs_diff(colour.0) < 24
                && p[1].abs_diff(colour.1) < 24
                && p[2].abs_diff(colour.2) < 24
        })
        .count()
}

#[wasm_bindgen_test]
async fn the_app_mounts_with_every_preset_and_a_stopped_clock() {
    let (root, handle) = mount(None).await;
    let select: HtmlSelectElement = find(&root, "[data-testid=preset]");
    assert_eq!(select.length() as usize, spillway_core::PRESETS.len());
    assert_eq!(select.value(), spillway_core::DEFAULT_PRESET);
    assert_eq!(text(&root, "[data-testid=clock]"), "0:00:00");
    assert_eq!(
        chart_ids(&root),
        ["lag", "depth", "throughput", "latency", "consumers"]
    );
    handle.destroy();
}

/// The `data-chart` of every chart canvas, in page order.
fn chart_ids(root: &Element) -> Vec<String> {
    let canvases = root.query_selector_all("canvas[data-chart]").unwrap();
    (0..canvases.length())
        .map(|i| {
            canvases
                .item(i)
                .unwrap()
                .dyn_into::<Element>()
                .unwrap()
                .get_attribute("data-chart")
                .unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_failure_scenario_mounts_a_canvas_per_registered_chart() {
    let (root, handle) = mount(None).await;
    pick_preset(&root, "retry-storm").await;
    let scenario = spillway_core::Preset::find("retry-storm")
        .unwrap()
        .scenario()
        .unwrap();
    let registered: Vec<&str> = spillway_core::charts_for(&scenario)
        .iter()
        .map(|chart| chart.id)
        .collect();
    assert_eq!(chart_ids(&root), registered);
    for id in ["goodput", "connections", "redelivery"] {
        assert!(registered.contains(&id), "{registered:?}");
        let canvas: HtmlCanvasElement = find(&root, &format!("canvas[data-chart={id}]"));
        assert!(
            canvas.width() > 50 && canvas.height() > 50,
            "{id} is not sized"
        );
    }
    // Back to a healthy preset: its story charts go away again.
    pick_preset(&root, "steady").await;
    assert_eq!(chart_ids(&root).len(), 5);
    handle.destroy();
}

#[wasm_bindgen_test]
async fn picking_a_preset_loads_its_story_and_text() {
    let (root, handle) = mount(None).await;
    pick_preset(&root, "sustained-overload").await;
    assert!(text(&root, "[data-testid=story]").starts_with("20 msg/s in, 15 msg/s out"));
    let editor: HtmlTextAreaElement = find(&root, "[data-testid=toml]");
    assert!(editor.value().contains("name = \"sustained-overload\""));
    handle.destroy();
}

#[wasm_bindgen_test]
async fn the_lag_chart_is_drawn_as_the_run_advances() {
    let (root, handle) = mount(None).await;
    pick_preset(&root, "sustained-overload").await;
    let canvas: HtmlCanvasElement = find(&root, "canvas[data-chart=lag]");
    assert!(
        canvas.width() > 100 && canvas.height() > 50,
        "{}×{}",
        canvas.width(),
        canvas.height()
    );
    let blue = spillway_charts::palette::PRIMARY;
    let before = pixels_of(&canvas, (blue.0, blue.1, blue.2));
    // Step a few minutes of simulated time (the "." shortcut steps one sample).
    let step: Element = find(&root, "[title^='Advance one sample']");
    for _ in 0..240 {
        step.dyn_ref::<web_sys::HtmlElement>().unwrap().click();
    }
    settle().await;
    assert_eq!(text(&root, "[data-testid=clock]"), "0:04:00");
    let after = pixels_of(&canvas, (blue.0, blue.1, blue.2));
    assert!(
        after > before + 50,
        "lag line pixels: {before} before, {after} after"
    );
    handle.destroy();
}

#[wasm_bindgen_test]
async fn a_share_link_opens_the_same_scenario_and_changes() {
    let text_of_preset = spillway_core::Preset::find("retry-storm").unwrap().toml;
    let run = SharedRun::new(
        text_of_preset.to_string(),
        vec![spillway_web::session::KnobChange {
            at_nanos: 90_000_000_000,
            change: spillway_core::Intervention::Consumers(9),
        }],
    );
    let (root, handle) = mount(Some(&run.to_fragment())).await;
    let select: HtmlSelectElement = find(&root, "[data-testid=preset]");
    assert_eq!(select.value(), "retry-storm");
    let editor: HtmlTextAreaElement = find(&root, "[data-testid=toml]");
    assert_eq!(editor.value(), text_of_preset);
    // The page keeps the same run in its address and storage.
    let hash = web_sys::window().unwrap().location().hash().unwrap();
    assert_eq!(SharedRun::from_fragment(&hash), Some(Ok(run)));
    handle.destroy();
}

#[wasm_bindgen_test]
async fn a_damaged_link_says_so_and_keeps_a_working_page() {
    let (root, handle) = mount(Some("#run=not-a-run")).await;
    let notice = text(&root, ".notice.problem");
    assert!(notice.contains("This link could not be opened"), "{notice}");
    assert_eq!(
        find::<HtmlSelectElement>(&root, "[data-testid=preset]").value(),
        spillway_core::DEFAULT_PRESET
    );
    handle.destroy();
}

#[wasm_bindgen_test]
async fn the_compare_view_runs_both_designs_on_one_seed_and_marks_the_better_one() {
    let (root, handle) = mount(None).await;
    pick_preset(&root, "retry-storm").await;
    find::<web_sys::HtmlElement>(&root, "[data-testid=compare-toggle]").click();
    settle().await;
    let with: HtmlSelectElement = find(&root, "[data-testid=compare-with]");
    assert_eq!(
        with.value(),
        "retry-storm-fixed",
        "the fixed variant is offered first"
    );
    find::<web_sys::HtmlElement>(&root, "[data-testid=compare-run]").click();
    // Both runs advance in slices, frame by frame, until both have ended (~a few seconds).
    assert!(
        finished_within(&root, "compare-progress", 1_500).await,
        "the comparison did not finish"
    );
    let table = text(&root, "[data-testid=compare-table]");
    assert!(
        table.contains("retry-storm") && table.contains("retry-storm-fixed"),
        "{table}"
    );
    let wasted = root
        .query_selector_all("[data-testid=compare-table] tbody tr")
        .unwrap();
    let row = (0..wasted.length())
        .map(|i| wasted.item(i).unwrap().dyn_into::<Element>().unwrap())
        .find(|row| {
            row.text_content()
                .unwrap_or_default()
                .starts_with("wasted work")
        })
        .expect("a wasted-work row");
    let cells = row.query_selector_all("td").unwrap();
    let fixed = cells.item(2).unwrap().dyn_into::<Element>().unwrap();
    assert_eq!(
        fixed.class_name(),
        "better",
        "the fix wastes less: {}",
        row.text_content().unwrap()
    );
    // Both designs' lag lines are on the overlay, each in its own colour.
    let canvas: HtmlCanvasElement = find(&root, "canvas[data-chart=compare-lag]");
    for colour in [
        spillway_charts::palette::design(0),
        spillway_charts::palette::design(1),
    ] {
        let drawn = pixels_of(&canvas, (colour.0, colour.1, colour.2));
        assert!(drawn > 30, "too few pixels of {colour:?}: {drawn}");
    }
    handle.destroy();
}

#[wasm_bindgen_test]
async fn the_planner_gives_theory_and_simulation_for_the_scenario_in_the_editor() {
    let (root, handle) = mount(None).await;
    find::<web_sys::HtmlElement>(&root, "[data-testid=planner-toggle]").click();
    settle().await;
    let slo: HtmlInputElement = find(&root, "[data-testid=planner-slo]");
    slo.set_value("p99_queue_wait < 500ms");
    find::<web_sys::HtmlElement>(&root, "[data-testid=planner-run]").click();
    assert!(
        finished_within(&root, "planner-progress", 3_000).await,
        "the plan did not finish"
    );
    let answer = text(&root, "[data-testid=planner-answer]");
    assert!(
        answer.contains("theory says") && answer.contains("simulation says"),
        "{answer}"
    );
    // The simulated points are drawn (the primary colour) on the planner's chart.
    let canvas: HtmlCanvasElement = find(&root, "canvas[data-chart=planner]");
    let blue = spillway_charts::palette::PRIMARY;
    assert!(
        pixels_of(&canvas, (blue.0, blue.1, blue.2)) > 30,
        "no simulated points drawn"
    );
    // A bad SLO is named, not a panic, and the page keeps working.
    slo.set_value("p99_queue_wiat < 1s");
    let event = web_sys::Event::new("input").unwrap();
    slo.dispatch_event(&event).unwrap();
    settle().await;
    find::<web_sys::HtmlElement>(&root, "[data-testid=planner-run]").click();
    settle().await;
    let problem = text(&root, "[data-testid=planner-problem]");
    assert!(problem.contains("p99_queue_wiat"), "{problem}");
    handle.destroy();
}
