//! The corpus conformance harness over `AIGW_CORPUS` (default `../shared/corpus/dev`): every
//! exchange of a provider with generated types must round-trip. A missing corpus prints a skip
//! notice (it never passes silently with nothing checked).

use aigw_conformance::{Options, Outcome, run};
use aigw_workspace_tests::corpus_dir;

#[test]
fn every_openai_exchange_round_trips() {
    let corpus = corpus_dir();
    if !corpus.is_dir() {
        eprintln!(
            "SKIPPED corpus conformance: no corpus at {} (set AIGW_CORPUS to the recorded exchanges)",
            corpus.display()
        );
        return;
    }
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

    // Every OpenAI and OpenAI-compatible exchange was checked, none skipped.
    let typed_providers = ["openai", "openai-compat"];
    let openai_cases = report
        .cases
        .iter()
        .filter(|c| typed_providers.contains(&c.provider.as_str()));
    let (checked, total) = openai_cases.fold((0, 0), |(checked, total), c| {
        (
            checked + usize::from(matches!(c.outcome, Outcome::Passed { .. })),
            total + 1,
        )
    });
    assert!(
        total > 0,
        "the corpus at {} has no OpenAI exchanges",
        corpus.display()
    );
    assert_eq!(checked, total);
    // Exchanges of providers without generated types are counted as skipped, not passed.
    for case in &report.cases {
        if !typed_providers.contains(&case.provider.as_str()) {
            assert!(
                matches!(case.outcome, Outcome::Skipped(_)),
                "{}",
                case.file.display()
            );
        }
    }
}
