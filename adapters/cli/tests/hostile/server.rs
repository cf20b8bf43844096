//! A small hostile HTTP/1.1 server on loopback for the CLI's hostile-server tests: one thread per
//! connection, hand-written responses (timed steps for drips and stalls), and a log of every
//! request it received, so a test can check what reached it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as received: method, path (with query) and the whole raw text (headers and body).
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) raw: String,
}

/// What the server answers.
pub(crate) enum Reply {
    /// A complete response with this status, `Content-Type` and body.
    Body(u16, &'static str, Vec<u8>),
    /// Raw bytes written in steps, each after its delay; the connection is closed after the
    /// last (a stall is a last step with a long delay and nothing to write).
    Steps(Vec<(Duration, Vec<u8>)>),
}

impl Reply {
    /// A JSON response.
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply::Body(status, "application/json", body.into().into_bytes())
    }

    /// A Vault error response: `{"errors":[text]}` (the text JSON-escaped).
    pub(crate) fn errors(status: u16, text: &str) -> Reply {
        Reply::json(status, serde_json::json!({ "errors": [text] }).to_string())
    }

    /// A KV v2 read of one `value` field, with an optional lease.
    pub(crate) fn kv_value(value: &str, lease: u64) -> Reply {
        let body = serde_json::json!({
            "request_id": "r", "lease_id": "", "renewable": false, "lease_duration": lease,
            "data": {"data": {"value": value}, "metadata": {"version": 1}},
            "wrap_info": null, "warnings": null, "auth": null,
        });
        Reply::json(200, body.to_string())
    }

    /// A response head announcing `len` body bytes, written at once.
    pub(crate) fn head(status: u16, len: usize) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\
             Connection: close\r\n\r\n"
        )
        .into_bytes()
    }
}

/// The running server: its base URL and everything it received.
pub(crate) struct Hostile {
    pub(crate) url: String,
    log: Arc<Mutex<Vec<Req>>>,
}

type Handler = Arc<dyn Fn(&Req) -> Reply + Send + Sync>;

impl Hostile {
    /// Starts a server answering every request with `handler` (the threads outlive the test;
    /// the test process ends them).
    pub(crate) fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let shared = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, handler) = (Arc::clone(&shared), Arc::clone(&handler));
                std::thread::spawn(move || serve(stream, &log, &handler));
            }
        });
        Hostile { url, log }
    }

    /// A Vault in token mode: `lookup-self` says the token never expires, anything else goes to
    /// `routes`.
    pub(crate) fn vault(routes: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Hostile {
        Hostile::start(move |req| {
            if req.path == "/v1/auth/token/lookup-self" {
                Reply::json(200, r#"{"data":{"ttl":0,"renewable":false}}"#)
            } else {
                routes(req)
            }
        })
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    /// Every request received so far as one text (to search for what must not be there).
    pub(crate) fn text(&self) -> String {
        self.requests()
            .iter()
            .map(|r| r.raw.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `"METHOD /path"` of every request.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

/// Reads one request (head, then `Content-Length` bytes), logs it, writes the reply, closes.
fn serve(mut stream: TcpStream, log: &Mutex<Vec<Req>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let mut words = head.split_whitespace();
    let req = Req {
        method: words.next().unwrap_or_default().to_owned(),
        path: words.next().unwrap_or_default().to_owned(),
        raw: String::from_utf8_lossy(&buf).into_owned(),
    };
    log.lock().unwrap().push(req.clone());
    match handler(&req) {
        Reply::Body(status, kind, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::Steps(steps) => {
            for (delay, bytes) in steps {
                std::thread::sleep(delay);
                if stream
                    .write_all(&bytes)
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    return;
                }
            }
        }
    }
    let _ = stream.flush();
}
