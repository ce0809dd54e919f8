//! Charts as SVG documents: the same drawing functions, an SVG backend.

use plotters_svg::SVGBackend;

/// Runs `draw` on an SVG canvas of `size` (width, height in pixels) and returns the document,
/// or the drawing's error as text.
pub fn render<E: std::fmt::Debug>(
    size: (u32, u32),
    draw: impl FnOnce(SVGBackend<'_>) -> Result<(), E>,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let backend = SVGBackend::with_string(&mut out, size);
        draw(backend).map_err(|error| format!("{error:?}"))?;
    }
    Ok(out)
}
