//! The fuzz targets on stable: each decoder's fuzz body runs over its seed corpus and thousands of
//! deterministic mutations of it. (Coverage-guided fuzzing of the same bodies: see `fuzz/README.md`.)

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::path::PathBuf;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes the decoders give meaning to, so that mutations reach deep paths.
const INTERESTING: &[u8] =
    b"0123456789-/,[]{}\":\x1eb\xc0\xc4\x90\x80\xa0\xd4\xdc\xde\xff_\x00\x01\x02\x08\x09\x81\x82\x88\x89\xfe";

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, INTERESTING[rng.below(INTERESTING.len())]);
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                let n = rng.below(v.len() - i + 1);
                v.drain(i..i + n);
            }
            3 if !v.is_empty() => {
                let i = rng.below(v.len());
                let n = rng.below((v.len() - i).min(16) + 1);
                let chunk = v[i..i + n].to_vec();
                let at = rng.below(v.len() + 1);
                v.splice(at..at, chunk);
            }
            4 => v.truncate(rng.below(v.len() + 1)),
            5 if !other.is_empty() => {
                let at = rng.below(v.len() + 1);
                let from = rng.below(other.len());
                v.splice(at..at, other[from..].iter().copied());
            }
            _ => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
        }
    }
    v
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-") || n.starts_with("regression-"))
        })
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

fn smoke(target: &str, body: fn(&[u8])) {
    let seeds = seeds(target);
    let mut rng = Rng(0x5107_c0de ^ target.len() as u64);
    for seed in &seeds {
        body(seed);
    }
    for _ in 0..20_000 {
        let seed = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())];
        body(&mutate(&mut rng, seed, other));
    }
    for _ in 0..2_000 {
        let len = rng.below(64);
        let random: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        body(&random);
    }
}

#[test]
fn engine_text() {
    smoke("engine_text", targets::engine_text);
}

#[test]
fn polling_payload() {
    smoke("polling_payload", targets::polling_payload);
}

#[test]
fn polling_payload_v3() {
    smoke("polling_payload_v3", targets::polling_payload_v3);
}

#[test]
fn default_parser() {
    smoke("default_parser", targets::default_parser);
}

#[test]
fn msgpack_parser() {
    smoke("msgpack_parser", targets::msgpack_parser);
}

#[test]
fn websocket_frames() {
    smoke("websocket_frames", targets::websocket_frames);
}
