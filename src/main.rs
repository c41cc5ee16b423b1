//! The `odcat` binary: parse the command line, set up logging, run the command.

use clap::Parser;
use odcat::cli::{self, Cli};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    odcat::telemetry::init(cli.settings.log_format);
    cli::run(cli).await
}
