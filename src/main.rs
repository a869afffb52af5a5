//! `raceway`: the command line.
//!
//! Exit status: 0 when nothing broke (or a replay reproduced its trace), 1 when an invariant
//! broke (or a replay did not reproduce), 2 for usage and input errors, always as one line.

mod cli;
mod commands;
mod compare;
mod engine;
mod history_page;
mod report;
mod select;
mod sweep;
mod tracefile;

use clap::error::ErrorKind;
use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) => {
            let text = e.render().to_string();
            let line = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("raceway: {}", line.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    let result = match &cli.command {
        None => commands::sweep::run(&cli::SweepArgs::default()),
        Some(Command::Sweep(args)) => commands::sweep::run(args),
        Some(Command::Merge(args)) => commands::merge::run(args),
        Some(Command::List) => {
            print!("{}", commands::list::render());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run(args)) => commands::run::run(args),
        Some(Command::Explore(args)) => commands::explore::run(args),
        Some(Command::Shrink(args)) => commands::shrink::run(args),
        Some(Command::Bench(args)) => commands::bench::run(args),
        Some(Command::Replay { file }) => commands::replay::replay(file),
        Some(Command::CheckHistory(args)) => commands::check_history::run(args),
    };
    result.unwrap_or_else(|e| {
        eprintln!("raceway: {e:#}");
        ExitCode::from(2)
    })
}
