//! A real SMTP server on loopback for the tests: it speaks enough of RFC 5321 for a client
//! (EHLO, MAIL, RCPT, DATA, QUIT; addresses beyond ASCII, as RFC 6531 allows) and keeps each
//! message it receives. It can refuse the next deliveries with a temporary error, as a busy
//! server does, or answer slowly: late to greet, or late to answer a message it has already
//! taken (a client that dies meanwhile never learns that it was taken).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// A message as received: the envelope's recipients and the raw text.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The text with quoted-printable soft line breaks and `=3D` undone: enough to read links.
    pub fn readable(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }
}

#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Received>>>,
    refusals: Arc<AtomicU32>,
    /// Milliseconds each session waits before its greeting.
    greeting_delay: Arc<AtomicU64>,
    /// Milliseconds between keeping a message and answering that it was taken.
    answer_delay: Arc<AtomicU64>,
    /// Sessions opened so far.
    sessions: Arc<AtomicU32>,
}

impl Sink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Self {
            port: listener.local_addr().unwrap().port(),
            messages: Arc::default(),
            refusals: Arc::default(),
            greeting_delay: Arc::default(),
            answer_delay: Arc::default(),
            sessions: Arc::default(),
        };
        let serving = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = serving.clone();
                tokio::spawn(async move {
                    let _ = sink.session(stream).await;
                });
            }
        });
        sink
    }

    /// The next `n` deliveries are refused with 451 (try again later).
    pub fn refuse_next(&self, n: u32) {
        self.refusals.store(n, Ordering::SeqCst);
    }

    /// Sessions from now on are greeted only after `delay`, as a slow server's are.
    pub fn greet_after(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap();
        self.greeting_delay.store(millis, Ordering::SeqCst);
    }

    /// Messages from now on are kept at once and answered only after `delay`.
    pub fn answer_after(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap();
        self.answer_delay.store(millis, Ordering::SeqCst);
    }

    /// How many clients have connected so far.
    pub fn sessions(&self) -> u32 {
        self.sessions.load(Ordering::SeqCst)
    }

    pub async fn received(&self) -> Vec<Received> {
        self.messages.lock().await.clone()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        self.sessions.fetch_add(1, Ordering::SeqCst);
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let delay = self.greeting_delay.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        write.write_all(b"220 sink ESMTP ready\r\n").await?;
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            if command.starts_with("EHLO") || command.starts_with("HELO") {
                write
                    .write_all(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?;
            } else if command.starts_with("MAIL FROM") {
                to.clear();
                write.write_all(b"250 OK\r\n").await?;
            } else if command.starts_with("RCPT TO") {
                let address = line.trim_end()[8..]
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned();
                to.push(address);
                write.write_all(b"250 OK\r\n").await?;
            } else if command == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let refused = self
                    .refusals
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refused {
                    write.write_all(b"451 busy, try again later\r\n").await?;
                } else {
                    self.messages.lock().await.push(Received {
                        to: std::mem::take(&mut to),
                        data,
                    });
                    let delay = self.answer_delay.load(Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    write.write_all(b"250 queued\r\n").await?;
                }
            } else if command == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else if command == "RSET" || command == "NOOP" {
                write.write_all(b"250 OK\r\n").await?;
            } else {
                write.write_all(b"502 not implemented\r\n").await?;
            }
        }
    }
}
