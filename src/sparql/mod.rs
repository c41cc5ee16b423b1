//! The SPARQL 1.1 query service over the RDF projection: read-only (updates and `SERVICE` are
//! refused before evaluation; Oxigraph is built without its HTTP client), with a hard timeout that
//! cancels the evaluation itself, caps on result rows and bytes, a bound on concurrent evaluations,
//! and results streamed to the client in chunks.
//!
//! Each query is parsed and evaluated on a thread of its own with a large stack ([`guard`] bounds how
//! deep any stage can recurse), holding one of the concurrency permits; HTTP workers never parse. The
//! timeout cancels every operator of the evaluation (joins, products, ORDER BY, GROUP BY check the
//! token for each solution, see `vendor/spareval`), and shutting down cancels every running query. The HTTP status is
//! decided by the first chunk: an error before it (syntax, timeout, cap) is answered as a JSON problem;
//! an error after it aborts the response, so a client never takes a cut-off result for a whole one.

pub mod description;
pub mod examples;
pub mod guard;
pub mod output;
pub mod query;

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, ready};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use oxigraph::io::RdfSerializer;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use tokio::sync::{Semaphore, mpsc, oneshot};

pub use output::{Output, ResultFormat};
pub use query::{CheckedQuery, QueryForm, QueryRequest};

use crate::rdf::RdfStore;
use crate::rdf::vocab::PREFIXES;
use output::{CHUNK, Chunk, ChunkSender};

/// The service's limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Wall time after which an evaluation is cancelled.
    pub timeout: Duration,
    /// Most solutions (or triples) in one result.
    pub max_rows: u64,
    /// Most bytes in one serialised result.
    pub max_bytes: u64,
    /// Evaluations running at once.
    pub concurrency: usize,
    /// How long a query waits for a free evaluation slot before it is answered 503.
    pub queue_wait: Duration,
}

/// Why a query was not answered (in full).
#[derive(Debug, thiserror::Error)]
pub enum SparqlError {
    /// The query text does not parse; the parser's message.
    #[error("{0}")]
    Syntax(String),
    /// The query nests too deeply or chains too many operators to be parsed or evaluated safely.
    #[error("{0}")]
    TooComplex(guard::TooComplex),
    /// The text is a SPARQL update.
    #[error("this endpoint is read-only: SPARQL updates are refused")]
    UpdateRefused,
    /// The query calls a remote service.
    #[error(
        "federated queries are refused: this endpoint does not call remote services such as {0}"
    )]
    ServiceRefused(String),
    /// A `default-graph-uri` or `named-graph-uri` parameter is not an IRI.
    #[error("`{value}` is not an IRI ({reason})")]
    BadGraph {
        /// The parameter.
        parameter: &'static str,
        /// Its value.
        value: String,
        /// Why.
        reason: String,
    },
    /// Every evaluation slot stayed busy for the whole queue wait.
    #[error("too many SPARQL queries are running; retry in a moment")]
    Busy,
    /// The server is shutting down and takes no more queries.
    #[error("the server is shutting down; retry in a moment")]
    ShuttingDown,
    /// The evaluation ran into the timeout and was stopped.
    #[error("the query did not finish within {0} s and was stopped; narrow it down or add a LIMIT")]
    Timeout(u64),
    /// The result has more rows than allowed.
    #[error("the result has more than {0} rows; add a LIMIT or narrow the query down")]
    TooManyRows(u64),
    /// The result is larger than allowed.
    #[error("the result is larger than {0} bytes; add a LIMIT or narrow the query down")]
    TooManyBytes(u64),
    /// The evaluation failed on the query itself (e.g. an unknown custom function).
    #[error("{0}")]
    Evaluation(String),
    /// The client went away before the result was written.
    #[error("the client went away")]
    Disconnected,
    /// Anything else.
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// A serialised result, chunk by chunk; an `Err` item ends it early.
pub type ResultStream = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, SparqlError>> + Send>>;

/// A serialised result: whole when it fit in the first chunk (so it goes out with a
/// `Content-Length` in one write), else streamed.
pub enum Answer {
    /// The complete result.
    Whole(Bytes),
    /// The result, chunk by chunk.
    Stream(ResultStream),
}

/// The SPARQL service.
#[derive(Clone)]
pub struct SparqlService {
    store: RdfStore,
    base: String,
    limits: Limits,
    permits: Arc<Semaphore>,
    running: Arc<Registry>,
}

/// The evaluations running now, with their cancellation tokens, and whether the service stopped.
#[derive(Default)]
struct Registry {
    count: AtomicUsize,
    next: AtomicU64,
    stopped: AtomicBool,
    tokens: Mutex<HashMap<u64, CancellationToken>>,
}

/// Counts an evaluation as running (and cancellable by [`SparqlService::stop`]) while it lives.
struct Running {
    registry: Arc<Registry>,
    id: u64,
}

impl Running {
    fn start(registry: Arc<Registry>, token: CancellationToken) -> Self {
        let id = registry.next.fetch_add(1, Ordering::Relaxed);
        registry.count.fetch_add(1, Ordering::AcqRel);
        registry
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, token.clone());
        // A stop that came between the caller's check and the registration still reaches this one.
        if registry.stopped.load(Ordering::Acquire) {
            token.cancel();
        }
        Self { registry, id }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.registry
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
        self.registry.count.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How long an idle query thread waits for more work before it ends.
const QUERY_THREAD_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(30);

/// The threads queries are parsed and evaluated on: a runtime of its own whose blocking threads have
/// stacks of [`guard::STACK_BYTES`], started on demand and kept while busy (up to 30 s idle). A new
/// thread per query paid its stack's page faults on every request (a thread that touches 256 KB of
/// a fresh stack costs ~0.3 ms to start and end; two per query); a kept thread has its pages already.
fn query_threads() -> Result<&'static tokio::runtime::Runtime, SparqlError> {
    static THREADS: std::sync::OnceLock<Result<tokio::runtime::Runtime, String>> =
        std::sync::OnceLock::new();
    THREADS
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("odcat-sparql")
                .thread_stack_size(guard::STACK_BYTES)
                .thread_keep_alive(QUERY_THREAD_KEEP_ALIVE)
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            SparqlError::Internal(anyhow::anyhow!("failed to start the query threads: {e}"))
        })
}

/// Runs `work` on a query thread (a stack of [`guard::STACK_BYTES`]) and hands back its result.
fn on_query_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<oneshot::Receiver<T>, SparqlError> {
    let (tx, rx) = oneshot::channel();
    // Detached: the receiver learns of a panic as a dropped sender.
    drop(query_threads()?.spawn_blocking(move || {
        let _ = tx.send(work());
    }));
    Ok(rx)
}

impl SparqlService {
    /// A service over `store`; `base` is the public base URL (relative IRIs in queries resolve
    /// against it).
    pub fn new(store: RdfStore, base: &str, limits: Limits) -> Self {
        Self {
            store,
            base: base.trim_end_matches('/').to_owned(),
            permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            limits,
            running: Arc::new(Registry::default()),
        }
    }

    /// Cancels every running evaluation and refuses new ones (at shutdown).
    pub fn stop(&self) {
        self.running.stopped.store(true, Ordering::Release);
        let tokens = self
            .running
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for token in tokens.values() {
            token.cancel();
        }
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The public base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Evaluations running now (each on its own blocking thread).
    pub fn running(&self) -> usize {
        self.running.count.load(Ordering::Acquire)
    }

    /// Parses and checks a request, on a query thread (see [`guard`]), never on the caller's.
    pub async fn check(&self, request: QueryRequest) -> Result<CheckedQuery, SparqlError> {
        let base = self.base.clone();
        on_query_thread(move || CheckedQuery::parse(&request, &base))?
            .await
            .map_err(|_| {
                SparqlError::Internal(anyhow::anyhow!("the query thread ended without an answer"))
            })?
    }

    /// Evaluates `query` and streams its result in `format`. Waits up to the queue wait for a free
    /// slot. Returns once the first chunk is ready, so errors before it become the response status.
    #[tracing::instrument(skip_all, fields(sparql.form = ?query.form()))]
    pub async fn execute(
        &self,
        query: CheckedQuery,
        output: Output,
    ) -> Result<Answer, SparqlError> {
        let permit = match tokio::time::timeout(
            self.limits.queue_wait,
            self.permits.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) | Err(_) => return Err(SparqlError::Busy),
        };
        let (evaluation, rx) = self.evaluation(permit)?;
        on_query_thread(move || evaluation.run(query, output))?;
        receive(rx).await
    }

    /// Parses, checks and evaluates `request` in one visit to a query thread, where `choose` picks
    /// the output for the query's form (its error is handed back instead of an evaluation). When
    /// every slot is taken, the query is parsed first (a bad one is refused at once) and then waits
    /// for a slot as [`execute`](Self::execute) does. Answers the chosen format with the result.
    pub async fn answer<E: Send + 'static>(
        &self,
        request: QueryRequest,
        choose: impl FnOnce(QueryForm) -> Result<Output, E> + Send + 'static,
    ) -> Result<Result<(ResultFormat, Answer), E>, SparqlError> {
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            let query = self.check(request).await?;
            let output = match choose(query.form()) {
                Ok(output) => output,
                Err(error) => return Ok(Err(error)),
            };
            let format = output.format;
            return Ok(Ok((format, self.execute(query, output).await?)));
        };
        let (evaluation, rx) = self.evaluation(permit)?;
        let (chosen_tx, chosen_rx) = oneshot::channel();
        let base = self.base.clone();
        on_query_thread(move || match CheckedQuery::parse(&request, &base) {
            Err(error) => evaluation.refuse(error),
            Ok(query) => match choose(query.form()) {
                Ok(output) => {
                    let _ = chosen_tx.send(Ok(output.format));
                    evaluation.run(query, output);
                }
                Err(error) => {
                    evaluation.timer.abort();
                    let _ = chosen_tx.send(Err(error));
                }
            },
        })?;
        match chosen_rx.await {
            Ok(Ok(format)) => Ok(Ok((format, receive(rx).await?))),
            Ok(Err(error)) => Ok(Err(error)),
            // Refused before a format was chosen: the result channel holds why.
            Err(_) => Err(match receive(rx).await {
                Err(error) => error,
                Ok(_) => SparqlError::Internal(anyhow::anyhow!(
                    "the query thread answered without a format"
                )),
            }),
        }
    }

    /// Everything an evaluation holds while it runs: its slot, its result channel, its timeout and
    /// its registration with [`stop`](Self::stop).
    fn evaluation(
        &self,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<(Evaluation, ChunkReceiver), SparqlError> {
        if self.running.stopped.load(Ordering::Acquire) {
            return Err(SparqlError::ShuttingDown);
        }
        let (tx, rx) = mpsc::channel::<Result<Chunk, SparqlError>>(4);
        let token = CancellationToken::new();
        let timer = {
            let token = token.clone();
            let timeout = self.limits.timeout;
            tokio::spawn(async move {
                tokio::time::sleep(timeout).await;
                token.cancel();
            })
        };
        let running = Running::start(self.running.clone(), token.clone());
        Ok((
            Evaluation {
                permit,
                tx,
                token,
                timer,
                running,
                registry: self.running.clone(),
                store: self.store.clone(),
                limits: self.limits.clone(),
                span: tracing::Span::current(),
                runtime: tokio::runtime::Handle::current(),
            },
            rx,
        ))
    }
}

/// The receiving end of an evaluation's result.
type ChunkReceiver = mpsc::Receiver<Result<Chunk, SparqlError>>;

/// An evaluation about to run on a query thread (see [`SparqlService::evaluation`]).
struct Evaluation {
    permit: tokio::sync::OwnedSemaphorePermit,
    tx: mpsc::Sender<Result<Chunk, SparqlError>>,
    token: CancellationToken,
    timer: tokio::task::JoinHandle<()>,
    running: Running,
    registry: Arc<Registry>,
    store: RdfStore,
    limits: Limits,
    span: tracing::Span,
    runtime: tokio::runtime::Handle,
}

impl Evaluation {
    /// Evaluates `query` on this (query) thread, sending its result chunk by chunk.
    fn run(self, query: CheckedQuery, output: Output) {
        let Self {
            permit,
            tx,
            token,
            timer,
            running,
            registry,
            store,
            limits,
            span,
            runtime,
        } = self;
        let _span = span.enter();
        // The result writer waits for the client on the runtime's timers.
        let _runtime = runtime.enter();
        let started = Instant::now();
        let mut out = ChunkSender::new(tx, limits.max_bytes, started + limits.timeout);
        let outcome = match evaluate(&store, query, output, &limits, token, started, &mut out) {
            Err(SparqlError::Timeout(_)) if registry.stopped.load(Ordering::Acquire) => {
                Err(SparqlError::ShuttingDown)
            }
            outcome => outcome,
        };
        timer.abort();
        let millis = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(rows) => tracing::info!(
                sparql.duration_ms = millis,
                sparql.rows = rows,
                sparql.bytes = out.written(),
                "answered a SPARQL query"
            ),
            Err(SparqlError::Disconnected) => tracing::info!(
                sparql.duration_ms = millis,
                "stopped a SPARQL query: the client went away"
            ),
            Err(error) => {
                tracing::info!(
                    sparql.duration_ms = millis,
                    error = %error,
                    "stopped a SPARQL query"
                );
                out.fail(error);
            }
        }
        drop(permit);
        drop(running);
    }

    /// Ends without evaluating: `error` is the answer (the slot and the registration are freed).
    fn refuse(self, error: SparqlError) {
        self.timer.abort();
        let _ = self.tx.blocking_send(Err(error));
    }
}

/// Waits for the first chunk of a result: errors before it become the response status.
async fn receive(mut rx: ChunkReceiver) -> Result<Answer, SparqlError> {
    match rx.recv().await {
        None => Err(SparqlError::Internal(anyhow::anyhow!(
            "the SPARQL evaluation thread ended without an answer"
        ))),
        Some(Err(error)) => Err(error),
        Some(Ok(first)) if first.last => Ok(Answer::Whole(first.bytes)),
        Some(Ok(first)) => {
            // A channel that closes before the last chunk (or an error) means the evaluation
            // ended without finishing the result: end the response in an error, never cleanly.
            let mut ended = false;
            let rest = futures_util::stream::poll_fn(move |cx| {
                if ended {
                    return Poll::Ready(None);
                }
                Poll::Ready(match ready!(rx.poll_recv(cx)) {
                    Some(Ok(chunk)) => {
                        ended = chunk.last;
                        Some(Ok(chunk.bytes))
                    }
                    Some(Err(error)) => {
                        ended = true;
                        Some(Err(error))
                    }
                    None => {
                        ended = true;
                        Some(Err(SparqlError::Internal(anyhow::anyhow!(
                            "the SPARQL result ended before its last chunk"
                        ))))
                    }
                })
            });
            Ok(Answer::Stream(Box::pin(
                futures_util::stream::once(async move { Ok(first.bytes) }).chain(rest),
            )))
        }
    }
}

/// Evaluates on the calling (blocking) thread; returns the number of solutions or triples.
fn evaluate(
    store: &RdfStore,
    query: CheckedQuery,
    output: Output,
    limits: &Limits,
    token: CancellationToken,
    started: Instant,
    out: &mut ChunkSender,
) -> Result<u64, SparqlError> {
    let timeout = limits.timeout;
    let evaluation_error = |e: QueryEvaluationError| evaluation_error(e, timeout);
    let mut rows = 0_u64;
    let count = |rows: &mut u64| {
        *rows += 1;
        if *rows > limits.max_rows {
            return Err(SparqlError::TooManyRows(limits.max_rows));
        }
        if started.elapsed() > timeout {
            return Err(SparqlError::Timeout(timeout.as_secs()));
        }
        Ok(())
    };
    let io = |e: std::io::Error| SparqlError::Internal(anyhow::Error::new(e));
    let evaluator = SparqlEvaluator::new().with_cancellation_token(token);
    let results = query
        .prepare(evaluator)
        .on_store(store.inner())
        .execute()
        .map_err(evaluation_error)?;
    // The serialisers make many small writes; the `BufWriter` turns them into whole chunks.
    let mut buffered = BufWriter::with_capacity(CHUNK, &mut *out);
    let outcome = (|| {
        match (results, output.format) {
            (
                QueryResults::Solutions(solutions),
                ResultFormat::Results(QueryResultsFormat::Csv),
            ) => {
                if output.csv.bom {
                    buffered.write_all("\u{feff}".as_bytes()).map_err(io)?;
                }
                let variables = solutions.variables().to_vec();
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(output.csv.delimiter)
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(&mut buffered);
                let csv_error = |e: csv::Error| io(std::io::Error::other(e));
                writer
                    .write_record(variables.iter().map(|v| v.as_str()))
                    .map_err(csv_error)?;
                for solution in solutions {
                    let solution = solution.map_err(evaluation_error)?;
                    count(&mut rows)?;
                    writer
                        .write_record(variables.iter().map(|v| {
                            solution
                                .get(v)
                                .map(|term| output::csv_term(term, output.csv))
                                .unwrap_or_default()
                        }))
                        .map_err(csv_error)?;
                }
                writer.flush().map_err(io)?;
            }
            (QueryResults::Solutions(solutions), ResultFormat::Results(f)) => {
                let mut serializer = QueryResultsSerializer::from_format(f)
                    .serialize_solutions_to_writer(&mut buffered, solutions.variables().to_vec())
                    .map_err(io)?;
                for solution in solutions {
                    let solution = solution.map_err(evaluation_error)?;
                    count(&mut rows)?;
                    serializer.serialize(&solution).map_err(io)?;
                }
                serializer.finish().map_err(io)?;
            }
            (QueryResults::Boolean(value), ResultFormat::Results(f)) => {
                rows = 1;
                QueryResultsSerializer::from_format(f)
                    .serialize_boolean_to_writer(&mut buffered, value)
                    .map_err(io)?;
            }
            (QueryResults::Graph(triples), ResultFormat::Rdf(f)) => {
                let mut serializer = RdfSerializer::from_format(f);
                for (prefix, iri) in PREFIXES {
                    serializer = match serializer.clone().with_prefix(*prefix, *iri) {
                        Ok(s) => s,
                        Err(_) => serializer,
                    };
                }
                let mut writer = serializer.for_writer(&mut buffered);
                for triple in triples {
                    let triple = triple.map_err(evaluation_error)?;
                    count(&mut rows)?;
                    writer.serialize_triple(&triple).map_err(io)?;
                }
                writer.finish().map_err(io)?;
            }
            _ => {
                return Err(SparqlError::Internal(anyhow::anyhow!(
                    "the result format does not fit the query form"
                )));
            }
        }
        buffered.flush().map_err(io)
    })();
    // Never flush on the way out after a failure: what is buffered is dropped.
    drop(buffered.into_parts());
    if let Err(error) = outcome {
        // A failed write: the sender knows when it stopped on purpose (cap, client gone).
        return Err(out.stopped.take().unwrap_or(error));
    }
    out.finish()?;
    Ok(rows)
}

/// What an evaluator error means for the client: the query's own faults (a function we do not
/// know, `SERVICE`) are refusals; a failing store or an evaluator in a state it should never reach
/// is the server's fault (500), never blamed on the query.
fn evaluation_error(error: QueryEvaluationError, timeout: Duration) -> SparqlError {
    match error {
        QueryEvaluationError::Cancelled => SparqlError::Timeout(timeout.as_secs()),
        QueryEvaluationError::Service(_)
        | QueryEvaluationError::UnsupportedService(_)
        | QueryEvaluationError::InvalidServiceName(_)
        | QueryEvaluationError::UnboundService => SparqlError::ServiceRefused("any SERVICE".into()),
        QueryEvaluationError::UnsupportedCustomFunction(_)
        | QueryEvaluationError::UnsupportedCustomFunctionArity { .. } => {
            SparqlError::Evaluation(error.to_string())
        }
        QueryEvaluationError::Dataset(e) => {
            SparqlError::Internal(anyhow::anyhow!(e).context("the RDF store failed"))
        }
        other => SparqlError::Internal(anyhow::Error::new(other).context("the evaluator failed")),
    }
}

#[cfg(test)]
mod tests {
    use oxigraph::model::NamedNode;

    use super::*;

    #[test]
    fn the_query_is_blamed_only_for_its_own_faults() {
        let timeout = Duration::from_secs(5);
        let f = NamedNode::new_unchecked("http://example.org/f");
        let client = [
            QueryEvaluationError::UnsupportedCustomFunction(f.clone()),
            QueryEvaluationError::UnsupportedService(f),
            QueryEvaluationError::Cancelled,
        ];
        for error in client {
            let mapped = evaluation_error(error, timeout);
            assert!(!matches!(mapped, SparqlError::Internal(_)), "{mapped:?}");
        }
        let server = [
            QueryEvaluationError::Dataset("disk gone".into()),
            QueryEvaluationError::UnexpectedDefaultGraph,
            QueryEvaluationError::Unexpected("bug".into()),
        ];
        for error in server {
            let mapped = evaluation_error(error, timeout);
            assert!(matches!(mapped, SparqlError::Internal(_)), "{mapped:?}");
        }
    }
}
