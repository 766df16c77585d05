//! Gemini's resumable uploads: the `start` request is authenticated like any other, and its
//! answer names the URL the file's bytes go to (`x-goog-upload-url`, pointed at the
//! gateway). Clients send those bytes without their key (google-genai does: at Google the
//! upload URL's `upload_id` is itself the capability), so the gateway remembers each
//! upload id it handed out — with the caller and the provider — and lets a request carrying
//! that id continue the upload as that caller, with that provider. In memory, per replica,
//! for [`TTL`]; forgotten after `finalize` or `cancel`.

use aigw_governance::Caller;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long an upload id stays usable (Google keeps an upload session a week; an upload
/// through the gateway is expected to finish within a day).
pub const TTL: Duration = Duration::from_secs(24 * 3600);
/// Uploads remembered at most (expired ones are dropped first).
const MAX: usize = 100_000;

/// Who started an upload, and where.
#[derive(Clone, Debug)]
pub struct Grant {
    pub caller: Caller,
    pub provider: String,
    pub key: usize,
    expires: Instant,
}

/// The upload ids handed out.
#[derive(Clone, Debug, Default)]
pub struct Uploads(Arc<Mutex<HashMap<String, Grant>>>);

/// The `upload_id` of a query.
pub fn upload_id(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("upload_id="))
        .filter(|id| !id.is_empty())
}

impl Uploads {
    /// Remembers the upload id of `url` (the rewritten `x-goog-upload-url`).
    pub fn grant(&self, url: &str, caller: Caller, provider: String, key: usize) {
        let Some(id) = upload_id(url.split_once('?').map(|(_, q)| q)) else {
            return;
        };
        let now = Instant::now();
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX {
            map.retain(|_, g| g.expires > now);
            if map.len() >= MAX {
                return;
            }
        }
        map.insert(
            id.to_owned(),
            Grant {
                caller,
                provider,
                key,
                expires: now + TTL,
            },
        );
    }

    /// The grant of upload `id`, if it was handed out and has not expired; `done` (the
    /// request finalizes or cancels it) forgets it.
    pub fn take(&self, id: &str, done: bool) -> Option<Grant> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let grant = if done {
            map.remove(id)?
        } else {
            map.get(id)?.clone()
        };
        (grant.expires > Instant::now()).then_some(grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_id_is_usable_until_finalized() {
        let uploads = Uploads::default();
        let caller = Caller::Anonymous;
        uploads.grant(
            "http://gw/upload/v1beta/files?upload_id=abc&upload_protocol=resumable",
            caller,
            "gemini".into(),
            0,
        );
        assert!(uploads.take("nope", false).is_none());
        assert!(uploads.take("abc", false).is_some());
        assert!(uploads.take("abc", true).is_some());
        assert!(uploads.take("abc", false).is_none(), "finalized: forgotten");
        assert_eq!(upload_id(Some("a=1&upload_id=x")), Some("x"));
        assert_eq!(upload_id(Some("upload_id=")), None);
    }
}
