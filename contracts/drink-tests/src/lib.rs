//! drink tests of the EHR contract live in `tests/`; this library is the stateful fuzzer they
//! and `benches/fuzz.rs` share (see [`fuzz`]).

pub mod fuzz;
