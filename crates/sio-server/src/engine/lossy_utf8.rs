//! A polling POST's body read as text the way engine.io reads it (`req.setEncoding("utf8")`): bytes
//! that are not UTF-8 become U+FFFD instead of failing the payload, a character cut between two
//! chunks included.

/// U+FFFD in UTF-8.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// Turns the chunks of a body into valid UTF-8 as they arrive, replacing each invalid sequence (its
/// maximal subpart, as WHATWG and `String::from_utf8_lossy` do) with U+FFFD.
#[derive(Debug, Default)]
pub(crate) struct LossyUtf8 {
    /// The start of a character cut by the end of the last chunk.
    pending: [u8; 3],
    pending_len: usize,
}

impl LossyUtf8 {
    /// Hands `out` the text of `chunk` in valid UTF-8 pieces; a character cut at its end waits for the
    /// next chunk.
    pub(crate) fn push<E>(
        &mut self,
        mut chunk: &[u8],
        out: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        while self.pending_len > 0 && !chunk.is_empty() {
            let mut char_buf = [0u8; 4];
            let len = self.pending_len + 1;
            char_buf[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
            char_buf[self.pending_len] = chunk[0];
            match std::str::from_utf8(&char_buf[..len]) {
                Ok(_) => {
                    out(&char_buf[..len])?;
                    self.pending_len = 0;
                    chunk = &chunk[1..];
                }
                Err(e) if e.error_len().is_none() => {
                    self.pending[..len].copy_from_slice(&char_buf[..len]);
                    self.pending_len = len;
                    chunk = &chunk[1..];
                }
                // The cut character does not go on: it is one invalid sequence, and the byte that
                // broke it is read afresh.
                Err(_) => {
                    out(REPLACEMENT)?;
                    self.pending_len = 0;
                }
            }
        }
        while !chunk.is_empty() {
            match std::str::from_utf8(chunk) {
                Ok(_) => return out(chunk),
                Err(e) => {
                    let (valid, rest) = chunk.split_at(e.valid_up_to());
                    if !valid.is_empty() {
                        out(valid)?;
                    }
                    match e.error_len() {
                        Some(n) => {
                            out(REPLACEMENT)?;
                            chunk = &rest[n..];
                        }
                        None => {
                            self.pending[..rest.len()].copy_from_slice(rest);
                            self.pending_len = rest.len();
                            return Ok(());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Ends the body: a character still cut becomes U+FFFD.
    pub(crate) fn finish<E>(self, out: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.pending_len > 0 {
            out(REPLACEMENT)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// The text `LossyUtf8` makes of `body` cut into chunks at `cuts`.
    fn read(body: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut text = Vec::new();
        let mut out = |b: &[u8]| {
            text.extend_from_slice(b);
            Ok::<_, Infallible>(())
        };
        let mut lossy = LossyUtf8::default();
        let mut start = 0;
        for &cut in cuts.iter().chain(std::iter::once(&body.len())) {
            let _ = lossy.push(&body[start..cut], &mut out);
            start = cut;
        }
        let _ = lossy.finish(&mut out);
        text
    }

    #[test]
    fn every_split_of_every_sample_reads_as_from_utf8_lossy_reads_the_whole() {
        let samples: &[&[u8]] = &[
            b"4hello",
            "4h\u{e9}llo \u{20ac} \u{1f600}".as_bytes(),
            b"4a\xffb",
            b"4\xe2\x82",
            b"4\xe2\x82x\xe2\x82\xac",
            b"4\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80",
            b"4\xf0\x9f\x98",
            b"\x80\x80\xf0\x9f\x98\x80\xf0",
        ];
        for body in samples {
            let expected = String::from_utf8_lossy(body).into_owned().into_bytes();
            assert_eq!(read(body, &[]), expected, "{body:?} whole");
            for a in 0..=body.len() {
                for b in a..=body.len() {
                    assert_eq!(read(body, &[a, b]), expected, "{body:?} cut at {a}, {b}");
                }
            }
        }
    }

    #[test]
    fn an_error_from_out_stops_the_read() {
        let mut lossy = LossyUtf8::default();
        let mut out = |_: &[u8]| Err::<(), _>("full");
        assert_eq!(lossy.push(b"4abc", &mut out), Err("full"));
    }
}
