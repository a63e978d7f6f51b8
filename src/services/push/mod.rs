//! Web Push: subscriptions, the server's VAPID key, and delivery of notifications to the
//! browsers and installed apps that asked for them.

pub mod crypto;
