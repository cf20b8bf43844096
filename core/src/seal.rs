//! Sealed config envelopes (being written).
