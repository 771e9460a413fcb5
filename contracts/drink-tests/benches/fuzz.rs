//! The stateful fuzzer's long run: `--calls` contract calls split over `--shards` seeded
//! sequences run side by side (one per core), each checked after every call (see
//! `ehr_drink_tests::fuzz`). Prints a Markdown report: calls/s, how often each message
//! succeeded and was refused (by error), and every violation found, shrunk to a regression test.
//!
//! ```text
//! cargo bench --bench fuzz -- --calls 1000000 --shards 2 --seed 1
//! ```
//! `--refusals-only` compares success against refusal but not the error variant (see
//! `fuzz::Checks::exact_errors`). Exits with status 1 when a violation was found
//! (`scripts/fuzz.sh` reads that for the mutation check).

use std::{collections::BTreeMap, process::ExitCode, time::Instant};

use ehr_drink_tests::{
    fuzz::{self, Config, Stats, MESSAGES},
    group,
};

#[drink::contract_bundle_provider]
enum BundleProvider {}

struct Options {
    calls: u64,
    shards: u64,
    seed: u64,
    sweep_every: u64,
    shrink_seconds: u64,
    exact_errors: bool,
    flush_every: u64,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        calls: 1_000_000,
        shards: 2,
        seed: 1,
        sweep_every: 1_000,
        shrink_seconds: 600,
        exact_errors: true,
        flush_every: 8_192,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let target = match flag.as_str() {
            "--calls" => &mut options.calls,
            "--shards" => &mut options.shards,
            "--seed" => &mut options.seed,
            "--sweep-every" => &mut options.sweep_every,
            "--shrink-seconds" => &mut options.shrink_seconds,
            "--flush-every" => &mut options.flush_every,
            // `cargo bench` passes `--bench` to harness-less benches.
            "--bench" => continue,
            "--refusals-only" => {
                options.exact_errors = false;
                continue;
            }
            other => return Err(format!("unknown option {other}")),
        };
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        *target = value
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
    }
    if options.shards == 0 {
        return Err("--shards must be at least 1".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("fuzz: {message}");
            return ExitCode::from(2);
        }
    };
    let bundle = BundleProvider::Ehr.bundle().expect("the contract bundle");
    let started = Instant::now();
    let per_shard = options.calls.div_ceil(options.shards);
    let reports: Vec<(u64, fuzz::Report)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..options.shards)
            .map(|shard| {
                let bundle = bundle.clone();
                let seed = options.seed + shard;
                let mut config = Config::new(seed, per_shard);
                config.checks.sweep_every = options.sweep_every;
                config.checks.exact_errors = options.exact_errors;
                config.checks.flush_every = options.flush_every;
                config.progress_every = Some(50_000);
                config.shrink_for = std::time::Duration::from_secs(options.shrink_seconds);
                scope.spawn(move || (seed, fuzz::run(bundle, config)))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a shard panicked"))
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut stats = Stats::default();
    for (_, report) in &reports {
        stats.merge(&report.stats);
    }
    let seeds: Vec<String> = reports.iter().map(|(seed, _)| seed.to_string()).collect();
    println!("### Run\n");
    println!("| | |\n|---|---:|");
    println!("| contract calls | {} |", group(stats.calls));
    println!(
        "| shards (seeds) | {} ({}) |",
        options.shards,
        seeds.join(", ")
    );
    println!("| time steps | {} |", group(stats.time_steps));
    println!("| check queries | {} |", group(stats.queries));
    println!("| full sweeps | {} |", group(stats.sweeps));
    println!(
        "| refusals with the storage root compared | {} of {} (`--flush-every {}`) |",
        group(stats.roots_compared),
        group(
            stats
                .refused
                .values()
                .flat_map(|errors| errors.values())
                .sum()
        ),
        options.flush_every
    );
    println!("| wall time | {elapsed:.0} s |");
    println!(
        "| calls/s (all shards) | {:.0} |",
        stats.calls as f64 / elapsed
    );
    let violations: Vec<&fuzz::Failure> = reports
        .iter()
        .filter_map(|(_, report)| report.failure.as_ref())
        .collect();
    println!("| violations | {} |\n", violations.len());

    println!("### Outcomes per message\n");
    println!("| message | succeeded | refused | most frequent refusals |");
    println!("|---|---:|---:|---|");
    for message in MESSAGES {
        let succeeded = stats.succeeded.get(message).copied().unwrap_or(0);
        let empty = BTreeMap::new();
        let refusals = stats.refused.get(message).unwrap_or(&empty);
        let refused: u64 = refusals.values().sum();
        let mut top: Vec<(&String, &u64)> = refusals.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = top
            .iter()
            .take(4)
            .map(|(error, count)| format!("{error} {}", group(**count)))
            .collect();
        println!(
            "| `{message}` | {} | {} | {} |",
            group(succeeded),
            group(refused),
            top.join(", ")
        );
    }
    println!();
    for failure in &violations {
        println!("### Violation (seed {})\n", failure.seed);
        println!(
            "Found after {} calls: {}\n",
            failure.calls_to_find, failure.violation
        );
        println!("Rule: {}\n", failure.violation.rule);
        println!(
            "Shrunk to {} steps: {}\n\n```rust\n{}```\n",
            failure.shrunk.len(),
            failure.shrunk_violation,
            failure.regression_test("fuzz_regression_name_me")
        );
    }
    if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
