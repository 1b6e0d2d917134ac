//! The sandbox as a server: its configuration, serving it on a listener
//! until told to stop, and [`Sandbox`], one running in the background.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::dialects::Dialect;
use super::faults::Fault;
use super::hold::Hold;
use super::routes;
use super::scenario::Scenario;
use super::shared::Shared;
use super::state::SandboxStats;

/// How long a stopping sandbox waits for open answers before it lets go.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// How a sandbox behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// How long after its creation an execution reaches its terminal status.
    pub latency: Duration,
    /// The faults to inject; empty for a faithful sandbox.
    pub faults: Vec<Fault>,
    /// The dialects to speak; empty for the sandbox's own readings.
    pub dialects: Vec<Dialect>,
    /// The documented situations to present; empty for none.
    pub scenarios: Vec<Scenario>,
    /// A test's hold on executions ([`Hold`]); `None` outside tests.
    pub hold: Option<Hold>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            latency: Duration::from_millis(300),
            faults: Vec::new(),
            dialects: Vec::new(),
            scenarios: Vec::new(),
            hold: None,
        }
    }
}

/// Serves a sandbox for `config` on `listener` until `shutdown` resolves,
/// then stops gracefully: open answers that never end (`hang`, `slow-body`,
/// `huge-body`) are ended, and the server lets go after a short grace.
///
/// # Errors
///
/// The I/O error that ended the server, if any.
pub async fn serve(
    listener: TcpListener,
    config: SandboxConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let shared = Shared::new(config);
    let running = run(listener, routes::router(shared.clone()), shared.clone());
    tokio::pin!(running);
    tokio::select! {
        result = &mut running => return result,
        () = shutdown => shared.begin_shutdown(),
    }
    running.await
}

async fn run(listener: TcpListener, router: Router, shared: Arc<Shared>) -> std::io::Result<()> {
    let graceful = axum::serve(listener, router).with_graceful_shutdown(shared.stopped());
    let stopped = shared.stopped();
    tokio::select! {
        result = graceful => result,
        // A client that stopped reading keeps its answer open: do not wait for it.
        () = async { stopped.await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {}", describe_io(.error))]
pub struct SandboxError {
    addr: SocketAddr,
    error: std::io::Error,
}

impl SandboxError {
    /// Returns the address the sandbox was to listen on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the I/O error behind the failure.
    pub fn io_error(&self) -> &std::io::Error {
        &self.error
    }
}

fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => "address in use".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::AddrNotAvailable => "address not available".to_string(),
        _ => error.to_string(),
    }
}

/// Binds `addr` (port 0 picks a free port) and returns the listener with
/// the address it got.
///
/// # Errors
///
/// [`SandboxError`] when `addr` cannot be bound, such as a port in use.
pub async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), SandboxError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| SandboxError { addr, error })?;
    let local = listener
        .local_addr()
        .map_err(|error| SandboxError { addr, error })?;
    Ok((listener, local))
}

/// The URL of a server listening on `addr`, such as
/// `http://127.0.0.1:41234` (one listening on every interface is reached
/// on loopback).
pub fn base_url_of(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    format!("http://{addr}")
}

/// A sandbox running on a listener in the current tokio runtime; it shuts
/// down on drop, and through [`Sandbox::shutdown`] to wait until it has.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// Binds `addr` (port 0 picks a free port), then serves a sandbox for
    /// `config` on it in the background.
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when `addr` cannot be bound, such as a port in use.
    pub async fn start(addr: SocketAddr, config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Self::start_wrapped(addr, config, |router| router).await
    }

    /// Binds `addr` as [`Sandbox::start`] does, then serves the sandbox's
    /// router as `wrap` returns it, such as behind a recording layer: the
    /// sandbox knows nothing of what wraps it, and stops as gracefully.
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when `addr` cannot be bound, such as a port in use.
    pub async fn start_wrapped(
        addr: SocketAddr,
        config: SandboxConfig,
        wrap: impl FnOnce(Router) -> Router,
    ) -> Result<Sandbox, SandboxError> {
        let (listener, local) = bind(addr).await?;
        let shared = Shared::new(config);
        let router = wrap(routes::router(shared.clone()));
        let task = tokio::spawn(run(listener, router, shared.clone()));
        Ok(Sandbox {
            addr: local,
            shared,
            task: Some(task),
        })
    }

    /// Returns the address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the URL of the sandbox ([`base_url_of`] its address).
    pub fn base_url(&self) -> String {
        base_url_of(self.addr)
    }

    /// Stops the sandbox and waits until it has stopped.
    pub async fn shutdown(mut self) {
        self.shared.begin_shutdown();
        if let Some(task) = self.task.take() {
            // The server's own error at the very end changes nothing for the caller.
            let _ = task.await;
        }
    }

    /// Returns what the sandbox counted so far.
    pub fn stats(&self) -> SandboxStats {
        self.shared.stats()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shared.begin_shutdown();
    }
}
