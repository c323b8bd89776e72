//! `fundtrail serve`: the GraphQL API and the web workspace on one port,
//! over the store the settings name (`--demo`: a temporary store holding the
//! Côte d'Ivoire 2023 report).

use axum::serve::ListenerExt as _;
use std::time::Duration;

use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::{AppState, Limits, SnapshotConfig};

use crate::Failure;
use crate::commands::token;
use crate::config::Settings;

pub(crate) async fn serve(settings: Settings, demo: bool, test_clock: bool) -> Result<(), Failure> {
    let store = fundtrail_app::open::open_store(&settings.location()).await?;
    let snapshots = SnapshotConfig::new(settings.snapshots_at());
    let state = AppState::start_with(store.clone(), Limits::default(), Some(snapshots)).await?;
    if demo {
        let plan = fundtrail_import::plan(fundtrail_import::DEMO_FILE_NAME, fundtrail_import::DEMO)
            .map_err(|problems| Failure::Invalid {
                file: fundtrail_import::DEMO_FILE_NAME.into(),
                count: problems.len(),
            })?;
        let summary = fundtrail_import::apply(&state, &plan, |_, _| {}).await?;
        tracing::info!(
            records = summary.records_read,
            events = summary.events_appended,
            "demo data imported ({})",
            fundtrail_import::DEMO_FILE_NAME
        );
    }
    // Alerts start after the demo's import: what it brings is the baseline,
    // on the worklist, not news.
    let webhook = settings.webhook().map_err(Failure::Settings)?;
    if settings.alerts {
        let outbox = settings.alert_outbox_at();
        if let Some(w) = &webhook {
            tracing::info!(url = %w.url, "alerts are delivered to the webhook");
        }
        state
            .start_alerts(fundtrail_app::alerts::AlertConfig {
                outbox: outbox.clone(),
                webhook,
            })
            .map_err(|e| Failure::Settings(format!("{}: {e}", outbox.display())))?;
    } else if webhook.is_some() {
        return Err(Failure::Settings(
            "webhook_url is set but alerts are off (alerts = false)".into(),
        ));
    }
    let demo_token = if demo {
        Some(token::create_admin(&state, "demo-admin").await?)
    } else {
        None
    };
    let schema = build_schema(state.clone());
    // One budget per principal, shared by the API, its websockets and the web pages.
    let limiter = (settings.rate_limit_per_second > 0).then(|| {
        fundtrail_app::rate_limit::CallerLimiter::new(fundtrail_app::rate_limit::RateLimit {
            per_second: settings.rate_limit_per_second,
            burst: settings.rate_limit_burst,
        })
    });
    // One bound on requests in flight, shared by the API and the web pages.
    let in_flight = (settings.max_in_flight > 0)
        .then(|| fundtrail_api::overload::InFlight::new(settings.max_in_flight));
    let options = ServeOptions {
        max_body_bytes: settings.max_body_bytes,
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
        auth: fundtrail_app::auth::AuthPolicy {
            public_read: settings.public_read,
        },
        rate_limit: limiter.clone(),
        in_flight: in_flight.clone(),
        metrics: fundtrail_api::metrics::MetricsAccess::Tokens,
    };
    // The web pages (issue #8) beside the API, on the same port.
    let (pages, web) = fundtrail_web::routes(
        state.clone(),
        fundtrail_web::WebOptions {
            public_read: settings.public_read,
            demo,
            rate_limit: limiter,
        },
    );
    let pages = match &in_flight {
        Some(in_flight) => in_flight.limit(pages),
        None => pages,
    };
    let mut app = router(schema, state.clone(), options).merge(pages);
    if test_clock {
        tracing::warn!(
            "--test-clock: admins can move this server's clock forward (POST /test/clock); for tests only"
        );
        app = app.merge(fundtrail_api::test_clock::router(state.clone()));
    }
    if let Some(address) = settings.metrics_listen {
        let listener = tokio::net::TcpListener::bind(address).await?;
        tracing::info!(%address, "GET /metrics served on its own address");
        let scrape = fundtrail_api::metrics::scrape_router(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener.tap_io(no_delay), scrape).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, backend = store.backend(), public_read = settings.public_read, "fundtrail is listening; web pages at http://{address}/, GraphiQL at http://{address}/graphiql");
    if let Some(token) = &demo_token {
        // Printed, not logged: log files outlive a demo.
        println!(
            "\nOpen the dashboard (this link signs you in once):\n\n    http://{address}{}\n",
            web.one_time_login_path(token)
        );
        println!(
            "\nDemo admin token (this store only, gone at exit):\n\n    {token}\n\n\
             In GraphiQL (http://{address}/graphiql) open Headers and paste:\n\n    \
             {{\"Authorization\": \"Bearer {token}\"}}\n\n\
             or: curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
             -d '{{\"query\":\"{{ me {{ name role }} }}\"}}' http://{address}/graphql\n"
        );
    } else if state.read().tokens().is_empty() {
        tracing::warn!(
            "this ledger has no API tokens yet: create the first admin token with \
             `fundtrail token create --name NAME --role admin` (with the server stopped, \
             for the embedded store)"
        );
    }
    // TCP_NODELAY on every connection: a response written as headers then
    // body would otherwise wait for the client's delayed ACK (up to 40 ms)
    // on a kept-alive connection (the soak showed 40-50 ms p99 without it).
    axum::serve(
        listener.tap_io(no_delay),
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    if let Some(position) = state.snapshot_now().await {
        tracing::info!(position, "read-model snapshot written on shutdown");
    }
    tracing::info!("fundtrail stopped");
    Ok(())
}

/// Turns Nagle's algorithm off on an accepted connection.
fn no_delay(stream: &mut tokio::net::TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY could not be set on a connection");
    }
}

/// SIGTERM or Ctrl-C: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
