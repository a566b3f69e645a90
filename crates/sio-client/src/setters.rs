//! `setters!`: the builder methods of the option structs, one per field, each documented by its field.

/// Generates `pub fn field(mut self, value: Type) -> Self` for each `field: Type`, so that options read as
/// `Options::default().reconnection(false).transports(vec![TransportKind::WebSocket])`.
macro_rules! setters {
    ($($(#[$attr:meta])* $name:ident: $ty:ty),* $(,)?) => {
        $(
            $(#[$attr])*
            #[doc = concat!("Sets [`", stringify!($name), "`](#structfield.", stringify!($name), ").")]
            #[must_use]
            pub fn $name(mut self, $name: $ty) -> Self {
                self.$name = $name;
                self
            }
        )*
    };
}

pub(crate) use setters;
