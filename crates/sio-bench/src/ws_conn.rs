//! A minimal websocket client connection over a `TcpStream`: one read buffer, one write buffer, frame
//! parsing in place, Engine.IO pings answered inline. Much leaner than a general websocket client.
//! It may offer permessage-deflate (sio-protocol's codec): the server's compressed messages are
//! inflated; the client's own go out plain, which the extension allows.

use crate::error::BenchError;
use crate::frames::push_text_frame;
use sio_protocol::websocket::{accept_answer, parse_extensions, Inflater, PerMessageDeflate, Role};
use std::net::SocketAddr;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest server frame accepted (the benchmark never sends more than a few KiB).
const MAX_FRAME: usize = 1 << 20;
/// Read granularity; the buffer grows only when a frame is larger.
const READ_CHUNK: usize = 4096;

/// One websocket connection driven by a benchmark task.
pub struct WsConn {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    out: Vec<u8>,
    /// Set when permessage-deflate was negotiated.
    inflater: Option<Inflater>,
}

impl WsConn {
    /// Opens a TCP connection and performs the websocket upgrade for `path_and_query`.
    pub async fn connect(addr: SocketAddr, path_and_query: &str) -> Result<Self, BenchError> {
        Self::connect_with(addr, path_and_query, false).await
    }

    /// [`WsConn::connect`], offering permessage-deflate when `deflate` is set (the server must accept).
    pub async fn connect_with(
        addr: SocketAddr,
        path_and_query: &str,
        deflate: bool,
    ) -> Result<Self, BenchError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        // Closing resets the connection: no TIME_WAIT, so tens of thousands of handshakes
        // per minute never exhaust the loopback port range.
        stream.set_zero_linger()?;
        let mut conn = WsConn {
            stream,
            buf: Vec::with_capacity(READ_CHUNK),
            start: 0,
            out: Vec::with_capacity(256),
            inflater: None,
        };
        let offer = if deflate {
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        } else {
            ""
        };
        let request = format!(
            "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: c2lvLWJlbmNoLWtleS0wMQ==\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
        );
        conn.stream.write_all(request.as_bytes()).await?;
        loop {
            conn.read_some().await?;
            if let Some(end) = find(&conn.buf, b"\r\n\r\n") {
                if !conn.buf.starts_with(b"HTTP/1.1 101") {
                    let line = conn.buf.split(|b| *b == b'\r').next().unwrap_or_default();
                    return Err(BenchError::Protocol(format!(
                        "upgrade refused: {}",
                        String::from_utf8_lossy(line)
                    )));
                }
                if deflate {
                    conn.inflater = Some(negotiated(&conn.buf[..end])?);
                }
                conn.start = end + 4;
                return Ok(conn);
            }
            if conn.buf.len() > 16 * 1024 {
                return Err(BenchError::Protocol("oversized upgrade response".into()));
            }
        }
    }

    /// Waits until at least one more byte arrived (cancel-safe: nothing is lost if dropped).
    pub async fn read_some(&mut self) -> Result<(), BenchError> {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 0 && self.buf.capacity() - self.buf.len() < READ_CHUNK {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.reserve(READ_CHUNK);
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(BenchError::Closed);
        }
        Ok(())
    }

    /// Parses every complete frame buffered, calling `on_message(now, text, out)` for each Engine.IO
    /// packet other than a ping (pings get their pong queued here). `out` collects frames to send; call
    /// [`WsConn::flush`] afterwards. Returns how many packets were handed to `on_message`.
    pub fn handle(
        &mut self,
        mut on_message: impl FnMut(Instant, &[u8], &mut Vec<u8>),
    ) -> Result<u64, BenchError> {
        let now = Instant::now();
        let mut count = 0;
        loop {
            let avail = &self.buf[self.start..];
            let Some((header, len)) = frame_header(avail)? else {
                return Ok(count);
            };
            let opcode = avail[0] & 0x0f;
            let mut payload = &avail[header..header + len];
            let inflated;
            if avail[0] & 0x40 != 0 {
                let inflater = self.inflater.as_mut().ok_or_else(|| {
                    BenchError::Protocol("compressed frame without permessage-deflate".into())
                })?;
                inflated = inflater
                    .inflate(payload, MAX_FRAME)
                    .map_err(|e| BenchError::Protocol(format!("inflate: {e}")))?;
                payload = &inflated;
            }
            match opcode {
                0x1 | 0x2 => {
                    if payload == b"2" {
                        push_text_frame(&mut self.out, &[b"3"]);
                    } else {
                        count += 1;
                        on_message(now, payload, &mut self.out);
                    }
                }
                0x8 => return Err(BenchError::Closed),
                0x9 => {
                    // Pong with the same application data (masked with the zero key).
                    self.out.push(0x8a);
                    self.out.push(0x80 | payload.len() as u8);
                    self.out.extend_from_slice(&[0, 0, 0, 0]);
                    self.out.extend_from_slice(payload);
                }
                0xa => {}
                _ => {
                    return Err(BenchError::Protocol(format!(
                        "unsupported websocket opcode {opcode} (fragmented frame?)"
                    )))
                }
            }
            self.start += header + len;
        }
    }

    /// Queues raw bytes (already framed) for the next flush.
    pub fn queue(&mut self, frame: &[u8]) {
        self.out.extend_from_slice(frame);
    }

    /// The outgoing buffer, to build frames in place.
    pub fn out(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) -> Result<(), BenchError> {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await?;
            self.out.clear();
        }
        Ok(())
    }

    /// Reads, handles and flushes once: the loop body of most workloads.
    pub async fn step(
        &mut self,
        on_message: impl FnMut(Instant, &[u8], &mut Vec<u8>),
    ) -> Result<u64, BenchError> {
        self.read_some().await?;
        let n = self.handle(on_message)?;
        self.flush().await?;
        Ok(n)
    }
}

/// The inflater for the server's answer to our offer (`head`: the upgrade response's head).
fn negotiated(head: &[u8]) -> Result<Inflater, BenchError> {
    let refused = || BenchError::Protocol("permessage-deflate not accepted".into());
    let values: Vec<&[u8]> = head
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|b| *b == b':')?;
            line[..colon]
                .eq_ignore_ascii_case(b"sec-websocket-extensions")
                .then(|| line[colon + 1..].trim_ascii())
        })
        .collect();
    let answer = parse_extensions(values).map_err(|_| refused())?;
    let params = accept_answer(&PerMessageDeflate::default(), &answer).map_err(|_| refused())?;
    Ok(Inflater::new(Role::Client, &params))
}

/// Header length and payload length of the first frame of `buf`, if it is complete. Server frames are
/// unmasked and must be final (FIN set).
fn frame_header(buf: &[u8]) -> Result<Option<(usize, usize)>, BenchError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    if buf[0] & 0x80 == 0 {
        return Err(BenchError::Protocol("fragmented websocket frame".into()));
    }
    if buf[1] & 0x80 != 0 {
        return Err(BenchError::Protocol("masked server frame".into()));
    }
    let (header, len) = match buf[1] & 0x7f {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (4, u16::from_be_bytes([buf[2], buf[3]]) as usize)
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (
                10,
                usize::try_from(u64::from_be_bytes(b)).unwrap_or(usize::MAX),
            )
        }
        n => (2, n as usize),
    };
    if len > MAX_FRAME {
        return Err(BenchError::Protocol(format!("frame of {len} bytes")));
    }
    if buf.len() < header + len {
        return Ok(None);
    }
    Ok(Some((header, len)))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_frame_headers() {
        assert_eq!(frame_header(&[0x81]).ok(), Some(None));
        assert_eq!(
            frame_header(&[0x81, 2, b'4', b'0']).ok(),
            Some(Some((2, 2)))
        );
        assert_eq!(frame_header(&[0x81, 3, b'4']).ok(), Some(None));
        assert_eq!(frame_header(&[0x81, 126, 0, 200]).ok(), Some(None));
        assert!(frame_header(&[0x01, 2, b'4', b'0']).is_err());
        assert!(frame_header(&[0x81, 0x82, 0, 0, 0, 0, b'4', b'0']).is_err());
    }
}
