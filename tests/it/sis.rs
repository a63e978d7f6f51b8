//! A small OneRoster 1.2 REST server — rostering and gradebook, read-only — for the tests of a
//! client that syncs a district from its SIS. It serves a district read from OneRoster 1.1 CSV
//! files (as `homeroom demo generate` writes them) behind OAuth 2.0 client credentials, with
//! the binding's paging, sorting, filtering and field selection, and faults on demand.
//!
//! Written from the IMS OneRoster 1.2 Rostering and Gradebook REST/JSON bindings and RFC 6749,
//! not from the client: where the two disagree, this server follows the specification. In
//! particular the 1.2 binding's `TrueFalseEnum` (`enabledUser`, `primary`, `late`, `missing`)
//! travels as the strings "true" and "false", and line items' `assignDate`/`dueDate` are
//! date-times.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use district::{Refs, load};
use oauth::{SCOPE_PREFIX, token};
use query::Query;

mod district;
mod oauth;
mod query;
#[cfg(test)]
mod tests;

/// A fault the server plays once a test asks for it; counts start when it is set.
#[derive(Debug, Clone)]
pub enum Fault {
    None,
    /// The `n`th collection request from now (1-based, counting only data requests, not token
    /// requests) answers 500 with a status-info body; later ones are fine again.
    ServerErrorAt(usize),
    /// The `n`th data request from now never answers in time: it sleeps `Duration` before
    /// answering.
    HangAt(usize, Duration),
    /// Every token issued so far stops working after `n` more data requests (answers 401 as
    /// expired), and new tokens are still granted.
    ExpireTokensAfter(usize),
    /// Every token stops working after `n` more data requests, and the token endpoint refuses
    /// new tokens (401 invalid_client) until the fault is cleared.
    RevokeAfter(usize),
}

/// One request the server received. `status` is 0 while no answer has been sent (or when the
/// client gave up first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub path: String,
    /// Raw, percent-encoded as received.
    pub query: String,
    pub status: u16,
}

/// The SIS: a handle on the running server and its district. Clones share both.
#[derive(Clone)]
pub struct Sis {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    client_id: String,
    client_secret: String,
    state: Mutex<SisState>,
}

struct SisState {
    tables: HashMap<&'static str, Table>,
    tokens: HashMap<String, Token>,
    tokens_issued: usize,
    lifetime: u64,
    fault: Fault,
    /// How many data requests had arrived when the fault was set.
    fault_base: usize,
    /// Data requests so far.
    data_seq: usize,
    refusing_tokens: bool,
    log: Vec<(u64, Logged)>,
    next_log_id: u64,
}

struct Token {
    expires: Instant,
    /// The last data request (by number) it may make, when a fault has doomed it.
    dies_after: Option<usize>,
    scopes: Vec<String>,
}

/// One collection, in the order its records arrived.
#[derive(Default)]
struct Table {
    rows: Vec<Map<String, Value>>,
    index: HashMap<String, usize>,
}

impl Table {
    fn put(&mut self, row: Map<String, Value>) {
        let id = row
            .get("sourcedId")
            .and_then(Value::as_str)
            .expect("a OneRoster object has a sourcedId")
            .to_owned();
        match self.index.get(&id) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.index.insert(id, self.rows.len());
                self.rows.push(row);
            }
        }
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Map<String, Value>> {
        let i = *self.index.get(id)?;
        self.rows.get_mut(i)
    }
}

/// What the binding says about one collection.
struct Kind {
    collection: &'static str,
    singular: &'static str,
    service: &'static str,
    /// The `type` of a GUIDRef to one of its objects.
    ref_type: &'static str,
    /// The binding's fields besides the common ones, space-separated.
    fields: &'static str,
}

const COMMON_FIELDS: &[&str] = &["sourcedId", "status", "dateLastModified", "metadata"];

static KINDS: &[Kind] = &[
    Kind {
        collection: "orgs",
        singular: "org",
        service: "rostering",
        ref_type: "org",
        fields: "name type identifier parent children",
    },
    Kind {
        collection: "academicSessions",
        singular: "academicSession",
        service: "rostering",
        ref_type: "academicSession",
        fields: "title startDate endDate type parent children schoolYear",
    },
    Kind {
        collection: "courses",
        singular: "course",
        service: "rostering",
        ref_type: "course",
        fields: "title schoolYear courseCode grades subjects org subjectCodes resources",
    },
    Kind {
        collection: "classes",
        singular: "class",
        service: "rostering",
        ref_type: "class",
        fields: "title classCode classType location grades subjects course school terms \
                 subjectCodes periods resources",
    },
    Kind {
        collection: "users",
        singular: "user",
        service: "rostering",
        ref_type: "user",
        fields: "userMasterIdentifier username userIds enabledUser givenName familyName \
                 middleName preferredFirstName preferredMiddleName preferredLastName pronouns \
                 roles userProfiles primaryOrg identifier email sms phone agents grades \
                 password resources",
    },
    Kind {
        collection: "enrollments",
        singular: "enrollment",
        service: "rostering",
        ref_type: "enrollment",
        fields: "user class school role primary beginDate endDate",
    },
    Kind {
        collection: "categories",
        singular: "category",
        service: "gradebook",
        ref_type: "category",
        fields: "title weight",
    },
    Kind {
        collection: "lineItems",
        singular: "lineItem",
        service: "gradebook",
        ref_type: "lineItem",
        fields: "title description assignDate dueDate class school category gradingPeriod \
                 academicSession scoreScale resultValueMin resultValueMax learningObjectiveSet",
    },
    Kind {
        collection: "results",
        singular: "result",
        service: "gradebook",
        ref_type: "result",
        fields: "lineItem student class scoreScale scoreStatus score textScore scoreDate \
                 comment learningObjectiveSet inProgress incomplete late missing",
    },
];

impl Kind {
    fn knows(&self, field: &str) -> bool {
        COMMON_FIELDS.contains(&field) || self.fields.split_whitespace().any(|f| f == field)
    }
}

fn kind(collection: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.collection == collection)
}

fn kind_or_panic(collection: &str) -> &'static Kind {
    kind(collection).unwrap_or_else(|| panic!("no OneRoster collection {collection:?}"))
}

impl Sis {
    /// Loads the OneRoster 1.1 CSV folder `csv_dir` and serves it on 127.0.0.1, on the current
    /// tokio runtime, to the client `client_id` with `client_secret`.
    pub fn start(csv_dir: &Path, client_id: &str, client_secret: &str) -> Sis {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let addr = listener.local_addr().expect("a bound address");
        let refs = Refs {
            base: format!("http://{addr}/ims/oneroster"),
        };
        let state = SisState {
            tables: load(csv_dir, &refs),
            tokens: HashMap::new(),
            tokens_issued: 0,
            lifetime: 3600,
            fault: Fault::None,
            fault_base: 0,
            data_seq: 0,
            refusing_tokens: false,
            log: Vec::new(),
            next_log_id: 0,
        };
        let sis = Sis {
            inner: Arc::new(Inner {
                addr,
                client_id: client_id.to_owned(),
                client_secret: client_secret.to_owned(),
                state: Mutex::new(state),
            }),
        };
        let router = Router::new()
            .route("/oauth/token", post(token))
            .route("/ims/oneroster/{service}/v1p2/{collection}", get(list))
            .route(
                "/ims/oneroster/{service}/v1p2/{collection}/{id}",
                get(single),
            )
            .fallback(no_such_endpoint)
            .layer(middleware::from_fn_with_state(sis.clone(), log_request))
            .with_state(sis.clone());
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio runtime");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        sis
    }

    /// `http://127.0.0.1:PORT/ims/oneroster`
    pub fn base_url(&self) -> String {
        format!("http://{}/ims/oneroster", self.inner.addr)
    }

    /// `http://127.0.0.1:PORT/oauth/token`
    pub fn token_url(&self) -> String {
        format!("http://{}/oauth/token", self.inner.addr)
    }

    /// A GUIDRef to an object of `collection`, as this server writes them.
    pub fn guid_ref(&self, collection: &str, sourced_id: &str) -> Value {
        let refs = Refs {
            base: self.base_url(),
        };
        refs.to(collection, sourced_id)
    }

    /// Changes a record; its `dateLastModified` becomes now. Panics if there is no such record.
    pub fn modify(
        &self,
        collection: &str,
        sourced_id: &str,
        f: impl FnOnce(&mut Map<String, Value>),
    ) {
        let mut state = self.state();
        let row = state
            .table(collection)
            .get_mut(sourced_id)
            .unwrap_or_else(|| panic!("no {collection} record {sourced_id:?}"));
        f(row);
        row.insert("dateLastModified".into(), now().into());
    }

    /// Adds a record (or replaces the one with its sourcedId); `status` defaults to active and
    /// `dateLastModified` to now.
    pub fn insert(&self, collection: &str, object: Value) {
        let Value::Object(mut row) = object else {
            panic!("a {collection} record is a JSON object");
        };
        row.entry("status").or_insert_with(|| "active".into());
        row.entry("dateLastModified")
            .or_insert_with(|| now().into());
        self.state().table(collection).put(row);
    }

    /// Marks a record `tobedeleted`; it stays listed, as 1.2 deltas require.
    pub fn delete(&self, collection: &str, sourced_id: &str) {
        self.modify(collection, sourced_id, |row| {
            row.insert("status".into(), "tobedeleted".into());
        });
    }

    pub fn get(&self, collection: &str, sourced_id: &str) -> Option<Value> {
        let mut state = self.state();
        let row = state.table(collection).get_mut(sourced_id)?;
        Some(Value::Object(row.clone()))
    }

    /// How many records `collection` holds, `tobedeleted` ones included.
    pub fn count(&self, collection: &str) -> usize {
        self.state().table(collection).rows.len()
    }

    /// Plays `fault` from now on, replacing the one before.
    pub fn fault(&self, fault: Fault) {
        let mut state = self.state();
        let now = state.data_seq;
        state.refusing_tokens = false;
        match fault {
            Fault::ExpireTokensAfter(n) => state.doom_tokens(now + n),
            Fault::RevokeAfter(n) => {
                state.doom_tokens(now + n);
                state.refusing_tokens = true;
            }
            Fault::None | Fault::ServerErrorAt(_) | Fault::HangAt(..) => {}
        }
        state.fault = fault;
        state.fault_base = now;
    }

    /// The lifetime, in seconds, of tokens issued from now on (3600 to begin with).
    pub fn token_lifetime(&self, seconds: u64) {
        self.state().lifetime = seconds;
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.state().log.iter().map(|(_, l)| l.clone()).collect()
    }

    pub fn tokens_issued(&self) -> usize {
        self.state().tokens_issued
    }

    pub fn clear_log(&self) {
        self.state().log.clear();
    }

    fn state(&self) -> MutexGuard<'_, SisState> {
        // A test's closure that panicked inside `modify` leaves the data as it was.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a data request, plays the fault due and checks its token.
    async fn admit(&self, headers: &HeaderMap, service: &str) -> Result<(), Fail> {
        let (hang, fail, auth) = {
            let mut state = self.state();
            state.data_seq += 1;
            let seq = state.data_seq;
            let due = seq.checked_sub(state.fault_base);
            let (hang, fail) = match state.fault {
                Fault::HangAt(n, pause) if due == Some(n) => (Some(pause), false),
                Fault::ServerErrorAt(n) if due == Some(n) => (None, true),
                _ => (None, false),
            };
            (hang, fail, state.check_token(headers, seq, service))
        };
        if let Some(pause) = hang {
            tokio::time::sleep(pause).await;
        }
        if fail {
            return Err(Fail::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                "the SIS failed (an injected fault)",
            ));
        }
        auth
    }

    /// The `Link` header of one page (RFC 8288), keeping the request's other parameters.
    fn links(&self, path: &str, query: &Query, total: usize) -> String {
        let page = |offset: usize, rel: &str| {
            let mut params = query.others.clone();
            params.push(format!("limit={}", query.limit));
            params.push(format!("offset={offset}"));
            let addr = self.inner.addr;
            format!("<http://{addr}{path}?{}>; rel=\"{rel}\"", params.join("&"))
        };
        let mut links = Vec::new();
        let next = query.offset.saturating_add(query.limit);
        if next < total {
            links.push(page(next, "next"));
        }
        if query.offset > 0 {
            links.push(page(query.offset.saturating_sub(query.limit), "prev"));
        }
        links.push(page(0, "first"));
        links.push(page(
            total.saturating_sub(1) / query.limit * query.limit,
            "last",
        ));
        links.join(", ")
    }
}

impl SisState {
    fn table(&mut self, collection: &str) -> &mut Table {
        let kind = kind_or_panic(collection);
        self.tables.entry(kind.collection).or_default()
    }

    fn doom_tokens(&mut self, last_request: usize) {
        for token in self.tokens.values_mut() {
            token.dies_after = Some(
                token
                    .dies_after
                    .map_or(last_request, |d| d.min(last_request)),
            );
        }
    }

    fn check_token(&self, headers: &HeaderMap, seq: usize, service: &str) -> Result<(), Fail> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(bearer) = bearer else {
            return Err(Fail::unauthorised(
                None,
                "a bearer access token is required",
            ));
        };
        let Some(token) = self.tokens.get(bearer) else {
            return Err(Fail::unauthorised(
                Some("invalid_token"),
                "unknown access token",
            ));
        };
        if Instant::now() >= token.expires || token.dies_after.is_some_and(|last| seq > last) {
            return Err(Fail::unauthorised(
                Some("invalid_token"),
                "the access token expired",
            ));
        }
        let needs: &[&str] = match service {
            "rostering" => &["roster.readonly", "roster-core.readonly"],
            "gradebook" => &["gradebook.readonly"],
            _ => return Ok(()),
        };
        if !needs.iter().any(|s| {
            token
                .scopes
                .iter()
                .any(|t| t == &format!("{SCOPE_PREFIX}{s}"))
        }) {
            let mut fail = Fail::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the access token's scope does not cover this service",
            );
            fail.challenge = Some("Bearer error=\"insufficient_scope\"".into());
            return Err(fail);
        }
        Ok(())
    }
}

/// A OneRoster status-info failure.
struct Fail {
    status: StatusCode,
    minor: &'static str,
    description: String,
    challenge: Option<String>,
}

impl Fail {
    fn new(status: StatusCode, minor: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            minor,
            description: description.into(),
            challenge: None,
        }
    }

    fn bad(minor: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, minor, description)
    }

    /// 401 with the RFC 6750 challenge; `error` is absent when no token came at all.
    fn unauthorised(error: Option<&str>, description: &str) -> Self {
        let mut fail = Self::new(StatusCode::UNAUTHORIZED, "unauthorisedrequest", description);
        fail.challenge = Some(match error {
            Some(error) => format!(
                "Bearer realm=\"oneroster\", error=\"{error}\", error_description=\"{description}\""
            ),
            None => "Bearer realm=\"oneroster\"".into(),
        });
        fail
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let body = json!({
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": self.description,
            "imsx_CodeMinor": {"imsx_codeMinorField": [{
                "imsx_codeMinorFieldName": "TargetEndSystem",
                "imsx_codeMinorFieldValue": self.minor,
            }]},
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(value) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

async fn log_request(State(sis): State<Sis>, request: Request, next: Next) -> Response {
    let entry = Logged {
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or_default().to_owned(),
        status: 0,
    };
    let id = {
        let mut state = sis.state();
        let id = state.next_log_id;
        state.next_log_id += 1;
        state.log.push((id, entry));
        id
    };
    let response = next.run(request).await;
    if let Some((_, entry)) = sis.state().log.iter_mut().find(|(i, _)| *i == id) {
        entry.status = response.status().as_u16();
    }
    response
}

async fn no_such_endpoint() -> Fail {
    Fail::new(StatusCode::NOT_FOUND, "unknownobject", "no such endpoint")
}

fn kind_at(service: &str, collection: &str) -> Result<&'static Kind, Fail> {
    kind(collection)
        .filter(|k| k.service == service)
        .ok_or_else(|| {
            Fail::new(
                StatusCode::NOT_FOUND,
                "unknownobject",
                format!("no collection {collection:?} in the {service} service"),
            )
        })
}

/// `{"<key>": value}`: how the binding wraps what it answers.
fn wrap(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

/// `GET /ims/oneroster/{service}/v1p2/{collection}`
async fn list(
    State(sis): State<Sis>,
    UrlPath((service, collection)): UrlPath<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Fail> {
    sis.admit(&headers, &service).await?;
    let kind = kind_at(&service, &collection)?;
    let query = Query::parse(kind, raw.as_deref().unwrap_or_default())?;
    let (total, page) = {
        let mut state = sis.state();
        let table = state.table(kind.collection);
        let mut rows: Vec<&Map<String, Value>> =
            table.rows.iter().filter(|row| query.keeps(row)).collect();
        query.arrange(&mut rows);
        let page: Vec<Value> = rows
            .iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|row| query.project(row))
            .collect();
        (rows.len(), page)
    };
    let path = format!("/ims/oneroster/{service}/v1p2/{collection}");
    let links = sis.links(&path, &query, total);
    let mut response = Json(wrap(kind.collection, page.into())).into_response();
    let headers = response.headers_mut();
    headers.insert(HeaderName::from_static("x-total-count"), total.into());
    if let Ok(links) = HeaderValue::from_str(&links) {
        headers.insert(header::LINK, links);
    }
    Ok(response)
}

/// `GET /ims/oneroster/{service}/v1p2/{collection}/{sourcedId}`
async fn single(
    State(sis): State<Sis>,
    UrlPath((service, collection, id)): UrlPath<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Fail> {
    sis.admit(&headers, &service).await?;
    let kind = kind_at(&service, &collection)?;
    let query = Query::parse(kind, raw.as_deref().unwrap_or_default())?;
    let found = sis
        .state()
        .table(kind.collection)
        .get_mut(&id)
        .map(|row| query.project(row));
    match found {
        Some(object) => Ok(Json(wrap(kind.singular, object)).into_response()),
        None => Err(Fail::new(
            StatusCode::NOT_FOUND,
            "unknownobject",
            format!("no {} {id:?}", kind.singular),
        )),
    }
}

/// A date-time (RFC 3339), or a date taken as its midnight in UTC.
fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    text.parse::<Timestamp>().ok().or_else(|| {
        let date = text.parse::<jiff::civil::Date>().ok()?;
        format!("{date}T00:00:00Z").parse().ok()
    })
}

/// RFC 3339 in UTC with milliseconds: `2026-12-01T08:00:00.000Z`.
fn format_time(at: Timestamp) -> String {
    let ms = at.as_millisecond();
    let whole = Timestamp::from_second(ms.div_euclid(1000)).unwrap_or(at);
    format!(
        "{}.{:03}Z",
        whole.strftime("%Y-%m-%dT%H:%M:%S"),
        ms.rem_euclid(1000)
    )
}

fn now() -> String {
    format_time(Timestamp::now())
}

/// application/x-www-form-urlencoded decoding: `+` is a space, `%XX` a byte.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes all but the unreserved characters (RFC 3986): a path segment, or a form value.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
