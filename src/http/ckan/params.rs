//! An action's parameters, as CKAN reads them: the query string, then a JSON object or form body
//! (a body member wins over the same query parameter), with CKAN's validation messages.

use serde_json::{Map, Value};

use super::CkanError;

/// The parameters of one call.
#[derive(Debug, Default)]
pub struct Params {
    map: Map<String, Value>,
}

impl Params {
    /// Reads the query string and the body (JSON object, form, or empty).
    pub fn from_request(req: &actix_web::HttpRequest, body: &[u8]) -> Result<Self, CkanError> {
        let mut params = Self::default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
            .map_err(|e| CkanError::BadRequest(format!("Could not read the query string: {e}")))?;
        params.add_pairs(pairs);
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        if super::body_is_json(req) || body.first() == Some(&b'{') {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(members)) => params.map.extend(members),
                Ok(other) => {
                    return Err(CkanError::BadRequest(format!(
                        "JSON Error: Request data JSON decoded to {other} but it needs to be a \
                         dictionary."
                    )));
                }
                Err(e) => {
                    return Err(CkanError::BadRequest(format!(
                        "JSON Error: Error decoding JSON data. Error: {e}"
                    )));
                }
            }
        } else {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
                .map_err(|e| CkanError::BadRequest(format!("Could not read the form: {e}")))?;
            params.add_pairs(pairs);
        }
        Ok(params)
    }

    /// Parameters from a JSON object (tests, and actions calling each other).
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self { map }
    }

    fn add_pairs(&mut self, pairs: Vec<(String, String)>) {
        for (key, value) in pairs {
            match self.map.get_mut(&key) {
                Some(Value::Array(values)) => values.push(Value::String(value)),
                Some(first) => {
                    let first = first.take();
                    self.map
                        .insert(key, Value::Array(vec![first, Value::String(value)]));
                }
                None => {
                    self.map.insert(key, Value::String(value));
                }
            }
        }
    }

    /// The raw value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The whole object (the body of a write).
    pub fn map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// A text parameter (numbers and booleans as written); the last of repeated ones.
    pub fn text(&self, key: &str) -> Result<Option<String>, CkanError> {
        let text = |v: &Value| -> Result<String, CkanError> {
            match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                _ => Err(CkanError::field(key, "Must be a string")),
            }
        };
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(values)) => values.last().map(text).transpose(),
            Some(value) => text(value).map(Some),
        }
        .and_then(|v| {
            if v.as_deref().is_some_and(|t| t.contains('\0')) {
                Err(CkanError::field(key, "must not contain NUL characters"))
            } else {
                Ok(v)
            }
        })
    }

    /// Every value of a text parameter that may be repeated or sent as a list.
    pub fn texts(&self, key: &str) -> Result<Vec<String>, CkanError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(values)) => values
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(CkanError::field(key, "Must be a list of strings")),
                })
                .collect(),
            Some(_) => Ok(self.text(key)?.into_iter().collect()),
        }
    }

    /// A natural number (CKAN's `natural_number_validator`): `Invalid integer`, `Must be a natural
    /// number`.
    pub fn natural(&self, key: &str) -> Result<Option<u64>, CkanError> {
        let Some(text) = self.text(key)? else {
            return Ok(None);
        };
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<i64>() {
            Ok(n) if n < 0 => Err(CkanError::field(key, "Must be a natural number")),
            Ok(n) => Ok(Some(n as u64)),
            Err(_) => Err(CkanError::field(key, "Invalid integer")),
        }
    }

    /// A boolean (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`), CKAN's `boolean_validator`.
    pub fn flag(&self, key: &str) -> Result<bool, CkanError> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => match self
                .text(key)?
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
                .as_str()
            {
                "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
                "false" | "0" | "no" | "off" | "f" | "n" | "" => Ok(false),
                _ => Err(CkanError::field(key, "Value must be one of: true, false")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str, body: &str, content_type: &str) -> Result<Params, CkanError> {
        let req = actix_web::test::TestRequest::post()
            .uri(&format!("/api/3/action/x?{query}"))
            .insert_header(("content-type", content_type))
            .to_http_request();
        Params::from_request(&req, body.as_bytes())
    }

    #[test]
    fn query_string_form_and_json_bodies_are_read_with_the_body_winning() {
        let p = params("q=a&rows=5&fq=x&fq=y", "", "application/json").unwrap();
        assert_eq!(p.text("q").unwrap().as_deref(), Some("a"));
        assert_eq!(p.natural("rows").unwrap(), Some(5));
        assert_eq!(p.texts("fq").unwrap(), ["x", "y"]);
        let p = params(
            "q=a",
            r#"{"q": "b", "rows": 7, "include_private": true}"#,
            "application/json",
        )
        .unwrap();
        assert_eq!(p.text("q").unwrap().as_deref(), Some("b"));
        assert_eq!(p.natural("rows").unwrap(), Some(7));
        assert!(p.flag("include_private").unwrap());
        let p = params("", "q=c&rows=2", "application/x-www-form-urlencoded").unwrap();
        assert_eq!(p.text("q").unwrap().as_deref(), Some("c"));
    }

    #[test]
    fn bad_bodies_and_numbers_get_ckans_messages() {
        assert!(
            matches!(params("", "[1]", "application/json"), Err(CkanError::BadRequest(m)) if m.contains("dictionary"))
        );
        assert!(
            matches!(params("", "{", "application/json"), Err(CkanError::BadRequest(m)) if m.starts_with("JSON Error"))
        );
        let p = params("rows=abc&start=-1&flag=maybe", "", "text/plain").unwrap();
        assert!(
            matches!(p.natural("rows"), Err(CkanError::Validation(f)) if f["rows"] == ["Invalid integer"])
        );
        assert!(
            matches!(p.natural("start"), Err(CkanError::Validation(f)) if f["start"] == ["Must be a natural number"])
        );
        assert!(p.flag("flag").is_err());
        assert!(!p.flag("absent").unwrap());
    }
}
