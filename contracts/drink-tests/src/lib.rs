//! drink tests of the EHR contract live in `tests/`.
