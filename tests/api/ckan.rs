//! The CKAN-compatible Action API: CKAN's envelope and errors, the read actions against the JSON
//! API for every fixture, `package_search` against the portal, the paging loop of ckanext-harvest's
//! CKANHarvester with writes between pages, DataStore searches, and the write actions.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Value, json};

use crate::helpers::{TestApp, new_dataset, spawn_app};

impl TestApp {
    /// `GET /api/3/action/{action}?{query}`: status and body.
    async fn ckan(&self, action: &str, query: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(&format!("/api/3/action/{action}?{query}")))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// The `result` of a successful `GET` action.
    async fn ckan_ok(&self, action: &str, query: &str) -> Value {
        let (status, body) = self.ckan(action, query).await;
        assert_eq!(status, 200, "{action}?{query}: {body}");
        assert_eq!(body["success"], true, "{body}");
        assert_eq!(
            body["help"],
            format!("{}/api/3/action/help_show?name={action}", self.base_url()),
        );
        body["result"].clone()
    }

    /// `POST` a JSON body to an action with `Authorization: <token>` (CKAN's header, no scheme).
    async fn ckan_post(&self, action: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.url(&format!("/api/action/{action}")))
            .json(body);
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    fn base_url(&self) -> String {
        self.catalog.base_url().trim_end_matches('/').to_owned()
    }

    /// Every public dataset's slug, from the JSON API.
    async fn public_slugs(&self) -> BTreeSet<String> {
        let mut slugs = BTreeSet::new();
        let mut cursor = String::new();
        loop {
            let page = self
                .get_json(&format!("/api/v1/datasets?per_page=100{cursor}"))
                .await;
            for item in page["items"].as_array().unwrap() {
                slugs.insert(item["slug"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => return slugs,
            }
        }
    }
}

fn names(results: &Value) -> BTreeSet<String> {
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn the_read_actions_answer_what_the_json_api_says_for_every_fixture() {
    let app = spawn_app().await;
    let slugs = app.public_slugs().await;
    assert!(slugs.len() >= 10);

    // package_list: every public dataset, by name; limit and offset page it.
    let list = app.ckan_ok("package_list", "").await;
    let listed: Vec<String> = serde_json::from_value(list).unwrap();
    assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), slugs);
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "by name");
    let second = app.ckan_ok("package_list", "limit=3&offset=3").await;
    assert_eq!(second, json!(listed[3..6]));

    for slug in &slugs {
        let doc = app.get_json(&format!("/api/v1/datasets/{slug}")).await;
        let by_name = app.ckan_ok("package_show", &format!("id={slug}")).await;
        let id = doc["id"].as_str().unwrap();
        let by_id = app.ckan_ok("package_show", &format!("id={id}")).await;
        assert_eq!(by_name, by_id, "{slug}");
        assert_eq!(by_name["id"], doc["id"]);
        assert_eq!(by_name["name"], doc["slug"]);
        assert_eq!(by_name["title"], doc["title"]["de"]);
        assert_eq!(by_name["notes"], doc["description"]["de"]);
        assert_eq!(by_name["state"], "active");
        assert_eq!(by_name["private"], false);
        assert_eq!(by_name["license_id"], doc["license"]);
        assert_eq!(by_name["organization"]["name"], doc["publisher"]);
        assert_eq!(by_name["owner_org"], by_name["organization"]["id"]);
        let modified = by_name["metadata_modified"].as_str().unwrap();
        assert_eq!(
            modified.len(),
            26,
            "naive UTC with microseconds: {modified}"
        );
        let groups: BTreeSet<String> = by_name["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_uppercase())
            .collect();
        let themes: BTreeSet<String> = doc["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().rsplit('/').next().unwrap().to_owned())
            .collect();
        assert_eq!(groups, themes, "{slug}");
        let active: Vec<&Value> = doc["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["status"] == "active")
            .collect();
        let resources = by_name["resources"].as_array().unwrap();
        assert_eq!(resources.len(), active.len(), "{slug}");
        for (position, (resource, dist)) in resources.iter().zip(&active).enumerate() {
            assert_eq!(resource["id"], dist["id"]);
            assert_eq!(resource["position"], position);
            assert_eq!(
                resource["datastore_active"],
                dist["kind"] == "hosted_table" && dist.get("data_table").is_some()
            );
            let shown = app
                .ckan_ok(
                    "resource_show",
                    &format!("id={}", dist["id"].as_str().unwrap()),
                )
                .await;
            assert_eq!(&shown, resource);
        }
        let extras: Vec<&str> = by_name["extras"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect();
        assert!(
            extras.contains(&"uri") && extras.contains(&"identifier"),
            "{extras:?}"
        );
        if doc.get("spatial").is_some() {
            assert!(extras.contains(&"spatial_uri"), "{slug}: {extras:?}");
        }
    }

    // Organizations are the publishers, with their public datasets counted.
    let publishers = app.get_json("/api/v1/publishers").await;
    let orgs = app.ckan_ok("organization_list", "all_fields=true").await;
    for org in orgs.as_array().unwrap() {
        let slug = org["name"].as_str().unwrap();
        let shown = app
            .ckan_ok(
                "organization_show",
                &format!("id={slug}&include_datasets=true"),
            )
            .await;
        assert_eq!(shown["package_count"], org["package_count"]);
        let (_, total) = app.api_slugs(&format!("publisher={slug}")).await;
        assert_eq!(org["package_count"], total, "{slug}");
        assert_eq!(shown["packages"].as_array().unwrap().len() as u64, total);
    }
    let publisher_count = publishers
        .as_array()
        .or_else(|| publishers["items"].as_array())
        .map_or(0, Vec::len);
    assert_eq!(orgs.as_array().unwrap().len(), publisher_count);

    // Groups are the EU data themes; tags the keywords; licences GovData's.
    let groups = app.ckan_ok("group_list", "all_fields=true").await;
    assert_eq!(groups.as_array().unwrap().len(), 14);
    let gove = app.ckan_ok("group_show", "id=gove").await;
    let (_, gove_total) = app.api_slugs("theme=GOVE").await;
    assert_eq!(gove["package_count"], gove_total);
    let tags = app.ckan_ok("tag_list", "").await;
    assert!(
        tags.as_array().unwrap().contains(&json!("Geodaten")),
        "{tags}"
    );
    let licences = app.ckan_ok("license_list", "").await;
    assert!(
        licences
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == "http://dcat-ap.de/def/licenses/cc-by/4.0")
    );

    // The newest changes first, as the JSON list orders them.
    let newest = app
        .ckan_ok("current_package_list_with_resources", "limit=5")
        .await;
    let (api_newest, _) = app.api_slugs("sort=-modified").await;
    let newest: Vec<String> = newest
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(newest, api_newest[..5]);
    let activity = app
        .ckan_ok("recently_changed_packages_activity_list", "limit=3")
        .await;
    assert_eq!(activity.as_array().unwrap().len(), 3);
    assert_eq!(activity[0]["data"]["package"]["name"], newest[0]);

    // The version probes.
    assert_eq!(app.get_json("/api/3").await, json!({"version": 3}));
    // Site actions; parameters in the query string of a POST with an empty body (ckanr); a form
    // body; JSONP.
    let status = app.ckan_ok("status_show", "").await;
    assert!(status["ckan_version"].as_str().unwrap().starts_with("2."));
    assert_eq!(app.ckan_ok("site_read", "").await, true);
    let help = app.ckan_ok("help_show", "name=package_search").await;
    assert!(help.as_str().unwrap().contains("fq"));
    let first = listed[0].clone();
    let ckanr = app
        .client
        .post(app.url(&format!("/api/3/action/package_show?id={first}")))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(ckanr.status().as_u16(), 200);
    let form = app
        .client
        .post(app.url("/api/3/action/package_show"))
        .form(&[("id", first.as_str())])
        .send()
        .await
        .unwrap();
    let form: Value = form.json().await.unwrap();
    assert_eq!(form["result"]["name"], first.as_str());
    let jsonp = app
        .get(&format!(
            "/api/3/action/package_show?id={first}&callback=show"
        ))
        .await;
    assert!(
        jsonp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    let text = jsonp.text().await.unwrap();
    assert!(
        text.starts_with("show({") && text.ends_with("});"),
        "{text}"
    );
    // A callback that is not a plain name is not echoed into a script.
    let hostile = app
        .get(&format!(
            "/api/3/action/site_read?callback={}",
            encode("alert(1);//")
        ))
        .await;
    assert!(
        hostile.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn package_search_finds_what_the_portal_and_the_json_api_find() {
    let app = spawn_app().await;
    app.load_corpus().await;
    for (api_query, q, fq) in [
        ("q=Haushalt", "Haushalt", ""),
        ("q=Stra%C3%9Fe", "Straße", ""),
        ("q=Geodaten&theme=REGI", "Geodaten", "groups:regi"),
        (
            "q=Bev%C3%B6lkerung&format=CSV",
            "Bevölkerung",
            "res_format:CSV",
        ),
        ("q=Eisstadion+OR+Freibad", "Eisstadion OR Freibad", ""),
        ("q=Haushalt+-2025", "Haushalt -2025", ""),
        (
            "theme=TRAN&format=GEOJSON",
            "*:*",
            "groups:tran res_format:GEOJSON",
        ),
        (
            "license=dl-zero-de/2.0",
            "",
            "license_id:\"http://dcat-ap.de/def/licenses/dl-zero-de/2.0\"",
        ),
        (
            "publisher=stadt-wuppertal-102&q=ALKIS",
            "ALKIS organization:stadt-wuppertal-102",
            "",
        ),
        ("keyword=Haushalt", "tags:Haushalt", ""),
        (
            "keyword=Geodaten&keyword=Haushalt&theme=REGI",
            "",
            "tags:(Geodaten OR Haushalt) AND groups:regi",
        ),
    ] {
        let (api, total) = app.api_slugs(api_query).await;
        let portal: BTreeSet<String> = app.portal_slugs(api_query).await.into_iter().collect();
        let result = app
            .ckan_ok(
                "package_search",
                &format!("q={}&fq={}&rows=100", encode(q), encode(fq)),
            )
            .await;
        let found = names(&result["results"]);
        let api: BTreeSet<String> = api.into_iter().collect();
        assert!(!api.is_empty(), "{api_query} finds something");
        assert_eq!(result["count"], total, "{api_query}");
        assert_eq!(found, api, "{api_query}");
        assert_eq!(found, portal, "{api_query}");
    }

    // Negation, OR across values, facets with CKAN's names and counts.
    let all = app.ckan_ok("package_search", "rows=0").await["count"]
        .as_u64()
        .unwrap();
    let regi = app.ckan_ok("package_search", "fq=groups:regi&rows=0").await["count"]
        .as_u64()
        .unwrap();
    let not_regi = app
        .ckan_ok("package_search", "fq=-groups:regi&rows=0")
        .await["count"]
        .as_u64()
        .unwrap();
    assert_eq!(regi + not_regi, all);
    let faceted = app
        .ckan_ok(
            "package_search",
            &format!(
                "rows=0&facet.field={}&facet.limit=-1",
                encode(r#"["organization","groups","res_format","license_id","tags"]"#)
            ),
        )
        .await;
    let orgs = faceted["facets"]["organization"].as_object().unwrap();
    assert_eq!(orgs.values().map(|c| c.as_u64().unwrap()).sum::<u64>(), all);
    for (org, count) in orgs {
        let (_, total) = app.api_slugs(&format!("publisher={org}")).await;
        assert_eq!(count.as_u64().unwrap(), total, "{org}");
    }
    assert_eq!(faceted["facets"]["groups"]["regi"], regi);
    let items = faceted["search_facets"]["groups"]["items"]
        .as_array()
        .unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["name"] == "regi" && i["count"] == regi)
    );
    let limited = app
        .ckan_ok(
            "package_search",
            &format!("rows=0&facet.field={}&facet.limit=2", encode(r#"["tags"]"#)),
        )
        .await;
    assert_eq!(limited["facets"]["tags"].as_object().unwrap().len(), 2);

    // Orders: by name, by id, newest first; a page past the end is empty; rows are capped at 1000.
    let by_name = app
        .ckan_ok("package_search", "sort=name+asc&rows=1000")
        .await;
    let names: Vec<&str> = by_name["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    let by_id = app.ckan_ok("package_search", "sort=id+asc&rows=1000").await;
    let ids: Vec<&str> = by_id["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len() as u64, all);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "UUID text order");
    let past = app
        .ckan_ok("package_search", &format!("start={}&rows=10", all + 5))
        .await;
    assert_eq!(past["count"], all);
    assert_eq!(past["results"], json!([]));
    let capped = app.ckan_ok("package_search", "rows=5000").await;
    assert_eq!(
        capped["results"].as_array().unwrap().len() as u64,
        all.min(1000)
    );
}

#[tokio::test]
async fn ckans_errors_come_in_ckans_envelopes_and_statuses_and_drafts_stay_hidden() {
    let app = spawn_app().await;
    // An unknown action: 400 with CKAN's bare JSON string.
    let (status, body) = app.ckan("package_frobnicate", "").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        "Bad request - Action name not known: package_frobnicate"
    );
    // datastore_search_sql is not offered: CKAN's answer when it is disabled.
    let (status, body) = app.ckan("datastore_search_sql", "sql=SELECT+1").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        "Bad request - Action name not known: datastore_search_sql"
    );
    let cases = [
        ("package_show", "id=gibt-es-nicht", 404, "Not Found Error"),
        (
            "resource_show",
            "id=6f1c1a2e-0000-4000-8000-000000000000",
            404,
            "Not Found Error",
        ),
        ("organization_show", "id=niemand", 404, "Not Found Error"),
        ("package_show", "", 409, "Validation Error"),
        ("package_search", "rows=viele", 409, "Validation Error"),
        ("package_search", "start=-1", 409, "Validation Error"),
        ("package_search", "fq=colour:red", 400, "Search Query Error"),
        (
            "package_search",
            "fq=metadata_modified:[gestern+TO+*]",
            400,
            "Search Query Error",
        ),
        (
            "package_search",
            "sort=metadata_created+desc",
            400,
            "Search Query Error",
        ),
        (
            "datastore_search",
            "resource_id=6f1c1a2e-0000-4000-8000-000000000000",
            404,
            "Not Found Error",
        ),
    ];
    for (action, query, expected, kind) in cases {
        let (status, body) = app.ckan(action, query).await;
        assert_eq!(status, expected, "{action}?{query}: {body}");
        assert_eq!(body["success"], false);
        assert_eq!(body["error"]["__type"], kind, "{action}?{query}: {body}");
        assert!(
            body["help"]
                .as_str()
                .unwrap()
                .ends_with(&format!("name={action}"))
        );
    }
    let (_, rows) = app.ckan("package_search", "rows=viele").await;
    assert_eq!(rows["error"]["rows"], json!(["Invalid integer"]));
    // Writes: POST only, and a token.
    let (status, body) = app.ckan("package_create", "name=x").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .ckan_post("package_create", None, &json!({"name": "ohne-token"}))
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["__type"], "Authorization Error");
    let (status, _) = app
        .ckan_post(
            "package_create",
            Some("odcat_falsch"),
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(status, 403);

    // A draft: invisible without its token, found with it.
    let token = app.editor().await;
    let mut draft = new_dataset("ckan-entwurf");
    draft["status"] = json!("draft");
    assert_eq!(
        app.post_dataset(&token, &draft).await.status().as_u16(),
        201
    );
    let (status, _) = app.ckan("package_show", "id=ckan-entwurf").await;
    assert_eq!(status, 404);
    let anonymous = app
        .ckan_ok(
            "package_search",
            "q=ckan-entwurf&include_private=true&rows=100",
        )
        .await;
    assert!(!names(&anonymous["results"]).contains("ckan-entwurf"));
    assert!(
        !app.ckan_ok("package_list", "")
            .await
            .as_array()
            .unwrap()
            .contains(&json!("ckan-entwurf"))
    );
    let response = app
        .client
        .get(app.url("/api/3/action/package_show?id=ckan-entwurf"))
        .header("X-CKAN-API-Key", &token)
        .send()
        .await
        .unwrap();
    let shown: Value = response.json().await.unwrap();
    assert_eq!(shown["result"]["state"], "draft");
    assert_eq!(shown["result"]["private"], true);
    let response = app
        .client
        .get(app.url("/api/3/action/package_search?fq=name:ckan-entwurf&include_private=true"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let found: Value = response.json().await.unwrap();
    assert_eq!(found["result"]["count"], 1, "{found}");
}

/// The paging loop of ckanext-harvest's `CKANHarvester._search_for_datasets`: `sort=id asc`,
/// `rows=100`, `start += 100`, an `fq` on `metadata_modified`, duplicates weeded out, a page equal to
/// the previous one an error, an empty page the end.
async fn harvest(
    app: &TestApp,
    since: &str,
    extra: &str,
    between_pages: impl AsyncFn(usize),
) -> Vec<String> {
    let fq = format!("metadata_modified:[{since} TO *]");
    let mut start = 0;
    let mut previous: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let mut ids = Vec::new();
    for page in 0.. {
        let url = format!(
            "/api/3/action/package_search?fq={}&rows=100&start={start}&sort={}{extra}",
            encode(&fq),
            encode("id asc")
        );
        let content = app.get(&url).await.text().await.unwrap();
        assert_ne!(
            previous.as_ref(),
            Some(&content),
            "the paging does not work"
        );
        let body: Value = serde_json::from_str(&content).unwrap();
        let results = body["result"]["results"].as_array().unwrap().clone();
        if results.is_empty() {
            break;
        }
        for package in &results {
            let id = package["id"].as_str().unwrap().to_owned();
            if seen.insert(id.clone()) {
                ids.push(id);
            }
        }
        previous = Some(content);
        start += 100;
        between_pages(page).await;
    }
    ids
}

#[tokio::test]
async fn the_ckan_harvester_paging_loop_reads_every_public_dataset_once_with_writes_between_pages()
{
    let app = spawn_app().await;
    let token = app.editor().await;
    let docs: Vec<odcat::catalog::document::DatasetDocument> = (0..260)
        .map(|i| {
            let mut doc = new_dataset(&format!("ernte-{i:03}"));
            doc["publisher"] = json!("stadt-wuppertal-402");
            serde_json::from_value(doc).unwrap()
        })
        .collect();
    app.catalog
        .create_datasets(&odcat::catalog::service::Actor::operator(), &docs)
        .await
        .unwrap();
    let public: BTreeSet<String> = {
        let mut ids = BTreeSet::new();
        for slug in app.public_slugs().await {
            let doc = app.get_json(&format!("/api/v1/datasets/{slug}")).await;
            ids.insert(doc["id"].as_str().unwrap().to_owned());
        }
        ids
    };
    assert!(public.len() > 260);

    // Between pages: datasets change (their metadata_modified moves, their place in `id asc` does
    // not) and new ones appear.
    let created = std::cell::Cell::new(0);
    let writes = async |page: usize| {
        for i in 0..5 {
            let slug = format!("ernte-{:03}", (page * 37 + i * 11) % 260);
            let (doc, etag) = app.dataset_with_etag(&slug).await;
            let mut changed = doc.clone();
            changed["title"]["de"] = json!(format!("Geändert auf Seite {page}"));
            let response = app
                .put_json(format!("/api/v1/datasets/{slug}"), &token, &etag, &changed)
                .await;
            assert_eq!(response.status().as_u16(), 200);
        }
        let response = app
            .post_dataset(&token, &new_dataset(&format!("neu-seite-{page}")))
            .await;
        assert_eq!(response.status().as_u16(), 201);
        created.set(created.get() + 1);
    };
    let read = harvest(&app, "2000-01-01T00:00:00.000000Z", "", writes).await;
    let read_set: BTreeSet<String> = read.iter().cloned().collect();
    assert_eq!(read.len(), read_set.len());
    let missed: Vec<&String> = public.difference(&read_set).collect();
    assert!(missed.is_empty(), "the harvest missed {missed:?}");
    assert!(
        created.get() >= 3,
        "at least three pages with writes between them"
    );

    // An incremental run sees exactly what changed since.
    let since = chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (doc, etag) = app.dataset_with_etag("ernte-007").await;
    let mut changed = doc.clone();
    changed["title"]["de"] = json!("Nach dem letzten Lauf geändert");
    app.put_json("/api/v1/datasets/ernte-007", &token, &etag, &changed)
        .await;
    let incremental = harvest(&app, &since, "", async |_| {}).await;
    assert_eq!(incremental, vec![doc["id"].as_str().unwrap().to_owned()]);
    // data.europa.eu's importer sends the range's spaces as a literal `%20`.
    let literal = app
        .ckan_ok(
            "package_search",
            &format!(
                "fq={}",
                encode(&format!("metadata_modified:[{since}%20TO%20*]"))
            ),
        )
        .await;
    assert_eq!(literal["count"], 1);
    // With CKAN's `include_deleted`, withdrawals during the crawl shift nothing: every dataset public
    // at the start is read, the withdrawn ones as `state: deleted`.
    let before: BTreeSet<String> = harvest(&app, "2000-01-01T00:00:00Z", "", async |_| {})
        .await
        .into_iter()
        .collect();
    // Any publisher's datasets may come first in `id asc` order: an admin token withdraws them.
    let admin = app.token(None, odcat::catalog::values::Role::Admin).await;
    let withdraw = async |page: usize| {
        // Datasets early in `id asc` order: each shifts every later page by one.
        let listed = app.ckan_ok("package_search", "sort=id+asc&rows=3").await;
        for package in listed["results"].as_array().unwrap().iter().take(2) {
            let slug = package["name"].as_str().unwrap();
            let (_, etag) = app.dataset_with_etag(slug).await;
            let response = app
                .delete_with(format!("/api/v1/datasets/{slug}"), &admin, &etag)
                .await;
            assert_eq!(
                response.status().as_u16(),
                200,
                "withdraw {slug} after page {page}"
            );
        }
    };
    let read: BTreeSet<String> = harvest(
        &app,
        "2000-01-01T00:00:00Z",
        "&include_deleted=true",
        withdraw,
    )
    .await
    .into_iter()
    .collect();
    let missed: Vec<&String> = before.difference(&read).collect();
    assert!(
        missed.is_empty(),
        "include_deleted: the harvest missed {missed:?}"
    );
    let deleted = app
        .ckan_ok(
            "package_search",
            "include_deleted=true&fq=state:deleted&rows=0",
        )
        .await;
    assert!(deleted["count"].as_u64().unwrap() >= 6, "{deleted}");
}

#[tokio::test]
async fn datastore_search_reads_hosted_tables_as_the_rows_api_does() {
    let app = spawn_app().await;
    let slug = "digitalisierungsprojekte-digital-2026";
    let (id, _) = app.hosted(slug).await;
    let rows = app
        .get_json(&format!(
            "/api/v1/datasets/{slug}/distributions/{id}/rows?per_page=1000"
        ))
        .await;
    let result = app
        .ckan_ok("datastore_search", &format!("resource_id={id}&limit=32000"))
        .await;
    assert_eq!(result["total"], rows["total"]);
    let columns: Vec<&str> = rows["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let fields: Vec<&str> = result["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(fields[0], "_id");
    assert_eq!(&fields[1..], &columns[..]);
    for (record, row) in result["records"]
        .as_array()
        .unwrap()
        .iter()
        .zip(rows["rows"].as_array().unwrap())
    {
        for column in &columns {
            assert_eq!(record[column], row[column], "{column}");
        }
    }
    // limit/offset and the links; lists; CSV; a filter; sorting; a bad column.
    let page = app
        .ckan_ok(
            "datastore_search",
            &format!("resource_id={id}&limit=2&offset=1"),
        )
        .await;
    assert_eq!(page["records"].as_array().unwrap().len(), 2);
    assert_eq!(page["records"][0]["_id"], 2);
    assert!(
        page["_links"]["next"]
            .as_str()
            .unwrap()
            .ends_with("offset=3")
    );
    let lists = app
        .ckan_ok(
            "datastore_search",
            &format!("resource_id={id}&limit=1&records_format=lists"),
        )
        .await;
    assert_eq!(lists["records"][0].as_array().unwrap().len(), fields.len());
    let csv = app
        .ckan_ok(
            "datastore_search",
            &format!("resource_id={id}&limit=2&records_format=csv"),
        )
        .await;
    assert_eq!(csv["records"].as_str().unwrap().lines().count(), 2);
    let first_column = columns[0];
    let value = rows["rows"][0][first_column].clone();
    let filters = json!({ first_column: value });
    let filtered = app
        .ckan_ok(
            "datastore_search",
            &format!("resource_id={id}&filters={}", encode(&filters.to_string())),
        )
        .await;
    assert!(filtered["total"].as_u64().unwrap() >= 1);
    assert!(
        filtered["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r[first_column] == value)
    );
    let sorted = app
        .ckan_ok(
            "datastore_search",
            &format!(
                "resource_id={id}&sort={}&limit=32000",
                encode(&format!("{first_column} desc"))
            ),
        )
        .await;
    assert_eq!(sorted["total"], rows["total"]);
    let (status, body) = app
        .ckan(
            "datastore_search",
            &format!("resource_id={id}&filters={}", encode(r#"{"Farbe": "rot"}"#)),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // distinct: each value of the fields asked for once, as its first row.
    for column in &columns {
        let all: Vec<&Value> = rows["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r[column])
            .collect();
        let mut expected: Vec<String> = Vec::new();
        for value in &all {
            if !expected.contains(&value.to_string()) {
                expected.push(value.to_string());
            }
        }
        let distinct = app
            .ckan_ok(
                "datastore_search",
                &format!(
                    "resource_id={id}&distinct=true&fields={}&limit=32000",
                    encode(column)
                ),
            )
            .await;
        assert_eq!(distinct["total"], expected.len(), "{column}");
        let found: Vec<String> = distinct["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[column].to_string())
            .collect();
        assert_eq!(
            found, expected,
            "{column}: in the order of their first rows"
        );
        let first = distinct["records"][0]["_id"].as_u64().unwrap();
        assert_eq!(first, 1, "{column}");
    }
    let info = app.ckan_ok("datastore_info", &format!("id={id}")).await;
    assert_eq!(info["meta"]["count"], rows["total"]);
    // The package dict says which resources the DataStore has.
    let package = app.ckan_ok("package_show", &format!("id={slug}")).await;
    let resource = package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.to_string())
        .unwrap();
    assert_eq!(resource["datastore_active"], true);
}

#[tokio::test]
async fn ckan_writes_go_through_the_catalogue_and_come_back_as_sent() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let package = json!({
        "name": "ckan-baustellen",
        "title": "Baustellen (CKAN)",
        "notes": "Über die CKAN-API angelegt.",
        "owner_org": "stadt-wuppertal-402",
        "license_id": "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
        "url": "https://www.wuppertal.de/baustellen",
        "version": "1.0",
        "tags": [{"name": "Baustellen"}, {"name": "Verkehr"}],
        "groups": [{"name": "tran"}],
        "extras": [
            {"key": "contributorID", "value": "[\"http://dcat-ap.de/def/contributors/openNRW\"]"},
            {"key": "politicalGeocodingURI", "value": "[\"http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000\"]"},
            {"key": "politicalGeocodingLevelURI", "value": "http://dcat-ap.de/def/politicalGeocoding/Level/municipality"},
            {"key": "temporal_start", "value": "2026-01-01"},
            {"key": "issued", "value": "2026-02-03"},
            {"key": "contact_name", "value": "Amt 402"},
            {"key": "contact_email", "value": "opendata@stadt.wuppertal.de"}
        ],
        "resources": [
            {"url": "https://www.wuppertal.de/baustellen.csv", "format": "CSV", "name": "Baustellen als CSV", "mimetype": "text/csv", "size": 1234}
        ]
    });
    let (status, created) = app
        .ckan_post("package_create", Some(&token), &package)
        .await;
    assert_eq!(status, 200, "{created}");
    let created = created["result"].clone();
    for key in ["name", "title", "notes", "license_id", "url", "version"] {
        assert_eq!(created[key], package[key], "{key}");
    }
    assert_eq!(created["state"], "active");
    assert_eq!(created["groups"][0]["name"], "tran");
    assert_eq!(created["tags"].as_array().unwrap().len(), 2);
    assert_eq!(created["resources"][0]["size"], 1234);
    assert_eq!(created["resources"][0]["mimetype"], "text/csv");
    for extra in package["extras"].as_array().unwrap() {
        assert!(
            created["extras"].as_array().unwrap().contains(extra),
            "{extra} comes back as sent"
        );
    }
    // The write is everywhere at once: the JSON API, package_search, the catalogue's change log.
    let doc = app.get_json("/api/v1/datasets/ckan-baustellen").await;
    assert_eq!(doc["id"], created["id"]);
    assert_eq!(doc["publisher"], "stadt-wuppertal-402");
    let found = app
        .ckan_ok("package_search", "fq=name:ckan-baustellen")
        .await;
    assert_eq!(found["count"], 1);

    // patch changes what it names; update replaces; the resource keeps its id.
    let id = created["id"].as_str().unwrap();
    let (status, patched) = app
        .ckan_post(
            "package_patch",
            Some(&token),
            &json!({"id": id, "title": "Baustellen 2026"}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["result"]["title"], "Baustellen 2026");
    assert_eq!(patched["result"]["notes"], package["notes"]);
    assert_eq!(
        patched["result"]["resources"][0]["id"],
        created["resources"][0]["id"]
    );
    let resource_id = created["resources"][0]["id"].as_str().unwrap();
    let (status, resource) = app
        .ckan_post(
            "resource_update",
            Some(&token),
            &json!({"id": resource_id, "url": "https://www.wuppertal.de/baustellen-2026.csv", "format": "CSV", "name": "CSV 2026"}),
        )
        .await;
    assert_eq!(status, 200, "{resource}");
    assert_eq!(
        resource["result"]["url"],
        "https://www.wuppertal.de/baustellen-2026.csv"
    );
    let (status, added) = app
        .ckan_post(
            "resource_create",
            Some(&token),
            &json!({"package_id": id, "url": "https://www.wuppertal.de/baustellen.json", "format": "JSON", "name": "JSON"}),
        )
        .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["result"]["position"], 1);
    // Validation errors name CKAN's fields.
    let (status, refused) = app
        .ckan_post("package_create", Some(&token), &json!({"name": "ckan-baustellen", "title": "Doppelt", "owner_org": "stadt-wuppertal-402"}))
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["__type"], "Validation Error");
    assert!(refused["error"]["name"].is_array(), "{refused}");
    // Another publisher's token may not change it.
    let other = app
        .token(
            Some("stadt-wuppertal-102"),
            odcat::catalog::values::Role::Editor,
        )
        .await;
    let (status, body) = app
        .ckan_post(
            "package_patch",
            Some(&other),
            &json!({"id": id, "title": "fremd"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // A dict read with package_show goes back through package_update unchanged: keywords that CKAN's
    // tag rules clean come back as written, in their language.
    let mut doc = crate::helpers::new_dataset("ckan-schlagworte");
    doc["keywords"] = json!({"de": ["Finanzen/Steuern", "OZG"], "en": ["OZG", "taxes & finance"]});
    let response = app.post_dataset(&token, &doc).await;
    assert_eq!(response.status().as_u16(), 201);
    let shown = app.ckan_ok("package_show", "id=ckan-schlagworte").await;
    let tags: Vec<&str> = shown["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"finanzensteuern"), "{tags:?}");
    let (status, updated) = app.ckan_post("package_update", Some(&token), &shown).await;
    assert_eq!(status, 200, "{updated}");
    let after = app.get_json("/api/v1/datasets/ckan-schlagworte").await;
    assert_eq!(after["keywords"], doc["keywords"]);
    // delete withdraws: gone from the search, shown as deleted.
    let (status, _) = app
        .ckan_post("package_delete", Some(&token), &json!({"id": id}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.ckan_ok("package_search", "fq=name:ckan-baustellen")
            .await["count"],
        0
    );
    assert_eq!(
        app.ckan_ok("package_show", "id=ckan-baustellen").await["state"],
        "deleted"
    );
}

#[tokio::test]
async fn a_distributions_rights_statement_comes_back_as_sent_in_json_rdf_and_ckan() {
    use odcat::rdf::parse::parse_page;
    use oxigraph::io::RdfFormat;
    let app = spawn_app().await;
    let token = app.editor().await;
    // Quotes, markup, ampersands, a tab and a new line, an emoji, and text beyond the BMP.
    let rights = json!({
        "de": "Rechte: „Stadt Wuppertal“ & <Dritte> 'Zitat'\n\tZeile 2 🚧 𝔘",
        "en": "Rights of \"the city\" & <others>"
    });
    let mut doc = new_dataset("rechte");
    doc["distributions"][0]["rights"] = rights.clone();
    let response = app.post_dataset(&token, &doc).await;
    assert_eq!(
        response.status().as_u16(),
        201,
        "{}",
        response.text().await.unwrap()
    );
    let stored = app.get_json("/api/v1/datasets/rechte").await;
    let id = stored["id"].as_str().unwrap().to_owned();
    let first = |d: &Value| {
        d["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rights"].is_object())
            .cloned()
            .unwrap_or_else(|| panic!("no rights in {d}"))
    };
    assert_eq!(first(&stored)["rights"], rights);
    // RDF in every format reads back to the same statement.
    app.projected().await;
    for (ext, format) in [
        ("ttl", RdfFormat::Turtle),
        ("rdf", RdfFormat::RdfXml),
        (
            "jsonld",
            RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfile::Expanded.into(),
            },
        ),
        ("nt", RdfFormat::NTriples),
    ] {
        let url = format!("/dataset/{id}.{ext}");
        let response = app.get(&url).await;
        assert_eq!(response.status().as_u16(), 200, "{url}");
        let body = response.bytes().await.unwrap();
        let page = parse_page(&body, format, Some(&app.url(&url))).unwrap();
        let read = serde_json::to_value(&page.datasets[0].document).unwrap();
        assert_eq!(first(&read)["rights"], rights, "{ext}");
    }
    // CKAN: the resource's `rights` is the German text; package_show's dict goes back through
    // package_update and keeps both languages.
    let shown = app.ckan_ok("package_show", "id=rechte").await;
    let resource = shown["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| !r["rights"].is_null())
        .unwrap()
        .clone();
    assert_eq!(resource["rights"], rights["de"]);
    let (status, updated) = app.ckan_post("package_update", Some(&token), &shown).await;
    assert_eq!(status, 200, "{updated}");
    let after = app.get_json("/api/v1/datasets/rechte").await;
    assert_eq!(first(&after)["rights"], rights);
    // A control character is refused, naming the field, and changes nothing.
    let (mut doc, etag) = app.dataset_with_etag("rechte").await;
    doc["distributions"][0]["rights"] = json!({"de": "Rechte\u{7}"});
    let response = app
        .put_json("/api/v1/datasets/rechte", &token, &etag, &doc)
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["field"]
            .as_str()
            .is_some_and(|f| f.contains("rights")),
        "{body}"
    );
    assert_eq!(
        first(&app.get_json("/api/v1/datasets/rechte").await)["rights"],
        rights
    );
}
