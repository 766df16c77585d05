//! The dashboard's files, embedded at build time from `crates/aigw-gateway/ui/`.

pub const INDEX_HTML: &str = include_str!("../../ui/index.html");
pub const LOGIN_HTML: &str = include_str!("../../ui/login.html");

/// The content type and bytes of `/ui/<file>`.
pub fn find(file: &str) -> Option<(&'static str, &'static str)> {
    Some(match file {
        "app.css" => ("text/css; charset=utf-8", include_str!("../../ui/app.css")),
        "app.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../ui/app.js"),
        ),
        "chart.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../ui/chart.js"),
        ),
        _ => return None,
    })
}
