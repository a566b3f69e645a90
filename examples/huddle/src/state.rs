//! What the server keeps: the shared [`Huddle`] (users and rooms' history), each socket's [`Member`] data
//! and its [`FloodGate`].

use crate::events::Post;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many posts of a room the server keeps for those who join later.
pub const HISTORY: usize = 50;

/// The shared state: who may connect, and the latest posts of each room. Cheap to clone.
#[derive(Clone, Default)]
pub struct Huddle(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// Token to user name.
    users: HashMap<String, String>,
    history: Mutex<HashMap<String, VecDeque<Post>>>,
    next_id: AtomicU64,
}

impl Huddle {
    /// A huddle of these users, as `(token, name)`.
    pub fn new(users: impl IntoIterator<Item = (String, String)>) -> Huddle {
        Huddle(Arc::new(Inner {
            users: users.into_iter().collect(),
            ..Inner::default()
        }))
    }

    /// Reads users from `token=name,token=name`.
    pub fn parse_users(spec: &str) -> Result<Vec<(String, String)>, String> {
        spec.split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| match entry.split_once('=') {
                Some((token, name)) if !token.trim().is_empty() && !name.trim().is_empty() => {
                    Ok((token.trim().to_owned(), name.trim().to_owned()))
                }
                _ => Err(format!("not token=name: {entry:?}")),
            })
            .collect()
    }

    /// The name of the user with this token.
    pub fn user(&self, token: &str) -> Option<String> {
        self.0.users.get(token).cloned()
    }

    /// Keeps a new post and returns it with its id.
    pub fn record(&self, room: String, from: String, text: String) -> Post {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let post = Post {
            id,
            room,
            from,
            text,
        };
        let mut history = self.0.history.lock().unwrap_or_else(|e| e.into_inner());
        let room = history.entry(post.room.clone()).or_default();
        if room.len() == HISTORY {
            room.pop_front();
        }
        room.push_back(post.clone());
        post
    }

    /// The latest posts of `room`, oldest first.
    pub fn history(&self, room: &str) -> Vec<Post> {
        let history = self.0.history.lock().unwrap_or_else(|e| e.into_inner());
        history
            .get(room)
            .map(|posts| posts.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// A socket's user (its serde `data`, which `fetch_sockets` returns, on any node of a cluster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// The user's name.
    pub name: String,
}

/// A socket's flood control (a socket extension: it holds an `Instant`, which is not serde, and only this
/// server needs it): at most [`POSTS`](Self::POSTS) posts per [`WINDOW`](Self::WINDOW).
#[derive(Debug, Default)]
pub struct FloodGate(Mutex<Option<(Instant, u32)>>);

impl FloodGate {
    /// Posts allowed per window.
    pub const POSTS: u32 = 5;
    /// The window.
    pub const WINDOW: Duration = Duration::from_secs(2);

    /// Whether one more post may go now (counted when it may).
    pub fn admit(&self) -> bool {
        let mut window = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match &mut *window {
            Some((start, count)) if now.duration_since(*start) < Self::WINDOW => {
                *count += 1;
                *count <= Self::POSTS
            }
            _ => {
                *window = Some((now, 1));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_posts_of_each_room() {
        let huddle = Huddle::new([("t".to_owned(), "ann".to_owned())]);
        assert_eq!(huddle.user("t").as_deref(), Some("ann"));
        assert_eq!(huddle.user("x"), None);
        for i in 0..HISTORY + 2 {
            huddle.record("a".into(), "ann".into(), i.to_string());
        }
        huddle.record("b".into(), "ann".into(), "b".into());
        let a = huddle.history("a");
        assert_eq!(a.len(), HISTORY);
        assert_eq!((a[0].id, a[0].text.as_str()), (3, "2"));
        assert_eq!(huddle.history("b")[0].id, HISTORY as u64 + 3);
        assert!(huddle.history("c").is_empty());
    }

    #[test]
    fn reads_users() {
        assert_eq!(
            Huddle::parse_users("t1=ann, t2 = bob,").unwrap(),
            [("t1".into(), "ann".into()), ("t2".into(), "bob".into())]
        );
        assert!(Huddle::parse_users("t1").is_err());
        assert!(Huddle::parse_users("=ann").is_err());
    }

    #[test]
    fn admits_a_few_posts_per_window() {
        let gate = FloodGate::default();
        let admitted = (0..FloodGate::POSTS + 3).filter(|_| gate.admit()).count();
        assert_eq!(admitted as u32, FloodGate::POSTS);
    }
}
