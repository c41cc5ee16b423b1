//! Engine tests on the Wuppertal fixtures in an in-memory database.

use super::*;

async fn engine() -> anyhow::Result<(Catalog, SearchEngine, Feed)> {
    let db = crate::db::connect_memory().await?;
    let catalog = Catalog::new(db, "http://example.org");
    crate::catalog::fixtures::load(&catalog).await?;
    let engine = SearchEngine::open(catalog.clone(), None)?;
    let feed = Feed::new(catalog.clone(), vec![Arc::new(engine.clone())]);
    engine.attach(feed.clone());
    feed.start().await?;
    tokio::spawn(feed.clone().run());
    Ok((catalog, engine, feed))
}

/// An engine with its index in a temporary folder (each commit a segment of its own), kept in step
/// by a running feed.
async fn engine_on_disk() -> anyhow::Result<(tempfile::TempDir, Catalog, SearchEngine)> {
    let dir = tempfile::tempdir()?;
    let db = crate::db::connect_memory().await?;
    let catalog = Catalog::new(db, "http://example.org");
    crate::catalog::fixtures::load(&catalog).await?;
    let engine = SearchEngine::open(catalog.clone(), Some(dir.path()))?;
    let feed = Feed::new(catalog.clone(), vec![Arc::new(engine.clone())]);
    engine.attach(feed.clone());
    feed.start().await?;
    tokio::spawn(feed.clone().run());
    Ok((dir, catalog, engine))
}

/// The numeric orders (a list in any of them may be read from sorted orders or ranked in a window).
const NUMERIC_ORDERS: [SortOrder; 7] = [
    SortOrder::Modified { desc: true },
    SortOrder::Modified { desc: false },
    SortOrder::DataModified { desc: true },
    SortOrder::Issued { desc: true },
    SortOrder::Issued { desc: false },
    SortOrder::Id { desc: false },
    SortOrder::Id { desc: true },
];

/// Withdraws a dataset as the operator.
async fn withdraw(catalog: &Catalog, slug: &str) -> anyhow::Result<()> {
    catalog
        .withdraw_dataset(
            &crate::catalog::service::Actor::operator(),
            slug,
            &crate::catalog::service::Precondition::Any,
        )
        .await?;
    Ok(())
}

fn slugs(results: &Results) -> Vec<&str> {
    results.hits.iter().map(|h| h.slug.as_str()).collect()
}

#[tokio::test]
async fn finds_word_forms_typos_and_compound_parts() -> anyhow::Result<()> {
    let (_, engine, _) = engine().await?;
    for (query, slug) in [
        ("Flurstück", "alkis-flurstuecke-wuppertal"),
        ("flurstuecke", "alkis-flurstuecke-wuppertal"),
        ("Bevoelkerung", "bevoelkerungsdichte-wuppertal"),
        ("Dichte", "bevoelkerungsdichte-wuppertal"),
        ("Digitalsierung", "digitalisierungsprojekte-digital-2026"),
        ("Wohnlage", "bestandsadressen-wohnlage-wuppertal"),
        ("Gebäude", "alkis-gebaeude-wuppertal"),
    ] {
        let results = engine.search(Request::published(query, 20)).await?;
        assert!(
            slugs(&results).contains(&slug),
            "{query}: {:?}",
            slugs(&results)
        );
    }
    Ok(())
}

#[tokio::test]
async fn facets_count_exactly_and_cursor_pages_cover_everything_once() -> anyhow::Result<()> {
    let (_, engine, _) = engine().await?;
    let mut all = Request::published("", 100);
    all.order = SortOrder::Modified { desc: true };
    all.facets = true;
    let everything = engine.search(all.clone()).await?;
    assert!(everything.total >= 11);
    let regi = everything.facets[Facet::Theme.position()]
        .iter()
        .find(|(v, _)| v == "REGI")
        .map(|(_, n)| *n);
    let mut only = all.clone();
    only.filters[Facet::Theme.position()] = vec!["REGI".into()];
    let filtered = engine.search(only).await?;
    assert_eq!(Some(filtered.total), regi);
    for order in [
        SortOrder::Modified { desc: true },
        SortOrder::Title {
            english: false,
            desc: false,
        },
        SortOrder::Title {
            english: true,
            desc: true,
        },
        SortOrder::Relevance,
        SortOrder::Slug { desc: false },
        SortOrder::Slug { desc: true },
        SortOrder::Id { desc: false },
        SortOrder::Id { desc: true },
    ] {
        let mut seen = Vec::new();
        let mut request = Request::published("", 3);
        request.order = order;
        loop {
            let page = engine.search(request.clone()).await?;
            seen.extend(page.hits.iter().map(|h| h.id));
            match page.next_cursor {
                Some(c) => request.cursor = Some(c),
                None => break,
            }
        }
        let mut paged = Request::published("", 100);
        paged.order = order;
        let at_once: Vec<Uuid> = engine
            .search(paged)
            .await?
            .hits
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(seen, at_once, "{order:?}");
    }
    let mut bad = Request::published("", 3);
    bad.cursor = Some("nonsense".into());
    assert!(matches!(
        engine.search(bad).await,
        Err(SearchError::BadCursor)
    ));
    Ok(())
}

#[tokio::test]
async fn zero_hits_suggest_the_nearest_word() -> anyhow::Result<()> {
    let (_, engine, _) = engine().await?;
    let results = engine
        .search(Request::published("Wohnlgae Xyzzyq", 20))
        .await?;
    assert_eq!(results.total, 0);
    assert!(
        results
            .did_you_mean
            .as_deref()
            .is_some_and(|s| s.starts_with("wohnlage")),
        "{:?}",
        results.did_you_mean
    );
    let completions = engine.suggest("Bevölk", false).await?;
    assert!(!completions.is_empty() && completions.len() <= 10);
    Ok(())
}

#[test]
fn edit_distance_counts_transpositions_once() {
    assert_eq!(query::levenshtein("wohnlgae", "wohnlage"), 1);
    assert_eq!(query::levenshtein("digitalsierung", "digitalisierung"), 1);
    assert_eq!(query::levenshtein("abc", "abc"), 0);
}

#[tokio::test]
async fn an_index_on_disk_resumes_from_its_recorded_position() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = crate::db::connect_memory().await?;
    let catalog = Catalog::new(db, "http://example.org");
    crate::catalog::fixtures::load(&catalog).await?;
    let recorded = catalog.max_seq().await?;
    {
        let engine = SearchEngine::open(catalog.clone(), Some(dir.path()))?;
        assert_eq!(engine.position(), -1, "a new index holds nothing");
        let feed = Feed::new(catalog.clone(), vec![Arc::new(engine.clone())]);
        feed.start().await?;
        assert_eq!(engine.position(), recorded);
    }
    // Reopened: the position comes from the last commit, so the feed does not rebuild.
    let engine = SearchEngine::open(catalog.clone(), Some(dir.path()))?;
    assert_eq!(engine.position(), recorded);
    let found = engine.search_now(&Request::published("ALKIS", 10))?;
    assert_eq!(found.total, 3);
    // Another schema version is rebuilt.
    drop(engine);
    let meta = dir.path().join("meta.json");
    let text = std::fs::read_to_string(&meta)?;
    std::fs::write(
        &meta,
        text.replace(
            &format!("\\\"version\\\":{}", super::schema::VERSION),
            "\\\"version\\\":1",
        ),
    )?;
    let engine = SearchEngine::open(catalog.clone(), Some(dir.path()))?;
    assert_eq!(engine.position(), -1);
    Ok(())
}

#[tokio::test]
async fn cached_unfiltered_facets_follow_writes() -> anyhow::Result<()> {
    let (catalog, engine, _) = engine().await?;
    let mut all = Request::published("", 5);
    all.facets = true;
    let first = engine.search(all.clone()).await?;
    let cached = engine.search(all.clone()).await?;
    assert_eq!(first.facets, cached.facets);
    // The same search by another road (not cached) counts the same.
    let mut uncached = all.clone();
    uncached.visibility = Visibility::All;
    assert_eq!(engine.search(uncached).await?.facets, cached.facets);
    // A withdrawal changes the counts at once.
    let slug = "alkis-gebaeude-wuppertal";
    withdraw(&catalog, slug).await?;
    let after = engine.search(all).await?;
    assert_eq!(after.total + 1, first.total);
    let licence = |r: &Results, code: &str| {
        r.facets[Facet::License.position()]
            .iter()
            .find(|(v, _)| v == code)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(
        licence(&after, "dl-zero-de/2.0") + 1,
        licence(&first, "dl-zero-de/2.0")
    );
    Ok(())
}

#[tokio::test]
async fn a_list_by_date_ranked_in_a_window_equals_a_full_pass() -> anyhow::Result<()> {
    let (_, engine, _) = engine().await?;
    // The fixtures' lists are dense enough for the sorted orders (tested below): off here.
    engine
        .inner
        .sorted_lists
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let windows = WINDOWS_RANKED.load(std::sync::atomic::Ordering::Relaxed);
    // Filter sets from the facets: none, the top theme, two formats, a theme and a format.
    let mut counted = Request::published("", 0);
    counted.facets = true;
    let facets = engine.search(counted).await?.facets;
    let top = |facet: Facet, n: usize| -> Vec<String> {
        facets[facet.position()]
            .iter()
            .take(n)
            .map(|(v, _)| v.clone())
            .collect()
    };
    let mut filter_sets: Vec<[Vec<String>; 5]> = vec![Default::default()];
    for picks in [
        vec![(Facet::Theme, top(Facet::Theme, 1))],
        vec![(Facet::Format, top(Facet::Format, 2))],
        vec![
            (Facet::Theme, top(Facet::Theme, 1)),
            (Facet::Format, top(Facet::Format, 1)),
        ],
    ] {
        let mut set: [Vec<String>; 5] = Default::default();
        for (facet, values) in picks {
            assert!(!values.is_empty(), "the fixtures have {facet:?} values");
            set[facet.position()] = values;
        }
        filter_sets.push(set);
    }
    // Facet counts force a pass over every document, with the filters applied by the collector;
    // without them a list without words in a numeric order has its filters in the query and ranks
    // only a window of values. Both must give the same pages and totals, by cursor and by offset, in
    // every numeric order and page size (small pages widen the window), with and without filters.
    for filters in &filter_sets {
        for order in NUMERIC_ORDERS {
            for size in [1, 2, 3, 5, 100] {
                let mut windowed = Request::published("", size);
                windowed.order = order;
                windowed.filters = filters.clone();
                let mut full = windowed.clone();
                full.facets = true;
                let mut pages = 0;
                loop {
                    let (a, b) = (
                        engine.search(windowed.clone()).await?,
                        engine.search(full.clone()).await?,
                    );
                    let ids = |r: &Results| r.hits.iter().map(|h| h.id).collect::<Vec<_>>();
                    let context = format!("{filters:?} {order:?}, {size} a page, page {pages}");
                    assert_eq!(ids(&a), ids(&b), "{context}");
                    assert_eq!(a.total, b.total, "{context}");
                    assert_eq!(a.next_cursor, b.next_cursor, "{context}");
                    if pages == 0 && filters.iter().any(|f| !f.is_empty()) {
                        assert!(
                            a.total > 0 && a.total < 11,
                            "{context}: a filter that narrows ({} hits)",
                            a.total
                        );
                    }
                    pages += 1;
                    match a.next_cursor {
                        Some(c) => {
                            windowed.cursor = Some(c.clone());
                            full.cursor = Some(c);
                        }
                        None => break,
                    }
                }
                if filters.iter().all(Vec::is_empty) {
                    assert!(pages >= 11 / size);
                }
                for offset in [0, 1, 4, 10, 11, 12] {
                    let mut a = Request::published("", size);
                    a.order = order;
                    a.offset = offset;
                    a.filters = filters.clone();
                    let mut b = a.clone();
                    b.facets = true;
                    let (a, b) = (engine.search(a).await?, engine.search(b).await?);
                    let ids = |r: &Results| r.hits.iter().map(|h| h.id).collect::<Vec<_>>();
                    assert_eq!(
                        ids(&a),
                        ids(&b),
                        "{filters:?} {order:?}, {size} a page, offset {offset}"
                    );
                    assert_eq!(a.total, b.total);
                }
            }
        }
    }
    // The window path ran (at least once per windowed search above, more when it widened).
    assert!(WINDOWS_RANKED.load(std::sync::atomic::Ordering::Relaxed) > windows + 5 * 11);
    Ok(())
}

#[tokio::test]
async fn a_search_spread_over_segment_threads_answers_as_one_thread_does() -> anyhow::Result<()> {
    let (dir, catalog, engine) = engine_on_disk().await?;
    // Each write the feed hands over is a commit of its own: a segment each.
    for slug in [
        "alkis-gebaeude-wuppertal",
        "bevoelkerungsdichte-wuppertal",
        "alkis-flurstuecke-wuppertal",
    ] {
        withdraw(&catalog, slug).await?;
        engine.search(Request::published("", 1)).await?;
    }
    let threaded = SearchEngine::open_threaded(catalog.clone(), Some(dir.path()), 3)?;
    assert!(
        threaded.inner.reader.searcher().segment_readers().len() >= 2,
        "the index should have several segments"
    );
    let mut requests = Vec::new();
    for text in ["", "Wuppertal", "Daten Stadt", "Gebäude OR Haushalt"] {
        for order in [
            SortOrder::Relevance,
            SortOrder::Modified { desc: true },
            SortOrder::Title {
                english: false,
                desc: false,
            },
        ] {
            for facets in [false, true] {
                let mut request = Request::published(text, 3);
                request.order = order;
                request.facets = facets;
                request.visibility = Visibility::All;
                request.statuses = Vec::new();
                requests.push(request);
            }
        }
    }
    let mut themed = Request::published("", 2);
    themed.filters[Facet::Theme.position()] = vec!["REGI".into()];
    requests.push(themed);
    for request in requests {
        let mut one = engine.search_now(&request)?;
        let mut many = threaded.search_now(&request)?;
        // Walk every page by cursor on both.
        loop {
            assert_eq!(one.total, many.total, "{request:?}");
            assert_eq!(slugs(&one), slugs(&many), "{request:?}");
            assert_eq!(one.facets, many.facets, "{request:?}");
            assert_eq!(one.next_cursor, many.next_cursor, "{request:?}");
            let Some(cursor) = one.next_cursor.clone() else {
                break;
            };
            let mut next = request.clone();
            next.cursor = Some(cursor);
            one = engine.search_now(&next)?;
            many = threaded.search_now(&next)?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn lean_hits_carry_the_stored_id_revision_slug_and_publisher() -> anyhow::Result<()> {
    let (catalog, engine, _) = engine().await?;
    // A second revision, so revisions differ between datasets.
    withdraw(&catalog, "alkis-gebaeude-wuppertal").await?;
    for text in ["", "Wuppertal"] {
        let mut full = Request::published(text, 100);
        full.statuses = Vec::new();
        full.visibility = Visibility::All;
        let mut lean = full.clone();
        lean.lean = true;
        let (full, lean) = (engine.search(full).await?, engine.search(lean).await?);
        assert!(full.hits.len() > 3, "{text:?}: {}", full.hits.len());
        assert_eq!(full.hits.len(), lean.hits.len());
        assert!(full.hits.iter().any(|h| h.revision > 1));
        for (f, l) in full.hits.iter().zip(&lean.hits) {
            assert_eq!(
                (f.id, f.revision, f.publisher),
                (l.id, l.revision, l.publisher),
                "{text:?}"
            );
            assert!(f.publisher.is_some());
            assert!(l.title_de.is_empty(), "no stored text is read");
            assert!(l.slug.is_empty(), "no slug is looked up");
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_cached_total_of_the_unfiltered_list_follows_writes() -> anyhow::Result<()> {
    let (catalog, engine, _) = engine().await?;
    let mut list = Request::published("", 2);
    list.order = SortOrder::Modified { desc: true };
    let first = engine.search(list.clone()).await?;
    let cached = engine.search(list.clone()).await?;
    assert_eq!(first.total, cached.total);
    assert!(first.total > 3);
    // A withdrawal changes the total on the next request.
    withdraw(&catalog, "alkis-gebaeude-wuppertal").await?;
    let after = engine.search(list.clone()).await?;
    assert_eq!(after.total + 1, first.total);
    // A filtered list is counted, not taken from the cache.
    let mut filtered = list;
    filtered.filters[Facet::License.position()] = vec!["dl-zero-de/2.0".to_owned()];
    let counted = engine.search(filtered).await?;
    assert!(
        counted.total < after.total,
        "{} < {}",
        counted.total,
        after.total
    );
    Ok(())
}

#[tokio::test]
async fn a_status_every_document_holds_is_left_out_and_the_others_still_filter()
-> anyhow::Result<()> {
    let (catalog, engine, _) = engine().await?;
    let published = |engine: &SearchEngine| {
        let searcher = engine.inner.reader.searcher();
        covers_every_document(
            &searcher,
            &Term::from_field_text(engine.inner.fields.status, "published"),
        )
    };
    let mut list = Request::published("", 100);
    list.order = SortOrder::Modified { desc: true };
    let before = engine.search(list.clone()).await?;
    assert!(published(&engine), "the fixtures are all published");
    withdraw(&catalog, "alkis-gebaeude-wuppertal").await?;
    let after = engine.search(list.clone()).await?;
    // The withdrawn version is a document of its own now: `published` no longer covers them all,
    // and the filter is back in the query.
    assert!(!published(&engine));
    assert_eq!(after.total + 1, before.total);
    assert!(!slugs(&after).contains(&"alkis-gebaeude-wuppertal"));
    let mut words = Request::published("Gebäude", 100);
    words.order = SortOrder::Relevance;
    assert!(!slugs(&engine.search(words.clone()).await?).contains(&"alkis-gebaeude-wuppertal"));
    words.statuses = vec!["withdrawn".to_owned()];
    words.visibility = Visibility::All;
    assert_eq!(
        slugs(&engine.search(words).await?),
        ["alkis-gebaeude-wuppertal"]
    );
    Ok(())
}

#[tokio::test]
async fn a_list_read_from_the_sorted_orders_equals_a_full_pass() -> anyhow::Result<()> {
    let (_dir, catalog, engine) = engine_on_disk().await?;
    // Each write is a commit and a segment of its own; a withdrawal deletes the dataset's earlier
    // document (still in its segment, marked deleted) and adds one no visitor's list holds.
    for slug in ["alkis-gebaeude-wuppertal", "bevoelkerungsdichte-wuppertal"] {
        withdraw(&catalog, slug).await?;
        engine.search(Request::published("", 1)).await?;
    }
    let searcher = engine.inner.reader.searcher();
    assert!(searcher.segment_readers().len() >= 2, "several segments");
    assert!(
        searcher
            .segment_readers()
            .iter()
            .any(|s| s.alive_bitset().is_some()),
        "a segment with deleted documents"
    );
    let sorted = SORTED_PAGES.load(std::sync::atomic::Ordering::Relaxed);
    for (everything, theme) in [(false, None), (true, None), (false, Some("REGI"))] {
        for order in NUMERIC_ORDERS {
            for size in [1, 2, 3, 100] {
                // The published datasets (withdrawn ones are in the index, so the query does not
                // match every document), or every document.
                let request = |offset: usize| {
                    let mut r = Request::published("", size);
                    r.order = order;
                    r.offset = offset;
                    if let Some(theme) = theme {
                        r.filters[Facet::Theme.position()] = vec![theme.to_owned()];
                    }
                    if everything {
                        r.statuses = Vec::new();
                        r.visibility = Visibility::All;
                    }
                    r
                };
                let mut read = request(0);
                let mut full = read.clone();
                full.facets = true;
                let context =
                    format!("everything {everything}, {theme:?}, {order:?}, {size} a page");
                let mut seen = 0;
                loop {
                    let (a, b) = (engine.search_now(&read)?, engine.search_now(&full)?);
                    let ids = |r: &Results| r.hits.iter().map(|h| h.id).collect::<Vec<_>>();
                    assert_eq!(ids(&a), ids(&b), "{context}, after {seen}");
                    assert_eq!(a.total, b.total, "{context}");
                    assert_eq!(a.next_cursor, b.next_cursor, "{context}");
                    seen += a.hits.len();
                    match a.next_cursor {
                        Some(c) => {
                            read.cursor = Some(c.clone());
                            full.cursor = Some(c);
                        }
                        None => break,
                    }
                }
                assert_eq!(
                    seen as u64,
                    engine.search_now(&request(0))?.total,
                    "{context}: every match once"
                );
                for offset in [0, 1, 4, 12] {
                    let a = request(offset);
                    let mut b = a.clone();
                    b.facets = true;
                    let (a, b) = (engine.search_now(&a)?, engine.search_now(&b)?);
                    let ids = |r: &Results| r.hits.iter().map(|h| h.id).collect::<Vec<_>>();
                    assert_eq!(ids(&a), ids(&b), "{context}, offset {offset}");
                    assert_eq!(a.total, b.total, "{context}, offset {offset}");
                }
            }
        }
    }
    assert!(SORTED_PAGES.load(std::sync::atomic::Ordering::Relaxed) > sorted + 3 * 7 * 4);
    // The warmer built the default order of every live segment before the searcher was used.
    let (field, desc) = sorted::WARMED;
    let searcher = engine.inner.reader.searcher();
    for segment in searcher.segment_readers() {
        assert!(
            engine
                .inner
                .sorted
                .is_kept(segment.segment_id(), field, desc),
            "segment {:?}",
            segment.segment_id()
        );
    }
    Ok(())
}
