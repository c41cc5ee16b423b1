//! `shacl_check [--repeat N] DATA SHAPES.ttl...`: odcat's SHACL engine (`odcat::quality::shacl`) from the
//! command line, for `.ci/shacl-agreement` (the comparison with pySHACL).
//!
//! Validates the RDF file DATA (format from its extension: .nt, .ttl, .rdf, .jsonld, ...) against
//! the union of the Turtle SHAPES files and prints one tab-separated line per result:
//! `severity focus path component value shape message` (terms in N-Triples syntax, empty fields
//! for absent values). Timings go to stderr: `validate_ms` is the first run (empty `sh:pattern`
//! cache); with `--repeat N` the mean of the other N-1 runs is `warm_validate_ms`. Exit status: 0 without violations, 1 with violations, 2 on errors.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use odcat::quality::shacl::{Severity, Shapes, validate};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Graph, Triple};

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "shacl_check: {e}");
            ExitCode::from(2)
        }
    }
}

fn field(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn run() -> Result<bool, String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 1usize;
    if args.first().map(String::as_str) == Some("--repeat") {
        repeat = args
            .get(1)
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .ok_or("--repeat needs a positive number")?;
        args.drain(..2);
    }
    let (data_path, shape_paths) = args
        .split_first()
        .filter(|(_, s)| !s.is_empty())
        .ok_or("usage: shacl_check [--repeat N] DATA SHAPES.ttl...")?;

    let t0 = Instant::now();
    let sources = shape_paths
        .iter()
        .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&str> = sources.iter().map(String::as_str).collect();
    let shapes = Shapes::from_turtle(&refs).map_err(|e| e.to_string())?;
    let t1 = Instant::now();

    let extension = std::path::Path::new(data_path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("ttl");
    let format = RdfFormat::from_extension(extension)
        .ok_or_else(|| format!("{data_path}: unknown RDF format"))?;
    let bytes = std::fs::read(data_path).map_err(|e| format!("{data_path}: {e}"))?;
    let mut data = Graph::new();
    for quad in RdfParser::from_format(format).for_slice(&bytes) {
        let quad = quad.map_err(|e| format!("{data_path}: {e}"))?;
        data.insert(&Triple::from(quad));
    }
    let t2 = Instant::now();

    let mut results = validate(&shapes, &data);
    let t3 = Instant::now();
    for _ in 1..repeat {
        results = validate(&shapes, &data);
    }
    let t4 = Instant::now();

    let mut out = std::io::stdout().lock();
    let mut violations = 0;
    for r in &results {
        if r.severity == Severity::Violation {
            violations += 1;
        }
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.severity,
            field(&r.focus.to_string()),
            field(r.path.as_deref().unwrap_or("")),
            r.component,
            field(
                &r.value
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            field(&r.shape),
            field(r.message.as_deref().unwrap_or("")),
        )
        .map_err(|e| e.to_string())?;
    }
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
    // The first run fills the sh:pattern cache kept in `shapes`; later runs show the warm cost.
    let warm = if repeat > 1 {
        format!("{:.3}", ms(t3, t4) / (repeat - 1) as f64)
    } else {
        "-".to_owned()
    };
    writeln!(
        std::io::stderr(),
        "shapes={} load_shapes_ms={:.2} triples={} parse_ms={:.2} validate_ms={:.3} warm_validate_ms={} repeat={} results={} violations={}",
        shapes.len(),
        ms(t0, t1),
        data.len(),
        ms(t1, t2),
        ms(t2, t3),
        warm,
        repeat,
        results.len(),
        violations
    )
    .map_err(|e| e.to_string())?;
    Ok(violations == 0)
}
