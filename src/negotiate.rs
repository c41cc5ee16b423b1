//! Content negotiation (RFC 9110 §12.5.1) in one place: each candidate gets the quality of the most
//! specific `Accept` range that matches one of its media types; the best non-zero quality wins and
//! ties go to the server's order. No `Accept` header, or an unreadable one, means `*/*`.

use actix_web::HttpRequest;
use actix_web::http::header::{Accept, Header, Quality};

/// The best of `candidates` (each with the media types that select it, `type/subtype` in lower case)
/// for the request's `Accept`, or `None` when the client accepts none of them.
pub fn best<T: Copy>(req: &HttpRequest, candidates: &[(T, &[&str])]) -> Option<T> {
    pick(req, candidates, false)
}

/// Like [`best`], for candidates served as one media type each (the first of its list; the others are
/// aliases): a range (`type/*`) matches a candidate only by the type it is served as, so
/// `application/*` never selects a representation sent as `text/turtle`.
pub fn best_served<T: Copy>(req: &HttpRequest, candidates: &[(T, &[&str])]) -> Option<T> {
    pick(req, candidates, true)
}

fn pick<T: Copy>(req: &HttpRequest, candidates: &[(T, &[&str])], served_only: bool) -> Option<T> {
    let first = candidates.first().map(|(c, _)| *c);
    let Ok(accept) = Accept::parse(req) else {
        return first;
    };
    if accept.0.is_empty() {
        return first;
    }
    let mut best: Option<(Quality, T)> = None;
    for (candidate, types) in candidates {
        let mut matched: Option<(u8, Quality)> = None;
        for item in &accept.0 {
            let (ty, sub) = (item.item.type_().as_str(), item.item.subtype().as_str());
            let specificity = if ty == "*" && sub == "*" {
                1
            } else if sub == "*"
                && types
                    .iter()
                    .take(if served_only { 1 } else { types.len() })
                    .any(|m| m.starts_with(&format!("{ty}/")))
            {
                2
            } else if types
                .iter()
                .any(|m| m.eq_ignore_ascii_case(item.item.essence_str()))
            {
                3
            } else {
                0
            };
            if specificity > 0 && matched.is_none_or(|(s, _)| specificity > s) {
                matched = Some((specificity, item.quality));
            }
        }
        if let Some((_, quality)) = matched
            && quality > Quality::ZERO
            && best.as_ref().is_none_or(|(q, _)| quality > *q)
        {
            best = Some((quality, *candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Whether `req` prefers HTML over the other candidates (`html_first`: HTML wins ties and `*/*`).
pub fn wants_html(req: &HttpRequest, others: &[&str], html_first: bool) -> Option<bool> {
    const HTML: &[&str] = &["text/html", "application/xhtml+xml"];
    let candidates: [(bool, &[&str]); 2] = if html_first {
        [(true, HTML), (false, others)]
    } else {
        [(false, others), (true, HTML)]
    };
    best(req, &candidates)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    const CANDIDATES: [(&str, &[&str]); 3] = [
        ("turtle", &["text/turtle"]),
        (
            "json",
            &["application/sparql-results+json", "application/json"],
        ),
        ("html", &["text/html"]),
    ];

    fn pick(accept: Option<&str>) -> Option<&'static str> {
        let mut req = TestRequest::default();
        if let Some(accept) = accept {
            req = req.insert_header(("Accept", accept));
        }
        best(&req.to_http_request(), &CANDIDATES)
    }

    #[test]
    fn negotiation_follows_quality_specificity_and_server_order() {
        assert_eq!(pick(None), Some("turtle"));
        assert_eq!(pick(Some("*/*")), Some("turtle"));
        assert_eq!(pick(Some("application/json")), Some("json"));
        assert_eq!(
            pick(Some("text/html,application/xhtml+xml,*/*;q=0.8")),
            Some("html")
        );
        assert_eq!(
            pick(Some("text/*;q=0.5, application/*;q=0.9")),
            Some("json")
        );
        assert_eq!(pick(Some("text/turtle;q=0, */*;q=0.1")), Some("json"));
        assert_eq!(
            pick(Some("application/sparql-results+json; charset=utf-8")),
            Some("json")
        );
        assert_eq!(pick(Some("image/png")), None);
    }
}
