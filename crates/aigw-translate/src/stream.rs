//! The shape every stream translation has: a state machine fed the upstream's typed events
//! one at a time, emitting the client protocol's events in that protocol's exact order.

use crate::loss::{LossReport, Options, TranslateError};
use serde_json::Value;

/// Folds a translation step's losses into a stream's running report (or refuses, in strict
/// mode).
pub(crate) fn record(
    opts: &Options,
    report: &mut LossReport,
    step: LossReport,
) -> Result<(), TranslateError> {
    if opts.strict && !step.is_empty() {
        return Err(TranslateError::Strict { losses: step });
    }
    report.0.extend(step.0);
    Ok(())
}

/// A translated event's JSON as the client protocol's event type.
pub(crate) fn parse<T: aigw_wire::Json>(value: Value) -> Result<T, TranslateError> {
    T::from_json_value(&value).map_err(TranslateError::Target)
}

/// Translates one upstream event stream into a client event stream.
///
/// Feed every upstream event to [`StreamTranslator::push`] in order, then call
/// [`StreamTranslator::finish`] once when the upstream stream ended (it emits whatever the
/// client protocol still needs: closing events, the usage chunk, `[DONE]`). Losses found along
/// the way accumulate in [`StreamTranslator::losses`]; in strict mode the first loss is an
/// error instead.
pub trait StreamTranslator {
    /// An upstream event.
    type In;
    /// A client event.
    type Out;

    fn push(&mut self, event: &Self::In) -> Result<Vec<Self::Out>, TranslateError>;

    fn finish(&mut self) -> Result<Vec<Self::Out>, TranslateError>;

    fn losses(&self) -> &LossReport;

    /// Runs a whole recorded stream through the translator.
    fn translate_all<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a Self::In>,
    ) -> Result<Vec<Self::Out>, TranslateError>
    where
        Self::In: 'a,
    {
        let mut out = Vec::new();
        for event in events {
            out.extend(self.push(event)?);
        }
        out.extend(self.finish()?);
        Ok(out)
    }
}
