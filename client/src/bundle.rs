//! The `.contract` bundle that `cargo contract build` writes: code and metadata in one JSON file.

use crate::{blake2_256, ClientError, Result};
use std::path::Path;

/// The parts of a `.contract` bundle a deployment needs.
#[derive(Debug, Clone)]
pub struct ContractBundle {
    /// The contract's name from the metadata, e.g. `ehr`.
    pub name: String,
    /// The optimized WASM code.
    pub wasm: Vec<u8>,
    /// BLAKE2b-256 of `wasm`, as the bundle states it and as the chain will key the code.
    pub code_hash: [u8; 32],
}

#[derive(serde::Deserialize)]
struct BundleJson {
    source: SourceJson,
    contract: ContractJson,
}

#[derive(serde::Deserialize)]
struct SourceJson {
    hash: String,
    wasm: Option<String>,
}

#[derive(serde::Deserialize)]
struct ContractJson {
    name: String,
}

fn from_hex(what: &str, text: &str) -> Result<Vec<u8>> {
    hex::decode(text.trim_start_matches("0x"))
        .map_err(|err| ClientError::InvalidInput(format!("bundle {what} is not hex: {err}")))
}

impl ContractBundle {
    /// Reads a `.contract` file and checks that its code hashes to the hash it states.
    ///
    /// # Errors
    /// `ClientError::InvalidInput` if the file cannot be read or parsed, has no code, or the
    /// code does not match its hash.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|err| {
            ClientError::InvalidInput(format!("cannot read {}: {err}", path.display()))
        })?;
        Self::parse(&text)
    }

    /// Parses the JSON text of a `.contract` bundle; see [`ContractBundle::load`].
    ///
    /// # Errors
    /// As [`ContractBundle::load`].
    pub fn parse(text: &str) -> Result<Self> {
        let json: BundleJson = serde_json::from_str(text)
            .map_err(|err| ClientError::InvalidInput(format!("not a .contract bundle: {err}")))?;
        let wasm = json.source.wasm.ok_or_else(|| {
            ClientError::InvalidInput("the bundle has no code (a .json, not a .contract?)".into())
        })?;
        let wasm = from_hex("code", &wasm)?;
        let stated: [u8; 32] = from_hex("hash", &json.source.hash)?
            .try_into()
            .map_err(|_| ClientError::InvalidInput("bundle hash is not 32 bytes".into()))?;
        let code_hash = blake2_256(&wasm);
        if code_hash != stated {
            return Err(ClientError::InvalidInput(format!(
                "bundle code hashes to 0x{}, but the bundle states 0x{}",
                hex::encode(code_hash),
                hex::encode(stated)
            )));
        }
        Ok(ContractBundle {
            name: json.contract.name,
            wasm,
            code_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle_json(wasm: &[u8], hash: [u8; 32]) -> String {
        format!(
            r#"{{"source":{{"hash":"0x{}","wasm":"0x{}"}},"contract":{{"name":"ehr"}}}}"#,
            hex::encode(hash),
            hex::encode(wasm)
        )
    }

    #[test]
    fn parse_works() {
        let wasm = b"\0asm-code";
        let bundle = ContractBundle::parse(&bundle_json(wasm, blake2_256(wasm))).unwrap();
        assert_eq!(bundle.wasm, wasm);
        assert_eq!(bundle.name, "ehr");
    }

    #[test]
    fn parse_with_wrong_hash_fails() {
        let err = ContractBundle::parse(&bundle_json(b"\0asm", [0; 32])).unwrap_err();
        assert!(matches!(err, ClientError::InvalidInput(text) if text.contains("hashes to")));
    }

    #[test]
    fn parse_of_garbage_fails() {
        assert!(matches!(
            ContractBundle::parse("{not json"),
            Err(ClientError::InvalidInput(_))
        ));
    }
}
