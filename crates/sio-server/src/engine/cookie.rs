//! The session cookie (`cookie` option): `io=<sid>; Path=/; HttpOnly; SameSite=Lax` by default.

/// The `SameSite` attribute of the session cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

/// Options of the session cookie set on the handshake answer, with engine.io's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// Cookie name (`io`).
    pub name: String,
    /// `Path` attribute (`/`).
    pub path: Option<String>,
    /// `HttpOnly` attribute (true).
    pub http_only: bool,
    /// `SameSite` attribute (`Lax`).
    pub same_site: Option<SameSite>,
    /// `Secure` attribute (false).
    pub secure: bool,
    /// `Domain` attribute (none).
    pub domain: Option<String>,
    /// `Max-Age` attribute in seconds (none: a session cookie).
    pub max_age: Option<u64>,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            name: "io".into(),
            path: Some("/".into()),
            http_only: true,
            same_site: Some(SameSite::Lax),
            secure: false,
            domain: None,
            max_age: None,
        }
    }
}

impl CookieConfig {
    /// The `Set-Cookie` value for session `sid`, attributes in the order of npm `cookie`.
    pub(crate) fn serialize(&self, sid: &str) -> String {
        let mut out = format!("{}={}", self.name, sid);
        if let Some(age) = self.max_age {
            out.push_str(&format!("; Max-Age={age}"));
        }
        if let Some(domain) = &self.domain {
            out.push_str(&format!("; Domain={domain}"));
        }
        if let Some(path) = &self.path {
            out.push_str(&format!("; Path={path}"));
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if self.secure {
            out.push_str("; Secure");
        }
        match self.same_site {
            Some(SameSite::Strict) => out.push_str("; SameSite=Strict"),
            Some(SameSite::Lax) => out.push_str("; SameSite=Lax"),
            Some(SameSite::None) => out.push_str("; SameSite=None"),
            None => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cookie_matches_engine_io() {
        assert_eq!(
            CookieConfig::default().serialize("abc"),
            "io=abc; Path=/; HttpOnly; SameSite=Lax"
        );
    }
}
