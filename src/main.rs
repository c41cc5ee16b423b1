//! The `odcat` binary: parse the command line, set up logging, run the command.

use clap::Parser;
use odcat::cli::{self, Cli};

/// mimalloc instead of the system allocator: the RDF projection allocates and frees millions of
/// small terms, which glibc's allocator spends a fifth of a rebuild on.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    odcat::telemetry::init(cli.settings.log_format);
    cli::run(cli).await
}
