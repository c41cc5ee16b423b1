//! The command line: `serve` (default), `migrate`, `load-fixtures`, `token create|revoke`.

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::catalog::values::Role;
use crate::catalog::{Catalog, auth, fixtures};
use crate::config::Settings;
use crate::db;
use crate::startup::Application;

/// odcat publishes a city's open data: DCAT-AP 3 / DCAT-AP.de metadata, downloads and a JSON API.
#[derive(Debug, Parser)]
#[command(name = "odcat", version, about)]
pub struct Cli {
    /// Settings shared by all subcommands.
    #[command(flatten)]
    pub settings: Settings,
    /// What to do; `serve` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, load the fixtures into an empty database, and serve HTTP (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the Wuppertal fixtures; adds only what is missing, so it can run any number of times.
    LoadFixtures,
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret once; only a hash is stored.
    Create {
        /// Slug of the publisher the token writes for (optional for admins).
        #[arg(long)]
        publisher: Option<String>,
        /// What the token may do.
        #[arg(long, value_enum, default_value = "editor")]
        role: Role,
        /// A note saying who or what uses the token.
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke a token by id; it stops working at once.
    Revoke {
        /// The token id printed by `token create`.
        id: Uuid,
    },
}

async fn open(settings: &Settings) -> anyhow::Result<Catalog> {
    let connection = db::connect(settings).await?;
    db::migrate(&connection).await?;
    Ok(Catalog::new(connection, settings.base_url()))
}

fn say(line: &str) -> anyhow::Result<()> {
    writeln!(std::io::stdout(), "{line}").context("failed to write to stdout")
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&settings).await?;
            app.run_until_stopped().await.context("server failed")
        }
        Command::Migrate => {
            let connection = db::connect(&settings).await?;
            db::migrate(&connection).await?;
            say("migrations applied")
        }
        Command::LoadFixtures => {
            let catalog = open(&settings).await?;
            let report = fixtures::load(&catalog)
                .await
                .context("failed to load the fixtures")?;
            say(&format!(
                "fixtures loaded: {} publishers, {} datasets, {} tables with {} rows added",
                report.publishers, report.datasets, report.tables, report.rows
            ))
        }
        Command::Token(TokenCommand::Create {
            publisher,
            role,
            label,
        }) => {
            let catalog = open(&settings).await?;
            let token =
                auth::create_token(catalog.db(), publisher.as_deref(), role, label.as_deref())
                    .await
                    .context("failed to create the token")?;
            say(&format!("token id: {}", token.id))?;
            say(&format!("secret:   {}", token.secret))?;
            say("The secret is shown only now; odcat stores only its hash.")
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            let catalog = open(&settings).await?;
            auth::revoke_token(catalog.db(), id)
                .await
                .context("failed to revoke the token")?;
            say(&format!("token {id} revoked"))
        }
    }
}
