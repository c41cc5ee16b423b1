//! The command line: `serve` (default), `migrate`, `load-fixtures`, `import`, `rdf rebuild|dump`,
//! `search rebuild`, `harvest add|list|run|show`, `token create|revoke`.

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::catalog::service::{Actor, Precondition};
use crate::catalog::values::Role;
use crate::catalog::{Catalog, fixtures};
use crate::config::Settings;
use crate::db;
use crate::rdf::{Format, Projector, RdfStore, publish};
use crate::startup::{self, Application};
use crate::tabular::ingest;
use crate::tabular::schema::TableSchema;

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
    /// Replace a hosted table's rows with a CSV file (encoding, delimiter and column types are
    /// recognised over the whole file), with a progress bar.
    Import {
        /// Dataset id or slug.
        #[arg(long)]
        dataset: String,
        /// Distribution id (a hosted table of that dataset).
        #[arg(long)]
        distribution: Uuid,
        /// A Frictionless Table Schema (JSON) to read the file with instead of inferring types; it
        /// is declared for the distribution, so later uploads are checked against it too.
        #[arg(long)]
        schema: Option<std::path::PathBuf>,
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The RDF projection.
    #[command(subcommand)]
    Rdf(RdfCommand),
    /// The search index under `$ODCAT_DATA_DIR/search`.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Harvest remote catalogues (DCAT-AP, CKAN, DKAN).
    #[command(subcommand)]
    Harvest(HarvestCommand),
}

/// Harvest subcommands.
#[derive(Debug, Subcommand)]
pub enum HarvestCommand {
    /// Add a source and print its id.
    Add {
        /// `dcat` (a DCAT-AP catalogue or dump), `ckan` (Action API) or `dkan`.
        #[arg(long, value_enum)]
        kind: HarvestKind,
        /// The catalogue's first page or dump, or the CKAN/DKAN site's root.
        #[arg(long)]
        url: String,
        /// Slug of the publisher the datasets are published under.
        #[arg(long)]
        publisher: String,
        /// A name for people.
        #[arg(long)]
        title: Option<String>,
        /// A CKAN `fq` restricting what is harvested.
        #[arg(long)]
        fq: Option<String>,
        /// Allow private, loopback and link-local addresses (a source inside the city's network).
        #[arg(long)]
        allow_private: bool,
        /// Minutes between scheduled runs by the server.
        #[arg(long)]
        interval: Option<i32>,
        /// The largest share (percent) of its datasets one run withdraws (default 10).
        #[arg(long)]
        max_withdraw_percent: Option<i32>,
    },
    /// List the sources with their last job.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run one job of a source in the foreground, with a progress bar, and print its report.
    Run {
        /// The source's id.
        source: Uuid,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Withdraw the vanished datasets even when they are more than the source's share.
        #[arg(long)]
        allow_mass_delete: bool,
    },
    /// Print a job's report.
    Show {
        /// The job's id.
        job: Uuid,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Kinds of harvest source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HarvestKind {
    /// A DCAT-AP catalogue in RDF, paged with Hydra, or a dump (gzip allowed).
    Dcat,
    /// A CKAN site's Action API.
    Ckan,
    /// A DKAN site.
    Dkan,
}

/// Search index subcommands.
#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Rebuild the search index from SQL (stop `serve` first: the index has one writer).
    Rebuild,
}

/// RDF subcommands.
#[derive(Debug, Subcommand)]
pub enum RdfCommand {
    /// Rebuild the RDF store from SQL (in place with feature `rocksdb`; stop `serve` first).
    Rebuild,
    /// Dump the catalogue: `nq` is Oxigraph's own N-Quads dump of the RDF store (every graph); the
    /// other formats stream the whole catalogue from the record as one DCAT-AP document.
    Dump {
        /// Output format.
        #[arg(long, value_enum, default_value = "nq")]
        format: DumpFormat,
        /// Output file; standard output when absent.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
        /// With `nq`: project SQL into a fresh in-memory store instead of using this build's store.
        #[arg(long)]
        fresh: bool,
    },
}

/// Formats of `odcat rdf dump`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpFormat {
    /// N-Quads with the named graphs (Oxigraph's dump).
    Nq,
    /// Turtle.
    Ttl,
    /// N-Triples.
    Nt,
    /// RDF/XML.
    Rdf,
    /// JSON-LD.
    Jsonld,
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
        /// Also print a one-time link that signs a browser in to the workspace with the token
        /// (valid for 15 minutes, usable once).
        #[arg(long)]
        login: bool,
    },
    /// Revoke a token by id; it stops working at once.
    Revoke {
        /// The token id printed by `token create`.
        id: Uuid,
    },
}

async fn open(settings: &Settings) -> anyhow::Result<Catalog> {
    let connection = db::connect(settings, db::Access::Batch).await?;
    db::migrate(&connection).await?;
    let catalog = Catalog::new(connection, settings.base_url());
    catalog.assign_identifiers().await?;
    Ok(catalog)
}

/// `odcat harvest …`.
async fn harvest(settings: &Settings, command: HarvestCommand) -> anyhow::Result<()> {
    use crate::catalog::harvest::{JobStatus, SourceInput, SourceKind};
    let catalog = open(settings).await?;
    match command {
        HarvestCommand::Add {
            kind,
            url,
            publisher,
            title,
            fq,
            allow_private,
            interval,
            max_withdraw_percent,
        } => {
            let input = SourceInput {
                kind: match kind {
                    HarvestKind::Dcat => SourceKind::Dcat,
                    HarvestKind::Ckan => SourceKind::Ckan,
                    HarvestKind::Dkan => SourceKind::Dkan,
                },
                url,
                publisher,
                title,
                fq,
                allow_private,
                interval_minutes: interval,
                max_withdraw_percent,
            };
            let source = catalog.create_harvest_source(&input).await?;
            say(&source.id.to_string())
        }
        HarvestCommand::List { json } => {
            let sources = catalog.harvest_sources().await?;
            if json {
                return say(&serde_json::to_string_pretty(&sources)?);
            }
            for s in &sources {
                let last = s.last_job.as_ref().map_or_else(
                    || "never run".to_owned(),
                    |j| {
                        format!(
                            "last job {} {} at {}",
                            j.id,
                            j.status.as_str(),
                            j.started_at
                        )
                    },
                );
                say(&format!(
                    "{}  {:4}  {}  → {}  ({} datasets; {last})",
                    s.id,
                    s.kind.as_str(),
                    s.url,
                    s.publisher,
                    s.datasets
                ))?;
            }
            Ok(())
        }
        HarvestCommand::Run {
            source,
            json,
            allow_mass_delete,
        } => {
            use indicatif::{ProgressBar, ProgressStyle};
            let (source, job) = catalog
                .start_harvest_job(&source.to_string(), allow_mass_delete)
                .await?;
            let bar = ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {elapsed} page {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            if json {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let progress = {
                let bar = bar.clone();
                move |c: &crate::catalog::harvest::JobCounts| {
                    bar.set_message(format!(
                        "{}: {} created, {} updated, {} unchanged, {} failed",
                        c.pages, c.created, c.updated, c.unchanged, c.failed
                    ));
                }
            };
            let report =
                crate::harvest::run::run(&catalog, &source, &job, &settings.harvest(), &progress)
                    .await;
            bar.finish_and_clear();
            let report = report?;
            print_job(&report, json)?;
            if report.status != JobStatus::Complete {
                anyhow::bail!(
                    "the job did not read the whole source ({}); nothing was withdrawn",
                    report.stop.as_deref().unwrap_or(report.status.as_str())
                );
            }
            Ok(())
        }
        HarvestCommand::Show { job, json } => {
            let report = catalog.harvest_job(&job.to_string()).await?;
            print_job(&report, json)
        }
    }
}

/// A job's report, for people or as JSON.
fn print_job(job: &crate::catalog::harvest::JobDocument, json: bool) -> anyhow::Result<()> {
    if json {
        return say(&serde_json::to_string_pretty(job)?);
    }
    let c = &job.counts;
    say(&format!(
        "job {} of source {}: {}{}",
        job.id,
        job.source,
        job.status.as_str(),
        job.stop
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    ))?;
    say(&format!(
        "started {}, finished {}",
        job.started_at,
        job.finished_at
            .map_or_else(|| "-".to_owned(), |f| f.to_string())
    ))?;
    say(&format!(
        "pages {} · created {} · updated {} · unchanged {} · withdrawn {} · failed {}",
        c.pages, c.created, c.updated, c.unchanged, c.withdrawn, c.failed
    ))?;
    for e in &job.report.errors {
        say(&format!(
            "  failed: {} {}{}{}",
            e.identity.as_deref().unwrap_or("(no identity)"),
            e.title
                .as_deref()
                .map(|t| format!("„{t}“ "))
                .unwrap_or_default(),
            e.field
                .as_deref()
                .map(|f| format!("{f}: "))
                .unwrap_or_default(),
            e.message
        ))?;
    }
    for w in &job.report.withdrawn_datasets {
        say(&format!("  withdrawn: {} ({})", w.slug, w.identity))?;
    }
    for n in &job.report.notes {
        say(&format!("  note: {n}"))?;
    }
    Ok(())
}

/// `odcat import`: spools the file (bytes bar), analyses it (spinner), loads it (rows bar).
async fn import(
    catalog: &Catalog,
    settings: &Settings,
    dataset: &str,
    distribution: Uuid,
    schema: Option<&std::path::Path>,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};
    let schema = match schema {
        None => ingest::SchemaChoice::Stored,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read {}", path.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            ingest::SchemaChoice::Declare(
                TableSchema::from_json(&json)
                    .with_context(|| format!("{} is not a usable Table Schema", path.display()))?,
            )
        }
    };
    let style = |template: &str| {
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
    };
    let size = std::fs::metadata(file)
        .with_context(|| format!("failed to read {}", file.display()))?
        .len();
    let bar = ProgressBar::new(size).with_style(style(
        "{msg:10} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}",
    ));
    bar.set_message("reading");
    let spooled = {
        let bar = bar.clone();
        let file = file.to_path_buf();
        let dir = settings.data_dir.join("uploads");
        tokio::task::spawn_blocking(move || -> anyhow::Result<ingest::Spooled> {
            use std::io::Read;
            let mut input = std::fs::File::open(&file)
                .with_context(|| format!("failed to open {}", file.display()))?;
            let mut spooler =
                ingest::Spooler::new(&dir).context("failed to create the spool file")?;
            let mut buffer = vec![0; 1 << 16];
            loop {
                let n = input.read(&mut buffer).context("failed to read the file")?;
                if n == 0 {
                    break;
                }
                spooler
                    .write(&buffer[..n])
                    .context("failed to spool the file")?;
                bar.inc(n as u64);
            }
            Ok(spooler.finish().map_err(ingest::read_error)?)
        })
        .await
        .context("the reader thread failed")??
    };
    bar.finish_and_clear();
    let rows =
        ProgressBar::new_spinner().with_style(style("{msg:10} {spinner} {pos} rows {per_sec}"));
    rows.set_message("analysing");
    rows.enable_steady_tick(std::time::Duration::from_millis(120));
    let progress: ingest::Progress = {
        let rows = rows.clone();
        std::sync::Arc::new(move |n| {
            rows.set_message("loading");
            rows.set_position(n);
        })
    };
    let report = ingest::replace_data(
        catalog,
        &Actor::operator(),
        dataset,
        distribution,
        &Precondition::Any,
        &spooled,
        schema,
        Some(progress),
    )
    .await;
    rows.finish_and_clear();
    let analysis = report
        .context("the import failed; the table keeps its old rows")?
        .analysis;
    say(&format!(
        "imported {} rows into distribution {distribution} of `{dataset}` ({}, delimiter `{}`)",
        analysis.rows,
        analysis.encoding,
        char::from(analysis.delimiter).escape_default()
    ))?;
    for (name, inferred) in &analysis.columns {
        let scale = inferred
            .scale
            .map(|s| format!(" ({s} decimal places)"))
            .unwrap_or_default();
        let note = inferred.note.map(|n| format!(": {n}")).unwrap_or_default();
        say(&format!(
            "  {name}: {}{scale}{note}",
            inferred.column_type.as_str()
        ))?;
    }
    Ok(())
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
            let connection = db::connect(&settings, db::Access::Batch).await?;
            db::migrate(&connection).await?;
            Catalog::new(connection, settings.base_url())
                .assign_identifiers()
                .await?;
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
        Command::Import {
            dataset,
            distribution,
            schema,
            file,
        } => {
            let catalog = open(&settings).await?;
            import(
                &catalog,
                &settings,
                &dataset,
                distribution,
                schema.as_deref(),
                &file,
            )
            .await
        }
        Command::Token(TokenCommand::Create {
            publisher,
            role,
            label,
            login,
        }) => {
            let catalog = open(&settings).await?;
            let token = catalog
                .issue_token(
                    &Actor::operator(),
                    publisher.as_deref(),
                    role,
                    label.as_deref(),
                )
                .await
                .context("failed to create the token")?;
            say(&format!("token id: {}", token.id))?;
            say(&format!("secret:   {}", token.secret))?;
            say("The secret is shown only now; odcat stores only its hash.")?;
            if login {
                let code = crate::catalog::workspace::create_login_link(catalog.db(), token.id)
                    .await
                    .context("failed to create the sign-in link")?;
                say(&format!(
                    "sign-in link (once, for 15 minutes): {}/verwaltung/link/{code}",
                    settings.base_url()
                ))?;
            }
            Ok(())
        }
        Command::Rdf(RdfCommand::Rebuild) => {
            let catalog = open(&settings).await?;
            let store =
                RdfStore::open(&settings.data_dir).context("failed to open the RDF store")?;
            let projector =
                Projector::new(catalog.db().clone(), store, startup::mapping(&settings)?);
            let report = projector.rebuild().await?;
            let rate = report.quads as f64 / report.elapsed.as_secs_f64().max(1e-9);
            say(&format!(
                "rebuilt the RDF store: {} datasets, {} quads in {:.2} s ({:.0} quads/s), change_log position {}",
                report.datasets,
                report.quads,
                report.elapsed.as_secs_f64(),
                rate,
                report.seq
            ))
        }
        Command::Search(SearchCommand::Rebuild) => {
            let catalog = open(&settings).await?;
            let engine = startup::open_search(&settings, &catalog)?;
            let (datasets, position, took) = engine.rebuild_all().await?;
            let secs = took.as_secs_f64();
            say(&format!(
                "rebuilt the search index: {datasets} datasets in {secs:.2} s ({:.0} datasets/s), change_log position {position}",
                datasets as f64 / secs.max(1e-9)
            ))
        }
        Command::Rdf(RdfCommand::Dump {
            format,
            output,
            fresh,
        }) => {
            let catalog = open(&settings).await?;
            let mapping = startup::mapping(&settings)?;
            let out: Box<dyn Write + Send> = match &output {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("failed to create {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout()),
            };
            let out = std::io::BufWriter::with_capacity(1 << 20, out);
            let started = std::time::Instant::now();
            let db = catalog.db();
            let count = match format {
                DumpFormat::Nq => {
                    let projector = if fresh {
                        let store =
                            RdfStore::in_memory().context("failed to create the RDF store")?;
                        let projector = Projector::new(db.clone(), store, mapping);
                        projector.rebuild().await?;
                        projector
                    } else {
                        let projector =
                            Projector::open(db.clone(), &settings.data_dir, mapping).await?;
                        crate::feed::Feed::new(
                            catalog.clone(),
                            vec![std::sync::Arc::new(projector.clone())],
                        )
                        .start()
                        .await?;
                        projector
                    };
                    let store = projector.store().clone();
                    tokio::task::spawn_blocking(move || store.dump_nquads(out))
                        .await
                        .context("the dump thread failed")??
                }
                DumpFormat::Ttl => {
                    publish::dump_catalogue(db, &mapping, Format::Turtle, out).await?
                }
                DumpFormat::Nt => {
                    publish::dump_catalogue(db, &mapping, Format::NTriples, out).await?
                }
                DumpFormat::Rdf => {
                    publish::dump_catalogue(db, &mapping, Format::RdfXml, out).await?
                }
                DumpFormat::Jsonld => {
                    publish::dump_catalogue(db, &mapping, Format::JsonLd, out).await?
                }
            };
            tracing::info!(
                rdf.statements = count,
                rdf.seconds = started.elapsed().as_secs_f64(),
                "dumped the RDF store"
            );
            Ok(())
        }
        Command::Harvest(command) => harvest(&settings, command).await,
        Command::Token(TokenCommand::Revoke { id }) => {
            let catalog = open(&settings).await?;
            catalog
                .revoke_token(&Actor::operator(), id)
                .await
                .context("failed to revoke the token")?;
            say(&format!("token {id} revoked"))
        }
    }
}
