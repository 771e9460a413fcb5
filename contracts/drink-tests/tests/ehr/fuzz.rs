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

// Regression tests: sequences the fuzzer found and shrank, pasted from its output. Each passes on
// the contract as it is; each failed on a mutant with one guard removed (`scripts/fuzz.sh
// --mutants-only`, docs/fuzzing.md), so each guards that rule by name.

/// Found by the fuzzer on the `double-booking` mutant (seed 2, after 121 calls): the second
/// booking of doctor 4's slot succeeded (the model predicted `SlotAlreadyBooked`).
#[test]
fn fuzz_regression_double_booking() {
    use ehr_drink_tests::fuzz::{Action::*, Label::*};
    ehr_drink_tests::fuzz::assert_holds(
        bundle(),
        &[
            AddVerifier {
                caller: 0,
                verifier: 1,
            },
            RegisterDoctor {
                caller: 4,
                name: Cardiology,
                specialty: Cardiology,
                slot_minutes: 30,
            },
            VerifyDoctor {
                caller: 1,
                doctor: 4,
            },
            RegisterPatient { caller: 11 },
            RegisterPatient { caller: 13 },
            PublishAvailability {
                caller: 4,
                start: 1711328400000,
                end: 1711344600000,
            },
            BookAppointment {
                caller: 11,
                doctor: 4,
                start: 1711342800000,
            },
            BookAppointment {
                caller: 13,
                doctor: 4,
                start: 1711342800000,
            },
        ],
    );
}

/// Found by the fuzzer on the `upload-without-rotation` mutant (seed 1, after 218 calls): a
/// day after doctor 6's grant ran out, the patient's upload under the key the doctor still holds
/// succeeded (the model predicted `RotationRequired`).
#[test]
fn fuzz_regression_upload_after_grant_expiry() {
    use ehr_drink_tests::fuzz::{Action::*, Label::*};
    ehr_drink_tests::fuzz::assert_holds(
        bundle(),
        &[
            AddVerifier {
                caller: 0,
                verifier: 1,
            },
            RegisterDoctor {
                caller: 6,
                name: Cardiology,
                specialty: CardiologySpaced,
                slot_minutes: 60,
            },
            VerifyDoctor {
                caller: 1,
                doctor: 6,
            },
            RegisterPatient { caller: 12 },
            GrantAccess {
                caller: 12,
                doctor: 6,
                write: true,
                expires_at: 1710806400000,
                key_len: 80,
            },
            AdvanceTime { ms: 86400000 },
            UploadDocument {
                caller: 12,
                patient: 12,
                cid_len: 60,
                key_len: 80,
                supersedes: None,
            },
        ],
    );
}
