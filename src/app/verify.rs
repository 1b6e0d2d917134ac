//! `wapzi-homolog verify`: prints a line per record and the answer.

use std::time::SystemTime;

use crate::app::error::{AppError, UsageError};
use crate::cli::VerifyArgs;
use crate::record::verify::{answer, inspect, Inspection};
use crate::record::VerifyingKey;

use super::stdout;

/// Checks the records `args` names and returns the exit code of the answer.
pub fn verify(args: VerifyArgs) -> Result<u8, AppError> {
    let key = match &args.public_key {
        Some(path) => Some(VerifyingKey::load(path)?),
        None => None,
    };
    let now = match &args.at {
        Some(text) => humantime::parse_rfc3339_weak(text)
            .map_err(|_| UsageError::BadTime { text: text.clone() })?,
        None => SystemTime::now(),
    };
    if args.reports.is_some() && args.records.len() > 1 {
        return Err(UsageError::ReportsWithSeveralRecords.into());
    }
    let inspections: Vec<Inspection> = args
        .records
        .iter()
        .map(|path| inspect(path, args.reports.as_deref(), key.as_ref(), now))
        .collect::<Result<_, _>>()?;
    for inspection in &inspections {
        stdout::line(inspection.line());
    }
    let answer = answer(&inspections);
    stdout::line(&answer.line);
    Ok(answer.exit_code)
}
