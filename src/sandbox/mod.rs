//! The embedded reference server (placeholder, being written).
