//! Injected faults: a status answer, a cut or stalled body, or a request that never gets an
//! answer.

use crate::MockError;
use std::fmt;
use std::str::FromStr;

/// The request header that sets (or, with `none`, clears) the fault for one request,
/// overriding [`crate::MockConfig::fault`] and [`crate::MockServer::set_fault`].
pub const FAULT_HEADER: &str = "x-mock-fault";

/// A fault injected into a response.
///
/// The text form (`FromStr` / `Display`) is the one of the `x-mock-fault` header and the
/// `--fault` flag: `status:429`, `retry-after:2`, `cut:3`, `stall:2`, `hang`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Answer this status (400–599) with the provider's error body shape; `429` also sends
    /// `retry-after: 0`.
    Status(u16),
    /// Answer 429 with `retry-after: N` (seconds).
    RetryAfter(u64),
    /// Send the response head and the first `N` events of a stream (the first `N` bytes of a
    /// JSON body), then abort the connection mid-body, so the client sees a body error.
    Cut(usize),
    /// Send the response head and the first `N` events (bytes of a JSON body), then nothing
    /// more while keeping the connection open.
    Stall(usize),
    /// Never send the response head.
    Hang,
}

impl Fault {
    /// Parses a header value, where `none` (or an empty value) means "no fault" and overrides
    /// a configured one.
    pub fn parse_override(text: &str) -> Result<Option<Fault>, MockError> {
        match text.trim() {
            "" | "none" => Ok(None),
            other => other.parse().map(Some),
        }
    }
}

impl FromStr for Fault {
    type Err = MockError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || MockError::InvalidFault(text.to_owned());
        let text = text.trim();
        if text == "hang" {
            return Ok(Fault::Hang);
        }
        let (kind, arg) = text.split_once(':').ok_or_else(invalid)?;
        match kind {
            "status" => {
                let code: u16 = arg.parse().map_err(|_| invalid())?;
                if (400..=599).contains(&code) {
                    Ok(Fault::Status(code))
                } else {
                    Err(invalid())
                }
            }
            "retry-after" => arg.parse().map(Fault::RetryAfter).map_err(|_| invalid()),
            "cut" => arg.parse().map(Fault::Cut).map_err(|_| invalid()),
            "stall" => arg.parse().map(Fault::Stall).map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status(code) => write!(f, "status:{code}"),
            Fault::RetryAfter(secs) => write!(f, "retry-after:{secs}"),
            Fault::Cut(n) => write!(f, "cut:{n}"),
            Fault::Stall(n) => write!(f, "stall:{n}"),
            Fault::Hang => f.write_str("hang"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_every_form() {
        for (text, fault) in [
            ("status:429", Fault::Status(429)),
            ("retry-after:2", Fault::RetryAfter(2)),
            ("cut:3", Fault::Cut(3)),
            ("stall:0", Fault::Stall(0)),
            ("hang", Fault::Hang),
        ] {
            assert_eq!(text.parse::<Fault>().unwrap(), fault);
            assert_eq!(fault.to_string(), text);
        }
    }

    #[test]
    fn rejects_bad_forms() {
        for text in [
            "",
            "status",
            "status:200",
            "status:x",
            "cut:-1",
            "nap:1",
            "hang:1",
        ] {
            assert!(text.parse::<Fault>().is_err(), "{text}");
        }
    }

    #[test]
    fn none_overrides() {
        assert_eq!(Fault::parse_override("none").unwrap(), None);
        assert_eq!(
            Fault::parse_override(" cut:2 ").unwrap(),
            Some(Fault::Cut(2))
        );
        assert!(Fault::parse_override("bogus").is_err());
    }
}
