//! Signing in to the workspace with the city's identity provider (OpenID Connect: Keycloak, ADFS),
//! when `ODCAT_OIDC_ISSUER`, `ODCAT_OIDC_CLIENT_ID` and `ODCAT_OIDC_CLIENT_SECRET` are set.
//!
//! The authorization-code flow with PKCE, a nonce and a state bound to the browser by a cookie;
//! the ID token is verified by the `openidconnect` crate (signature from the provider's keys,
//! issuer, audience, expiry, nonce). A claim (`ODCAT_OIDC_PUBLISHER_CLAIM`) names the publisher the
//! person edits for; `ODCAT_OIDC_ADMIN_VALUE` in it makes them an administrator. The person then
//! acts as a token of their own ([`workspace::sign_in_oidc`]), which an administrator can revoke.
//! The pending sign-ins (state, nonce, PKCE verifier) are kept by this process for ten minutes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use base64::Engine;
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;

use super::{
    Area, Frame, Place, WorkspaceSettings, language, render, safe_next, see_other, session_cookie,
};
use crate::catalog::values::Role;
use crate::catalog::workspace;
use crate::catalog::{Catalog, CatalogError};
use crate::error::ApiError;
use crate::web::i18n::Lang;

/// The cookie that binds a pending sign-in to the browser that started it.
const STATE_COOKIE: &str = "odcat_oidc";
/// How long a sign-in at the provider may take.
const PENDING_FOR: Duration = Duration::from_secs(10 * 60);
/// Sign-ins under way at most: the start needs no session, so nobody may grow the list without
/// bound.
const MAX_PENDING: usize = 10_000;
/// How long the provider's metadata (endpoints, keys) is used before it is fetched again.
const METADATA_FOR: Duration = Duration::from_secs(60 * 60);

/// The identity provider's settings.
#[derive(Clone, Debug)]
pub struct OidcSettings {
    /// Issuer URL.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// The claim naming the publisher.
    pub publisher_claim: String,
    /// The claim value that makes an administrator.
    pub admin_value: Option<String>,
    /// What the button calls the provider.
    pub name: String,
}

struct Pending {
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    next: String,
    at: Instant,
}

/// Single sign-on (app data): off unless configured.
pub struct Oidc {
    settings: Option<OidcSettings>,
    base: String,
    http: openidconnect::reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
    pending: Mutex<HashMap<String, Pending>>,
}

impl Oidc {
    /// Single sign-on with `settings` (or off), redirecting back to `base`.
    pub fn new(settings: Option<OidcSettings>, base: &str) -> anyhow::Result<Self> {
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects would open the client to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Self {
            settings,
            base: base.trim_end_matches('/').to_owned(),
            http,
            metadata: tokio::sync::Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
        })
    }

    /// Keeps a sign-in under way (expired ones are dropped first); `false` when `max` are under way.
    fn remember(&self, state: String, pending: Pending, max: usize) -> bool {
        let Ok(mut map) = self.pending.lock() else {
            return false;
        };
        map.retain(|_, p| p.at.elapsed() < PENDING_FOR);
        if map.len() >= max {
            return false;
        }
        map.insert(state, pending);
        true
    }

    /// What the sign-in button calls the provider, when single sign-on is on.
    pub fn name(&self) -> Option<&str> {
        self.settings.as_ref().map(|s| s.name.as_str())
    }

    fn redirect_uri(&self) -> String {
        format!("{}/verwaltung/oidc", self.base)
    }

    /// The relying party for `settings` at the provider described by `metadata`.
    fn client(
        &self,
        settings: &OidcSettings,
        metadata: CoreProviderMetadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        ApiError,
    > {
        let redirect =
            RedirectUrl::new(self.redirect_uri()).map_err(|e| ApiError::Unexpected(e.into()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id.clone()),
            Some(ClientSecret::new(settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    async fn metadata(&self, settings: &OidcSettings) -> anyhow::Result<CoreProviderMetadata> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, metadata)) = cached.as_ref()
            && at.elapsed() < METADATA_FOR
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(settings.issuer.clone())?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }
}

/// A sign-in failure page (on the sign-in page's frame).
#[derive(Template)]
#[template(path = "manage/message.html", config = "src/web/askama.toml")]
struct Refusal {
    f: Frame,
    text: String,
    onward: Option<(String, String)>,
}

fn refusal(
    req: &HttpRequest,
    status: StatusCode,
    de: &str,
    en: &str,
) -> Result<HttpResponse, ApiError> {
    let negotiated = language(req);
    let english = negotiated.lang == Lang::En;
    let page = Refusal {
        f: Frame::new(
            req,
            negotiated.lang,
            None,
            "sign-in",
            if english {
                "Sign-in failed"
            } else {
                "Anmeldung gescheitert"
            },
        ),
        text: if english { en } else { de }.to_owned(),
        onward: Some((
            if english {
                "Back to sign-in"
            } else {
                "Zurück zur Anmeldung"
            }
            .to_owned(),
            Area::of(req).path(Place::SignIn),
        )),
    };
    render(status, negotiated, Instant::now(), &page)
}

/// Query of the start.
#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    /// Where to go afterwards.
    pub next: Option<String>,
}

/// `GET /verwaltung/oidc/start`: sends the browser to the identity provider.
pub async fn start(
    req: HttpRequest,
    oidc: web::Data<Oidc>,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(settings) = oidc.settings.clone() else {
        return refusal(
            &req,
            StatusCode::NOT_FOUND,
            "Die Anmeldung über einen Identitätsanbieter ist nicht eingerichtet.",
            "Sign-in with an identity provider is not set up.",
        );
    };
    let metadata = match oidc.metadata(&settings).await {
        Ok(metadata) => metadata,
        Err(e) => {
            tracing::warn!(error = %e, "workspace: the identity provider's metadata could not be read");
            return refusal(
                &req,
                StatusCode::BAD_GATEWAY,
                "Der Identitätsanbieter antwortet nicht. Versuchen Sie es später oder melden Sie sich mit Ihrem Schlüssel an.",
                "The identity provider does not answer. Try again later or sign in with your token.",
            );
        }
    };
    let client = oidc.client(&settings, metadata)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".to_owned()))
        .add_scope(Scope::new("profile".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    let area = Area::of(&req);
    let remembered = oidc.remember(
        state.secret().clone(),
        Pending {
            nonce,
            verifier,
            next: safe_next(area, query.next.as_deref()),
            at: Instant::now(),
        },
        MAX_PENDING,
    );
    if !remembered {
        return refusal(
            &req,
            StatusCode::SERVICE_UNAVAILABLE,
            "Gerade melden sich zu viele gleichzeitig an. Bitte versuchen Sie es in einigen Minuten noch einmal.",
            "Too many sign-ins are under way. Please try again in a few minutes.",
        );
    }
    let mut answer = see_other(url.as_str());
    // Lax: the provider sends the browser back with a top-level GET from its own site.
    answer
        .add_cookie(
            &Cookie::build(STATE_COOKIE, state.secret().clone())
                .path("/verwaltung/oidc")
                .http_only(true)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::minutes(10))
                .finish(),
        )
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(answer)
}

/// The provider's answer.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    /// The authorization code.
    pub code: Option<String>,
    /// The state sent.
    pub state: Option<String>,
    /// The provider's error code.
    pub error: Option<String>,
}

/// The page that carries the new session into the workspace (a `SameSite=Strict` cookie is not
/// sent on the redirect that follows a cross-site one, so the browser goes on from this page).
#[derive(Template)]
#[template(path = "manage/signed_in.html", config = "src/web/askama.toml")]
struct SignedIn {
    f: Frame,
    next: String,
}

/// The claim's value: a string, or the first of a list that `known` accepts.
fn claim_value(
    payload: &serde_json::Value,
    claim: &str,
    known: impl Fn(&str) -> bool,
) -> Option<String> {
    match payload.get(claim)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(values) => values
            .iter()
            .filter_map(|v| v.as_str())
            .find(|v| known(v))
            .map(str::to_owned),
        _ => None,
    }
}

/// The payload of a JWT whose signature has been verified.
fn payload_of(jwt: &str) -> Option<serde_json::Value> {
    let part = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `GET /verwaltung/oidc`: the provider's answer; verifies it and opens the session.
pub async fn callback(
    req: HttpRequest,
    oidc: web::Data<Oidc>,
    catalog: web::Data<Catalog>,
    settings: web::Data<WorkspaceSettings>,
    query: web::Query<Callback>,
) -> Result<HttpResponse, ApiError> {
    let Some(config) = oidc.settings.clone() else {
        return refusal(
            &req,
            StatusCode::NOT_FOUND,
            "Die Anmeldung über einen Identitätsanbieter ist nicht eingerichtet.",
            "Sign-in with an identity provider is not set up.",
        );
    };
    if let Some(error) = &query.error {
        tracing::info!(oidc.error = %error, "workspace: the identity provider refused the sign-in");
        return refusal(
            &req,
            StatusCode::FORBIDDEN,
            "Der Identitätsanbieter hat die Anmeldung abgelehnt.",
            "The identity provider refused the sign-in.",
        );
    }
    let state = query.state.clone().unwrap_or_default();
    let bound = req.cookie(STATE_COOKIE).is_some_and(|c| c.value() == state);
    let pending = oidc
        .pending
        .lock()
        .ok()
        .and_then(|mut p| p.remove(&state))
        .filter(|p| p.at.elapsed() < PENDING_FOR);
    let (Some(pending), true, Some(code)) = (pending, bound, query.code.clone()) else {
        return refusal(
            &req,
            StatusCode::BAD_REQUEST,
            "Diese Anmeldung ist abgelaufen oder wurde in einem anderen Browser begonnen. Bitte noch einmal.",
            "This sign-in has expired or was started in another browser. Please try again.",
        );
    };
    let failed = |e: &dyn std::fmt::Display| {
        tracing::warn!(error = %e, "workspace: the sign-in with the identity provider failed");
        refusal(
            &req,
            StatusCode::BAD_GATEWAY,
            "Die Antwort des Identitätsanbieters ließ sich nicht prüfen.",
            "The identity provider's answer could not be verified.",
        )
    };
    let metadata = match oidc.metadata(&config).await {
        Ok(m) => m,
        Err(e) => return failed(&e),
    };
    let client = oidc.client(&config, metadata)?;
    let request = match client.exchange_code(AuthorizationCode::new(code)) {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    let tokens = match request
        .set_pkce_verifier(pending.verifier)
        .request_async(&oidc.http)
        .await
    {
        Ok(t) => t,
        Err(e) => return failed(&e),
    };
    let Some(id_token) = tokens.id_token() else {
        return failed(&"no ID token");
    };
    let claims = match id_token.claims(&client.id_token_verifier(), &pending.nonce) {
        Ok(c) => c,
        Err(e) => return failed(&e),
    };
    let subject = format!("{}#{}", config.issuer, claims.subject().as_str());
    let label = claims
        .email()
        .map(|e| e.as_str().to_owned())
        .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
        .unwrap_or_else(|| claims.subject().as_str().to_owned());
    // The signature was verified above: the payload's other claims can be read.
    let payload = payload_of(&id_token.to_string()).unwrap_or_default();
    let publishers = workspace::publishers(catalog.db())
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let admin = config.admin_value.as_deref().is_some_and(|a| {
        claim_value(&payload, &config.publisher_claim, |v| v == a).as_deref() == Some(a)
    });
    let publisher = claim_value(&payload, &config.publisher_claim, |v| {
        publishers.iter().any(|p| p.slug == v)
    })
    .filter(|v| publishers.iter().any(|p| &p.slug == v));
    let (role, publisher) = match (admin, publisher) {
        (true, _) => (Role::Admin, None),
        (false, Some(p)) => (Role::Editor, Some(p)),
        (false, None) => {
            // Which claims came (their names only: their values may be personal data).
            let names = payload
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            tracing::info!(
                oidc.claim = %config.publisher_claim,
                oidc.claims = %names,
                "workspace: a person without a known publisher in the claim was refused"
            );
            return refusal(
                &req,
                StatusCode::FORBIDDEN,
                "Ihr Konto ist keinem Datenbereitsteller dieses Katalogs zugeordnet. Wenden Sie sich an die Administration.",
                "Your account is not assigned to a publisher of this catalogue. Ask the administration.",
            );
        }
    };
    let opened = match workspace::sign_in_oidc(
        &catalog,
        &subject,
        &label,
        publisher.as_deref(),
        role,
        settings.session_lifetime,
    )
    .await
    {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            return refusal(
                &req,
                StatusCode::FORBIDDEN,
                "Ihr Zugang wurde widerrufen. Wenden Sie sich an die Administration.",
                "Your access has been revoked. Ask the administration.",
            );
        }
        Err(CatalogError::Invalid { message, .. }) => return failed(&message),
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        session.id = %opened.session.id,
        token.id = %opened.session.actor.token_id,
        "workspace: signed in with the identity provider"
    );
    let negotiated = language(&req);
    let page = SignedIn {
        f: Frame::new(
            &req,
            negotiated.lang,
            None,
            "sign-in",
            if negotiated.lang == Lang::En {
                "Signed in"
            } else {
                "Angemeldet"
            },
        ),
        next: pending.next,
    };
    let mut answer = render(StatusCode::OK, negotiated, Instant::now(), &page)?;
    answer
        .add_cookie(&session_cookie(&opened.secret, settings.session_lifetime))
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    answer
        .add_removal_cookie(
            &Cookie::build(STATE_COOKIE, "")
                .path("/verwaltung/oidc")
                .finish(),
        )
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_publisher_claim_is_a_slug_or_the_first_known_of_a_list() {
        let payload =
            serde_json::json!({"p": "amt-402", "groups": ["staff", "amt-402", "amt-102"]});
        assert_eq!(
            claim_value(&payload, "p", |_| false).as_deref(),
            Some("amt-402")
        );
        assert_eq!(
            claim_value(&payload, "groups", |v| v.starts_with("amt")).as_deref(),
            Some("amt-402")
        );
        assert_eq!(claim_value(&payload, "missing", |_| true), None);
    }

    #[test]
    fn sign_ins_under_way_are_bounded() {
        let oidc = Oidc::new(None, "http://odcat.test").unwrap();
        let pending = || Pending {
            nonce: Nonce::new_random(),
            verifier: PkceCodeChallenge::new_random_sha256().1,
            next: "/verwaltung".to_owned(),
            at: Instant::now(),
        };
        assert!(oidc.remember("a".into(), pending(), 2));
        assert!(oidc.remember("b".into(), pending(), 2));
        assert!(!oidc.remember("c".into(), pending(), 2));
        assert_eq!(oidc.pending.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_jwt_payload_is_read() {
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        assert_eq!(
            payload_of(&format!("h.{body}.s")).unwrap()["sub"],
            serde_json::json!("x")
        );
        assert!(payload_of("nonsense").is_none());
    }
}
