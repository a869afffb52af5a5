//! One module per subcommand.

pub mod list;
pub mod replay;
pub mod run;
