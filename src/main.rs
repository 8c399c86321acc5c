//! The `yrkesresan` binary: parses the command line and maps results to exit
//! codes (0 clean, 1 findings to read, 2 error: nothing was applied).

use clap::Parser;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the sync allocates and frees
/// millions of small strings across threads, and glibc's arenas spent a
/// tenth of its time there (README, Speed, change 30).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use yrkesresan::cli::{
    bench::bench,
    check::check,
    demo::demo,
    error_text,
    generate::generate,
    ingest::ingest,
    outbox::outbox,
    privacy::{forget, purge},
    run::run,
    serve::serve,
    status::status,
    Cli, Command,
};

fn main() -> ExitCode {
    // Freed memory is reused by the job's next stages, not returned and zeroed again.
    yrkesresan::jobs::keep_freed_memory_for_reuse();
    // `yrkesresan … | head` ends quietly, like other command-line tools,
    // instead of panicking on a closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE action before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Files 0640, folders 0750: outputs hold personal data (the service's
    // systemd unit sets the same UMask).
    #[cfg(unix)]
    // SAFETY: setting the process umask before any thread starts.
    unsafe {
        libc::umask(0o027);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    // A panic is a bug; jobs catch theirs and log the run as failed. One line
    // in the log says where, instead of a backtrace in the service's output.
    std::panic::set_hook(Box::new(|info| tracing::error!("Internal error: {info}.")));
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check(args) => Ok(check(args)),
        Command::Run { job } => run(job),
        Command::Demo(args) => demo(args),
        Command::Generate(args) => generate(args),
        Command::Ingest(args) => ingest(args),
        Command::Bench(args) => bench(args),
        Command::Serve(args) => serve(args),
        Command::Status(args) => status(args),
        Command::Outbox { command } => outbox(command),
        Command::Purge(args) => purge(args),
        Command::Forget(args) => forget(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            ExitCode::from(2)
        }
    }
}
