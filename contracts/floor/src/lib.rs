//! `floor`: the smallest contract messages of each kind, measured beside `ehr`'s by
//! `e2e/benches/node_costs.rs --floor`. Whatever a message of `floor` costs on the node, any
//! message of any contract pays at least: the call itself, loading a little code, the root
//! storage cell. The differences between its messages price one more storage cell read,
//! one new storage cell written, and one event topic, on the runtime users deploy to.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod floor {
    use ink::storage::Mapping;

    /// Emitted by [`Floor::emit_topic`]: one topic.
    #[ink(event)]
    pub struct Touched {
        #[ink(topic)]
        by: AccountId,
    }

    /// `floor` never fails; the messages return `Result` as `ehr`'s do, so that their
    /// results encode alike.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Returned if a counter would overflow.
        Overflow,
    }

    /// The messages' result type.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Cells the reads below touch.
    const CELLS: u32 = 10;

    #[ink(storage)]
    pub struct Floor {
        value: u32,
        cells: Mapping<u32, u32>,
        inserted: u32,
    }

    impl Floor {
        /// A contract with [`CELLS`] mapping cells written.
        #[ink(constructor)]
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self {
            let mut cells = Mapping::new();
            for key in 0..CELLS {
                cells.insert(key, &key);
            }
            Self {
                value: 0,
                cells,
                inserted: CELLS,
            }
        }

        /// Reads the root cell: the least a query costs.
        #[ink(message)]
        pub fn read_root(&self) -> Result<u32> {
            Ok(self.value)
        }

        /// Reads the root cell and one mapping cell.
        #[ink(message)]
        pub fn read_one_cell(&self) -> Result<u32> {
            Ok(self.cells.get(0).unwrap_or_default())
        }

        /// Reads the root cell and all [`CELLS`] mapping cells.
        #[ink(message)]
        pub fn read_ten_cells(&self) -> Result<u32> {
            let mut sum = 0u32;
            for key in 0..CELLS {
                sum = sum
                    .checked_add(self.cells.get(key).unwrap_or_default())
                    .ok_or(Error::Overflow)?;
            }
            Ok(sum)
        }

        /// Writes the root cell: the least a state-changing message costs.
        #[ink(message)]
        pub fn write_root(&mut self, value: u32) -> Result<()> {
            self.value = value;
            Ok(())
        }

        /// Writes the root cell and one new mapping cell.
        #[ink(message)]
        pub fn insert_cell(&mut self) -> Result<()> {
            let key = self.inserted;
            self.inserted = key.checked_add(1).ok_or(Error::Overflow)?;
            self.cells.insert(key, &key);
            Ok(())
        }

        /// Writes the root cell and emits an event with one topic.
        #[ink(message)]
        pub fn emit_topic(&mut self, value: u32) -> Result<()> {
            self.value = value;
            self.env().emit_event(Touched {
                by: self.env().caller(),
            });
            Ok(())
        }
    }
}
