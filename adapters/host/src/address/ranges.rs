//! The special-purpose address ranges a [`public_only`](crate::AddressPolicy::public_only)
//! policy refuses: those IANA's special-purpose registries mark as not globally reachable,
//! plus multicast, broadcast and the deprecated IPv6 site-local and IPv4-compatible forms.
//!
//! An IPv6 address that embeds an IPv4 one the network may deliver to (IPv4-mapped,
//! NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is judged by its IPv4 address.

use ipnet::{Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(segments: [u16; 8], len: u8) -> Ipv6Net {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), len)
}

/// Refused IPv4 ranges and their names, most specific first where they nest.
const V4: &[(Ipv4Net, &str)] = &[
    (v4(0, 0, 0, 0, 32), "unspecified"),
    (v4(0, 0, 0, 0, 8), "\"this network\""),
    (v4(10, 0, 0, 0, 8), "private"),
    (v4(100, 64, 0, 0, 10), "shared address space (CGNAT)"),
    (v4(127, 0, 0, 0, 8), "loopback"),
    (v4(169, 254, 0, 0, 16), "link-local"),
    (v4(172, 16, 0, 0, 12), "private"),
    (v4(192, 0, 0, 0, 24), "IETF protocol assignments"),
    (v4(192, 0, 2, 0, 24), "documentation"),
    (v4(192, 168, 0, 0, 16), "private"),
    (v4(198, 18, 0, 0, 15), "benchmarking"),
    (v4(198, 51, 100, 0, 24), "documentation"),
    (v4(203, 0, 113, 0, 24), "documentation"),
    (v4(224, 0, 0, 0, 4), "multicast"),
    (v4(255, 255, 255, 255, 32), "broadcast"),
    (v4(240, 0, 0, 0, 4), "reserved"),
];

/// Refused IPv6 ranges and their names, most specific first where they nest. The IPv4-mapped
/// range is not here: those addresses are judged as IPv4.
const V6: &[(Ipv6Net, &str)] = &[
    (v6([0; 8], 128), "unspecified"),
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), "loopback"),
    (v6([0; 8], 96), "IPv4-compatible (deprecated)"),
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), "NAT64 local use"),
    (v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64), "discard-only"),
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), "documentation"),
    (
        v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),
        "IETF protocol assignments",
    ),
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), "documentation"),
    (
        v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),
        "unique local (private)",
    ),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), "link-local"),
    (
        v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),
        "site-local (deprecated)",
    ),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), "multicast"),
];

const NAT64: Ipv6Net = v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96);
const SIX_TO_FOUR: Ipv6Net = v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16);

/// Why an address is refused: the range, and for an IPv6 address judged by the IPv4 address
/// it embeds, the form and that IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Special {
    pub(super) range: &'static str,
    pub(super) embedded: Option<(&'static str, Ipv4Addr)>,
}

/// The special-purpose range `ip` is in, or `None` for a public address.
pub(super) fn special(ip: IpAddr) -> Option<Special> {
    let plain = |range| Special {
        range,
        embedded: None,
    };
    match ip {
        IpAddr::V4(ip) => special_v4(ip).map(plain),
        IpAddr::V6(ip) => match embedded_v4(ip) {
            Some((form, v4)) => special_v4(v4).map(|range| Special {
                range,
                embedded: Some((form, v4)),
            }),
            None => V6
                .iter()
                .find(|(net, _)| net.contains(&ip))
                .map(|(_, name)| plain(name)),
        },
    }
}

/// The name of the refused IPv4 range `ip` is in.
fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    V4.iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, name)| *name)
}

/// The IPv4 address an IPv4-mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4
/// (`2002:AABB:CCDD::/48`) address leads to, and the form's name.
fn embedded_v4(ip: Ipv6Addr) -> Option<(&'static str, Ipv4Addr)> {
    let o = ip.octets();
    if let Some(mapped) = ip.to_ipv4_mapped() {
        Some(("IPv4-mapped", mapped))
    } else if NAT64.contains(&ip) {
        Some(("NAT64", Ipv4Addr::new(o[12], o[13], o[14], o[15])))
    } else if SIX_TO_FOUR.contains(&ip) {
        Some(("6to4", Ipv4Addr::new(o[2], o[3], o[4], o[5])))
    } else {
        None
    }
}
