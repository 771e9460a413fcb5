//! The contract's events, decoded from `Contracts::ContractEmitted` with the contract
//! crate's own event types.

use crate::node;
use codec::Decode;
use ehr::events::*;
use ink::env::Event as _;
use subxt::{
    blocks::ExtrinsicEvents,
    events::{EventDetails, Events},
    utils::AccountId32,
    SubstrateConfig,
};

macro_rules! ehr_events {
    ($($event:ident),* $(,)?) => {
        /// An event of the `ehr` contract.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum EhrEvent {
            $($event($event),)*
        }

        impl EhrEvent {
            /// Decodes an event from its signature topic (the first topic) and data.
            pub fn decode(signature_topic: &[u8], mut data: &[u8]) -> Option<EhrEvent> {
                $(
                    if <$event>::SIGNATURE_TOPIC.as_ref().map(|t| &t[..]) == Some(signature_topic) {
                        return <$event>::decode(&mut data).ok().map(EhrEvent::$event);
                    }
                )*
                None
            }

            /// The event's name, e.g. `AppointmentBooked`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(EhrEvent::$event(_) => stringify!($event),)*
                }
            }
        }
    };
}

ehr_events!(
    AdminTransferProposed,
    AdminChanged,
    VerifierAdded,
    VerifierRemoved,
    PatientRegistered,
    PatientVerified,
    DoctorRegistered,
    DoctorVerified,
    DoctorSuspended,
    AvailabilityPublished,
    AvailabilityWithdrawn,
    AppointmentBooked,
    AppointmentStatusChanged,
    AccessGranted,
    AccessRevoked,
    RecordKeyShared,
    DocumentUploaded,
    DocumentEnteredInError,
    DocumentOpened,
    EmergencyAccessOpened,
    EmergencyAccessEnded,
    RecordKeyRotated,
    EmergencyCustodianSet,
    EmergencyKeyDeposited,
    EmergencyKeyWithdrawn,
    EmergencyKeyReleased,
    PatientVerificationWithdrawn,
    PublicKeyReplaced,
    EmergencyAccessRefused,
    EmergencyAccessAllowed,
);

/// The events `contract` emitted in one extrinsic, in order. Events of other contracts and
/// events this version of the client does not know are skipped.
pub fn contract_events(
    events: &ExtrinsicEvents<SubstrateConfig>,
    contract: &AccountId32,
) -> crate::Result<Vec<EhrEvent>> {
    decode_contract_events(events.iter(), contract)
}

/// The events `contract` emitted in a whole block, in order.
pub fn block_contract_events(
    events: &Events<SubstrateConfig>,
    contract: &AccountId32,
) -> crate::Result<Vec<EhrEvent>> {
    decode_contract_events(events.iter(), contract)
}

fn decode_contract_events(
    events: impl Iterator<Item = Result<EventDetails<SubstrateConfig>, subxt::Error>>,
    contract: &AccountId32,
) -> crate::Result<Vec<EhrEvent>> {
    let mut decoded = Vec::new();
    for event in events {
        let event = event?;
        let Some(emitted) = event.as_event::<node::contracts::events::ContractEmitted>()? else {
            continue;
        };
        if &emitted.contract != contract {
            continue;
        }
        let Some(signature) = event.topics().first() else {
            continue;
        };
        if let Some(ehr_event) = EhrEvent::decode(signature.as_ref(), &emitted.data) {
            decoded.push(ehr_event);
        }
    }
    Ok(decoded)
}
