//! Serving a counterpart behind the recorder: the sandbox (with its
//! scenarios and faults) or the upstream forwarder, on a listener of its
//! own, stopped gracefully so that every call ends up in the recording.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use reqwest::Url;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::present::present;
use super::record::{record, Recorder};
use super::upstream::forward_until;
use crate::recording::Recording;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxError, SandboxStats, Scenario};

/// How long a stopping server waits for open answers before it lets go.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Serves `router` behind `recorder` on `listener` until `shutdown`
/// resolves, then stops gracefully: open answers get a second to
/// end before the server lets go (a router whose answers may never end
/// should end them itself on `shutdown`, as the sandbox does).
///
/// # Errors
///
/// The I/O error that ended the server, if any.
pub async fn serve_recorded(
    listener: TcpListener,
    router: Router,
    recorder: Recorder,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let graceful = axum::serve(listener, record(router, recorder))
        .with_graceful_shutdown(until_stopped(stopped))
        .into_future();
    tokio::pin!(graceful);
    tokio::select! {
        result = &mut graceful => return result,
        () = shutdown => stop.send_replace(true),
    };
    tokio::select! {
        result = graceful => result,
        // A client that stopped reading keeps its answer open: do not wait for it.
        () = tokio::time::sleep(SHUTDOWN_GRACE) => Ok(()),
    }
}

async fn until_stopped(mut stopped: watch::Receiver<bool>) {
    // The sender gone means nobody can stop the server any more: stop.
    let _ = stopped.wait_for(|stopped| *stopped).await;
}

/// A counterpart served behind a recorder in the current tokio runtime;
/// it stops on drop, and through [`RecordedServer::shutdown`] to wait
/// until it has and get the complete recording.
#[derive(Debug)]
pub struct RecordedServer {
    addr: SocketAddr,
    recorder: Recorder,
    counterpart: Counterpart,
}

#[derive(Debug)]
enum Counterpart {
    /// `None` once shut down (the sandbox stops on its own drop too).
    Sandbox(Option<Sandbox>),
    Forwarder {
        stop: watch::Sender<bool>,
        task: Option<JoinHandle<std::io::Result<()>>>,
    },
}

impl RecordedServer {
    /// Binds `addr` (port 0 picks a free port) and serves a sandbox for
    /// `config` behind a new recorder.
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when `addr` cannot be bound.
    pub async fn sandbox(
        addr: SocketAddr,
        config: SandboxConfig,
    ) -> Result<RecordedServer, SandboxError> {
        let recorder = Recorder::new();
        let wrapping = recorder.clone();
        let sandbox =
            Sandbox::start_wrapped(addr, config, |router| record(router, wrapping)).await?;
        Ok(RecordedServer {
            addr: sandbox.addr(),
            recorder,
            counterpart: Counterpart::Sandbox(Some(sandbox)),
        })
    }

    /// Binds `addr` and forwards every request to `upstream`'s origin with
    /// `client` (see [`super::upstream_client`]) behind a new recorder,
    /// which presents `scenarios` itself (each must be one that
    /// [`Scenario::works_upstream`]; others are not presented).
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when `addr` cannot be bound.
    pub async fn upstream(
        addr: SocketAddr,
        upstream: Url,
        client: reqwest::Client,
        scenarios: Vec<Scenario>,
    ) -> Result<RecordedServer, SandboxError> {
        let (listener, local) = crate::sandbox::bind(addr).await?;
        let (stop, stopped) = watch::channel(false);
        let scenarios = scenarios
            .into_iter()
            .filter(|s| s.works_upstream())
            .collect();
        let router = present(
            forward_until(upstream, client, until_stopped(stopped.clone())),
            scenarios,
        );
        let recorder = Recorder::new();
        let task = tokio::spawn(serve_recorded(
            listener,
            router,
            recorder.clone(),
            until_stopped(stopped),
        ));
        Ok(RecordedServer {
            addr: local,
            recorder,
            counterpart: Counterpart::Forwarder {
                stop,
                task: Some(task),
            },
        })
    }

    /// Returns the server's URL ([`crate::sandbox::base_url_of`] its address).
    pub fn base_url(&self) -> String {
        crate::sandbox::base_url_of(self.addr)
    }

    /// Returns the recorder, to watch the calls while the server runs.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Returns what the sandbox counted, when the counterpart is the sandbox.
    pub fn sandbox_stats(&self) -> Option<SandboxStats> {
        match &self.counterpart {
            Counterpart::Sandbox(sandbox) => sandbox.as_ref().map(Sandbox::stats),
            Counterpart::Forwarder { .. } => None,
        }
    }

    /// Stops the server, waits until it has, and returns the recording,
    /// complete: calls cut by the stop are in it too.
    pub async fn shutdown(mut self) -> Recording {
        match &mut self.counterpart {
            Counterpart::Sandbox(sandbox) => {
                if let Some(sandbox) = sandbox.take() {
                    sandbox.shutdown().await;
                }
            }
            Counterpart::Forwarder { stop, task } => {
                stop.send_replace(true);
                if let Some(task) = task.take() {
                    // The server's own error at the very end changes nothing here.
                    let _ = task.await;
                }
            }
        }
        // An exchange whose client hung up ends once the counterpart
        // answers (the stop cuts what would wait longer).
        self.recorder.settled(SHUTDOWN_GRACE).await;
        self.recorder.snapshot()
    }
}

impl Drop for RecordedServer {
    fn drop(&mut self) {
        if let Counterpart::Forwarder { stop, .. } = &self.counterpart {
            stop.send_replace(true);
        }
    }
}
