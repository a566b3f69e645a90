//! The server's namespaces: those that exist by name, the parent namespaces that create children on demand,
//! the observers of their creation, and what every new namespace is made with.

use crate::adapter::AdapterFactory;
use crate::config::ServerConfig;
use crate::extensions::Extensions;
use crate::namespace::Namespace;
use crate::parent_namespace::ParentNamespace;
use crate::recovery::ConnectionStateRecovery;
use crate::sync::{read, write};
use sio_protocol::parser::Parser;
use sio_protocol::Value;
use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};

type NewNamespaceFn = Arc<dyn Fn(Namespace) + Send + Sync>;

/// The namespace registry a server and its clients share.
pub(crate) struct Namespaces {
    by_name: RwLock<HashMap<String, Namespace>>,
    parents: RwLock<Vec<ParentNamespace>>,
    created: RwLock<Vec<NewNamespaceFn>>,
    parser: Arc<dyn Parser>,
    adapter: Arc<dyn AdapterFactory>,
    recovery: Option<ConnectionStateRecovery>,
    states: Arc<Extensions>,
    cleanup_empty_children: bool,
    weak: Weak<Namespaces>,
}

impl Namespaces {
    pub(crate) fn new(config: &ServerConfig, states: Arc<Extensions>) -> Arc<Namespaces> {
        Arc::new_cyclic(|weak| Namespaces {
            by_name: RwLock::new(HashMap::new()),
            parents: RwLock::new(Vec::new()),
            created: RwLock::new(Vec::new()),
            parser: config.parser.clone(),
            adapter: config.adapter.clone(),
            recovery: config.connection_state_recovery.clone(),
            states,
            cleanup_empty_children: config.cleanup_empty_child_namespaces,
            weak: weak.clone(),
        })
    }

    /// The parser every namespace encodes with.
    pub(crate) fn parser(&self) -> &Arc<dyn Parser> {
        &self.parser
    }

    /// The namespace `name`, created on first use (observers hear of every one but `/`).
    pub(crate) fn of(&self, name: String) -> Namespace {
        if let Some(nsp) = read(&self.by_name).get(&name) {
            return nsp.clone();
        }
        let (nsp, created) = self.register(&name, None);
        if created && name != "/" {
            self.notify_created(&nsp);
        }
        nsp
    }

    /// The namespace a CONNECT addresses: an existing one, or a new child of a matching parent.
    pub(crate) fn for_connect(&self, name: &str, auth: &Value) -> Option<Namespace> {
        if let Some(nsp) = read(&self.by_name).get(name) {
            return Some(nsp.clone());
        }
        let parents = read(&self.parents).clone();
        let parent = parents.into_iter().find(|p| p.matches(name, auth))?;
        let (nsp, created) = self.register(name, Some(&parent));
        if created {
            tracing::debug!(nsp = name, "created a child namespace");
            parent.add_child(nsp.clone());
            self.notify_created(&nsp);
        }
        Some(nsp)
    }

    /// Creates and registers the namespace `name` (the child of `parent` when given), unless another
    /// caller registered it meanwhile; `true` when this call created it.
    fn register(&self, name: &str, parent: Option<&ParentNamespace>) -> (Namespace, bool) {
        let mut by_name = write(&self.by_name);
        if let Some(nsp) = by_name.get(name) {
            return (nsp.clone(), false);
        }
        let nsp = self.create(name.to_owned(), parent.cloned());
        by_name.insert(name.to_owned(), nsp.clone());
        (nsp, true)
    }

    /// A new namespace, the child of `parent` when given (not registered yet).
    fn create(&self, name: String, parent: Option<ParentNamespace>) -> Namespace {
        Namespace::new(
            name,
            self.weak.clone(),
            self.states.clone(),
            self.parser.clone(),
            &*self.adapter,
            parent,
            self.recovery.clone(),
        )
    }

    fn notify_created(&self, nsp: &Namespace) {
        let observers = read(&self.created).clone();
        for f in observers {
            f(nsp.clone());
        }
    }

    pub(crate) fn on_created(&self, f: NewNamespaceFn) {
        write(&self.created).push(f);
    }

    pub(crate) fn add_parent(&self, parent: ParentNamespace) {
        write(&self.parents).push(parent);
    }

    /// The namespaces that exist now.
    pub(crate) fn all(&self) -> Vec<Namespace> {
        read(&self.by_name).values().cloned().collect()
    }

    /// Removes a child namespace that has no socket left, when the server is configured to.
    pub(crate) fn remove_empty_child(&self, nsp: &Namespace, parent: &ParentNamespace) -> bool {
        if !self.cleanup_empty_children {
            return false;
        }
        write(&self.by_name).remove(nsp.name());
        parent.remove_child(nsp.name());
        true
    }
}
