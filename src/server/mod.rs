//! The HTTP server: pages and API behind one stack of middleware, and graceful shutdown.

pub mod error;
pub mod language;
pub mod session;

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::App;
use crate::services::Error;
use crate::web::pages;
use error::PageError;

/// Runs until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled: a signal that arrives while
/// the caller is still busy (a worker's first pass) is then a request to stop,
/// not the default action that kills the process mid-job.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {},
                    _ = terminate.recv() => {},
                }
            }
            (Err(err), _) | (_, Err(err)) => {
                tracing::error!(%err, "cannot listen for Ctrl-C and SIGTERM");
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

pub fn router(app: App) -> Router {
    let config = app.config.clone();
    let request_id = HeaderName::from_static("x-request-id");
    let everyday = Router::new()
        .merge(crate::web::routes())
        .nest("/api/v1", crate::api::routes())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/static/app.css",
            get(|| async { static_file(CSS, include_str!("../../static/app.css")) }),
        )
        .route(
            "/static/letters.css",
            get(|| async { static_file(CSS, pages::LETTERS_CSS) }),
        )
        .route(
            "/static/captcha.js",
            get(|| async { static_file(JAVASCRIPT, include_str!("../../static/captcha.js")) }),
        )
        .route(
            "/static/copy.js",
            get(|| async { static_file(JAVASCRIPT, include_str!("../../static/copy.js")) }),
        )
        .layer(middleware::from_fn_with_state(app.clone(), whole_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ));
    // A district's import can be hundreds of megabytes and take minutes.
    let import_bytes = usize::try_from(config.max_import_bytes).unwrap_or(usize::MAX);
    let uploads = crate::web::upload_routes()
        .layer(axum::extract::DefaultBodyLimit::max(import_bytes))
        .layer(RequestBodyLimitLayer::new(import_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            IMPORT_TIMEOUT,
        ));
    everyday
        .merge(uploads)
        .route_layer(middleware::from_fn_with_state(app.clone(), counted))
        .fallback(page_not_found)
        .layer(middleware::from_fn(language::layer))
        .layer(CsrfLayer::new().with_rejection_response(csrf_rejection))
        .layer(CompressionLayer::new())
        .layer(middleware::map_response_with_state(
            app.clone(),
            security_headers,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(Answered),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(app)
}

/// A request's span: its method, path and id on every line logged while it is answered. A
/// load balancer's probes of `/healthz` and `/readyz`, many a second, get none.
fn request_span(req: &Request) -> tracing::Span {
    let path = req.uri().path();
    if matches!(path, "/healthz" | "/readyz") {
        return tracing::Span::none();
    }
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
}

/// One line for each answered request (at INFO, with its span's method, path and id), none
/// for the probes; `log = "info,homeroom::server=warn"` turns the lines off.
#[derive(Clone, Copy)]
struct Answered;

impl<B> tower_http::trace::OnResponse<B> for Answered {
    fn on_response(
        self,
        response: &axum::http::Response<B>,
        latency: std::time::Duration,
        span: &tracing::Span,
    ) {
        if span.is_none() {
            return;
        }
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            "answered"
        );
    }
}

/// Reads an everyday request's body whole before any handler sees it (they are small: forms
/// and JSON), so that a body past `max_body_bytes` is answered 413 the same way whether its
/// size was declared or it came in chunks, and no handler mistakes it for a bad form.
async fn whole_body(State(app): State<App>, request: Request, next: middleware::Next) -> Response {
    let limit = app.config.max_body_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let api = request.uri().path().starts_with("/api/");
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(api, limit);
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(err) if past_limit(&err) => too_large(api, limit),
        Err(_) if api => error::api_error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request body could not be read.",
        ),
        Err(_) => PageError(Error::Invalid(crate::domain::Invalid::new(crate::i18n::t(
            "page-body-unreadable",
        ))))
        .into_response(),
    }
}

/// Whether reading a body failed on its length.
fn past_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

fn too_large(api: bool, limit: usize) -> Response {
    let kib = (limit / 1024).to_string();
    if api {
        return error::api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("The request body is larger than the {kib} KiB this route takes."),
        );
    }
    let page = PageError(Error::Invalid(crate::domain::Invalid::new(
        crate::i18n::t1("page-body-too-large", "kib", kib),
    )));
    (StatusCode::PAYLOAD_TOO_LARGE, page).into_response()
}

/// Counts each routed request by its route as written, its method and its answer.
async fn counted(
    State(app): State<App>,
    route: axum::extract::MatchedPath,
    request: Request,
    next: middleware::Next,
) -> Response {
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    app.metrics.request(
        route.as_str(),
        method.as_str(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The operator's metrics, on an address of their own (`metrics_bind`).
pub async fn serve_metrics(app: App, listener: TcpListener) -> std::io::Result<()> {
    let router = Router::new()
        .route("/metrics", get(metrics))
        .with_state(app);
    axum::serve(listener, router).await
}

async fn metrics(State(app): State<App>) -> Response {
    match app.store.gauges().await {
        Ok(gauges) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            app.metrics.scrape(&gauges),
        )
            .into_response(),
        Err(err) => {
            tracing::warn!(%err, "metrics: the database did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database did not answer\n",
            )
                .into_response()
        }
    }
}

/// How long a staff upload may take, the import included.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The content security policy: everything from this origin, nothing inline, never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(State(app): State<App>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    // Pages and answers hold children's records and account data: no browser, proxy or
    // shared device keeps a copy. Static files say otherwise for themselves.
    set(header::CACHE_CONTROL, "no-store");
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if app.config.public_url.scheme() == "https" {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

fn csrf_rejection(_err: ProtectionError) -> Response<Body> {
    error::api_error(
        StatusCode::FORBIDDEN,
        "csrf",
        "This request came from another site and was refused.",
    )
}

async fn healthz() -> &'static str {
    "ok"
}

/// 200 while the database answers within two seconds, 503 otherwise.
async fn readyz(State(app): State<App>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(2), app.store.ping()).await;
    match ping {
        Ok(Ok(())) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(Err(err)) => {
            tracing::warn!(%err, "not ready");
            not_ready()
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer in time");
            not_ready()
        }
    }
}

fn not_ready() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "status": "unavailable" })),
    )
        .into_response()
}

/// A file served as it is built into the binary, cached by browsers for an hour.
pub(crate) fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub(crate) const CSS: &str = "text/css; charset=utf-8";
pub(crate) const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

async fn page_not_found() -> Response {
    error::PageError(Error::NotFound).into_response()
}
