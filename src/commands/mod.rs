//! One module per subcommand.

pub mod bench;
pub mod check_history;
pub mod explore;
pub mod list;
pub mod merge;
pub mod replay;
pub mod run;
pub mod shrink;
pub mod sweep;
