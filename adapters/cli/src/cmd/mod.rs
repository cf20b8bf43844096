//! The subcommands, one module each.

pub(crate) mod completions;
pub(crate) mod demo;
pub(crate) mod dev_put;
pub(crate) mod dev_seed;
pub(crate) mod dev_seed_watch;
pub(crate) mod dev_server;
pub(crate) mod devsetup;
pub(crate) mod health;
pub(crate) mod resolve;
pub(crate) mod seal;
pub(crate) mod watch;
