//! The corpus conformance harness over `AIGW_CORPUS` (default `../shared/corpus/dev`): every
//! exchange of a provider with generated types must round-trip. A missing corpus prints a skip
//! notice (it never passes silently with nothing checked).

use aigw_conformance::{Options, Outcome, run};
use aigw_workspace_tests::corpus_or_skip;

#[test]
fn every_recorded_exchange_round_trips() {
    let Some(corpus) = corpus_or_skip("corpus conformance") else {
        return;
    };
    let report = run(&Options {
        corpus: corpus.clone(),
        provider: None,
        api: None,
    })
    .expect("harness runs");
    println!("{}", report.render(false));
    assert_eq!(
        report.failed(),
        0,
        "conformance failures:\n{}",
        report.render(false)
    );

    // Every provider has generated types now: nothing may be skipped, and each provider's
    // exchanges are all checked.
    for provider in ["openai", "openai-compat", "anthropic", "gemini"] {
        let cases: Vec<_> = report
            .cases
            .iter()
            .filter(|c| c.provider == provider)
            .collect();
        assert!(
            !cases.is_empty(),
            "the corpus at {} has no {provider} exchanges",
            corpus.display()
        );
        for case in cases {
            assert!(
                matches!(case.outcome, Outcome::Passed { .. }),
                "{}: {:?}",
                case.file.display(),
                case.outcome
            );
        }
    }
    assert_eq!(report.skipped(), 0);
}
