//! drink tests: the compiled `ehr` WASM contract in a sandboxed pallet-contracts runtime.
//!
//! `#[drink::contract_bundle_provider]` builds the contract (`cargo contract build --release`)
//! while this crate compiles, so these tests always run against the current contract code.

mod access_control;
mod bad_input;
mod consent;
mod fixture;
mod fuzz;
mod metadata;
mod patient_control;
mod schedule;

/// The contracts this crate depends on with `ink-as-dependency`: here `BundleProvider::Ehr`.
#[drink::contract_bundle_provider]
pub enum BundleProvider {}
