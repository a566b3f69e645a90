//! The options of the Redis Streams adapter, named and defaulted as those of
//! `@socket.io/redis-streams-adapter` 0.3.x, and the stream a namespace uses.

use std::time::Duration;

/// The options of [`streams_adapter`](crate::streams_adapter) (`createAdapter(redisClient, opts)` of
/// `@socket.io/redis-streams-adapter` 0.3.x). Every node of a cluster, Rust or Node, must use the same
/// `stream_name`, `stream_count`, `channel_prefix`, `use_sharded_pub_sub` and `session_key_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsAdapterOptions {
    /// The stream (`streamName`, default `socket.io`), or the prefix of the streams when
    /// [`stream_count`](Self::stream_count) is more than 1.
    pub stream_name: String,
    /// How many streams the namespaces are spread over (`streamCount`, default 1). With more than one, a
    /// namespace uses `<stream_name>-<i>` where `i = hashCode(nsp) % stream_count` as JavaScript computes
    /// it (see [`stream_of`](Self::stream_of)).
    pub stream_count: u32,
    /// The prefix of the pub/sub channels (`channelPrefix`, default `socket.io`): `<prefix>#<nsp>#` for the
    /// requests, `<prefix>#<nsp>#<uid>#` for the answers to one node.
    pub channel_prefix: String,
    /// Sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7) instead of `PUBLISH`/`SUBSCRIBE`
    /// (`useShardedPubSub`, default false).
    pub use_sharded_pub_sub: bool,
    /// The approximate maximum length of a stream: `XADD <stream> MAXLEN ~ <max_len>` (`maxLen`, default
    /// 10 000). A client away for longer than the stream holds cannot recover.
    pub max_len: u64,
    /// Entries fetched per `XREAD` (`readCount`, default 100).
    pub read_count: u64,
    /// How long an `XREAD` blocks (`blockTimeInMs`, default 5 s); also how long a reader takes to notice
    /// that the adapter is gone.
    pub block_time: Duration,
    /// The prefix of the keys that hold the sessions (`sessionKeyPrefix`, default `sio:session:`).
    pub session_key_prefix: String,
    /// How long `fetch_sockets` waits for the other nodes when the operator set no timeout (default 5 s).
    pub requests_timeout: Duration,
}

impl Default for StreamsAdapterOptions {
    fn default() -> Self {
        StreamsAdapterOptions {
            stream_name: "socket.io".into(),
            stream_count: 1,
            channel_prefix: "socket.io".into(),
            use_sharded_pub_sub: false,
            max_len: 10_000,
            read_count: 100,
            block_time: Duration::from_millis(5_000),
            session_key_prefix: "sio:session:".into(),
            requests_timeout: sio_cluster::DEFAULT_REQUESTS_TIMEOUT,
        }
    }
}

impl StreamsAdapterOptions {
    /// The stream of the namespace `nsp` (`computeStreamName`): [`stream_name`](Self::stream_name) with
    /// one stream, `<stream_name>-<hashCode(nsp) % stream_count>` otherwise. The index is negative when
    /// the hash is, as in JavaScript (`socket.io--2`).
    pub fn stream_of(&self, nsp: &str) -> String {
        if self.stream_count <= 1 {
            return self.stream_name.clone();
        }
        let count = i64::from(self.stream_count);
        let index = i64::from(hash_code(nsp)) % count;
        format!("{}-{index}", self.stream_name)
    }

    /// `<prefix>#<nsp>#`: the channel every node of the namespace listens to.
    pub(crate) fn public_channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.channel_prefix)
    }

    /// `<prefix>#<nsp>#<uid>#`: the channel of the answers to the node `uid`.
    pub(crate) fn private_channel(&self, nsp: &str, uid: &str) -> String {
        format!("{}#{nsp}#{uid}#", self.channel_prefix)
    }
}

/// The official `hashCode`: `h = h * 31 + c` over the UTF-16 code units of `s`, in 32-bit two's complement
/// (`hash |= 0`), so it may be negative.
pub fn hash_code(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_codes_match_javascript() {
        // Values computed by the official `hashCode` under Node.
        assert_eq!(hash_code("/"), 47);
        assert_eq!(hash_code("/custom"), 1_708_878_944);
        assert_eq!(hash_code("/admin"), 1_438_238_848);
        assert_eq!(hash_code("/a-much-longer-namespace"), -1_998_829_316);
        assert_eq!(hash_code("/é€😀"), 60_157_493);
    }

    #[test]
    fn stream_names() {
        let one = StreamsAdapterOptions::default();
        assert_eq!(one.stream_of("/custom"), "socket.io");
        let three = StreamsAdapterOptions {
            stream_count: 3,
            ..Default::default()
        };
        assert_eq!(three.stream_of("/"), "socket.io-2");
        assert_eq!(three.stream_of("/admin"), "socket.io-1");
        assert_eq!(three.stream_of("/a-much-longer-namespace"), "socket.io--2");
        let five = StreamsAdapterOptions {
            stream_count: 5,
            stream_name: "s".into(),
            ..Default::default()
        };
        assert_eq!(five.stream_of("/custom"), "s-4");
        assert_eq!(five.stream_of("/a-much-longer-namespace"), "s--1");
        assert_eq!(five.private_channel("/", "ab"), "socket.io#/#ab#");
    }
}
