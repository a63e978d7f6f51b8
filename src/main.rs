//! The `homeroom` binary: parse the command line, run it, turn failure into one line and a
//! non-zero exit.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the C library's allocator: an import hands millions of small strings
/// from the thread that reads the files to the one that writes the database, and the portal
/// allocates and frees many small values per request. Built without its transparent huge
/// pages: each thread heap's first allocation would bring in a whole 2 MiB page, 14–16 MiB in
/// all beside the 20–25 MiB a server otherwise holds once started, for heaps too small to gain
/// from them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = homeroom::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("homeroom: error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(homeroom::cli::run(cli, |name| std::env::var(name).ok())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("homeroom: error: {}", one_line(&err.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// Error messages from lower layers can span lines; the command line promises one.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
