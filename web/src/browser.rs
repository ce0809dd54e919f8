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

/// A chart's title and legend, drawn above its canvas in the PNG export (on the page they
/// are HTML around the canvas).
pub struct Caption {
    pub title: String,
    /// Legend entries: label and CSS colour.
    pub keys: Vec<(String, String)>,
}

/// Lays the chart canvases out as on the page — rows as wide as the widest canvas, narrower
/// ones side by side — each under its title and legend, into one PNG, and downloads it.
pub fn download_charts_png(
    filename: &str,
    charts: &[(HtmlCanvasElement, &Caption)],
    background: &str,
    text: &str,
) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let pixel_ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let caption_height = (22.0 * pixel_ratio).round();
    let gap = (8.0 * pixel_ratio).round();
    let width = charts.iter().map(|(c, _)| c.width()).max().unwrap_or(0);
    let slots = layout(
        charts
            .iter()
            .map(|(c, _)| (f64::from(c.width()), f64::from(c.height()) + caption_height)),
        f64::from(width),
        gap,
    );
    let height = slots.iter().map(|(_, y, h)| y + h).fold(0.0, f64::max);
    let Some(sheet) = document
        .create_element("canvas")
        .ok()
        .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
    else {
        return;
    };
    sheet.set_width(width);
    sheet.set_height(height.ceil() as u32);
    let Some(context) = sheet
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    context.set_fill_style_str(background);
    context.fill_rect(0.0, 0.0, f64::from(width), height);
    context.set_text_baseline("middle");
    let font_px = 13.0 * pixel_ratio;
    for ((canvas, caption), (x, y, _)) in charts.iter().zip(&slots) {
        let middle = y + caption_height / 2.0;
        context.set_font(&format!("600 {font_px}px sans-serif"));
        context.set_fill_style_str(text);
        let title_x = x + 6.0 * pixel_ratio;
        let _ = context.fill_text(&caption.title, title_x, middle);
        let title_end = title_x
            + context
                .measure_text(&caption.title)
                .map_or(0.0, |m| m.width());
        // The legend, right-aligned like on the page; keys that would run into the title
        // are left out rather than drawn over it.
        context.set_font(&format!("{}px sans-serif", 12.0 * pixel_ratio));
        let mut right = x + f64::from(canvas.width()) - 6.0 * pixel_ratio;
        for (label, color) in caption.keys.iter().rev() {
            let label_width = context.measure_text(label).map_or(0.0, |m| m.width());
            if right - label_width - 16.0 * pixel_ratio < title_end + 12.0 * pixel_ratio {
                break;
            }
            right -= label_width;
            context.set_fill_style_str(text);
            let _ = context.fill_text(label, right, middle);
            right -= 16.0 * pixel_ratio;
            context.set_fill_style_str(color);
            context.fill_rect(
                right,
                middle - 1.5 * pixel_ratio,
                12.0 * pixel_ratio,
                3.0 * pixel_ratio,
            );
            right -= 10.0 * pixel_ratio;
        }
        let _ = context.draw_image_with_html_canvas_element(canvas, *x, y + caption_height);
    }
    if let Ok(url) = sheet.to_data_url_with_type("image/png") {
        download_url(filename, &url);
    }
}

/// Places boxes of the given (width, height) left to right in rows at most `width` wide:
/// each box's (x, y, height).
fn layout(boxes: impl Iterator<Item = (f64, f64)>, width: f64, gap: f64) -> Vec<(f64, f64, f64)> {
    let mut slots = Vec::new();
    let (mut x, mut y, mut row_height) = (0.0, 0.0, 0.0f64);
    for (w, h) in boxes {
        if x > 0.0 && x + w > width + gap {
            x = 0.0;
            y += row_height + gap;
            row_height = 0.0;
        }
        slots.push((x, y, h));
        x += w + gap;
        row_height = row_height.max(h);
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::layout;

    #[test]
    fn the_png_layout_puts_the_headline_alone_and_the_rest_in_pairs() {
        // A 1000-wide headline, then five half-width charts (a pixel of rounding each).
        let boxes = [(1000.0, 300.0)]
            .into_iter()
            .chain(std::iter::repeat_n((497.0, 200.0), 5));
        let slots = layout(boxes, 1000.0, 8.0);
        let at: Vec<(f64, f64)> = slots.iter().map(|(x, y, _)| (*x, *y)).collect();
        assert_eq!(
            at,
            [
                (0.0, 0.0),
                (0.0, 308.0),
                (505.0, 308.0),
                (0.0, 516.0),
                (505.0, 516.0),
                (0.0, 724.0)
            ]
        );
    }
}
