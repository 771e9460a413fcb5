//! A doctor's free slots: what a patient picks from before `book_appointment`.
//!
//! The contract answers one slot at a time (`check_doctor_availability`), and slots start on
//! multiples of the doctor's slot length counted from the Unix epoch. [`EhrClient::free_slots`]
//! asks for every slot of the doctor's published windows inside one span of at most a day,
//! so a page of free slots costs at most `MS_PER_DAY / (MIN_SLOT_MINUTES minutes)` (288)
//! dry-runs, whatever the doctor has published.

use crate::{ClientError, EhrClient, Result};
use ehr::{Timestamp, MS_PER_DAY};
use futures::{stream, StreamExt, TryStreamExt};
use ink::primitives::AccountId;

/// How many availability dry-runs run at once.
const CONCURRENT_CHECKS: usize = 16;

impl EhrClient {
    /// The starts of `doctor`'s bookable slots in `[from, to)`, earliest first: inside a
    /// published window, not booked, not in the past, by the contract's own check.
    ///
    /// # Errors
    /// - `InvalidInput` if `to` is not after `from` or the span is longer than a day.
    /// - `Contract(DoctorNotRegistered)` (or `DoctorNotVerified`, `DoctorSuspended`) for a
    ///   doctor who cannot be booked.
    /// - `Rpc` / `Transport` on chain errors.
    pub async fn free_slots(
        &self,
        doctor: AccountId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Timestamp>> {
        if to <= from || to - from > MS_PER_DAY {
            return Err(ClientError::InvalidInput(
                "free slots are listed for a span of at most one day".into(),
            ));
        }
        let profile = self.doctor(doctor).await?;
        match profile.status {
            ehr::DoctorStatus::Verified => {}
            ehr::DoctorStatus::Pending => {
                return Err(ClientError::Contract(ehr::Error::DoctorNotVerified))
            }
            ehr::DoctorStatus::Suspended => {
                return Err(ClientError::Contract(ehr::Error::DoctorSuspended))
            }
        }
        let slot_ms = profile.slot_ms();
        let windows = self.get_availability(doctor).await?;
        let candidates = slot_starts(&windows, slot_ms, from, to);
        let free: Vec<Option<Timestamp>> = stream::iter(candidates)
            .map(|start| async move {
                self.check_doctor_availability(doctor, start)
                    .await
                    .map(|free| free.then_some(start))
            })
            .buffered(CONCURRENT_CHECKS)
            .try_collect()
            .await?;
        Ok(free.into_iter().flatten().collect())
    }
}

/// Every slot start in `[from, to)` whose whole slot lies inside one of `windows`, once each,
/// in order.
fn slot_starts(
    windows: &[ehr::AvailabilityWindow],
    slot_ms: Timestamp,
    from: Timestamp,
    to: Timestamp,
) -> Vec<Timestamp> {
    if slot_ms == 0 {
        return Vec::new();
    }
    let first = from.div_ceil(slot_ms).saturating_mul(slot_ms);
    let mut starts = Vec::new();
    let mut start = first;
    while start < to {
        if windows
            .iter()
            .any(|window| window.contains_slot(start, slot_ms))
        {
            starts.push(start);
        }
        start = match start.checked_add(slot_ms) {
            Some(next) => next,
            None => break,
        };
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use ehr::AvailabilityWindow;

    const HALF_HOUR: Timestamp = 30 * 60 * 1000;

    #[test]
    fn slot_starts_works() {
        // Given two windows, 09:00–10:00 and 14:00–15:00 of day 0,
        let windows = [
            AvailabilityWindow {
                start: 18 * HALF_HOUR,
                end: 20 * HALF_HOUR,
            },
            AvailabilityWindow {
                start: 28 * HALF_HOUR,
                end: 30 * HALF_HOUR,
            },
        ];
        // when listing the day from 09:10,
        let starts = slot_starts(&windows, HALF_HOUR, 18 * HALF_HOUR + 600_000, MS_PER_DAY);
        // then the 09:00 slot has begun and the rest are listed in order.
        assert_eq!(starts, vec![19 * HALF_HOUR, 28 * HALF_HOUR, 29 * HALF_HOUR]);
    }

    #[test]
    fn slot_starts_of_a_slot_longer_than_the_window_is_empty() {
        let windows = [AvailabilityWindow {
            start: 0,
            end: HALF_HOUR,
        }];
        assert!(slot_starts(&windows, 2 * HALF_HOUR, 0, MS_PER_DAY).is_empty());
        assert!(slot_starts(&windows, 0, 0, MS_PER_DAY).is_empty());
    }
}
