//! The subcommands, one module each.

pub(crate) mod completions;
#[cfg(feature = "dev")]
pub(crate) mod demo;
#[cfg(feature = "dev")]
pub(crate) mod demo_service;
#[cfg(feature = "dev")]
pub(crate) mod dev_put;
#[cfg(feature = "dev")]
pub(crate) mod dev_seed;
#[cfg(feature = "dev")]
pub(crate) mod dev_seed_watch;
#[cfg(feature = "dev")]
pub(crate) mod dev_server;
#[cfg(feature = "dev")]
pub(crate) mod devsetup;
pub(crate) mod health;
pub(crate) mod resolve;
pub(crate) mod seal;
#[cfg(feature = "server")]
pub(crate) mod serve;
#[cfg(feature = "dev")]
pub(crate) mod serve_dev;
pub(crate) mod watch;
