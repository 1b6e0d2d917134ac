//! The record's settings of `run` and `client` (`--sign-key`,
//! `--valid-for`, `--waivers`), read before anything is sent so a bad key
//! or waivers file stops the run at once (exit 2).

use std::sync::Arc;
use std::time::SystemTime;

use crate::app::error::AppError;
use crate::check::CheckSet;
use crate::cli::RecordArgs;
use crate::record::SigningKey;
use crate::report::RecordSettings;
use crate::result::{CheckResult, WaiverRecord};
use crate::waiver::{self, Today, Waivers};

/// The record's settings and the waivers `args` name.
pub fn record_settings(args: &RecordArgs) -> Result<(RecordSettings, Waivers), AppError> {
    let signer = match &args.sign_key {
        Some(path) => Some(Arc::new(SigningKey::load(path)?)),
        None => None,
    };
    let waivers = waiver::load_waivers(args.waivers.as_deref(), Today::of(SystemTime::now()))?;
    let settings = RecordSettings {
        valid_for: args.valid_for,
        signer,
    };
    Ok((settings, waivers))
}

/// Applies `waivers` to the API side's `results`, on the day the run ended.
pub fn apply_waivers(
    set: &CheckSet,
    results: &mut [CheckResult],
    waivers: &Waivers,
    finished_at: SystemTime,
) -> Vec<WaiverRecord> {
    let side: Vec<&str> = set.checks.iter().map(|c| c.id.as_str()).collect();
    let all: Vec<&str> = side
        .iter()
        .copied()
        .chain(set.client_checks.iter().map(|c| c.id.as_str()))
        .collect();
    waiver::apply(results, &side, &all, waivers, Today::of(finished_at))
}
