//! `raceway`: the command line.
//!
//! Exit status: 0 when nothing broke (or a replay reproduced its trace), 1 when an invariant
//! broke (or a replay did not reproduce), 2 for usage and input errors, always as one line.
//! Every byte of output goes through [`output`]: a closed pipe ends a command quietly, any
//! other write error is one line and exit 2.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod compare;
mod engine;
mod explore_shard;
mod files;
mod history_file;
mod history_page;
mod output;
mod report;
mod select;
mod sweep;
mod tracefile;

use clap::error::ErrorKind;
use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

/// A clap error as one line: its first line, with the arguments a "required arguments were not
/// provided" error lists on the lines below it.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim);
    let mut line = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    if line.ends_with(':') {
        let listed: Vec<&str> = lines.take_while(|l| !l.is_empty()).collect();
        line = format!("{} {}", line, listed.join(", "));
    }
    line
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            output::note(&format!("raceway: {}", one_line(&e)));
            return ExitCode::from(2);
        }
    };
    let result = match &cli.command {
        None => commands::sweep::run(&cli::SweepArgs::default()),
        Some(Command::Sweep(args)) => commands::sweep::run(args),
        Some(Command::Merge(args)) => commands::merge::run(args),
        Some(Command::List) => output::print(&commands::list::render()).map(|()| ExitCode::SUCCESS),
        Some(Command::Run(args)) => commands::run::run(args),
        Some(Command::Explore(args)) => commands::explore::run(args),
        Some(Command::Shrink(args)) => commands::shrink::run(args),
        Some(Command::Bench(args)) => commands::bench::run(args),
        Some(Command::Replay { file }) => commands::replay::replay(file),
        Some(Command::CheckHistory(args)) => commands::check_history::run(args),
    };
    result.unwrap_or_else(|e| {
        let text = format!("{e:#}");
        output::note(&format!(
            "raceway: {}",
            text.lines().collect::<Vec<_>>().join(" ")
        ));
        ExitCode::from(2)
    })
}
