//! The publisher workspace (`/verwaltung`, `/manage`) as a browser uses it: sessions, CSRF, the list
//! of a publisher's datasets, publishing and withdrawing, and the token administration.

use std::collections::BTreeMap;
use std::time::Duration;

use entities::change_log;
use odcat::catalog::values::Role;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{TestApp, new_dataset, spawn_app, spawn_app_with};

/// A browser: keeps cookies, follows no redirects (the tests look at them).
struct Browser<'a> {
    app: &'a TestApp,
    client: Client,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: Client::builder()
                .redirect(Policy::none())
                .no_gzip()
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if !self.cookies.is_empty() {
            let value = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            headers.insert("cookie", HeaderValue::from_str(&value).unwrap());
        }
        headers
    }

    fn keep(&mut self, response: &Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn get(&mut self, path: &str) -> Response {
        let response = self
            .client
            .get(self.app.url(path))
            .headers(self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&response);
        response
    }

    async fn page(&mut self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let response = self
            .client
            .post(self.app.url(path))
            .headers(self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&response);
        response
    }

    /// Signs in with `token` through the form, as a person would.
    async fn sign_in(&mut self, token: &str) {
        let form = self.page("/verwaltung/anmelden").await;
        let csrf = hidden(&form, "csrf");
        let response = self
            .post(
                "/verwaltung/anmelden",
                &[("csrf", &csrf), ("token", token), ("next", "/verwaltung")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(location(&response), "/verwaltung");
        assert!(self.cookies.contains_key("odcat_session"));
    }
}

/// The value of the first hidden input `name` in `html`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The id of the dataset `slug` through the API (with `token` for drafts).
async fn dataset(app: &TestApp, slug: &str, token: &str) -> Value {
    app.client
        .get(app.url(&format!("/api/v1/datasets/{slug}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn without_a_session_every_workspace_url_redirects_to_sign_in() {
    let app = spawn_app().await;
    let id = uuid::Uuid::new_v4();
    let mut browser = Browser::new(&app);
    for (path, next) in [
        ("/verwaltung", "/verwaltung"),
        ("/verwaltung?status=draft", "/verwaltung?status=draft"),
        ("/verwaltung/schluessel", "/verwaltung/schluessel"),
        (
            &format!("/verwaltung/datensaetze/{id}/veroeffentlichen"),
            &format!("/verwaltung/datensaetze/{id}/veroeffentlichen"),
        ),
        ("/manage", "/manage"),
        ("/manage/tokens", "/manage/tokens"),
    ] {
        let response = browser.get(path).await;
        assert_eq!(response.status().as_u16(), 303, "{path}");
        let sign_in = if path.starts_with("/manage") {
            "/manage/sign-in"
        } else {
            "/verwaltung/anmelden"
        };
        let expected = format!(
            "{sign_in}?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish()
        );
        assert_eq!(location(&response), expected, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
    }
    // State-changing forms without a session change nothing and go to the sign-in page.
    for path in [
        "/verwaltung/abmelden",
        "/verwaltung/schluessel",
        &format!("/verwaltung/datensaetze/{id}/zurueckziehen"),
        "/manage/sign-out",
    ] {
        let response = browser.post(path, &[("csrf", "x")]).await;
        assert_eq!(response.status().as_u16(), 303, "{path}");
        assert!(location(&response).contains("/"), "{path}");
        assert!(
            location(&response).ends_with("anmelden") || location(&response).ends_with("sign-in"),
            "{path}: {}",
            location(&response)
        );
    }
    // The sign-in pages themselves answer, in their area's language, never cached.
    let response = browser.get("/verwaltung/anmelden").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "content-language"), "de");
    let response = browser.get("/manage/sign-in").await;
    assert_eq!(header(&response, "content-language"), "en");
    assert!(response.text().await.unwrap().contains("Access token"));
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_session_cookie_and_signing_out_ends_the_session() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut browser = Browser::new(&app);
    let form = browser
        .page("/verwaltung/anmelden?next=%2Fverwaltung%3Fstatus%3Ddraft")
        .await;
    assert!(form.contains("name=\"next\" value=\"/verwaltung?status=draft\""));
    let csrf = hidden(&form, "csrf");
    let response = browser
        .post(
            "/verwaltung/anmelden",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("next", "/verwaltung?status=draft"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/verwaltung?status=draft");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("odcat_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("Max-Age=28800"), "{cookie}");
    // The token never appears in the cookie.
    assert!(!cookie.contains(&token));

    let response = browser.get("/verwaltung").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let list = response.text().await.unwrap();
    assert!(list.contains("Meine Datensätze"));
    assert!(list.contains("Stadt Wuppertal"), "the publisher is named");
    // Signed in, the sign-in page sends on to the list.
    let response = browser.get("/verwaltung/anmelden").await;
    assert_eq!(response.status().as_u16(), 303);

    // Signing out ends the session on the server: the old cookie no longer works.
    let session = browser.cookies["odcat_session"].clone();
    let csrf = hidden(&list, "csrf");
    let response = browser
        .post("/verwaltung/abmelden", &[("csrf", &csrf)])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/verwaltung/anmelden?done=signed-out");
    assert!(!browser.cookies.contains_key("odcat_session"));
    browser.cookies.insert("odcat_session".into(), session);
    let response = browser.get("/verwaltung").await;
    assert_eq!(
        response.status().as_u16(),
        303,
        "a signed-out session is over"
    );
}

#[tokio::test]
async fn a_wrong_token_is_refused_at_the_field_with_the_reason() {
    let app = spawn_app().await;
    let revoked = app
        .catalog
        .issue_token(
            &odcat::catalog::service::Actor::operator(),
            Some("stadt-wuppertal-402"),
            Role::Editor,
            None,
        )
        .await
        .unwrap();
    app.catalog
        .revoke_token(&odcat::catalog::service::Actor::operator(), revoked.id)
        .await
        .unwrap();
    let mut browser = Browser::new(&app);
    for (token, says) in [
        ("", "Geben Sie Ihren Zugangsschlüssel ein."),
        ("not-a-token", "hat nicht die Form"),
        (
            "odcat_0000000000000000000000000000000000000000000000000000000000000000",
            "kennt odcat nicht",
        ),
        (revoked.secret.as_str(), "widerrufen"),
    ] {
        let form = browser.page("/verwaltung/anmelden").await;
        let csrf = hidden(&form, "csrf");
        let response = browser
            .post("/verwaltung/anmelden", &[("csrf", &csrf), ("token", token)])
            .await;
        assert_eq!(response.status().as_u16(), 422, "{token}");
        assert!(
            response
                .headers()
                .get("set-cookie")
                .is_none_or(|c| !c.to_str().unwrap().starts_with("odcat_session"))
        );
        let page = response.text().await.unwrap();
        assert!(page.contains(says), "{token}: {page}");
        // GOV.UK pattern: the summary links to the field, which says what is wrong.
        assert!(page.contains("<a href=\"#token\">"));
        assert!(page.contains("aria-describedby=\"token-error\""));
        assert!(page.contains("aria-invalid=\"true\""));
    }
    assert!(!browser.cookies.contains_key("odcat_session"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_another_site_are_refused() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (doc, _) = app
        .dataset_with_etag("open-data-dienstanweisung-wuppertal")
        .await;
    let id = doc["id"].as_str().unwrap().to_owned();
    let revision_before = dataset(&app, &id, &token).await["revision"].clone();

    // The sign-in form without its double-submit cookie (a cross-site form cannot read it).
    let mut stranger = Browser::new(&app);
    let response = stranger
        .post(
            "/verwaltung/anmelden",
            &[("csrf", "0".repeat(64).as_str()), ("token", &token)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(!stranger.cookies.contains_key("odcat_session"));

    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let action = format!("/verwaltung/datensaetze/{id}/zurueckziehen");
    let confirm = browser.page(&action).await;
    let csrf = hidden(&confirm, "csrf");
    let revision = hidden(&confirm, "revision");
    // Replayed without the form token, with a wrong one, or from another site: refused.
    for (form, origin) in [
        (vec![("revision", revision.as_str())], None),
        (
            vec![
                ("csrf", "0".repeat(64).as_str()),
                ("revision", revision.as_str()),
            ],
            None,
        ),
        (
            vec![("csrf", csrf.as_str()), ("revision", revision.as_str())],
            Some("http://evil.example"),
        ),
    ] {
        let mut request = browser
            .client
            .post(app.url(&action))
            .headers(browser.cookie_header())
            .form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 403, "{form:?} {origin:?}");
    }
    let after = dataset(&app, &id, &token).await;
    assert_eq!(after["status"], "published");
    assert_eq!(after["revision"], revision_before, "nothing changed");
    // The same form with its token works (and with this site's Origin).
    let response = browser
        .client
        .post(app.url(&action))
        .headers(browser.cookie_header())
        .header("origin", app.address.as_str())
        .form(&[("csrf", csrf.as_str()), ("revision", revision.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(dataset(&app, &id, &token).await["status"], "withdrawn");
}

#[tokio::test]
async fn an_editor_sees_and_changes_only_their_publishers_datasets() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let list = browser.page("/verwaltung").await;
    let all: Value = app.get_json("/api/v1/datasets?per_page=100").await;
    let mut own = 0;
    for d in all["items"].as_array().unwrap() {
        let slug = d["slug"].as_str().unwrap();
        let listed = list.contains(&format!("/dataset/{slug}\""));
        let is_own = d["publisher"] == "stadt-wuppertal-402";
        assert_eq!(listed, is_own, "{slug}");
        own += usize::from(is_own);
    }
    assert!(own > 0);
    assert!(list.contains(&format!("{own} Datensätze")));

    // Another publisher's dataset: 404 for its confirmation and for the action, nothing changes.
    let other = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["publisher"] != "stadt-wuppertal-402")
        .unwrap();
    let id = other["id"].as_str().unwrap();
    let path = format!("/verwaltung/datensaetze/{id}/zurueckziehen");
    assert_eq!(browser.get(&path).await.status().as_u16(), 404);
    let csrf = hidden(&list, "csrf");
    let response = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("revision", &other["revision"].to_string()),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 404);
    let after = app.get_json(&format!("/api/v1/datasets/{id}")).await;
    assert_eq!(after["status"], "published");
    assert_eq!(after["revision"], other["revision"]);
    // Nor does a search find it there.
    let slug = other["slug"].as_str().unwrap();
    let title = other["title"]["de"].as_str().unwrap();
    let found = browser
        .page(&format!(
            "/verwaltung?q={}",
            url::form_urlencoded::byte_serialize(title.as_bytes()).collect::<String>()
        ))
        .await;
    assert!(!found.contains(&format!("/dataset/{slug}\"")));
    // And the token administration is for administrators only.
    assert_eq!(
        browser
            .get("/verwaltung/schluessel")
            .await
            .status()
            .as_u16(),
        403
    );
}

#[tokio::test]
async fn publishing_withdrawing_and_publishing_again_are_recorded_with_the_sessions_token() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut draft = new_dataset("baustellen-workspace");
    draft["status"] = json!("draft");
    let response = app.post_dataset(&token, &draft).await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();

    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let drafts = browser.page("/verwaltung?status=draft").await;
    assert!(drafts.contains("Baustellen in Wuppertal"));
    assert!(drafts.contains("Entwurf"));
    let publish = format!("/verwaltung/datensaetze/{id}/veroeffentlichen");
    assert!(drafts.contains(&publish));

    let confirm = browser.page(&publish).await;
    assert!(
        confirm.contains("Harvester"),
        "says what it means for harvesters"
    );
    let csrf = hidden(&confirm, "csrf");
    let revision = hidden(&confirm, "revision");
    // Someone changed it meanwhile (the API, another tab): the confirmation is refused with the
    // current state, and nothing is published.
    let stale = (revision.parse::<i32>().unwrap() - 1).to_string();
    let response = browser
        .post(&publish, &[("csrf", &csrf), ("revision", &stale)])
        .await;
    assert_eq!(response.status().as_u16(), 409);
    let conflict = response.text().await.unwrap();
    assert!(conflict.contains("inzwischen geändert"));
    // Still a draft: the confirmation is offered again with the current revision.
    assert_eq!(hidden(&conflict, "revision"), revision);
    assert_eq!(dataset(&app, &id, &token).await["status"], "draft");

    let response = browser
        .post(&publish, &[("csrf", &csrf), ("revision", &revision)])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/verwaltung?done=published");
    assert!(
        browser
            .page("/verwaltung?done=published")
            .await
            .contains("ist veröffentlicht")
    );
    assert_eq!(dataset(&app, &id, &token).await["status"], "published");
    // Public now: the portal's search and the catalogue have it.
    let search: Value = app.get_json("/api/v1/datasets?q=Baustellen").await;
    assert!(
        search["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == id.as_str())
    );

    // The change is recorded with the session's token, through the workspace.
    let token_id = odcat::catalog::auth::authenticate(app.catalog.db(), &token)
        .await
        .unwrap()
        .unwrap()
        .token_id;
    let last = last_dataset_change(&app).await;
    assert_eq!(last.entity_id.to_string(), id);
    assert_eq!(last.operation, "update");
    assert_eq!(last.channel.as_deref(), Some("workspace"));
    assert_eq!(last.actor_token_id, Some(token_id));

    // Withdraw, then publish again.
    let withdraw = format!("/verwaltung/datensaetze/{id}/zurueckziehen");
    let confirm = browser.page(&withdraw).await;
    assert!(confirm.contains("Harvester"));
    let response = browser
        .post(
            &withdraw,
            &[("csrf", &csrf), ("revision", &hidden(&confirm, "revision"))],
        )
        .await;
    assert_eq!(location(&response), "/verwaltung?done=withdrawn");
    assert_eq!(dataset(&app, &id, &token).await["status"], "withdrawn");
    let last = last_dataset_change(&app).await;
    assert_eq!(last.operation, "withdraw");
    assert_eq!(last.channel.as_deref(), Some("workspace"));
    assert_eq!(last.actor_token_id, Some(token_id));
    // A second withdrawal is not offered: the page says where the dataset stands.
    let again = browser.page(&withdraw).await;
    assert!(again.contains("bereits zurückgezogen"));
    assert!(!again.contains("name=\"revision\""));
    let list = browser.page("/verwaltung?status=withdrawn").await;
    assert!(list.contains("Wieder veröffentlichen"));
    let confirm = browser.page(&publish).await;
    assert!(confirm.contains("wieder veröffentlichen"));
    let response = browser
        .post(
            &publish,
            &[("csrf", &csrf), ("revision", &hidden(&confirm, "revision"))],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(dataset(&app, &id, &token).await["status"], "published");

    // Writes through the API are recorded as such.
    let (_, etag) = app.dataset_with_etag(&id).await;
    let response = app
        .delete_with(format!("/api/v1/datasets/{id}"), &token, &etag)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let last = last_dataset_change(&app).await;
    assert_eq!(last.channel.as_deref(), Some("api"));
    assert_eq!(last.actor_token_id, Some(token_id));
}

async fn last_dataset_change(app: &TestApp) -> change_log::Model {
    change_log::Entity::find()
        .order_by_desc(change_log::Column::Seq)
        .all(app.catalog.db())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.entity_kind == "dataset")
        .unwrap()
}

#[tokio::test]
async fn an_incomplete_draft_says_what_publishing_needs() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut draft = new_dataset("unvollstaendig");
    draft["status"] = json!("draft");
    draft.as_object_mut().unwrap().remove("license");
    let response = app.post_dataset(&token, &draft).await;
    assert_eq!(response.status().as_u16(), 201);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let path = format!("/manage/datasets/{id}/publish");
    let confirm = browser.page(&path).await;
    let response = browser
        .post(
            &path,
            &[
                ("csrf", &hidden(&confirm, "csrf")),
                ("revision", &hidden(&confirm, "revision")),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("cannot be published yet"), "{page}");
    assert!(page.contains("<code>license</code>"), "{page}");
    assert_eq!(dataset(&app, &id, &token).await["status"], "draft");
}

#[tokio::test]
async fn an_administrator_creates_labels_and_revokes_tokens_and_revoking_ends_their_sessions() {
    let app = spawn_app().await;
    let admin = app.token(None, Role::Admin).await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&admin).await;
    let page = browser.page("/verwaltung/schluessel").await;
    let csrf = hidden(&page, "csrf");

    // An editor token needs a publisher: the error is at the field.
    let response = browser
        .post(
            "/verwaltung/schluessel",
            &[
                ("csrf", &csrf),
                ("role", "editor"),
                ("publisher", ""),
                ("label", "x"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let refused = response.text().await.unwrap();
    assert!(refused.contains("<a href=\"#publisher\">"));
    assert!(refused.contains("aria-describedby=\"publisher-error\""));

    let response = browser
        .post(
            "/verwaltung/schluessel",
            &[
                ("csrf", &csrf),
                ("role", "editor"),
                ("publisher", "stadt-wuppertal-402"),
                ("label", "Amt 402 – Haushalt"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let created = response.text().await.unwrap();
    let start = created.find("odcat_").unwrap();
    let secret = created[start..start + 70].to_owned();
    // The secret is never shown again.
    let listed = browser.page("/verwaltung/schluessel").await;
    assert!(!listed.contains(&secret));
    assert!(listed.contains("Amt 402 – Haushalt"));

    // Its holder signs in.
    let mut clerk = Browser::new(&app);
    clerk.sign_in(&secret).await;
    assert_eq!(clerk.get("/verwaltung").await.status().as_u16(), 200);

    // Relabel and revoke it.
    let id = {
        let marker = "/verwaltung/schluessel/";
        let at = listed.find(marker).unwrap();
        listed[at + marker.len()..at + marker.len() + 36].to_owned()
    };
    let response = browser
        .post(
            &format!("/verwaltung/schluessel/{id}/bezeichnung"),
            &[("csrf", &csrf), ("label", "Kämmerei")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(
        browser
            .page("/verwaltung/schluessel")
            .await
            .contains("value=\"Kämmerei\"")
    );
    let confirm = browser
        .page(&format!("/verwaltung/schluessel/{id}/widerrufen"))
        .await;
    assert!(confirm.contains("Kämmerei"));
    let response = browser
        .post(
            &format!("/verwaltung/schluessel/{id}/widerrufen"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/verwaltung/schluessel?done=revoked");
    // The clerk's session ended with the token, and the token no longer works for the API.
    assert_eq!(clerk.get("/verwaltung").await.status().as_u16(), 303);
    let response = app
        .post_dataset(&secret, &new_dataset("nach-widerruf"))
        .await;
    assert_eq!(response.status().as_u16(), 401);

    // Token changes are recorded with the acting token.
    let changes = change_log::Entity::find()
        .order_by_desc(change_log::Column::Seq)
        .all(app.catalog.db())
        .await
        .unwrap();
    let token_changes: Vec<_> = changes
        .iter()
        .filter(|c| c.entity_kind == "token" && c.entity_id.to_string() == id)
        .map(|c| (c.operation.as_str(), c.channel.as_deref()))
        .collect();
    assert_eq!(
        token_changes,
        [
            ("withdraw", Some("workspace")),
            ("update", Some("workspace")),
            ("create", Some("workspace"))
        ]
    );
}

#[tokio::test]
async fn a_one_time_link_signs_in_once() {
    let app = spawn_app().await;
    let token = app
        .catalog
        .issue_token(
            &odcat::catalog::service::Actor::operator(),
            Some("stadt-wuppertal-402"),
            Role::Editor,
            Some("Link"),
        )
        .await
        .unwrap();
    let code = odcat::catalog::workspace::create_login_link(app.catalog.db(), token.id)
        .await
        .unwrap();
    let path = format!("/verwaltung/link/{code}");
    let mut browser = Browser::new(&app);
    // Opening the link (as a mail scanner would) spends nothing: it shows a button.
    let page = browser.page(&path).await;
    let page_again = browser.page(&path).await;
    assert!(page.contains("<button type=\"submit\">Anmelden</button>"));
    let csrf = hidden(&page_again, "csrf");
    // Without the form cookie (another site's form): refused, the link still unspent.
    let mut stranger = Browser::new(&app);
    assert_eq!(
        stranger
            .post(&path, &[("csrf", &csrf)])
            .await
            .status()
            .as_u16(),
        403
    );
    let response = browser.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/verwaltung");
    assert_eq!(browser.get("/verwaltung").await.status().as_u16(), 200);
    // Once only.
    let mut second = Browser::new(&app);
    let page = second.page(&path).await;
    let response = second
        .post(&path, &[("csrf", &hidden(&page, "csrf"))])
        .await;
    assert_eq!(response.status().as_u16(), 410);
    assert!(!second.cookies.contains_key("odcat_session"));
}

#[tokio::test]
async fn a_session_ends_after_its_lifetime() {
    let app = spawn_app_with(|s| s.session_lifetime = Duration::from_secs(2)).await;
    let token = app.editor().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    assert_eq!(browser.get("/verwaltung").await.status().as_u16(), 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = browser.get("/verwaltung").await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(location(&response).starts_with("/verwaltung/anmelden"));
}

/// Every field of the dataset form, as a person fills it in.
fn full_form<'a>(csrf: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("revision", ""),
        ("dist_count", "1"),
        ("title_de", "Haushaltsplan 2027 „Entwurf“ & <Anlagen> 🏛"),
        ("title_en", "Budget 2027 “draft” & <annexes>"),
        (
            "description_de",
            "Der **Haushaltsplan** der Stadt.\r\n\r\n- Teil A\r\n- Teil B",
        ),
        ("description_en", "The city's budget."),
        ("keywords_de", "Haushalt\r\nFinanzen, städtisch\r\n"),
        ("keywords_en", "budget"),
        ("themes", "GOVE"),
        ("themes", "ECON"),
        ("slug", "haushaltsplan-2027-form"),
        ("license", "http://dcat-ap.de/def/licenses/dl-by-de/2.0"),
        ("license_attribution", "Stadt Wuppertal, Kämmerei"),
        (
            "access_rights",
            "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
        ),
        (
            "availability",
            "http://publications.europa.eu/resource/authority/planned-availability/STABLE",
        ),
        (
            "accrual_periodicity",
            "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        ),
        ("temporal_start", "2027-01-01"),
        ("temporal_end", "2027-12-31"),
        (
            "spatial",
            "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000",
        ),
        (
            "geocoding_level",
            "http://dcat-ap.de/def/politicalGeocoding/Level/municipality",
        ),
        ("issued", "2026-12-01"),
        ("modified", "2026-12-06T10:15:00+01:00"),
        ("contact_point_name", "Kämmerei"),
        ("contact_point_email", "kaemmerei@stadt.wuppertal.de"),
        ("contact_point_telephone", "+49 202 563-0"),
        ("contact_point_url", "https://www.wuppertal.de/kaemmerei"),
        ("languages", "DEU"),
        ("languages", "ENG"),
        ("landing_page", "https://www.wuppertal.de/haushalt"),
        ("conforms_to", "https://example.org/schema/haushalt"),
        ("version", "1.0"),
        ("identifier", ""),
        ("contributor_id", ""),
        ("dist0_id", ""),
        ("dist0_title_de", "Haushaltsplan als CSV"),
        ("dist0_title_en", "Budget as CSV"),
        ("dist0_format", "CSV"),
        ("dist0_kind", "link"),
        (
            "dist0_access_url",
            "https://www.wuppertal.de/haushalt-2027.csv",
        ),
        (
            "dist0_download_url",
            "https://www.wuppertal.de/haushalt-2027.csv",
        ),
        (
            "dist0_media_type",
            "https://www.iana.org/assignments/media-types/text/csv",
        ),
        ("dist0_byte_size", "123456"),
        ("dist0_checksum", "sha256"),
        (
            "dist0_checksum_value",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
        ("dist0_description_de", "Alle Produkte."),
        ("dist0_description_en", ""),
        ("dist0_license", ""),
        ("dist0_availability", ""),
        ("dist0_rights_de", "Quelle: Stadt Wuppertal"),
        ("dist0_rights_en", ""),
        ("dist0_issued", "2026-12-01"),
        ("intent", "save"),
    ];
    for (k, v) in extra {
        form.retain(|(name, _)| name != k);
        form.push((k, v));
    }
    form
}

#[tokio::test]
async fn a_draft_with_every_field_is_made_in_the_form_and_comes_back_exactly() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let page = browser.page("/verwaltung/datensaetze/neu").await;
    // The installation's place and the vocabularies as choices in words.
    assert!(page.contains("municipalityKey/05124000"));
    assert!(page.contains("Regierung und öffentlicher Sektor"));
    assert!(page.contains("frei nutzbar, wenn die Quelle genannt wird"));
    assert!(page.contains("jährlich"));
    let csrf = hidden(&page, "csrf");
    let response = browser
        .post("/verwaltung/datensaetze/neu", &full_form(&csrf, &[]))
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = location(&response);
    assert!(location.ends_with("/bearbeiten?done=saved"), "{location}");
    let doc = dataset(&app, "haushaltsplan-2027-form", &token).await;
    assert_eq!(doc["status"], "draft");
    assert_eq!(doc["publisher"], "stadt-wuppertal-402");
    assert_eq!(
        doc["title"]["de"],
        "Haushaltsplan 2027 „Entwurf“ & <Anlagen> 🏛"
    );
    assert_eq!(doc["title"]["en"], "Budget 2027 “draft” & <annexes>");
    assert_eq!(
        doc["description"]["de"],
        "Der **Haushaltsplan** der Stadt.\n\n- Teil A\n- Teil B"
    );
    assert_eq!(
        doc["keywords"]["de"],
        json!(["Haushalt", "Finanzen, städtisch"])
    );
    assert_eq!(doc["keywords"]["en"], json!(["budget"]));
    assert_eq!(
        doc["themes"],
        json!([
            "http://publications.europa.eu/resource/authority/data-theme/GOVE",
            "http://publications.europa.eu/resource/authority/data-theme/ECON"
        ])
    );
    assert_eq!(
        doc["languages"],
        json!([
            "http://publications.europa.eu/resource/authority/language/DEU",
            "http://publications.europa.eu/resource/authority/language/ENG"
        ])
    );
    assert_eq!(
        doc["license"],
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    );
    assert_eq!(doc["license_attribution"], "Stadt Wuppertal, Kämmerei");
    assert_eq!(
        doc["temporal"],
        json!({"start": "2027-01-01", "end": "2027-12-31"})
    );
    assert_eq!(doc["issued"], "2026-12-01");
    assert_eq!(doc["modified"], "2026-12-06T10:15:00+01:00");
    assert_eq!(
        doc["accrual_periodicity"],
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    );
    assert_eq!(
        doc["contact_point"],
        json!({"name": "Kämmerei", "email": "kaemmerei@stadt.wuppertal.de",
               "url": "https://www.wuppertal.de/kaemmerei", "telephone": "+49 202 563-0"})
    );
    assert_eq!(
        doc["conforms_to"],
        json!(["https://example.org/schema/haushalt"])
    );
    assert_eq!(doc["version"], "1.0");
    assert_eq!(doc["landing_page"], "https://www.wuppertal.de/haushalt");
    let d = &doc["distributions"][0];
    assert_eq!(
        d["title"],
        json!({"de": "Haushaltsplan als CSV", "en": "Budget as CSV"})
    );
    assert_eq!(
        d["format"],
        "http://publications.europa.eu/resource/authority/file-type/CSV"
    );
    assert_eq!(d["byte_size"], 123456);
    assert_eq!(d["checksum"]["algorithm"], "sha256");
    assert_eq!(d["rights"], json!({"de": "Quelle: Stadt Wuppertal"}));
    assert_eq!(d["issued"], "2026-12-01");
    assert_eq!(doc["distributions"].as_array().unwrap().len(), 1);

    // The form shows it again as saved: saving it unchanged changes nothing but the revision.
    let edit = browser.page(&location).await;
    assert!(edit.contains("Gespeichert."));
    assert!(edit.contains("value=\"Haushaltsplan 2027 „Entwurf“ &#38; &#60;Anlagen&#62; 🏛\""));
    let id = doc["id"].as_str().unwrap();
    let form = full_form(&csrf, &[]);
    let revision = hidden(&edit, "revision");
    let dist_id = hidden(&edit, "dist0_id");
    let again = full_form(
        &csrf,
        &[
            ("revision", &revision),
            ("dist_count", "2"),
            ("dist0_id", &dist_id),
        ],
    );
    let _ = form;
    let response = browser
        .post(&format!("/verwaltung/datensaetze/{id}/bearbeiten"), &again)
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let after = dataset(&app, id, &token).await;
    for field in [
        "title",
        "description",
        "keywords",
        "themes",
        "contact_point",
        "temporal",
        "modified",
    ] {
        assert_eq!(after[field], doc[field], "{field}");
    }
    assert_eq!(
        after["distributions"][0]["id"],
        doc["distributions"][0]["id"]
    );
    assert_eq!(
        last_dataset_change(&app).await.channel.as_deref(),
        Some("workspace")
    );
}

#[tokio::test]
async fn a_bad_value_is_shown_at_its_field_with_the_input_kept() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let page = browser.page("/verwaltung/datensaetze/neu").await;
    let csrf = hidden(&page, "csrf");
    let response = browser
        .post(
            "/verwaltung/datensaetze/neu",
            &full_form(&csrf, &[("contact_point_email", "kaemmerei(at)wuppertal")]),
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<a href=\"#contact_point_email\" lang=\"en\">"),
        "{page}"
    );
    assert!(page.contains("id=\"contact_point_email-error\""));
    assert!(page.contains("value=\"kaemmerei(at)wuppertal\""));
    assert!(page.contains("aria-describedby=\"contact_point_email-error\""));
    // Everything else is kept as typed.
    assert!(
        page.contains("Haushaltsplan 2027 „Entwurf“ &#38; &#60;Anlagen&#62; 🏛"),
        "{page}"
    );
    assert!(page.contains("value=\"https://www.wuppertal.de/haushalt-2027.csv\""));
    // A date the form cannot read, and a distribution's bad address.
    let response = browser
        .post(
            "/verwaltung/datensaetze/neu",
            &full_form(&csrf, &[("temporal_start", "31.12.2026")]),
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("<a href=\"#temporal_start\">"));
    let response = browser
        .post(
            "/verwaltung/datensaetze/neu",
            &full_form(&csrf, &[("dist0_access_url", "keine adresse")]),
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<a href=\"#dist0_access_url\" lang=\"en\">"),
        "{page}"
    );
    // Nothing was created.
    let response = app
        .client
        .get(app.url("/api/v1/datasets/haushaltsplan-2027-form"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn two_tabs_editing_one_dataset_see_who_changed_it_meanwhile_and_keep_their_input() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let (doc, _) = app
        .dataset_with_etag("open-data-dienstanweisung-wuppertal")
        .await;
    let id = doc["id"].as_str().unwrap();
    let path = format!("/verwaltung/datensaetze/{id}/bearbeiten");
    let tab1 = browser.page(&path).await;
    let tab2 = browser.page(&path).await;
    // Each tab sends its form back with one change (the form's fields as the page holds them).
    let fields = |page: &str, title: &str| -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = page;
        while let Some(at) = rest.find("name=\"") {
            rest = &rest[at + 6..];
            let name = &rest[..rest.find('"').unwrap()];
            let tag_start = page.len() - rest.len();
            let tag = &page[page[..tag_start].rfind('<').unwrap()..];
            let tag = &tag[..tag.find('>').unwrap()];
            let value = if tag.starts_with("<textarea") {
                let body = &page[tag_start..];
                let body = &body[body.find('>').unwrap() + 1..];
                body[..body.find("</textarea>").unwrap()].to_owned()
            } else if tag.starts_with("<select") {
                let body = &page[tag_start..];
                let body = &body[..body.find("</select>").unwrap()];
                body.split("<option ")
                    .find(|o| o.contains(" selected>"))
                    .and_then(|o| o.split('"').nth(1))
                    .unwrap_or("")
                    .to_owned()
            } else if tag.contains("type=\"checkbox\"") || tag.contains("type=\"radio\"") {
                if !tag.contains(" checked") {
                    continue;
                }
                tag.split("value=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_owned()
            } else if tag.contains("type=\"submit\"") {
                continue;
            } else {
                tag.split("value=\"")
                    .nth(1)
                    .map_or("", |v| v.split('"').next().unwrap())
                    .to_owned()
            };
            let value = value
                .replace("&#60;", "<")
                .replace("&#62;", ">")
                .replace("&#34;", "\"")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
                .replace("&#38;", "&");
            out.push((
                name.to_owned(),
                if name == "title_de" {
                    title.to_owned()
                } else {
                    value
                },
            ));
        }
        out.push(("intent".to_owned(), "save".to_owned()));
        out
    };
    let form1 = fields(&tab1, "Dienstanweisung (Tab 1)");
    let form2 = fields(&tab2, "Dienstanweisung (Tab 2)");
    let as_ref = |f: &Vec<(String, String)>| -> Vec<(String, String)> { f.clone() };
    let post = |form: Vec<(String, String)>| {
        let client = browser.client.clone();
        let headers = browser.cookie_header();
        let url = app.url(&path);
        async move {
            client
                .post(url)
                .headers(headers)
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let response = post(as_ref(&form1)).await;
    assert_eq!(response.status().as_u16(), 303);
    let after_first = dataset(&app, id, &token).await;
    assert_eq!(after_first["title"]["de"], "Dienstanweisung (Tab 1)");
    // Every other field came back as it was.
    for field in [
        "description",
        "keywords",
        "themes",
        "license",
        "contact_point",
        "distributions",
    ] {
        if field == "distributions" {
            assert_eq!(
                after_first[field].as_array().unwrap().len(),
                doc[field].as_array().unwrap().len()
            );
        } else {
            assert_eq!(after_first[field], doc[field], "{field}");
        }
    }

    let response = post(as_ref(&form2)).await;
    assert_eq!(response.status().as_u16(), 409);
    let conflict = response.text().await.unwrap();
    assert!(conflict.contains("inzwischen geändert"), "{conflict}");
    assert!(conflict.contains("„test“ in der Verwaltung"), "{conflict}");
    // The second tab's input is kept; the next save would overwrite, knowingly.
    assert!(conflict.contains("value=\"Dienstanweisung (Tab 2)\""));
    assert_eq!(
        hidden(&conflict, "revision"),
        after_first["revision"].to_string()
    );
    assert_eq!(
        dataset(&app, id, &token).await["title"]["de"],
        "Dienstanweisung (Tab 1)"
    );
    let again = fields(&conflict, "Dienstanweisung (Tab 2)");
    let response = post(again).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        dataset(&app, id, &token).await["title"]["de"],
        "Dienstanweisung (Tab 2)"
    );
}

#[tokio::test]
async fn the_preview_shows_the_page_without_saving_and_other_publishers_forms_are_closed() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    let page = browser.page("/verwaltung/datensaetze/neu").await;
    let csrf = hidden(&page, "csrf");
    let response = browser
        .post(
            "/verwaltung/datensaetze/neu",
            &full_form(&csrf, &[("intent", "preview")]),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let preview = response.text().await.unwrap();
    assert!(preview.contains("Vorschau"));
    assert!(
        preview.contains("<strong>Haushaltsplan</strong>"),
        "the description as Markdown"
    );
    assert!(preview.contains("Datenlizenz Deutschland Namensnennung 2.0"));
    assert!(preview.contains("Noch nicht gespeichert."));
    let response = app
        .client
        .get(app.url("/api/v1/datasets/haushaltsplan-2027-form"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404, "a preview saves nothing");

    let all: Value = app.get_json("/api/v1/datasets?per_page=100").await;
    let other = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["publisher"] != "stadt-wuppertal-402")
        .unwrap();
    let path = format!(
        "/verwaltung/datensaetze/{}/bearbeiten",
        other["id"].as_str().unwrap()
    );
    assert_eq!(browser.get(&path).await.status().as_u16(), 404);
    let response = browser
        .post(
            &path,
            &full_form(&csrf, &[("revision", &other["revision"].to_string())]),
        )
        .await;
    assert_eq!(response.status().as_u16(), 404);
    let after = app
        .get_json(&format!(
            "/api/v1/datasets/{}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(after["revision"], other["revision"]);
}

#[tokio::test]
async fn a_german_excel_file_is_checked_before_it_is_loaded_and_a_column_type_can_be_changed() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let slug = "digitalisierungsprojekte-digital-2026";
    let (dist, before) = app.hosted(slug).await;
    let rows_before = before["data_table"]["row_count"].clone();
    let (doc, _) = app.dataset_with_etag(slug).await;
    let id = doc["id"].as_str().unwrap().to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in(&token).await;
    // The dataset's form links to the table's upload page.
    let edit = browser
        .page(&format!("/verwaltung/datensaetze/{id}/bearbeiten"))
        .await;
    let path = format!("/verwaltung/datensaetze/{id}/tabelle/{dist}");
    assert!(edit.contains(&format!("href=\"{path}\"")), "{edit}");
    let page = browser.page(&path).await;
    assert!(page.contains("enctype=\"multipart/form-data\""));
    let csrf = hidden(&page, "csrf");
    // The session cookie does not change while signed in: the upload sends a copy of it.
    let cookies = browser.cookie_header();
    let client = browser.client.clone();
    let upload = |csrf: String, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("haushalt.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
        client
            .post(app.url(&path))
            .headers(cookies.clone())
            .multipart(form)
            .send()
    };
    // What odcat found, before anything is written.
    let response = upload(csrf.clone(), crate::tables::GERMAN_EXCEL.to_vec())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let preview = response.text().await.unwrap();
    assert!(
        preview.contains("<dd id=\"detected-encoding\">Windows-1252</dd>"),
        "{preview}"
    );
    assert!(preview.contains("<dd id=\"detected-delimiter\">Semikolon (;)</dd>"));
    assert!(preview.contains("<dd id=\"detected-rows\">3</dd>"));
    assert!(preview.contains(">Maßnahme</th>"));
    assert!(
        preview.contains("„1.234.567,89“"),
        "sample values as written"
    );
    let selected = |n: usize| {
        let select = &preview[preview.find(&format!("id=\"type_{n}\"")).unwrap()..];
        let select = &select[..select.find("</select>").unwrap()];
        select
            .split("<option ")
            .find(|o| o.contains(" selected>"))
            .and_then(|o| o.split('"').nth(1))
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        (0..5).map(selected).collect::<Vec<_>>(),
        ["text", "text", "decimal", "date", "boolean"]
    );
    assert_eq!(
        app.hosted(slug).await.1["data_table"]["row_count"],
        rows_before,
        "nothing is loaded before the confirmation"
    );
    // Confirm with one type changed: the column is read as text and the schema declared.
    let staged = hidden(&preview, "staged");
    let revision = hidden(&preview, "revision");
    let response = browser
        .post(
            &format!("{path}/laden"),
            &[
                ("csrf", csrf.as_str()),
                ("staged", &staged),
                ("revision", &revision),
                ("type_0", "text"),
                ("type_1", "text"),
                ("type_2", "decimal"),
                ("type_3", "text"),
                ("type_4", "boolean"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let progress = location(&response);
    assert!(
        progress.starts_with(&format!("{path}/fortschritt/")),
        "{progress}"
    );
    let mut finished = Value::Null;
    for _ in 0..100 {
        let status: Value = browser
            .get(&format!("{progress}?format=json"))
            .await
            .json()
            .await
            .unwrap();
        if status["finished"] == true {
            finished = status;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(finished["done"], 3, "{finished}");
    let page = browser.page(&progress).await;
    assert!(page.contains("3 Zeilen geladen"), "{page}");
    let (_, after) = app.hosted(slug).await;
    assert_eq!(after["data_table"]["row_count"], 3);
    let types: Vec<&str> = after["data_table"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["text", "text", "decimal", "text", "boolean"]);
    let last = last_dataset_change(&app).await;
    assert_eq!(last.channel.as_deref(), Some("workspace"));
    // A staged file is loaded once; a replay is refused and changes nothing.
    let response = browser
        .post(
            &format!("{path}/laden"),
            &[
                ("csrf", csrf.as_str()),
                ("staged", &staged),
                ("revision", &revision),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 410);

    // A refusal names its line and column, and nothing changes.
    let broken =
        "Maßnahme;Stadtbezirk;Budget EUR;Beginn;Gefördert\r\nA;B;1;x;ja\r\nC;\"D;2;y;nein\r\n"
            .as_bytes()
            .to_vec();
    let response = upload(csrf.clone(), broken).await.unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let refused = response.text().await.unwrap();
    assert!(refused.contains("line 3"), "{refused}");
    assert!(refused.contains("<p class=\"error-message\" id=\"file-error\">"));
    // Without the form token, nothing is even read.
    let response = upload("0".repeat(64), crate::tables::GERMAN_EXCEL.to_vec())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(app.hosted(slug).await.1["data_table"]["row_count"], 3);

    // A session keeps its last three chosen files: the first of four is gone, the last loads.
    let mut staged = Vec::new();
    for _ in 0..4 {
        let page = upload(csrf.clone(), crate::tables::GERMAN_EXCEL.to_vec())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        staged.push((hidden(&page, "staged"), hidden(&page, "revision")));
    }
    let confirm = |(staged, revision): &(String, String)| {
        vec![
            ("csrf".to_owned(), csrf.clone()),
            ("staged".to_owned(), staged.clone()),
            ("revision".to_owned(), revision.clone()),
        ]
    };
    let response = client
        .post(app.url(&format!("{path}/laden")))
        .headers(cookies.clone())
        .form(&confirm(&staged[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 410);
    let response = client
        .post(app.url(&format!("{path}/laden")))
        .headers(cookies.clone())
        .form(&confirm(&staged[3]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
}

#[tokio::test]
async fn single_sign_on_is_off_unless_configured_and_refuses_a_foreign_or_stale_answer() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.page("/verwaltung/anmelden").await;
    assert!(!page.contains("id=\"sso\""), "no button without a provider");
    let response = browser.get("/verwaltung/oidc/start").await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(header(&response, "cache-control"), "no-store");

    // Configured with a provider that does not answer: a clear page, no panic, no session.
    let app = spawn_app_with(|s| {
        s.oidc_issuer = Some("http://127.0.0.1:9".to_owned());
        s.oidc_client_id = Some("odcat".to_owned());
        s.oidc_client_secret = Some("secret".to_owned());
        s.oidc_name = "Keycloak der Stadt".to_owned();
    })
    .await;
    let mut browser = Browser::new(&app);
    let page = browser
        .page("/verwaltung/anmelden?next=%2Fverwaltung%2Fschluessel")
        .await;
    assert!(page.contains("Mit Keycloak der Stadt anmelden"));
    assert!(page.contains("href=\"/verwaltung/oidc/start?next=%2Fverwaltung%2Fschluessel\""));
    let response = browser.get("/verwaltung/oidc/start").await;
    assert_eq!(response.status().as_u16(), 502);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Identitätsanbieter antwortet nicht")
    );
    // An answer the browser did not ask for (no state cookie, unknown state) is refused.
    let response = browser.get("/verwaltung/oidc?code=abc&state=forged").await;
    assert_eq!(response.status().as_u16(), 400);
    let response = browser
        .get("/verwaltung/oidc?error=access_denied&state=forged")
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(!browser.cookies.contains_key("odcat_session"));
}

#[tokio::test]
async fn a_person_signed_in_by_the_provider_acts_as_a_token_of_their_own_until_it_is_revoked() {
    use odcat::catalog::workspace::sign_in_oidc;
    let app = spawn_app().await;
    let lifetime = chrono::Duration::hours(1);
    let subject = "https://id.wuppertal.de/realms/stadt#f81d4fae";
    let sign_in = || {
        sign_in_oidc(
            &app.catalog,
            subject,
            "kaemmerei@stadt.wuppertal.de",
            Some("stadt-wuppertal-402"),
            Role::Editor,
            lifetime,
        )
    };
    let first = sign_in().await.unwrap().unwrap();
    let again = sign_in().await.unwrap().unwrap();
    assert_eq!(first.session.actor.token_id, again.session.actor.token_id);
    assert_ne!(
        first.secret, again.secret,
        "each sign-in is a session of its own"
    );
    let tokens = odcat::catalog::workspace::tokens(app.catalog.db(), None)
        .await
        .unwrap();
    let token = tokens
        .iter()
        .find(|t| t.id == first.session.actor.token_id)
        .unwrap();
    assert_eq!(
        token.label.as_deref(),
        Some("OIDC: kaemmerei@stadt.wuppertal.de")
    );
    // The session works in a browser.
    let mut browser = Browser::new(&app);
    browser
        .cookies
        .insert("odcat_session".into(), again.secret.clone());
    assert_eq!(browser.get("/verwaltung").await.status().as_u16(), 200);
    // Revoked: the sessions end, and signing in again does not bring it back.
    app.catalog
        .revoke_token(&odcat::catalog::service::Actor::operator(), token.id)
        .await
        .unwrap();
    assert_eq!(browser.get("/verwaltung").await.status().as_u16(), 303);
    let refused = sign_in().await.unwrap();
    assert!(refused.is_none());
    // A publisher that does not exist is refused, nothing is created.
    let unknown = sign_in_oidc(
        &app.catalog,
        subject,
        "x",
        Some("gibt-es-nicht"),
        Role::Editor,
        lifetime,
    )
    .await;
    assert!(unknown.is_err());
}
