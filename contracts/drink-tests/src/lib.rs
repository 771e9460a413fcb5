//! drink tests of the EHR contract live in `tests/`; this library is the stateful fuzzer they
//! and `benches/fuzz.rs` share (see [`fuzz`]), and the helpers the benches share.

pub mod fuzz;

use ink::scale::Encode;

/// Selector and SCALE-encoded arguments of a call to `message` (a message without a custom
/// selector: the first four bytes of the BLAKE2-256 of its name).
pub fn call_data(message: &str, args: impl Encode) -> Vec<u8> {
    let mut hash = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Blake2x256>(message.as_bytes(), &mut hash);
    let mut data = hash[..4].to_vec();
    args.encode_to(&mut data);
    data
}

/// 1234567 → "1,234,567" (the benches' tables).
pub fn group(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
