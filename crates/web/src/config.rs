//! How an instance is configured (command-line flags and environment).

use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// Settings of a running Upward.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address people use to reach Upward, e.g. `https://upward.example.org`
    /// (used in e-mailed links and calendar feed addresses, and to check the
    /// Origin of every change). Cookies are marked Secure, and browsers told
    /// to use https only (HSTS), when it starts with https.
    pub public_url: String,
    /// SMTP server, e.g. `smtps://user:password@smtp.example.org:465` or
    /// `smtp://localhost:25`. Without it, e-mail is only recorded in the
    /// outbox (and account e-mails with a link are not delivered at all).
    pub smtp_url: Option<String>,
    /// Sender of e-mails.
    pub mail_from: String,
    /// Demo mode: the sign-in page says e-mail is not sent.
    pub demo: bool,
    /// Run the background job worker in this instance.
    pub run_jobs: bool,
    /// Reverse proxies in front of Upward (addresses or CIDR ranges). Only a
    /// request from one of them has its `X-Forwarded-For` read, for the
    /// client's address that sign-in limits count by.
    pub trusted_proxies: Vec<IpRange>,
    /// Where uploads wait while they are imported (default: the system's
    /// temporary folder).
    pub upload_dir: Option<PathBuf>,
}

impl Config {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// An absolute link to a path of this Upward.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_url.trim_end_matches('/'), path)
    }

    /// The public URL's origin as a browser sends it in the Origin header:
    /// scheme and host, with the port only when it is not the default.
    pub fn origin(&self) -> String {
        origin_of(&self.public_url)
    }

    pub fn upload_dir(&self) -> PathBuf {
        self.upload_dir.clone().unwrap_or_else(std::env::temp_dir)
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: None,
            mail_from: "Upward <no-reply@upward.invalid>".into(),
            demo: false,
            run_jobs: true,
            trusted_proxies: vec![],
            upload_dir: None,
        }
    }
}

/// `scheme://host[:port]` of a URL, lower case, default ports left out.
pub fn origin_of(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url.as_str()));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let authority = match (scheme, authority.rsplit_once(':')) {
        ("https", Some((host, "443"))) | ("http", Some((host, "80"))) if !host.ends_with(':') => host,
        _ => authority,
    };
    format!("{scheme}://{authority}")
}

/// An address or a range of addresses (`10.0.0.0/8`, `2001:db8::/32`,
/// `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;
    fn from_str(s: &str) -> Result<IpRange, String> {
        let s = s.trim();
        let bad = || format!("\"{s}\" is not an IP address or a range like 10.0.0.0/8");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(IpRange { addr, prefix })
    }
}

/// Read a list of trusted proxies: addresses or ranges, separated by commas
/// or spaces.
pub fn parse_proxies(s: &str) -> Result<Vec<IpRange>, String> {
    s.split([',', ' ']).filter(|p| !p.trim().is_empty()).map(IpRange::from_str).collect()
}

/// The client's address. The connection's peer, unless the peer is a
/// trusted proxy: then the right-most address in `X-Forwarded-For` that is
/// not itself a trusted proxy (addresses to the left of it are whatever the
/// client chose to send, so they count for nothing).
pub fn client_ip(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &[IpRange]) -> String {
    let Some(peer) = peer.map(|p| p.to_canonical()) else { return "local".into() };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = forwarded_for.iter().flat_map(|h| h.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match IpAddr::from_str(hop).map(|ip| ip.to_canonical()) {
            Ok(ip) if is_trusted(ip) => client = ip,
            Ok(ip) => return ip.to_string(),
            // Garbage from beyond the proxies: the last good hop it is.
            Err(_) => break,
        }
    }
    client.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn ranges() {
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains("10.1.2.3".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        assert!(r.contains("::ffff:10.0.0.1".parse().unwrap()), "IPv4 written as IPv6");
        let one: IpRange = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6: IpRange = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", "::/129", ""] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
        assert_eq!(parse_proxies("127.0.0.1, 10.0.0.0/8 ::1").unwrap().len(), 3);
        assert!(parse_proxies("127.0.0.1,evil").unwrap_err().contains("\"evil\""));
    }

    #[test]
    fn forwarded_for_is_read_only_from_a_trusted_proxy() {
        let proxies = parse_proxies("10.0.0.0/8").unwrap();
        // Straight from the internet: the header is the client's own words.
        assert_eq!(client_ip(ip("203.0.113.9"), &["1.2.3.4"], &proxies), "203.0.113.9");
        // Through the proxy: the right-most address not a proxy.
        assert_eq!(client_ip(ip("10.0.0.2"), &["1.2.3.4, 203.0.113.9"], &proxies), "203.0.113.9");
        assert_eq!(client_ip(ip("10.0.0.2"), &["198.51.100.1, 203.0.113.9, 10.0.0.5"], &proxies), "203.0.113.9");
        assert_eq!(client_ip(ip("10.0.0.2"), &["198.51.100.1", "203.0.113.9"], &proxies), "203.0.113.9");
        // A spoofed left part changes nothing.
        assert_eq!(client_ip(ip("10.0.0.2"), &["6.6.6.6, 203.0.113.9"], &proxies), "203.0.113.9");
        // Without the header, or all proxies, or garbage: the last hop.
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &proxies), "10.0.0.2");
        assert_eq!(client_ip(ip("10.0.0.2"), &["10.0.0.3"], &proxies), "10.0.0.3");
        assert_eq!(client_ip(ip("10.0.0.2"), &["junk"], &proxies), "10.0.0.2");
        // No proxies configured: never read.
        assert_eq!(client_ip(ip("10.0.0.2"), &["203.0.113.9"], &[]), "10.0.0.2");
        assert_eq!(client_ip(None, &[], &[]), "local");
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://Upward.example.org/"), "https://upward.example.org");
        assert_eq!(origin_of("https://upward.example.org:443/app"), "https://upward.example.org");
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("http://[::1]:80"), "http://[::1]");
        assert_eq!(origin_of("https://upward.example.org:8443"), "https://upward.example.org:8443");
    }
}
