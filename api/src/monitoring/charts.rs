//! The dashboard's charts, drawn on the server as SVG: readable without JavaScript, each with a
//! title and a text alternative (`<title>`, `<desc>`, `role="img"`), the page putting the data
//! table under it. Every text drawn is XML-escaped here.

use std::fmt::Write as _;

use time::Date;

/// Escapes text for SVG content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number the French way: one decimal at most, a comma.
pub fn number_fr(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}").replace('.', ",")
    }
}

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut short: String = label.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

/// One bar: its label, and its value (`None`: no data, drawn as such).
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
}

const BLUE: &str = "#000091";
const RED: &str = "#c9191e";
const GREEN: &str = "#18753c";
const GREY: &str = "#666666";

fn open_svg(out: &mut String, id: &str, width: u32, height: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="graphique" role="img" aria-labelledby="{id}-titre {id}-desc" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" font-family="Marianne, Arial, sans-serif" font-size="12"><title id="{id}-titre">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
}

/// A horizontal bar chart, one bar per label; `unit` follows each value (" j", " %").
pub fn bars(
    id: &str,
    title: &str,
    desc: &str,
    bars: &[Bar],
    unit: &str,
    colour_red: bool,
) -> String {
    const LABEL: u32 = 250;
    const WIDTH: u32 = 640;
    const ROW: u32 = 26;
    let plot = f64::from(WIDTH - LABEL - 70);
    let height = ROW * bars.len().max(1) as u32 + 10;
    let max = bars
        .iter()
        .filter_map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let mut out = String::new();
    open_svg(&mut out, id, WIDTH, height, title, desc);
    if bars.is_empty() {
        let _ = write!(
            out,
            r#"<text x="0" y="20" fill="{GREY}">Aucune donnée sur la période.</text>"#
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = 5 + ROW * i as u32;
        let _ = write!(
            out,
            r#"<g><title>{}</title><text x="{}" y="{}" text-anchor="end">{}</text>"#,
            escape(&bar.label),
            LABEL - 8,
            y + 16,
            escape(&shorten(&bar.label, 32))
        );
        match bar.value {
            Some(value) => {
                let w = (value / max * plot).max(1.0);
                let colour = if colour_red { RED } else { BLUE };
                let _ = write!(
                    out,
                    r#"<rect x="{LABEL}" y="{}" width="{w:.1}" height="{}" fill="{colour}"></rect><text x="{:.1}" y="{}">{}{}</text>"#,
                    y + 3,
                    ROW - 8,
                    f64::from(LABEL) + w + 6.0,
                    y + 16,
                    number_fr(value),
                    escape(unit)
                );
            }
            None => {
                let _ = write!(
                    out,
                    r#"<text x="{LABEL}" y="{}" fill="{GREY}">pas de donnée</text>"#,
                    y + 16
                );
            }
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// One line of a trend chart.
pub struct Series {
    pub name: &'static str,
    pub values: Vec<u64>,
}

/// A line chart over weeks, one line per series, with a legend.
pub fn trend(id: &str, title: &str, desc: &str, weeks: &[Date], series: &[Series]) -> String {
    const WIDTH: u32 = 720;
    const HEIGHT: u32 = 300;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 10.0;
    const TOP: f64 = 30.0;
    const BOTTOM: f64 = 40.0;
    let colours = [BLUE, GREEN, RED, GREY];
    let plot_w = f64::from(WIDTH) - LEFT - RIGHT;
    let plot_h = f64::from(HEIGHT) - TOP - BOTTOM;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x = |i: usize| {
        if weeks.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (weeks.len() - 1) as f64
        }
    };
    let y = |v: u64| TOP + plot_h - plot_h * v as f64 / max;
    let mut out = String::new();
    open_svg(&mut out, id, WIDTH, HEIGHT, title, desc);
    // Axes, the scale and the first and last weeks.
    let _ = write!(
        out,
        r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="{GREY}"></line><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="{GREY}"></line><text x="{t}" y="{top}" text-anchor="end">{max}</text><text x="{t}" y="{b}" text-anchor="end">0</text>"#,
        b = TOP + plot_h,
        r = LEFT + plot_w,
        t = LEFT - 4.0,
        top = TOP + 4.0,
        max = max as u64,
    );
    if let (Some(first), Some(last)) = (weeks.first(), weeks.last()) {
        let label = |d: &Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
        let _ = write!(
            out,
            r#"<text x="{LEFT}" y="{y}">{}</text><text x="{r}" y="{y}" text-anchor="end">{}</text>"#,
            label(first),
            label(last),
            y = TOP + plot_h + 16.0,
            r = LEFT + plot_w,
        );
    }
    for (n, s) in series.iter().enumerate() {
        let colour = colours[n % colours.len()];
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"><title>{}</title></polyline>"#,
            points.join(" "),
            escape(s.name)
        );
        let lx = LEFT + 170.0 * n as f64;
        let _ = write!(
            out,
            r#"<rect x="{lx}" y="8" width="14" height="4" fill="{colour}"></rect><text x="{}" y="14">{}</text>"#,
            lx + 18.0,
            escape(s.name)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_are_french() {
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(number_fr(2.5), "2,5");
        assert_eq!(number_fr(3.0), "3");
        assert_eq!(number_fr(66.666), "66,7");
    }

    #[test]
    fn a_bar_chart_has_its_title_and_text_alternative() {
        let svg = bars(
            "delais",
            "Délai médian",
            "La CAF répond en 3 jours",
            &[
                Bar {
                    label: "CAF <62>".into(),
                    value: Some(3.0),
                },
                Bar {
                    label: "CPAM".into(),
                    value: None,
                },
            ],
            " j",
            false,
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"<title id="delais-titre">Délai médian</title>"#));
        assert!(svg.contains(r#"<desc id="delais-desc">La CAF répond en 3 jours</desc>"#));
        assert!(svg.contains("CAF &lt;62&gt;"));
        assert!(svg.contains("3 j"));
        assert!(svg.contains("pas de donnée"));
    }

    #[test]
    fn a_trend_has_one_line_per_series() {
        let weeks = [
            time::macros::date!(2026 - 05 - 04),
            time::macros::date!(2026 - 05 - 11),
        ];
        let svg = trend(
            "tendance",
            "Par semaine",
            "Envoyées : 2 puis 6",
            &weeks,
            &[
                Series {
                    name: "Envoyées",
                    values: vec![2, 6],
                },
                Series {
                    name: "Terminées",
                    values: vec![0, 1],
                },
            ],
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("04/05/2026") && svg.contains("11/05/2026"));
    }
}
