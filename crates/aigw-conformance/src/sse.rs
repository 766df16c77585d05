//! The `data:` payloads of a recorded event stream.
//!
//! A deliberately small reader for recorded, complete streams (LF/CR/CRLF line ends, comments,
//! multi-line `data`); the incremental, limit-enforcing decoder belongs to `aigw-sse`.

/// One dispatched event: its `event:` name (if any) and joined `data:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub event: Option<String>,
    pub data: String,
}

/// Splits a complete event stream into events, following the WHATWG field rules.
pub fn events(stream: &str) -> Vec<Event> {
    let text = stream.strip_prefix('\u{feff}').unwrap_or(stream);
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = Vec::new();
    let mut event = None;
    let mut data: Option<String> = None;
    for line in normalized.split('\n') {
        if line.is_empty() {
            if let Some(data) = data.take() {
                out.push(Event {
                    event: event.take(),
                    data,
                });
            }
            event = None;
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => event = Some(value.to_owned()),
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
    if let Some(data) = data {
        out.push(Event { event, data });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_events_and_joins_data_lines() {
        let got = events(
            ": ping\r\nevent: a\r\ndata: {\"x\":1}\r\n\r\ndata:1\ndata: 2\n\ndata: [DONE]\n\n",
        );
        assert_eq!(
            got,
            vec![
                Event {
                    event: Some("a".into()),
                    data: "{\"x\":1}".into()
                },
                Event {
                    event: None,
                    data: "1\n2".into()
                },
                Event {
                    event: None,
                    data: "[DONE]".into()
                },
            ]
        );
    }
}
