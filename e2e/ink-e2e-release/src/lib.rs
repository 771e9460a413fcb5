//! `ink_e2e` 5.1.1 with two changes: the contracts under test are built in **release** mode,
//! and only the contracts the test crate depends on are built.
//!
//! ink_e2e 5.1.1 always builds contracts in debug mode (`ink/ink-debug`, no
//! `panic_immediate_abort`). With the pinned Rust 1.90 that WASM is rejected by
//! pallet-contracts on contracts-node 0.42.0 ("Can't load the module into wasmi!",
//! `Contracts::CodeRejected`), while the release build, the one we deploy, is accepted.
//!
//! `#[ink_e2e::test]` expands to calls of `::ink_e2e::build_root_and_contract_dependencies()`
//! and other `::ink_e2e::` items, so the e2e crate depends on this crate under the name
//! `ink_e2e`: everything is re-exported unchanged except that one function.

pub use ink_e2e::*;

use contract_build::{
    BuildArtifacts, BuildMode, ExecuteArgs, Features, ImageVariant, ManifestPath, Network,
    OptimizationPasses, OutputType, Target, UnstableFlags, Verbosity, DEFAULT_MAX_MEMORY_PAGES,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Builds (once per test run), in release mode, every contract the test crate uses: each
/// package the build resolves with its `ink-as-dependency` feature on. Returns the WASM paths.
///
/// Upstream builds every package of the workspace that *has* the feature, so the e2e tests
/// also built `contracts/floor` (the benchmarks' reference contract, which no test deploys):
/// 35 to 54 s of a cold run at d1b785d.
///
/// # Panics
/// If `cargo metadata` or a contract build fails: the test cannot run without them.
pub fn build_root_and_contract_dependencies() -> Vec<PathBuf> {
    static BUILT: OnceLock<Mutex<HashMap<PathBuf, PathBuf>>> = OnceLock::new();
    let metadata = cargo_metadata::MetadataCommand::new()
        .exec()
        .unwrap_or_else(|err| panic!("Error invoking `cargo metadata`: {err}"));
    let resolve = metadata
        .resolve
        .as_ref()
        .expect("`cargo metadata` resolved no dependencies");
    let manifests: Vec<PathBuf> = resolve
        .nodes
        .iter()
        .filter(|node| node.features.iter().any(|f| f == "ink-as-dependency"))
        .filter_map(|node| metadata.packages.iter().find(|p| p.id == node.id))
        .map(|package| package.manifest_path.clone().into_std_path_buf())
        .collect();
    let mut built = BUILT
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    manifests
        .into_iter()
        .map(|manifest| {
            built
                .entry(manifest.clone())
                .or_insert_with(|| build_release(&manifest))
                .clone()
        })
        .collect()
}

fn build_release(manifest: &std::path::Path) -> PathBuf {
    let manifest_path = ManifestPath::new(manifest)
        .unwrap_or_else(|err| panic!("Invalid manifest path {}: {err}", manifest.display()));
    let args = ExecuteArgs {
        manifest_path,
        verbosity: Verbosity::Default,
        build_mode: BuildMode::Release,
        features: Features::default(),
        network: Network::Online,
        build_artifact: BuildArtifacts::All,
        unstable_flags: UnstableFlags::default(),
        optimization_passes: Some(OptimizationPasses::default()),
        keep_debug_symbols: false,
        extra_lints: false,
        output_type: OutputType::HumanReadable,
        skip_wasm_validation: false,
        target: Target::Wasm,
        max_memory_pages: DEFAULT_MAX_MEMORY_PAGES,
        image: ImageVariant::Default,
    };
    let result = contract_build::execute(args)
        .unwrap_or_else(|err| panic!("contract build for {} failed: {err}", manifest.display()));
    result
        .dest_wasm
        .expect("Wasm code artifact not generated")
        .canonicalize()
        .expect("Invalid dest bundle path")
}
