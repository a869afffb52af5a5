//! One module per subcommand.

pub mod bench;
pub mod list;
pub mod merge;
pub mod replay;
pub mod run;
pub mod sweep;
