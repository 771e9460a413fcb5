//! Booking: `ehr doctors`, `available`, `book`, `appointments`, `appointment`.

use super::*;

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// List doctors (verified ones, or --all registered).
    Doctors {
        /// Only this specialty (case-insensitive).
        #[arg(long)]
        specialty: Option<String>,
        /// Every registered doctor, whatever the status.
        #[arg(long, conflicts_with = "specialty")]
        all: bool,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Whether a doctor's slot starting at START is free to book.
    Available {
        /// The doctor.
        doctor: String,
        /// Slot start (RFC 3339, e.g. 2026-11-25T09:00:00Z).
        start: String,
    },
    /// Book a doctor's slot as the signing patient.
    Book {
        /// The doctor.
        doctor: String,
        /// Slot start (RFC 3339).
        start: String,
    },
    /// List appointments of an account (default: the signer's).
    Appointments {
        /// Patient or doctor account.
        account: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// One appointment: show, cancel, complete, no-show.
    #[command(subcommand)]
    Appointment(AppointmentCommand),
}

#[derive(Subcommand)]
pub enum AppointmentCommand {
    /// Show one appointment.
    Show { id: u64 },
    /// Cancel before it starts (patient or doctor).
    Cancel { id: u64 },
    /// Mark fulfilled after it started (doctor).
    Complete { id: u64 },
    /// Mark no-show after it started (doctor).
    NoShow { id: u64 },
}

/// Runs one of these commands.
pub async fn run(context: &Context, command: ScheduleCommand) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
        ScheduleCommand::Doctors {
            specialty,
            all,
            page,
        } => {
            let found = if all {
                client
                    .get_registered_doctors(page.offset, page.limit)
                    .await?
            } else {
                client
                    .get_all_doctors(specialty, page.offset, page.limit)
                    .await?
            };
            print_rows(&found.items, Some(found.total), page.offset, as_json);
        }
        ScheduleCommand::Available { doctor, start } => {
            let free = client
                .check_doctor_availability(account(&doctor)?, parse_time(&start)?)
                .await?;
            print_value("available", json!(free), as_json);
        }
        ScheduleCommand::Book { doctor, start } => {
            let done = client
                .book_appointment(account(&doctor)?, parse_time(&start)?)
                .await?;
            print_submitted("booked appointment", &done, json!(done.value), as_json);
        }
        ScheduleCommand::Appointments { account: who, page } => {
            let who = context.or_me(&who)?;
            let found = client
                .get_all_appointments(who, page.offset, page.limit)
                .await?;
            print_rows(&found.items, Some(found.total), page.offset, as_json);
        }
        ScheduleCommand::Appointment(sub) => match sub {
            AppointmentCommand::Show { id } => {
                print_record(&client.appointment(id).await?, as_json)
            }
            AppointmentCommand::Cancel { id } => {
                let done = client.cancel_appointment(id).await?;
                print_submitted("appointment cancelled", &done, json!(id), as_json);
            }
            AppointmentCommand::Complete { id } => {
                let done = client.complete_appointment(id).await?;
                print_submitted("appointment fulfilled", &done, json!(id), as_json);
            }
            AppointmentCommand::NoShow { id } => {
                let done = client.mark_no_show(id).await?;
                print_submitted("appointment marked no-show", &done, json!(id), as_json);
            }
        },
    }
    Ok(())
}
