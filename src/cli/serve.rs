//! `homeroom serve`: the portal.

use clap::Args;
use tokio::net::TcpListener;

use super::CliError;
use crate::app::App;
use crate::clock::Clock;
use crate::config::Config;
use crate::services;

/// Prints a line for the operator. A closed standard output (a supervisor that stopped
/// reading) must not bring the portal down, so failures to print are ignored.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (also HOMEROOM_BIND); default 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Load the demo districts and families first (again is harmless).
    #[arg(long)]
    pub demo: bool,
}

pub async fn run(config: Config, args: ServeArgs) -> Result<(), CliError> {
    let bind = config.bind;
    let app = App::start(config, Clock::default()).await?;
    let demo = if args.demo {
        Some(services::demo::load(&app).await?)
    } else {
        None
    };
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {bind}: {e}")))?;
    let address = listener.local_addr()?;
    // From the moment the operator is told the address, SIGTERM means "stop cleanly".
    let stop = crate::server::shutdown_signal();
    say!(
        "Homeroom is listening on http://{address}/ ({} database {})",
        app.store.backend().name(),
        app.config.database_url
    );
    if let Some(districts) = demo {
        say!("Demo data loaded. Try:");
        say!("  - the district finder: http://{address}/?q=valley (or choose a state)");
        for district in &districts {
            say!(
                "  - {} ({}): http://{address}/d/{}/parent and /d/{}/student",
                district.name,
                district.state.name(),
                district.slug,
                district.slug
            );
        }
        say!("  Logins (Cedar Valley):");
        for account in services::demo::DEMO_ACCOUNTS {
            say!(
                "    {:<8} http://{address}/d/{}/{}  username {}  password \"{}\"",
                account.kind.as_str(),
                account.district,
                account.kind.as_str(),
                account.username,
                account.password
            );
        }
        say!(
            "  {} is generated like an import from a student information system (no accounts yet: \
             hand out keys with `homeroom keys`)",
            services::demo::GENERATED.name
        );
        say!("  - the API: http://{address}/api/v1/districts?q=lake");
        say!("  - maintenance: homeroom district set lakeshore maintenance \"Back at 6 pm\"");
    }
    let metrics = match app.config.metrics_bind {
        Some(bind) => {
            let listener = TcpListener::bind(bind).await.map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot listen on {bind} for metrics: {e}"),
                )
            })?;
            say!("Metrics: http://{}/metrics", listener.local_addr()?);
            Some(tokio::spawn(crate::server::serve_metrics(
                app.clone(),
                listener,
            )))
        }
        None => None,
    };
    // The job worker runs beside the server and stops after it.
    let (stop_worker, worker_stop) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(services::worker::run(app.clone(), async {
        let _ = worker_stop.await;
    }));
    let served = crate::server::serve(app.clone(), listener, stop).await;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    let _ = stop_worker.send(());
    let _ = worker.await;
    served?;
    app.store.close().await;
    Ok(())
}
