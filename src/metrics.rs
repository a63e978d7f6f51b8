//! The operator's view of a node, in the Prometheus text format: requests by route and status
//! with their latency, logins by outcome, and (read when scraped) the job queue, import runs
//! and the database pool. Served only on the address `metrics_bind` names (server::metrics), a
//! private one: never beside the portal.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    /// The route as written (`/api/v1/students/{id}/grades`), never the address itself.
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct State {
    state: String,
}

/// What a login came to, as counted.
#[derive(Debug, Clone, Copy)]
pub enum Login {
    Succeeded,
    Failed,
    CaptchaRequired,
    Locked,
    Other,
}

impl Login {
    fn as_str(self) -> &'static str {
        match self {
            Login::Succeeded => "succeeded",
            Login::Failed => "failed",
            Login::CaptchaRequired => "captcha_required",
            Login::Locked => "locked",
            Login::Other => "other",
        }
    }
}

fn latency_buckets() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

/// The node's counters; what the database holds is read at each scrape.
pub struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    latency: Family<Route, Histogram, fn() -> Histogram>,
    logins: Family<Outcome, Counter>,
    jobs: Family<State, Gauge>,
    import_runs: Gauge,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("homeroom");
        let requests = Family::<Request, Counter>::default();
        let latency = Family::<Route, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_buckets as fn() -> Histogram,
        );
        let logins = Family::<Outcome, Counter>::default();
        let jobs = Family::<State, Gauge>::default();
        let (import_runs, pool_connections, pool_idle) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("http_requests", "Requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route",
            latency.clone(),
        );
        registry.register("logins", "Logins, by what they came to", logins.clone());
        registry.register("jobs", "Jobs in the queue, by state", jobs.clone());
        registry.register("import_runs", "Imports ever written", import_runs.clone());
        registry.register(
            "database_pool_connections",
            "Connections the pool holds",
            pool_connections.clone(),
        );
        registry.register(
            "database_pool_idle",
            "Connections of the pool at rest",
            pool_idle.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            logins,
            jobs,
            import_runs,
            pool_connections,
            pool_idle,
        }
    }
}

impl Metrics {
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&Request {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&Route {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    pub fn login(&self, outcome: Login) {
        self.logins
            .get_or_create(&Outcome {
                outcome: outcome.as_str().to_owned(),
            })
            .inc();
    }

    /// The text format, with what the database and the pool say now.
    pub fn scrape(&self, now: &crate::store::Gauges) -> String {
        for state in ["pending", "running", "done", "dead"] {
            let n = now
                .jobs
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n);
            self.jobs
                .get_or_create(&State {
                    state: state.to_owned(),
                })
                .set(n);
        }
        self.import_runs.set(now.import_runs);
        self.pool_connections.set(now.pool_connections);
        self.pool_idle.set(now.pool_idle);
        let mut text = String::new();
        if let Err(err) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::warn!(%err, "metrics could not be written");
        }
        text
    }
}
