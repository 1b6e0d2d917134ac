//! Waivers: check failures the integrator cannot fix (the vendor's own
//! API deviates), each with a reason, who waived it and an expiry, read
//! from `waivers.yaml` ([`load`]) and applied to a run's results before
//! its verdict ([`apply`]). A waived failure does not gate: the run is
//! READY WITH WAIVERS at best, and every output says so (docs/waivers.md).

mod apply;
mod load;

pub use apply::{apply, reasons, record, Today};
pub use load::{
    load_waivers, schema, Waiver, WaiverError, Waivers, DEFAULT_WAIVERS_FILE, MAX_DAYS_AHEAD,
};
