//! A tiny TCP server on 127.0.0.1 for the tests that need a target the
//! sandbox cannot be: one that records what reaches it, resets, or answers
//! whatever a test (or the fuzzer) wants.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

/// Connections a [`Listener`] accepts at most before it stops by itself.
const MAX_CONNECTIONS: usize = 256;

/// How long a listener waits for a client to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The first byte of the connection that tells a [`Listener`] to stop; no
/// HTTP method and no TLS record starts with it.
const STOP: u8 = b'S';

/// A tiny TCP server on 127.0.0.1, run by a thread: each connection is
/// handed to `answer`, which returns the request head it read (if any) to be
/// recorded. It stops when [`Listener::finish`] (or drop) connects with
/// [`STOP`], or after [`MAX_CONNECTIONS`].
pub struct Listener {
    addr: SocketAddr,
    thread: Option<JoinHandle<Vec<String>>>,
}

impl Listener {
    pub fn start(answer: impl Fn(&mut TcpStream) -> Option<String> + Send + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = std::thread::spawn(move || {
            let mut heads = Vec::new();
            for _ in 0..MAX_CONNECTIONS {
                let Ok((mut stream, _)) = listener.accept() else {
                    break;
                };
                let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
                let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
                let mut first = [0u8; 1];
                if stream.peek(&mut first).is_ok_and(|n| n == 1) && first[0] == STOP {
                    break;
                }
                heads.extend(answer(&mut stream));
            }
            heads
        });
        Listener {
            addr,
            thread: Some(thread),
        }
    }

    /// A listener that records each request head and answers `200 {}`.
    pub fn recorder() -> Listener {
        Listener::start(|stream| {
            let head = read_head(stream);
            let _ = stream.write_all(&http_response("200 OK", "", b"{}"));
            Some(head)
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the listener and returns the request heads it recorded.
    pub fn finish(mut self) -> Vec<String> {
        self.stop()
    }

    fn stop(&mut self) -> Vec<String> {
        let Some(thread) = self.thread.take() else {
            return Vec::new();
        };
        // Fails only when the thread already stopped by itself.
        if let Ok(mut stream) = TcpStream::connect(self.addr) {
            let _ = stream.write_all(&[STOP]);
        }
        thread.join().unwrap()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.stop();
        }
    }
}

/// Reads a request head, up to its blank line, within [`READ_TIMEOUT`].
pub fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A complete HTTP/1.1 response that closes the connection; `extra` holds
/// more header lines, each ending with CRLF.
pub fn http_response(status: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}
