//! One module per subcommand.

pub mod bench;
pub mod list;
pub mod replay;
pub mod run;
