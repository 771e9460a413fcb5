//! Where the `ehr` tool remembers contract addresses: one JSON file mapping each node URL to
//! the contract `ehr deploy` instantiated there. The CLI and `ehr serve` read the same file.

use crate::{ClientError, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Remembered contract addresses, per node URL.
#[derive(serde::Serialize, serde::Deserialize, Default, Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Node URL → contract address (SS58).
    pub contracts: BTreeMap<String, String>,
}

impl Config {
    /// `$XDG_CONFIG_HOME/ehr/config.json`, else `~/.config/ehr/config.json`.
    pub fn default_path() -> PathBuf {
        std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
            .unwrap_or_else(|| PathBuf::from("."))
            .join("ehr")
            .join("config.json")
    }

    /// The file at `path`; an empty config if there is none.
    ///
    /// # Errors
    /// `Config` if the file cannot be read or is not a config.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|err| ClientError::Config {
                path: path.to_path_buf(),
                reason: format!("not a valid ehr config: {err}"),
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(ClientError::Config {
                path: path.to_path_buf(),
                reason: format!("cannot read it: {err}"),
            }),
        }
    }

    /// Writes the config to `path`, creating its directory.
    ///
    /// # Errors
    /// `Config` if it cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        let failed = |err: std::io::Error| ClientError::Config {
            path: path.to_path_buf(),
            reason: format!("cannot write it: {err}"),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|err| ClientError::Config {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
        std::fs::write(path, text).map_err(failed)
    }

    /// The contract remembered for `url`, or `explicit` if given (an address given on the
    /// command line wins over the remembered one).
    ///
    /// # Errors
    /// `NoContract` if neither is there; `InvalidInput` if the address is not one.
    pub fn contract_for(
        &self,
        url: &str,
        explicit: Option<&str>,
    ) -> Result<subxt::utils::AccountId32> {
        let address = match explicit {
            Some(address) => address,
            None => self.contracts.get(url).ok_or(ClientError::NoContract)?,
        };
        Ok(crate::to_chain_account(&crate::parse_account(address)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_works() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("config.json");
        assert_eq!(Config::load(&path).unwrap(), Config::default());
        let mut config = Config::default();
        config.contracts.insert(
            "ws://127.0.0.1:9944".into(),
            "5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM".into(),
        );
        config.save(&path).unwrap();
        let loaded = Config::load(&path).unwrap();
        assert_eq!(loaded, config);
        assert!(loaded.contract_for("ws://127.0.0.1:9944", None).is_ok());
    }

    #[test]
    fn contract_for_unknown_url_fails() {
        assert!(matches!(
            Config::default().contract_for("ws://elsewhere:9944", None),
            Err(ClientError::NoContract)
        ));
        assert!(matches!(
            Config::default().contract_for("ws://elsewhere:9944", Some("not an address")),
            Err(ClientError::InvalidInput(_))
        ));
    }

    #[test]
    fn load_of_garbage_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, "{ not json").unwrap();
        assert!(matches!(
            Config::load(&path),
            Err(ClientError::Config { .. })
        ));
    }
}
