//! A minimal RESP2 client over a `TcpStream`, independent of the `redis` crate under test: readiness checks
//! (PING, INFO, CLUSTER INFO) and raw commands through a [`super::TcpProxy`].

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, ToSocketAddrs};

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    /// `None` is the null bulk string.
    Bulk(Option<Vec<u8>>),
    /// `None` is the null array.
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The text of a simple or bulk string reply.
    pub fn text(&self) -> Option<String> {
        match self {
            Reply::Simple(s) => Some(s.clone()),
            Reply::Bulk(Some(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }
}

/// One connection speaking RESP2.
pub struct RespConn {
    stream: BufReader<TcpStream>,
}

impl RespConn {
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<RespConn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(RespConn {
            stream: BufReader::new(stream),
        })
    }

    /// Writes one command (an array of bulk strings).
    pub async fn send(&mut self, args: &[&str]) -> io::Result<()> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.stream.get_mut().write_all(&out).await
    }

    /// Reads one reply; `Ok(None)` when the peer closed the connection before a reply started.
    pub async fn read(&mut self) -> io::Result<Option<Reply>> {
        let Some(line) = self.line().await? else {
            return Ok(None);
        };
        self.parse(line).await.map(Some)
    }

    /// Sends a command and reads its reply (EOF is an error here).
    pub async fn call(&mut self, args: &[&str]) -> io::Result<Reply> {
        self.send(args).await?;
        self.read().await?.ok_or_else(eof)
    }

    async fn line(&mut self) -> io::Result<Option<String>> {
        let mut buf = Vec::new();
        if self.stream.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(None);
        }
        if !buf.ends_with(b"\r\n") {
            return Err(eof());
        }
        buf.truncate(buf.len() - 2);
        String::from_utf8(buf)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    async fn parse(&mut self, line: String) -> io::Result<Reply> {
        let (kind, rest) = line.split_at(line.len().min(1));
        let int = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| invalid(format!("bad RESP integer {s:?}")))
        };
        Ok(match kind {
            "+" => Reply::Simple(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Int(int(rest)?),
            // a negative length is the null value
            "$" => match usize::try_from(int(rest)?) {
                Err(_) => Reply::Bulk(None),
                Ok(n) => {
                    let mut data = vec![0; n + 2];
                    self.stream.read_exact(&mut data).await?;
                    data.truncate(n);
                    Reply::Bulk(Some(data))
                }
            },
            "*" => match usize::try_from(int(rest)?) {
                Err(_) => Reply::Array(None),
                Ok(n) => {
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        let line = self.line().await?.ok_or_else(eof)?;
                        items.push(Box::pin(self.parse(line)).await?);
                    }
                    Reply::Array(Some(items))
                }
            },
            _ => return Err(invalid(format!("bad RESP line {line:?}"))),
        })
    }
}

/// Connects, sends one command, returns its reply.
pub async fn command(addr: impl ToSocketAddrs, args: &[&str]) -> io::Result<Reply> {
    RespConn::connect(addr).await?.call(args).await
}

fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed mid-reply")
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}
