//! A minimal HTTP/1.1 keep-alive server on loopback, answering pre-rendered recorded responses.
//!
//! One OS thread per connection, blocking I/O, `TCP_NODELAY`, no allocation per request beyond
//! the read buffer's growth: the server's work per request is a `read`, a prefix match and one
//! `write` of bytes rendered at start-up. That keeps its own cost far below any client's, so
//! comparisons between clients measure the clients. [`RawConnection`] is the floor: the same
//! request written by hand on one kept-alive socket.
//!
//! Everything stays on `127.0.0.1` and stops by itself: connection threads poll a stop flag
//! every 200 ms, and dropping the server stops the accept thread.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use vaultcred_fixtures::Recorded;

/// One answer: requests whose method matches and whose path starts with `path_prefix` get
/// `response` (a full HTTP/1.1 response, rendered once).
#[derive(Clone, Debug)]
pub struct Route {
    method: String,
    path_prefix: String,
    response: Arc<[u8]>,
}

impl Route {
    /// Answers `method path_prefix*` with the recorded status, headers and body (plus
    /// `content-length`).
    pub fn recorded(method: &str, path_prefix: &str, recorded: &Recorded) -> Route {
        Route {
            method: method.to_owned(),
            path_prefix: path_prefix.to_owned(),
            response: render(recorded).into(),
        }
    }
}

/// The wire bytes of a recorded response.
pub fn render(recorded: &Recorded) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        recorded.status.as_u16(),
        recorded.status.canonical_reason().unwrap_or("Unknown")
    )
    .into_bytes();
    for (name, value) in &recorded.headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", recorded.body.len()).as_bytes());
    out.extend_from_slice(&recorded.body);
    out
}

const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\ncache-control: no-store\r\ncontent-type: application/json\r\ncontent-length: 14\r\n\r\n{\"errors\":[]}\n";

/// The server. Dropping it stops accepting; open connections close within 200 ms.
#[derive(Debug)]
pub struct LoopbackServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    served: Arc<AtomicU64>,
    connections: Arc<AtomicU64>,
    accept: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Starts on `127.0.0.1` with a free port.
    pub fn start(routes: Vec<Route>) -> io::Result<LoopbackServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicU64::new(0));
        let routes: Arc<[Route]> = routes.into();
        let accept = {
            let (stop, served, connections) = (
                Arc::clone(&stop),
                Arc::clone(&served),
                Arc::clone(&connections),
            );
            std::thread::Builder::new()
                .name("loopback-accept".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        connections.fetch_add(1, Ordering::Relaxed);
                        let (routes, stop, served) =
                            (Arc::clone(&routes), Arc::clone(&stop), Arc::clone(&served));
                        let _ = std::thread::Builder::new()
                            .name("loopback-conn".into())
                            .spawn(move || {
                                let _ = serve(stream, &routes, &stop, &served);
                            });
                    }
                })?
        };
        Ok(LoopbackServer {
            addr,
            stop,
            served,
            connections,
            accept: Some(accept),
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests answered so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn serve(
    mut stream: TcpStream,
    routes: &[Route],
    stop: &AtomicBool,
    served: &AtomicU64,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = [0u8; 16 * 1024];
    loop {
        // Read until the head is complete.
        let head_end = loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        let head = std::str::from_utf8(&buf[..head_end]).unwrap_or("");
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or("").split(' ');
        let method = request_line.next().unwrap_or("");
        let path = request_line.next().unwrap_or("");
        let mut content_length = 0usize;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        let response: &[u8] = routes
            .iter()
            .find(|r| r.method == method && path.starts_with(r.path_prefix.as_str()))
            .map_or(NOT_FOUND, |r| &r.response);
        // Read (and discard) the request body.
        let total = head_end + content_length;
        while buf.len() < total {
            match stream.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    if stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                }
                Err(e) => return Err(e),
            }
        }
        // Counted before the answer leaves, so a client that has its response sees the count.
        served.fetch_add(1, Ordering::SeqCst);
        stream.write_all(response)?;
        buf.drain(..total);
        if close {
            return Ok(());
        }
    }
}

/// The floor: one kept-alive socket, a request written by hand, the response read by
/// `content-length`. No HTTP library, no parsing beyond finding the body's length.
#[derive(Debug)]
pub struct RawConnection {
    stream: TcpStream,
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl RawConnection {
    /// Connects to `addr`, ready to send `GET path` with `headers` (name, value) pairs.
    pub fn connect(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        Ok(RawConnection {
            stream,
            request: request.into_bytes(),
            buf: Vec::with_capacity(4096),
        })
    }

    /// One round trip; returns the body length.
    pub fn round_trip(&mut self) -> io::Result<usize> {
        self.stream.write_all(&self.request)?;
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        let (head_end, length) = loop {
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).unwrap_or("");
                let length = head
                    .split("\r\n")
                    .filter_map(|l| l.split_once(':'))
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (end + 4, length);
            }
        };
        while self.buf.len() < head_end + length {
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok(length)
    }
}
