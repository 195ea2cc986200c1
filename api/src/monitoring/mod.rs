//! Coordinator monitoring: how long partners take to answer, decide and close referrals, which
//! ones cross the territory's alert thresholds, what is overdue, and whether rights were opened —
//! without identities.
//!
//! `store` keeps one summary row per referral, written by `events::record` in the transaction
//! of each change, and aggregates them in SQL; `service` builds the report every front end
//! shows; `graphql`, `pages` (the dashboard, the overdue list, the CSV export) and `charts`
//! (server-side SVG) render it. The pure rules — delays in working days with the clock stopped,
//! percentiles, rates, alerts, the written definitions — are in `domain::monitoring`.

pub mod charts;
pub mod csv;
pub mod graphql;
pub mod pages;
pub mod service;
pub mod store;
