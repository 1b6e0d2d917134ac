//! Tests that drive a real sandbox over loopback.
