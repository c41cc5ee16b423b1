//! `package_search` on the search engine: `q` in the engine's syntax plus Solr's `field:value`
//! terms, `fq`/`fq_list` with the subset harvesters send, `sort`, `rows`/`start`, facets.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::package::{self, package_dict};
use super::{CkanError, Ctx};
use crate::catalog::document::DatasetDocument;
use crate::catalog::search_source::PublisherInfo;
use crate::catalog::vocab;
use crate::search::{Clause, ClauseField, Facet, Request, SortOrder};

/// CKAN's `ckan.search.rows_max`: more rows are cut to it.
pub const ROWS_MAX: u64 = 1000;
/// CKAN's default `rows`.
const ROWS_DEFAULT: u64 = 10;
/// The most terms a `q` or `fq` may have.
const MAX_TERMS: usize = 1024;
/// CKAN's default `facet.limit`.
const FACET_LIMIT_DEFAULT: i64 = 50;

/// One piece of a Solr query string.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    /// Free text, kept for the engine (words, phrases, `-word`, `OR` between words).
    Text(String),
    /// A field condition.
    Clause(Clause),
    /// `OR` between two field conditions.
    Or,
}

/// Splits `query` at white space outside quotes, brackets and parentheses.
fn tokens(query: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut depth, mut escaped) = (false, 0usize, false);
    for c in query.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                current.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '[' | '{' | '(' if !quoted => {
                depth += 1;
                current.push(c);
            }
            ']' | '}' | ')' if !quoted => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            c if c.is_whitespace() && !quoted && depth == 0 => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// A value without its quotes and Solr's backslash escapes.
fn unquote(value: &str) -> String {
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let mut out = String::with_capacity(value.len());
    let mut escaped = false;
    for c in value.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// The fields a query may test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Organization,
    Groups,
    Tags,
    ResFormat,
    LicenseId,
    Name,
    Id,
    MetadataModified,
    /// `state:active|deleted|draft`: published, withdrawn, draft.
    State,
    /// `dataset_type:dataset`, `type:dataset`, `state:active`, `capacity:public`: what every public
    /// dataset is.
    Constant(&'static str),
    /// `title:`, `notes:`, `text:` …: words for the engine.
    Words,
}

fn field(name: &str) -> Option<Field> {
    Some(match name {
        "organization" | "owner_org" => Field::Organization,
        "groups" => Field::Groups,
        "tags" => Field::Tags,
        "res_format" => Field::ResFormat,
        "license_id" | "license" => Field::LicenseId,
        "name" => Field::Name,
        "id" => Field::Id,
        "metadata_modified" => Field::MetadataModified,
        "dataset_type" | "type" => Field::Constant("dataset"),
        "state" => Field::State,
        "capacity" => Field::Constant("public"),
        "title" | "notes" | "text" | "res_name" | "res_description" | "author" | "maintainer" => {
            Field::Words
        }
        _ => return None,
    })
}

/// What the parser looks up: the publishers and the keywords that become each tag.
pub struct Lookup {
    /// Publishers by slug and by id.
    publishers: HashMap<String, PublisherInfo>,
    /// Keywords (as written) per tag name.
    tag_keywords: HashMap<String, Vec<String>>,
}

impl Lookup {
    /// A publisher by slug or id.
    pub fn publisher(&self, key: &str) -> Option<&PublisherInfo> {
        self.publishers.get(key)
    }
}

/// A Solr date: `*`, `NOW` with `±n UNIT` and `/DAY`, or an ISO date-time (`Z`, an offset, or none
/// for UTC; fractions allowed) or date.
fn solr_date(value: &str, now: DateTime<Utc>) -> Result<Option<DateTime<FixedOffset>>, String> {
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    if let Some(rest) = value.strip_prefix("NOW") {
        let (math, round) = match rest.split_once('/') {
            Some((math, round)) => (math, Some(round)),
            None => (rest, None),
        };
        let mut instant = now;
        if !math.is_empty() {
            let Some(sign_char) = math.chars().next() else {
                return Err(format!("`{value}` is not a date"));
            };
            let (sign, amount) = math.split_at(sign_char.len_utf8());
            let digits: String = amount.chars().take_while(char::is_ascii_digit).collect();
            let unit = &amount[digits.len()..];
            let n: i64 = digits
                .parse()
                .map_err(|_| format!("`{value}` is not a date"))?;
            let out_of_range = || format!("`{value}` is out of range");
            let days = |factor: i64| n.checked_mul(factor).and_then(Duration::try_days);
            let step = match unit.trim_end_matches('S') {
                "SECOND" => Duration::try_seconds(n),
                "MINUTE" => Duration::try_minutes(n),
                "HOUR" => Duration::try_hours(n),
                "DAY" => days(1),
                "WEEK" => days(7),
                "MONTH" => days(30),
                "YEAR" => days(365),
                _ => return Err(format!("`{value}`: unknown unit `{unit}`")),
            }
            .ok_or_else(out_of_range)?;
            instant = match sign {
                "+" => instant.checked_add_signed(step).ok_or_else(out_of_range)?,
                "-" => instant.checked_sub_signed(step).ok_or_else(out_of_range)?,
                _ => return Err(format!("`{value}` is not a date")),
            };
        }
        match round {
            None => {}
            Some("DAY") => {
                instant = instant
                    .date_naive()
                    .and_hms_opt(0, 0, 0)
                    .map_or(instant, |d| d.and_utc());
            }
            Some(other) => return Err(format!("`{value}`: cannot round to `{other}`")),
        }
        return Ok(Some(instant.fixed_offset()));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(Some(t));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, format) {
            return Ok(Some(t.and_utc().fixed_offset()));
        }
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(t) = day.and_hms_opt(0, 0, 0)
    {
        return Ok(Some(t.and_utc().fixed_offset()));
    }
    Err(format!("`{value}` is not a date (ISO 8601, `NOW` or `*`)"))
}

/// `[from TO to]` (inclusive) or `{from TO to}` (exclusive).
fn range(value: &str, now: DateTime<Utc>) -> Result<Clause, String> {
    let inclusive = value.starts_with('[');
    let inner = value
        .get(1..value.len().saturating_sub(1))
        .filter(|_| value.ends_with(']') || value.ends_with('}'))
        .ok_or_else(|| format!("`{value}` is not a range `[from TO to]`"))?;
    let (from, to) = inner
        .split_once(" TO ")
        .ok_or_else(|| format!("`{value}` is not a range `[from TO to]`"))?;
    let micro = Duration::microseconds(1);
    let mut from = solr_date(from, now)?;
    let mut to = solr_date(to, now)?;
    if !inclusive {
        from = from.and_then(|t| t.checked_add_signed(micro));
        to = to.and_then(|t| t.checked_sub_signed(micro));
    }
    Ok(Clause::ModifiedIn { from, to })
}

/// The clause of `field:value` for one value.
fn value_clause(field: Field, value: &str, lookup: &Lookup) -> Result<Clause, String> {
    let nothing = || Clause::Any(Vec::new());
    let facet = |facet, v: String| Clause::Is(ClauseField::Facet(facet), v);
    Ok(match field {
        Field::Organization => match lookup.publisher(value) {
            Some(p) => facet(Facet::Publisher, p.id.to_string()),
            None => nothing(),
        },
        Field::Groups => facet(Facet::Theme, value.to_ascii_uppercase()),
        Field::Tags => {
            let mut any = vec![facet(Facet::Keyword, value.to_owned())];
            for keyword in lookup.tag_keywords.get(value).into_iter().flatten() {
                if keyword != value {
                    any.push(facet(Facet::Keyword, keyword.clone()));
                }
            }
            if any.len() == 1 {
                any.remove(0)
            } else {
                Clause::Any(any)
            }
        }
        Field::ResFormat => {
            let code = value.strip_prefix(vocab::FILE_TYPE).unwrap_or(value);
            facet(Facet::Format, code.to_ascii_uppercase())
        }
        Field::LicenseId => {
            let code = value.strip_prefix(vocab::LICENSE).unwrap_or(value);
            facet(Facet::License, code.to_owned())
        }
        Field::Name => Clause::Is(ClauseField::Slug, value.to_owned()),
        Field::Id => Clause::Is(ClauseField::Id, value.to_ascii_lowercase()),
        Field::State => match value {
            "active" => Clause::Is(ClauseField::Status, "published".to_owned()),
            "deleted" => Clause::Is(ClauseField::Status, "withdrawn".to_owned()),
            "draft" => Clause::Is(ClauseField::Status, "draft".to_owned()),
            "*" => Clause::All(Vec::new()),
            _ => nothing(),
        },
        Field::Constant(holds) => {
            if value == holds || value == "*" {
                Clause::All(Vec::new())
            } else {
                nothing()
            }
        }
        Field::MetadataModified => {
            return Err("metadata_modified takes a range `[from TO to]`".to_owned());
        }
        Field::Words => return Err("words are not a clause".to_owned()),
    })
}

/// Parses a Solr query string (`q` or `fq`) into free text and clauses.
fn parse(
    query: &str,
    lookup: &Lookup,
    now: DateTime<Utc>,
) -> Result<(String, Vec<Clause>), String> {
    // data.europa.eu's importer sends ranges with a literal `%20` for each space.
    let query = query.replace("%20", " ");
    let mut items: Vec<Item> = Vec::new();
    let tokens = tokens(&query);
    // Each term becomes a clause of the engine's query: bounded, so no request builds a huge one.
    let terms = tokens.len()
        + tokens
            .iter()
            .map(|t| t.matches(" OR ").count() + t.matches(' ').count())
            .sum::<usize>();
    if terms > MAX_TERMS {
        return Err(format!("has more than {MAX_TERMS} terms"));
    }
    let mut negate_next = false;
    for token in tokens {
        match token.as_str() {
            "*:*" | "*" | "AND" | "&&" => continue,
            "OR" | "||" => {
                items.push(Item::Or);
                continue;
            }
            "NOT" => {
                negate_next = true;
                continue;
            }
            _ => {}
        }
        let (negated, body) = match token.strip_prefix('-').or_else(|| token.strip_prefix('!')) {
            Some(rest) => (true, rest),
            None => (negate_next, token.strip_prefix('+').unwrap_or(&token)),
        };
        negate_next = false;
        let parsed = body.split_once(':').and_then(|(name, value)| {
            let is_name = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !value.starts_with("//");
            is_name.then_some((name, value))
        });
        let Some((name, value)) = parsed else {
            items.push(Item::Text(token.clone()));
            continue;
        };
        let field = field(name).ok_or_else(|| format!("unknown field `{name}`"))?;
        if field == Field::Words {
            let words = unquote(value.trim_start_matches('(').trim_end_matches(')'));
            let prefix = if negated { "-" } else { "" };
            items.push(Item::Text(format!("{prefix}{words}")));
            continue;
        }
        let clause = if field == Field::MetadataModified {
            range(value, now)?
        } else if let Some(inner) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
            let values: Vec<String> = tokens_of_group(inner);
            Clause::Any(
                values
                    .iter()
                    .map(|v| value_clause(field, v, lookup))
                    .collect::<Result<_, _>>()?,
            )
        } else {
            value_clause(field, &unquote(value), lookup)?
        };
        items.push(Item::Clause(if negated {
            Clause::Not(Box::new(clause))
        } else {
            clause
        }));
    }
    // Clauses joined by `OR` become one; text keeps its own `OR`s.
    let mut text: Vec<String> = Vec::new();
    let mut clauses: Vec<Clause> = Vec::new();
    let mut pending_or = false;
    let mut last_was_clause = false;
    for item in items {
        match item {
            Item::Or if last_was_clause => pending_or = true,
            Item::Or => text.push("OR".to_owned()),
            Item::Text(t) => {
                if pending_or {
                    text.push("OR".to_owned());
                }
                pending_or = false;
                last_was_clause = false;
                text.push(t);
            }
            Item::Clause(c) => {
                if pending_or && let Some(previous) = clauses.pop() {
                    let mut any = match previous {
                        Clause::Any(list) if !list.is_empty() => list,
                        other => vec![other],
                    };
                    any.push(c);
                    clauses.push(Clause::Any(any));
                } else {
                    clauses.push(c);
                }
                pending_or = false;
                last_was_clause = true;
            }
        }
    }
    Ok((text.join(" "), clauses))
}

/// The values of `(a OR b OR "c d")`.
fn tokens_of_group(inner: &str) -> Vec<String> {
    tokens(inner)
        .into_iter()
        .filter(|t| t != "OR" && t != "||")
        .map(|t| unquote(&t))
        .collect()
}

/// The order of a `sort` value (its first key; the engine breaks ties itself).
fn sort_order(sort: &str) -> Result<SortOrder, CkanError> {
    let first = sort.split(',').next().unwrap_or("").trim();
    let mut parts = first.split_whitespace();
    let (name, direction) = (parts.next().unwrap_or(""), parts.next().unwrap_or("asc"));
    let desc = match direction.to_ascii_lowercase().as_str() {
        "asc" => false,
        "desc" => true,
        other => {
            return Err(CkanError::SearchQuery(format!(
                "sort direction `{other}` is not asc or desc"
            )));
        }
    };
    Ok(match name {
        "score" | "rank" => SortOrder::Relevance,
        "metadata_modified" => SortOrder::Modified { desc },
        "name" => SortOrder::Slug { desc },
        "title_string" | "title" => SortOrder::Title {
            english: false,
            desc,
        },
        "id" => SortOrder::Id { desc },
        other => {
            return Err(CkanError::SearchQuery(format!(
                "cannot sort on `{other}`; sort on score, metadata_modified, name, title_string or id"
            )));
        }
    })
}

/// The facet fields CKAN clients ask for, with the engine's facet.
fn facet_of(name: &str) -> Option<Facet> {
    Some(match name {
        "organization" | "owner_org" => Facet::Publisher,
        "groups" => Facet::Theme,
        "tags" => Facet::Keyword,
        "res_format" => Facet::Format,
        "license_id" => Facet::License,
        _ => return None,
    })
}

/// The `facet.field` names asked for (a JSON list in text, a list, or repeated values).
fn facet_fields(ctx: &Ctx<'_>) -> Result<Vec<String>, CkanError> {
    let mut names = Vec::new();
    for value in ctx.params.texts("facet.field")? {
        let value = value.trim();
        if value.starts_with('[') {
            let list: Vec<String> = serde_json::from_str(value).map_err(|_| {
                CkanError::field("facet.field", "Must be a JSON list of field names")
            })?;
            names.extend(list);
        } else if !value.is_empty() {
            names.push(value.to_owned());
        }
    }
    for name in &names {
        if facet_of(name).is_none() {
            return Err(CkanError::SearchQuery(format!(
                "cannot facet on `{name}`; facet on organization, groups, tags, res_format or license_id"
            )));
        }
    }
    Ok(names)
}

/// The publishers by slug and by id, and the keywords behind each tag.
pub async fn lookup(ctx: &Ctx<'_>, with_tags: bool) -> Result<Lookup, CkanError> {
    let mut publishers = HashMap::new();
    for p in ctx.catalog.publisher_infos().await? {
        publishers.insert(p.id.to_string(), p.clone());
        publishers.insert(p.slug.clone(), p);
    }
    let mut tag_keywords: HashMap<String, Vec<String>> = HashMap::new();
    if with_tags {
        for (keyword, _) in all_keywords(ctx).await? {
            if let Some(tag) = package::tag_name(&keyword) {
                tag_keywords.entry(tag).or_default().push(keyword);
            }
        }
    }
    Ok(Lookup {
        publishers,
        tag_keywords,
    })
}

/// Every keyword of a public dataset with its count (the engine keeps these counts per index
/// generation).
pub async fn all_keywords(ctx: &Ctx<'_>) -> Result<Vec<(String, u64)>, CkanError> {
    let mut request = Request::published("", 0);
    request.facets = true;
    let results = ctx.search.search(request).await?;
    Ok(results
        .facets
        .get(Facet::Keyword.position())
        .cloned()
        .unwrap_or_default())
}

/// The documents of the hits, in order (from the list's document cache where it has them).
pub async fn hit_documents(
    ctx: &Ctx<'_>,
    hits: &[crate::search::Hit],
) -> Result<Vec<DatasetDocument>, CkanError> {
    let cache = ctx
        .req
        .app_data::<actix_web::web::Data<crate::http::datasets::DocumentCache>>();
    let listed =
        crate::http::datasets::listed_documents(ctx.catalog, cache.map(|c| c.get_ref()), hits)
            .await?;
    listed
        .iter()
        .map(|d| serde_json::from_str(d.json().get()).map_err(|e| CkanError::Internal(e.into())))
        .collect()
}

/// The package dicts of `docs`.
pub fn package_dicts(docs: &[DatasetDocument], lookup: &Lookup, base: &str) -> Vec<Value> {
    docs.iter()
        .map(|doc| {
            let publisher = doc.publisher.as_deref().and_then(|p| lookup.publisher(p));
            package_dict(doc, publisher, base)
        })
        .collect()
}

/// The engine request of a `package_search` call, and its `rows`, `start` and `sort`.
pub struct SearchCall {
    /// The engine request.
    pub request: Request,
    /// The names of the facets asked for.
    pub facet_fields: Vec<String>,
    /// The sort as answered.
    pub sort: String,
}

/// Reads `package_search`'s parameters.
pub fn search_call(ctx: &Ctx<'_>, lookup: &Lookup) -> Result<SearchCall, CkanError> {
    let params = &ctx.params;
    let now = Utc::now();
    let rows = params
        .natural("rows")?
        .unwrap_or(ROWS_DEFAULT)
        .min(ROWS_MAX);
    let start = params.natural("start")?.unwrap_or(0);
    let mut text = Vec::new();
    let mut clauses = Vec::new();
    let mut queries: Vec<(String, String)> = Vec::new();
    if let Some(q) = params.text("q")? {
        queries.push(("q".to_owned(), q));
    }
    for fq in params
        .text("fq")?
        .into_iter()
        .chain(params.texts("fq_list")?)
    {
        queries.push(("fq".to_owned(), fq));
    }
    for (name, query) in &queries {
        let (words, found) = parse(query, lookup, now)
            .map_err(|m| CkanError::SearchQuery(format!("{name}: {m}")))?;
        if !words.trim().is_empty() {
            text.push(words);
        }
        clauses.extend(found);
    }
    let text = text.join(" ");
    crate::search::check_query_text(&text)
        .map_err(|m| CkanError::SearchQuery(format!("q: the words {m}")))?;
    let sort = params
        .text("sort")?
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "score desc, metadata_modified desc".to_owned());
    let mut order = sort_order(&sort)?;
    if order == SortOrder::Relevance && text.trim().is_empty() {
        // Without words every score is equal: CKAN's second key decides.
        order = SortOrder::Modified { desc: true };
    }
    let mut request = Request::published(&text, usize::try_from(rows).unwrap_or(0));
    request.order = order;
    request.offset = usize::try_from(start).unwrap_or(usize::MAX);
    request.clauses = clauses;
    if (params.flag("include_private")? || params.flag("include_drafts")?)
        && let Some(actor) = &ctx.actor
    {
        request.statuses.push("draft".to_owned());
        request.visibility = actor.visibility();
    }
    // CKAN's `include_deleted`: withdrawn datasets too (`state: deleted`), so a harvester that pages
    // with it sees withdrawals, and a withdrawal during its crawl does not shift its pages. A dataset
    // withdrawn while a draft never was public and stays hidden.
    if params.flag("include_deleted")? {
        request.statuses.push("withdrawn".to_owned());
    }
    let facet_fields = facet_fields(ctx)?;
    request.facets = !facet_fields.is_empty();
    Ok(SearchCall {
        request,
        facet_fields,
        sort,
    })
}

/// `package_search`.
pub async fn package_search(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    // The keywords behind each tag are needed only to answer a `tags:` term.
    let mut queries = ctx.params.texts("q")?;
    queries.extend(ctx.params.texts("fq")?);
    queries.extend(ctx.params.texts("fq_list")?);
    let lookup = lookup(ctx, queries.iter().any(|q| q.contains("tags:"))).await?;
    let call = search_call(ctx, &lookup)?;
    let facet_limit = match ctx.params.text("facet.limit")? {
        None => FACET_LIMIT_DEFAULT,
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map_err(|_| CkanError::field("facet.limit", "Invalid integer"))?,
    };
    let request = call.request;
    let window = request.offset.saturating_add(request.limit);
    let results = if window > crate::search::MAX_WINDOW {
        // Past the window: an empty page when there are not that many results.
        let mut count = request.clone();
        count.offset = 0;
        count.limit = 0;
        let counted = ctx.search.search(count).await?;
        if (request.offset as u64) < counted.total {
            return Err(crate::search::SearchError::TooDeep.into());
        }
        counted
    } else {
        ctx.search.search(request).await?
    };
    let docs = hit_documents(ctx, &results.hits).await?;
    let base = ctx.base();
    let mut facets = serde_json::Map::new();
    let mut search_facets = serde_json::Map::new();
    for name in &call.facet_fields {
        let Some(facet) = facet_of(name) else {
            continue;
        };
        let counts = results
            .facets
            .get(facet.position())
            .cloned()
            .unwrap_or_default();
        let items = facet_items(facet, counts, &lookup, facet_limit);
        facets.insert(
            name.clone(),
            Value::Object(
                items
                    .iter()
                    .map(|(n, _, c)| (n.clone(), json!(c)))
                    .collect(),
            ),
        );
        search_facets.insert(
            name.clone(),
            json!({
                "title": name,
                "items": items.iter().map(|(n, d, c)| json!({"name": n, "display_name": d, "count": c})).collect::<Vec<_>>(),
            }),
        );
    }
    Ok(json!({
        "count": results.total,
        "sort": call.sort,
        "facets": facets,
        "search_facets": search_facets,
        "results": package_dicts(&docs, &lookup, base),
    }))
}

/// A facet's values as CKAN names them (organization slug, group name, tag, format, licence id),
/// with display names and counts, most frequent first, at most `limit` (all when negative).
fn facet_items(
    facet: Facet,
    counts: Vec<(String, u64)>,
    lookup: &Lookup,
    limit: i64,
) -> Vec<(String, String, u64)> {
    let mut merged: Vec<(String, String, u64)> = Vec::new();
    for (value, count) in counts {
        let (name, display) = match facet {
            Facet::Publisher => match lookup.publisher(&value) {
                Some(p) => (p.slug.clone(), p.name_de.clone()),
                None => continue,
            },
            Facet::Theme => (
                value.to_ascii_lowercase(),
                vocab::theme_labels(&value).0.to_owned(),
            ),
            Facet::Keyword => match package::tag_name(&value) {
                Some(tag) => (tag.clone(), tag),
                None => continue,
            },
            Facet::Format => (value.clone(), value),
            Facet::License => {
                let iri = format!("{}{value}", vocab::LICENSE);
                let title = vocab::license_label(&iri).map_or_else(|| iri.clone(), str::to_owned);
                (iri, title)
            }
        };
        match merged.iter_mut().find(|(n, _, _)| *n == name) {
            Some(existing) => existing.2 += count,
            None => merged.push((name, display, count)),
        }
    }
    merged.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    if limit >= 0 {
        merged.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup() -> Lookup {
        let p = PublisherInfo {
            id: uuid::Uuid::nil(),
            slug: "stadt".into(),
            name_de: "Stadt".into(),
            name_en: None,
            homepage: None,
            email: None,
        };
        Lookup {
            publishers: HashMap::from([("stadt".to_owned(), p)]),
            tag_keywords: HashMap::from([(
                "finanzensteuern".to_owned(),
                vec!["Finanzen/Steuern".to_owned()],
            )]),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-15T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(t: &str) -> Option<DateTime<FixedOffset>> {
        Some(DateTime::parse_from_rfc3339(t).unwrap())
    }

    #[test]
    fn harvesters_field_terms_become_clauses_and_words_stay_text() {
        let (text, clauses) = parse(
            "Haushalt organization:stadt -tags:Test res_format:csv \"offene Daten\"",
            &lookup(),
            now(),
        )
        .unwrap();
        assert_eq!(text, "Haushalt \"offene Daten\"");
        assert_eq!(
            clauses,
            vec![
                Clause::Is(
                    ClauseField::Facet(Facet::Publisher),
                    uuid::Uuid::nil().to_string()
                ),
                Clause::Not(Box::new(Clause::Is(
                    ClauseField::Facet(Facet::Keyword),
                    "Test".into()
                ))),
                Clause::Is(ClauseField::Facet(Facet::Format), "CSV".into()),
            ]
        );
    }

    #[test]
    fn or_joins_field_terms_and_groups_list_values() {
        let (_, clauses) = parse("groups:gove OR groups:soci", &lookup(), now()).unwrap();
        let theme = |c: &str| Clause::Is(ClauseField::Facet(Facet::Theme), c.into());
        assert_eq!(
            clauses,
            vec![Clause::Any(vec![theme("GOVE"), theme("SOCI")])]
        );
        let (_, grouped) = parse("groups:(gove OR soci)", &lookup(), now()).unwrap();
        assert_eq!(grouped, clauses);
        let (_, tags) = parse("tags:finanzensteuern", &lookup(), now()).unwrap();
        assert_eq!(
            tags,
            vec![Clause::Any(vec![
                Clause::Is(ClauseField::Facet(Facet::Keyword), "finanzensteuern".into()),
                Clause::Is(
                    ClauseField::Facet(Facet::Keyword),
                    "Finanzen/Steuern".into()
                ),
            ])]
        );
    }

    #[test]
    fn modified_ranges_read_iso_now_and_a_literal_percent_20() {
        let expected = Clause::ModifiedIn {
            from: at("2026-01-01T00:00:00Z"),
            to: None,
        };
        for fq in [
            "metadata_modified:[2026-01-01T00:00:00Z TO *]",
            "metadata_modified:[2026-01-01T00:00:00Z%20TO%20*]",
            "metadata_modified:[2026-01-01T00:00:00.000000 TO *]",
        ] {
            assert_eq!(
                parse(fq, &lookup(), now()).unwrap().1,
                vec![expected.clone()],
                "{fq}"
            );
        }
        let (_, until_now) = parse("metadata_modified:[* TO NOW]", &lookup(), now()).unwrap();
        assert_eq!(
            until_now,
            vec![Clause::ModifiedIn {
                from: None,
                to: at("2026-06-15T12:00:00Z")
            }]
        );
        let (_, day) = parse("metadata_modified:[NOW-1DAY/DAY TO NOW]", &lookup(), now()).unwrap();
        assert!(
            matches!(&day[0], Clause::ModifiedIn { from, .. } if *from == at("2026-06-14T00:00:00Z"))
        );
    }

    #[test]
    fn unknown_fields_bad_ranges_and_sorts_are_refused() {
        assert!(parse("colour:red", &lookup(), now()).is_err());
        assert!(parse("metadata_modified:yesterday", &lookup(), now()).is_err());
        assert!(parse("metadata_modified:[gestern TO *]", &lookup(), now()).is_err());
        // A URL in the words is text, not a field.
        assert_eq!(
            parse("https://example.org", &lookup(), now()).unwrap().0,
            "https://example.org"
        );
        // Crafted values are refused, never a panic or a huge query.
        for hostile in [
            "metadata_modified:[NOW-99999999999999YEARS TO *]",
            "metadata_modified:[NOWä1DAY TO *]",
            "metadata_modified:[NOW+9223372036854775807SECONDS TO *]",
            "metadata_modified:[NOW/HOUR TO *]",
        ] {
            assert!(parse(hostile, &lookup(), now()).is_err(), "{hostile}");
        }
        let many = vec!["tags:x"; 2000].join(" OR ");
        assert!(parse(&many, &lookup(), now()).is_err());
        let grouped = format!("tags:({})", vec!["x"; 2000].join(" OR "));
        assert!(parse(&grouped, &lookup(), now()).is_err());
        assert!(sort_order("metadata_created desc").is_err());
        assert!(sort_order("name sideways").is_err());
        assert_eq!(sort_order("id asc").unwrap(), SortOrder::Id { desc: false });
        assert_eq!(
            sort_order("metadata_modified desc, id asc").unwrap(),
            SortOrder::Modified { desc: true }
        );
    }
}
