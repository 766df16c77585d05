//! A provider's published HTTP operations as data: the table `cargo xtask regen` writes into
//! each provider crate (`OPERATIONS`, in `generated/operations.rs`) from its pinned spec, and
//! matching a request path against a template. No provider knowledge, no I/O.

/// What a request body is, by the operation's spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No request body.
    None,
    /// A JSON document.
    Json,
    /// `multipart/form-data` (file uploads).
    Multipart,
    /// Raw bytes (a media upload, an SDP offer).
    Binary,
}

impl BodyKind {
    /// Whether the body may be a large upload (its own size limit).
    pub fn is_upload(self) -> bool {
        matches!(self, BodyKind::Multipart | BodyKind::Binary)
    }
}

/// Where an operation names its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelAt {
    /// Nowhere.
    None,
    /// The JSON body's `model` field.
    Body,
    /// A `model` field of the multipart form.
    Form,
    /// The path variable of this name.
    Path(&'static str),
}

/// One operation: method, path template (`{name}` variables, each one segment, with an
/// optional literal prefix and suffix inside the segment, e.g. `{modelsId}:embedContent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// Upper case: `GET`, `POST`, `DELETE`, `PATCH`, `PUT`.
    pub method: &'static str,
    /// The path as a client sends it, from the root of the host (`/v1/files/{file_id}`).
    pub path: &'static str,
    /// Whether the response may be a stream or a download (not one JSON document).
    pub streams: bool,
    pub body: BodyKind,
    pub model: ModelAt,
}

impl Operation {
    /// The path variables if `path` (without query) matches the template, in order.
    pub fn matches<'p>(&self, path: &'p str) -> Option<Vec<(&'static str, &'p str)>> {
        match_template(self.path, path)
    }

    /// The model named in the path, if the operation names it there and `path` matches.
    pub fn path_model<'p>(&self, path: &'p str) -> Option<&'p str> {
        let ModelAt::Path(name) = self.model else {
            return None;
        };
        self.matches(path)?
            .into_iter()
            .find_map(|(n, v)| (n == name).then_some(v))
    }
}

/// The variables of `path` under `template`, or `None` when it does not match.
pub fn match_template<'p>(
    template: &'static str,
    path: &'p str,
) -> Option<Vec<(&'static str, &'p str)>> {
    let mut vars = Vec::new();
    let mut want = template.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(vars),
            (Some(w), Some(h)) => {
                let Some(open) = w.find('{') else {
                    if w == h {
                        continue;
                    }
                    return None;
                };
                let close = w[open..].find('}')? + open;
                let (prefix, name, suffix) = (&w[..open], &w[open + 1..close], &w[close + 1..]);
                let value = h.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() || (!suffix.is_empty() && value.contains(':')) {
                    return None;
                }
                vars.push((name, value));
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_segments_with_prefixes_and_suffixes() {
        assert_eq!(
            match_template("/v1/files/{file_id}/content", "/v1/files/f-1/content"),
            Some(vec![("file_id", "f-1")])
        );
        assert_eq!(match_template("/v1/files/{file_id}", "/v1/files/"), None);
        assert_eq!(match_template("/v1/files/{file_id}", "/v1/files/a/b"), None);
        assert_eq!(match_template("/v1/files", "/v1/files/x"), None);
        assert_eq!(
            match_template(
                "/v1beta/models/{modelsId}:embedContent",
                "/v1beta/models/m-1:embedContent"
            ),
            Some(vec![("modelsId", "m-1")])
        );
        assert_eq!(
            match_template(
                "/v1beta/models/{modelsId}:embedContent",
                "/v1beta/models/m-1:predict"
            ),
            None
        );
        assert_eq!(
            match_template("/v1beta/models/{modelsId}", "/v1beta/models/m:predict"),
            Some(vec![("modelsId", "m:predict")]),
            "a plain variable takes the whole segment"
        );
    }

    #[test]
    fn the_path_model_is_the_named_variable() {
        let op = Operation {
            method: "POST",
            path: "/v1beta/models/{model}:embedContent",
            streams: false,
            body: BodyKind::Json,
            model: ModelAt::Path("model"),
        };
        assert_eq!(op.path_model("/v1beta/models/g:embedContent"), Some("g"));
        assert_eq!(op.path_model("/v1beta/files"), None);
    }
}
