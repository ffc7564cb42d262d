//! Pareto fronts of area against throughput, and an SVG scatter plot of them.

use std::fmt::Write as _;

#[derive(Clone, Debug, serde::Serialize)]
pub struct Point {
    pub label: String,
    /// Smaller is better.
    pub area: f64,
    /// Larger is better.
    pub throughput: f64,
}

/// Indices of the points no other point beats (area no larger and throughput no smaller, one
/// of them strictly), sorted by area.
pub fn pareto(points: &[Point]) -> Vec<usize> {
    let mut front: Vec<usize> = (0..points.len())
        .filter(|&i| {
            let p = &points[i];
            !points.iter().any(|q| {
                q.area <= p.area
                    && q.throughput >= p.throughput
                    && (q.area < p.area || q.throughput > p.throughput)
            })
        })
        .collect();
    front.sort_by(|&a, &b| points[a].area.total_cmp(&points[b].area));
    front
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A log-log scatter of every point, the front joined by a line and labelled.
pub fn svg(points: &[Point], front: &[usize], title: &str, x_label: &str, y_label: &str) -> String {
    let (w, h, m) = (900.0, 600.0, 80.0);
    let finite: Vec<&Point> = points
        .iter()
        .filter(|p| p.area > 0.0 && p.throughput > 0.0)
        .collect();
    let lx = |v: f64| v.max(1e-12).log10();
    let (x0, x1) = bounds(finite.iter().map(|p| lx(p.area)));
    let (y0, y1) = bounds(finite.iter().map(|p| lx(p.throughput)));
    let px = |v: f64| m + (lx(v) - x0) / (x1 - x0) * (w - 2.0 * m);
    let py = |v: f64| h - m - (lx(v) - y0) / (y1 - y0) * (h - 2.0 * m);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="30" font-size="16" text-anchor="middle">{}</text>"#,
        w / 2.0,
        esc(title)
    );
    let _ = writeln!(
        s,
        r#"<line x1="{m}" y1="{b}" x2="{r}" y2="{b}" stroke="black"/><line x1="{m}" y1="{m}" x2="{m}" y2="{b}" stroke="black"/>"#,
        b = h - m,
        r = w - m
    );
    for (d0, d1, horizontal) in [(x0, x1, true), (y0, y1, false)] {
        let mut e = d0.floor();
        while e <= d1.ceil() {
            for mult in [1.0, 2.0, 5.0] {
                let v = mult * 10f64.powf(e);
                let lv = v.log10();
                if lv < d0 || lv > d1 {
                    continue;
                }
                let label = if v >= 1e6 {
                    format!("{:.0}M", v / 1e6)
                } else if v >= 1e3 {
                    format!("{:.0}k", v / 1e3)
                } else {
                    format!("{v}")
                };
                if horizontal {
                    let x = px(v);
                    let _ = writeln!(
                        s,
                        r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="black"/><text x="{x}" y="{}" text-anchor="middle">{label}</text>"#,
                        h - m,
                        h - m + 5.0,
                        h - m + 20.0
                    );
                } else {
                    let y = py(v);
                    let _ = writeln!(
                        s,
                        r#"<line x1="{}" y1="{y}" x2="{m}" y2="{y}" stroke="black"/><text x="{}" y="{}" text-anchor="end">{label}</text>"#,
                        m - 5.0,
                        m - 8.0,
                        y + 4.0
                    );
                }
            }
            e += 1.0;
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        w / 2.0,
        h - 25.0,
        esc(x_label)
    );
    let _ = writeln!(
        s,
        r#"<text x="20" y="{}" text-anchor="middle" transform="rotate(-90 20 {})">{}</text>"#,
        h / 2.0,
        h / 2.0,
        esc(y_label)
    );
    let line: Vec<String> = front
        .iter()
        .map(|&i| format!("{:.1},{:.1}", px(points[i].area), py(points[i].throughput)))
        .collect();
    if line.len() > 1 {
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="red" stroke-width="2"/>"#,
            line.join(" ")
        );
    }
    for (i, p) in points.iter().enumerate() {
        if p.area <= 0.0 || p.throughput <= 0.0 {
            continue;
        }
        let on = front.contains(&i);
        let _ = writeln!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{}" fill="{}"><title>{}</title></circle>"#,
            px(p.area),
            py(p.throughput),
            if on { 6 } else { 4 },
            if on { "red" } else { "steelblue" },
            esc(&p.label)
        );
        if on {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
                px(p.area) + 8.0,
                py(p.throughput) - 6.0,
                esc(&p.label)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn bounds(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in v {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(0.1);
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(label: &str, area: f64, throughput: f64) -> Point {
        Point {
            label: label.into(),
            area,
            throughput,
        }
    }

    #[test]
    fn front_keeps_only_undominated_points() {
        let pts = vec![
            p("a", 10.0, 1.0),
            p("b", 20.0, 5.0),
            p("c", 30.0, 4.0),
            p("d", 20.0, 2.0),
            p("e", 5.0, 0.5),
        ];
        assert_eq!(pareto(&pts), vec![4, 0, 1]);
        let svg = svg(&pts, &pareto(&pts), "t", "area", "throughput");
        assert!(
            svg.starts_with("<svg")
                && svg.contains("polyline")
                && svg.trim_end().ends_with("</svg>")
        );
    }
}
