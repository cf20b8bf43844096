//! [`AddressPolicy`]: which IP addresses a client may connect to, so that a tenant's Vault
//! `addr` cannot point the host at its own loopback, its cloud metadata endpoint or its private
//! network (SSRF). The adapter applies it to the resolved addresses at connect time.

mod ranges;
#[cfg(test)]
mod tests;

use ipnet::IpNet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

/// The IP address `uri`'s host is, if it is an IP literal (an IPv6 literal without its
/// brackets): what a connector reaches without resolving, so what a policy must check as
/// written.
///
/// ```
/// use vaultcred_host::literal_ip;
/// let ip = |u: &str| literal_ip(&u.parse().unwrap());
/// assert_eq!(ip("http://127.0.0.1:8200/"), "127.0.0.1".parse().ok());
/// assert_eq!(ip("https://[::1]:8200/v1"), "::1".parse().ok());
/// assert_eq!(ip("https://vault.example.com/"), None);
/// ```
pub fn literal_ip(uri: &http::Uri) -> Option<IpAddr> {
    let host = uri.host()?;
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    bare.unwrap_or(host).parse().ok()
}

/// Which IP addresses a client may connect to: every one ([`AddressPolicy::allow_all`], the
/// default), or public ones only ([`AddressPolicy::public_only`]) plus the ranges the operator
/// allows ([`AddressPolicy::allow`]).
///
/// A public-only policy refuses loopback, private (RFC 1918, IPv6 unique local `fc00::/7`),
/// link-local (`169.254.0.0/16` — cloud metadata — and `fe80::/10`), unspecified, shared
/// (CGNAT `100.64.0.0/10`), multicast, broadcast, documentation, benchmarking and reserved
/// addresses, and the IPv6 forms that lead to such an IPv4 address (IPv4-mapped
/// `::ffff:127.0.0.1`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`; the deprecated IPv4-compatible
/// `::/96` is refused whole).
///
/// An allowed range is compared with the address as connected to and, for an IPv4-mapped IPv6
/// address, with its IPv4 address: allowing `127.0.0.1/32` allows `::ffff:127.0.0.1` too.
///
/// ```
/// use std::net::IpAddr;
/// use vaultcred_host::AddressPolicy;
///
/// let ip = |s: &str| s.parse::<IpAddr>().unwrap();
/// let policy = AddressPolicy::public_only().allow("10.1.0.0/16")?;
/// assert!(policy.permits(ip("203.0.114.7")));
/// assert!(policy.permits(ip("10.1.2.3")));
/// assert!(!policy.permits(ip("10.2.0.1")));
/// assert!(!policy.permits(ip("169.254.169.254")));
/// assert!(!policy.permits(ip("::ffff:127.0.0.1")));
/// assert!(AddressPolicy::default().permits(ip("127.0.0.1")));
/// # Ok::<(), vaultcred_host::InvalidCidr>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    public_only: bool,
    allowed: Vec<Cidr>,
}

impl AddressPolicy {
    /// Every address may be connected to: what a client does unless told otherwise.
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// assert!(AddressPolicy::allow_all().is_allow_all());
    /// assert_eq!(AddressPolicy::allow_all(), AddressPolicy::default());
    /// ```
    pub fn allow_all() -> Self {
        AddressPolicy::default()
    }

    /// Only public addresses may be connected to, and those in ranges added with
    /// [`AddressPolicy::allow`].
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// let policy = AddressPolicy::public_only();
    /// assert!(!policy.is_allow_all());
    /// assert!(!policy.permits("127.0.0.1".parse().unwrap()));
    /// ```
    pub fn public_only() -> Self {
        AddressPolicy {
            public_only: true,
            allowed: Vec::new(),
        }
    }

    /// Also allows the addresses of `cidr` (`10.0.0.0/8`, `127.0.0.1/32`, `::1/128`; a bare
    /// address is one host). Changes nothing on an allow-all policy.
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// let policy = AddressPolicy::public_only().allow("127.0.0.1/32")?.allow("::1")?;
    /// assert!(policy.permits("127.0.0.1".parse().unwrap()));
    /// assert!(policy.permits("::1".parse().unwrap()));
    /// assert!(!policy.permits("127.0.0.2".parse().unwrap()));
    ///
    /// let err = AddressPolicy::public_only().allow("10.0.0.0/33").unwrap_err();
    /// assert_eq!(err.text(), "10.0.0.0/33");
    /// # Ok::<(), vaultcred_host::InvalidCidr>(())
    /// ```
    pub fn allow(self, cidr: &str) -> Result<Self, InvalidCidr> {
        Ok(self.allow_cidr(cidr.parse()?))
    }

    /// Like [`AddressPolicy::allow`], with a range already parsed (from a command-line flag,
    /// say).
    ///
    /// ```
    /// use vaultcred_host::{AddressPolicy, Cidr};
    /// let range: Cidr = "192.168.10.0/24".parse()?;
    /// let policy = AddressPolicy::public_only().allow_cidr(range);
    /// assert!(policy.permits("192.168.10.20".parse().unwrap()));
    /// # Ok::<(), vaultcred_host::InvalidCidr>(())
    /// ```
    pub fn allow_cidr(mut self, cidr: Cidr) -> Self {
        self.allowed.push(cidr);
        self
    }

    /// Whether every address is permitted (the adapter then checks nothing).
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// assert!(!AddressPolicy::public_only().allow("0.0.0.0/0")?.is_allow_all());
    /// # Ok::<(), vaultcred_host::InvalidCidr>(())
    /// ```
    pub fn is_allow_all(&self) -> bool {
        !self.public_only
    }

    /// The ranges allowed besides public addresses.
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// let policy = AddressPolicy::public_only().allow("10.0.0.0/8")?;
    /// assert_eq!(policy.allowed()[0].to_string(), "10.0.0.0/8");
    /// # Ok::<(), vaultcred_host::InvalidCidr>(())
    /// ```
    pub fn allowed(&self) -> &[Cidr] {
        &self.allowed
    }

    /// Whether the client may connect to `ip`.
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// assert!(AddressPolicy::public_only().permits("8.8.8.8".parse().unwrap()));
    /// assert!(!AddressPolicy::public_only().permits("fd00::1".parse().unwrap()));
    /// ```
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.check(ip).is_ok()
    }

    /// Like [`AddressPolicy::permits`], saying why an address is refused.
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// let err = AddressPolicy::public_only().check("127.0.0.1".parse().unwrap()).unwrap_err();
    /// assert_eq!(err.range(), "loopback");
    /// assert_eq!(err.to_string(), "address 127.0.0.1 is not allowed by the address policy (loopback)");
    /// ```
    pub fn check(&self, ip: IpAddr) -> Result<(), AddressNotAllowed> {
        if !self.public_only {
            return Ok(());
        }
        let Some(special) = ranges::special(ip) else {
            return Ok(());
        };
        let mapped = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let allowed = |ip: IpAddr| self.allowed.iter().any(|c| c.contains(ip));
        if allowed(ip) || mapped.is_some_and(allowed) {
            return Ok(());
        }
        Err(AddressNotAllowed {
            ip,
            range: special.range,
            embedded: special.embedded,
        })
    }
}

/// An IP address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or a single address.
///
/// ```
/// use vaultcred_host::Cidr;
/// let range: Cidr = "172.16.0.0/12".parse()?;
/// assert!(range.contains("172.31.255.255".parse().unwrap()));
/// assert!(!range.contains("172.32.0.0".parse().unwrap()));
/// assert_eq!("::1".parse::<Cidr>()?.to_string(), "::1/128");
/// # Ok::<(), vaultcred_host::InvalidCidr>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr(IpNet);

impl Cidr {
    /// Whether `ip` is in the range (an IPv4 address is never in an IPv6 range, nor the
    /// reverse).
    ///
    /// ```
    /// use vaultcred_host::Cidr;
    /// let range: Cidr = "::/0".parse()?;
    /// assert!(!range.contains("127.0.0.1".parse().unwrap()));
    /// # Ok::<(), vaultcred_host::InvalidCidr>(())
    /// ```
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl FromStr for Cidr {
    type Err = InvalidCidr;

    /// Parses `address/prefix-length`, or a bare address as a single host. Refuses a prefix
    /// length too long for the address family and an address with bits set past the prefix
    /// (`10.1.2.3/8`: a typo for `10.0.0.0/8` or for `10.1.2.3/32`?).
    fn from_str(text: &str) -> Result<Cidr, InvalidCidr> {
        let invalid = |problem: String| InvalidCidr {
            text: text.to_owned(),
            problem,
        };
        let Some((addr, len)) = text.split_once('/') else {
            return match text.parse::<IpAddr>() {
                Ok(ip) => Ok(Cidr(IpNet::from(ip))),
                Err(_) => Err(invalid("not an IP address or CIDR range".into())),
            };
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| invalid(format!("{addr:?} is not an IP address")))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bad_len = || invalid(format!("the prefix length must be 0 to {max}"));
        let len = Some(len)
            .filter(|len| (1..=3).contains(&len.len()) && len.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|len| len.parse::<u8>().ok())
            .ok_or_else(bad_len)?;
        let net = IpNet::new(addr, len).map_err(|_| bad_len())?;
        if net.trunc() != net {
            return Err(invalid(format!(
                "bits are set past the prefix length (the range is {}, one host is {}/{max})",
                net.trunc(),
                addr
            )));
        }
        Ok(Cidr(net))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A CIDR range that does not parse; the message names the text.
///
/// ```
/// let err = "10.0.0.0/8x".parse::<vaultcred_host::Cidr>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid CIDR range \"10.0.0.0/8x\": the prefix length must be 0 to 32");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid CIDR range {text:?}: {problem}")]
pub struct InvalidCidr {
    text: String,
    problem: String,
}

impl InvalidCidr {
    /// The text that does not parse.
    ///
    /// ```
    /// let err = "localhost".parse::<vaultcred_host::Cidr>().unwrap_err();
    /// assert_eq!(err.text(), "localhost");
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// An address the [`AddressPolicy`] refuses, and the range it is in.
///
/// ```
/// use vaultcred_host::AddressPolicy;
/// let err = AddressPolicy::public_only().check("::ffff:169.254.169.254".parse().unwrap()).unwrap_err();
/// assert_eq!(err.range(), "link-local");
/// assert_eq!(
///     err.to_string(),
///     "address ::ffff:169.254.169.254 is not allowed by the address policy (IPv4-mapped 169.254.169.254: link-local)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct AddressNotAllowed {
    ip: IpAddr,
    range: &'static str,
    embedded: Option<(&'static str, Ipv4Addr)>,
}

impl AddressNotAllowed {
    /// The refused address.
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// let ip = "10.0.0.1".parse().unwrap();
    /// assert_eq!(AddressPolicy::public_only().check(ip).unwrap_err().ip(), ip);
    /// ```
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The name of the range it is in (`loopback`, `private`, `link-local`…); for an IPv6 form
    /// of an IPv4 address, the IPv4 address's range.
    ///
    /// ```
    /// use vaultcred_host::AddressPolicy;
    /// let err = AddressPolicy::public_only().check("100.64.0.1".parse().unwrap()).unwrap_err();
    /// assert_eq!(err.range(), "shared address space (CGNAT)");
    /// ```
    pub fn range(&self) -> &'static str {
        self.range
    }
}

impl fmt::Display for AddressNotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "address {} is not allowed by the address policy (",
            self.ip
        )?;
        if let Some((form, v4)) = self.embedded {
            write!(f, "{form} {v4}: ")?;
        }
        write!(f, "{})", self.range)
    }
}
