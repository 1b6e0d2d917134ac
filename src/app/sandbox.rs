//! `wapzi-homolog sandbox`: the embedded reference server on its own.

use crate::cli::SandboxArgs;
use crate::error::AppError;
use crate::exit;
use crate::sandbox::{Fault, Sandbox, FIXTURES};

use super::{runtime, sandbox_config};

/// Serves the sandbox until Ctrl-C, after printing its fixtures.
pub fn sandbox(args: SandboxArgs) -> Result<u8, AppError> {
    if args.list_faults {
        for info in Fault::ALL {
            println!("{:<34} {}", info.name, info.description);
        }
        return Ok(exit::READY);
    }
    let config = sandbox_config(&args.behaviour)?;
    let rt = runtime()?;
    rt.block_on(async {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
        let sandbox = Sandbox::start(addr, config).await?;
        println!("{}", FIXTURES.describe(&sandbox.base_url()));
        println!("Press Ctrl-C to stop.");
        // If the signal cannot be awaited, stop at once rather than hang unstoppable.
        let _ = tokio::signal::ctrl_c().await;
        sandbox.shutdown().await;
        Ok(exit::READY)
    })
}
