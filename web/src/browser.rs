//! The browser around the app: local storage, the URL fragment, the clipboard, downloads and
//! the colour-scheme preference. Failures here never lose the user's work: each falls back
//! to doing nothing and says so where it matters.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, Url};

use crate::share::SharedRun;
use crate::state::ThemeChoice;

const RUN_KEY: &str = "spillway.run";
const THEME_KEY: &str = "spillway.theme";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What the page opens with: the link's run if the URL has one, else the saved one.
/// A damaged link gives a problem to show (and the saved run, so nothing is lost).
pub fn initial_run() -> (Option<SharedRun>, Option<String>) {
    let fragment = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let saved = || {
        storage()
            .and_then(|s| s.get_item(RUN_KEY).ok().flatten())
            .and_then(|text| SharedRun::decode(&text).ok())
    };
    match SharedRun::from_fragment(&fragment) {
        Some(Ok(run)) => (Some(run), None),
        Some(Err(problem)) => (
            saved(),
            Some(format!(
                "This link could not be opened: {problem}. Showing your last scenario instead."
            )),
        ),
        None => (saved(), None),
    }
}

/// Saves the run in local storage and puts it in the address bar (without a new history entry).
pub fn save_run(run: &SharedRun) {
    let encoded = run.encode();
    if let Some(storage) = storage() {
        let _ = storage.set_item(RUN_KEY, &encoded);
    }
    if let Some(window) = web_sys::window() {
        if let Ok(history) = window.history() {
            let fragment = run.to_fragment();
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&fragment));
        }
    }
}

const DRAFT_KEY: &str = "spillway.draft";

/// Keeps an editor draft that does not validate yet, with the scenario text it was edited
/// from, so a reload brings it back; `None` forgets it.
pub fn save_draft(base: &str, draft: Option<&str>) {
    let Some(storage) = storage() else {
        return;
    };
    let _ = match draft {
        Some(draft) => storage.set_item(
            DRAFT_KEY,
            &serde_json::json!({ "base": base, "draft": draft }).to_string(),
        ),
        None => storage.remove_item(DRAFT_KEY),
    };
}

/// The saved draft, if it was edited from `base` (the scenario the page opened with).
pub fn saved_draft(base: &str) -> Option<String> {
    let text = storage()?.get_item(DRAFT_KEY).ok().flatten()?;
    let saved: serde_json::Value = serde_json::from_str(&text).ok()?;
    (saved["base"].as_str()? == base).then(|| saved["draft"].as_str().map(str::to_string))?
}

/// The full share URL for `run`.
pub fn share_url(run: &SharedRun) -> String {
    let base = web_sys::window()
        .and_then(|w| {
            let location = w.location();
            Some(format!(
                "{}{}",
                location.origin().ok()?,
                location.pathname().ok()?
            ))
        })
        .unwrap_or_default();
    format!("{base}{}", run.to_fragment())
}

/// Copies `text` to the clipboard if the browser allows it; returns whether it tried.
pub fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = window.navigator().clipboard();
    let _ = clipboard.write_text(text);
    true
}

/// The saved theme, else the system's preference.
pub fn initial_theme() -> ThemeChoice {
    let saved = storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten());
    match saved.as_deref() {
        Some("dark") => ThemeChoice::Dark,
        Some("light") => ThemeChoice::Light,
        _ => {
            let prefers_dark = web_sys::window()
                .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
                .is_some_and(|query| query.matches());
            if prefers_dark {
                ThemeChoice::Dark
            } else {
                ThemeChoice::Light
            }
        }
    }
}

/// Applies and remembers the theme.
pub fn apply_theme(theme: ThemeChoice) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme.name());
    }
    if let Some(storage) = storage() {
        let _ = storage.set_item(THEME_KEY, theme.name());
    }
}

/// Offers `contents` as a file download.
pub fn download_text(filename: &str, mime: &str, contents: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    if let Ok(blob) = Blob::new_with_str_sequence_and_options(&parts, &options) {
        if let Ok(url) = Url::create_object_url_with_blob(&blob) {
            download_url(filename, &url);
            // Revoked later: the browser may still be reading it when the click returns.
            gloo_timers::callback::Timeout::new(60_000, move || {
                let _ = Url::revoke_object_url(&url);
            })
            .forget();
        }
    }
}

fn download_url(filename: &str, url: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(anchor) = document.create_element("a") {
        let anchor: HtmlAnchorElement = anchor.unchecked_into();
        anchor.set_href(url);
        anchor.set_download(filename);
        anchor.click();
    }
}

/// Stacks the chart canvases into one PNG, each on its own row, and downloads it.
pub fn download_charts_png(filename: &str, canvases: &[HtmlCanvasElement], background: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let width = canvases.iter().map(|c| c.width()).max().unwrap_or(0);
    let height: u32 = canvases.iter().map(|c| c.height()).sum();
    let Some(sheet) = document
        .create_element("canvas")
        .ok()
        .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
    else {
        return;
    };
    sheet.set_width(width);
    sheet.set_height(height);
    let Some(context) = sheet
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    context.set_fill_style_str(background);
    context.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
    let mut y = 0.0;
    for canvas in canvases {
        let _ = context.draw_image_with_html_canvas_element(canvas, 0.0, y);
        y += f64::from(canvas.height());
    }
    if let Ok(url) = sheet.to_data_url_with_type("image/png") {
        download_url(filename, &url);
    }
}
