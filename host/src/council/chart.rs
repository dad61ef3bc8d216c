//! Bar charts as SVG, with plotters' SVG backend only (no fonts or bitmaps).

use plotters::prelude::*;

/// A bar chart of `bars` (label, value) with a caption, as an `<svg>` element.
pub fn bars(caption: &str, bars: &[(String, i64)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let top = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let count = bars.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(40)
            .build_cartesian_2d((0..count).into_segmented(), 0..top + top / 5 + 1)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = bars.iter().map(|(label, _)| label.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len().max(1))
            .x_label_formatter(&|segment| match segment {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    labels.get(*i as usize).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
                let i = i as i32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0),
                        (SegmentValue::Exact(i + 1), *value),
                    ],
                    RGBColor(31, 119, 180).filled(),
                );
                bar.set_margin(0, 0, 6, 6);
                bar
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_chart_is_an_svg_with_one_bar_per_value_and_its_labels() {
        let svg = super::bars(
            "Cases by sector",
            &[("financials".into(), 3), ("electricity".into(), 1)],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.contains("Cases by sector"));
        assert!(svg.contains("financials") && svg.contains("electricity"));
        assert_eq!(svg.matches(r##"fill="#1F77B4""##).count(), 2, "{svg}");
    }
}
