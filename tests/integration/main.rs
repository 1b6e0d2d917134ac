#![allow(clippy::unwrap_used)]

mod reports;
