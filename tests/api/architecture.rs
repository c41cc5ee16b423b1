//! The module boundaries of DESIGN.md, checked on the source: only the catalogue's repository (and
//! the tabular storage module) talk SeaORM, and `web` never calls into `http` (only the route table
//! dispatches from `http` to `web`).

use std::path::{Path, PathBuf};

/// Files owned by other work in progress that still cross a boundary. Each entry must still cross
/// it (the test fails when an entry is stale), so the list only shrinks.
const PENDING_SQL: &[&str] = &[];
/// Portal pages that still answer RDF/JSON by calling `http` handlers themselves; the route table
/// should dispatch those `Accept`s (as it does for `/dataset/{slug}` and `/sparql`).
const PENDING_WEB_TO_HTTP: &[&str] = &[];
/// The route table: the only `http` files that may name `web`.
const ROUTE_TABLE: &[&str] = &["src/http/mod.rs", "src/http/portal.rs"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(relative path, code lines)` of every Rust file under `src/`, comments left out.
fn files() -> Vec<(String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    sources(&root.join("src"), &mut paths);
    assert!(paths.len() > 50, "found only {} source files", paths.len());
    paths
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let code = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(|line| match line.find("//") {
                    Some(at) => line[..at].to_owned(),
                    None => line.to_owned(),
                })
                .collect();
            (relative, code)
        })
        .collect()
}

/// Whether `code` names the module path `module` (`sea_orm`, `crate::http`, ...).
fn names(code: &[String], module: &str) -> bool {
    code.iter().any(|line| {
        line.match_indices(module).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + module.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                && matches!(after, Some(':' | ';' | ',' | '}'))
        })
    })
}

fn check(rule: &str, offends: impl Fn(&str, &[String]) -> bool, pending: &[&str]) {
    let files = files();
    let offenders: Vec<&str> = files
        .iter()
        .filter(|(path, code)| offends(path, code))
        .map(|(path, _)| path.as_str())
        .collect();
    let unexpected: Vec<&&str> = offenders.iter().filter(|p| !pending.contains(p)).collect();
    assert!(unexpected.is_empty(), "{rule}: {unexpected:?}");
    let stale: Vec<&&str> = pending.iter().filter(|p| !offenders.contains(p)).collect();
    assert!(
        stale.is_empty(),
        "{rule}: these files keep it now; remove them from the pending list: {stale:?}"
    );
}

#[test]
fn only_the_repository_and_the_tabular_storage_talk_sql() {
    check(
        "SeaORM or entities used outside src/catalog/ and src/tabular/storage",
        |path, code| {
            let allowed =
                path.starts_with("src/catalog/") || path.starts_with("src/tabular/storage");
            !allowed && (names(code, "sea_orm") || names(code, "entities"))
        },
        PENDING_SQL,
    );
}

#[test]
fn the_portal_never_calls_into_http() {
    check(
        "src/web/ names crate::http",
        |path, code| path.starts_with("src/web/") && names(code, "crate::http"),
        PENDING_WEB_TO_HTTP,
    );
    check(
        "src/http/ names crate::web outside the route table",
        |path, code| {
            path.starts_with("src/http/")
                && !ROUTE_TABLE.contains(&path)
                && names(code, "crate::web")
        },
        &[],
    );
}

#[test]
fn the_check_sees_imports_and_paths() {
    let code = |s: &str| vec![s.to_owned()];
    assert!(names(&code("use sea_orm::{DbErr};"), "sea_orm"));
    assert!(names(
        &code("    let x = sea_orm::DbErr::Custom(e);"),
        "sea_orm"
    ));
    assert!(names(
        &code("use entities::{dataset, publisher};"),
        "entities"
    ));
    assert!(names(
        &code("fn f(m: &entities::dataset::Model) {}"),
        "entities"
    ));
    assert!(names(
        &code("use crate::http::rdf::CatalogPageSize;"),
        "crate::http"
    ));
    assert!(names(&code("use crate::http;"), "crate::http"));
    assert!(!names(&code("let entities = rows.max(0);"), "entities"));
    assert!(!names(
        &code("use crate::http_common::allow;"),
        "crate::http"
    ));
    assert!(!names(&code("use my_sea_orm::Thing;"), "sea_orm"));
}
