//! `/healthz` (the process answers) and `/readyz` (the database answers too).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::catalog::Catalog;
use crate::rdf::Projector;

/// Liveness: always 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: 200 when the database answers, 503 otherwise; reports the RDF projection's position.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200), (status = 503)))]
pub async fn readyz(catalog: web::Data<Catalog>, projector: web::Data<Projector>) -> HttpResponse {
    match catalog.db().ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({
            "status": "ready",
            "database": "ok",
            "rdf": {
                "store": if projector.store().on_disk() { "rocksdb" } else { "memory" },
                "applied_change": projector.applied(),
            }
        })),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "database": "unreachable"}))
        }
    }
}
