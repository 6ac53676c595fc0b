use clap::Parser;
use server::{
    config::Config,
    startup::{self, Application},
    telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut config = Config::parse();
    if let Err(err) = config.read_secret_files() {
        eprintln!("error: {err}");
        std::process::exit(2);
    }
    telemetry::init(&config.log, config.log_format)?;

    if let Some(command) = &config.command {
        if let Err(err) = server::admin::run(&config, command).await {
            eprintln!("error: {err:#}");
            std::process::exit(1);
        }
        return Ok(());
    }

    if config.rotate_signing_key {
        let kid = startup::rotate_signing_key(&config).await?;
        println!("new signing key: {kid}");
        return Ok(());
    }

    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("cannot start: {err:#}");
            std::process::exit(1);
        }
    };
    tracing::info!(address = %app.local_addr(), "listening");
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, whichever comes first.
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
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
