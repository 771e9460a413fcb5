//! The stateful fuzzer's CI slice: a seeded sequence of at least 10,000 contract calls, every
//! rule of `ehr_drink_tests::fuzz` checked after each call. The long run (a million calls and
//! more) is `scripts/fuzz.sh`. Every violation the fuzzer ever found stays below as a named
//! regression test, pasted from the fuzzer's output.

use crate::BundleProvider;
use drink::session::ContractBundle;
use ehr_drink_tests::fuzz::{self, Config, MESSAGES};

fn bundle() -> ContractBundle {
    BundleProvider::Ehr
        .bundle()
        .expect("the contract bundle was built")
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Invariant: over 10,000 seeded calls, every call's outcome is the model's and every rule in
/// the fuzzer's docs holds; and the sequence is meaningful: every state-changing message
/// succeeds at least once and is refused at least once.
#[test]
fn fuzz_slice_holds_every_rule() {
    // given
    let mut config = Config::new(
        env_or("EHR_FUZZ_SEED", 20_261_125),
        env_or("EHR_FUZZ_CALLS", 10_000),
    );
    config.checks.sweep_every = 250;

    // when
    let report = fuzz::run(bundle(), config);

    // then
    if let Some(failure) = &report.failure {
        panic!(
            "{}\nshrunk to {} steps: {}\n\n{}",
            failure.violation,
            failure.shrunk.len(),
            failure.shrunk_violation,
            failure.regression_test("fuzz_regression_name_me")
        );
    }
    let stats = &report.stats;
    println!(
        "fuzz slice: {} calls, {} time steps, {} queries, {} sweeps in {:.1} s",
        stats.calls,
        stats.time_steps,
        stats.queries,
        stats.sweeps,
        report.elapsed.as_secs_f64()
    );
    for message in MESSAGES {
        assert!(
            stats.succeeded.get(message).is_some_and(|&count| count > 0),
            "`{message}` never succeeded"
        );
        assert!(
            stats.refused.contains_key(message),
            "`{message}` was never refused"
        );
    }
}
