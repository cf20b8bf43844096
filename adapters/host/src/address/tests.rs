#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The range a public-only policy names for `text`, or `None` when it permits it.
fn refused(text: &str) -> Option<&'static str> {
    AddressPolicy::public_only()
        .check(ip(text))
        .err()
        .map(|e| e.range())
}

#[test]
fn public_only_refuses_every_special_ipv4_range() {
    for (addr, range) in [
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "\"this network\""),
        ("10.0.0.0", "private"),
        ("10.255.255.255", "private"),
        ("100.64.0.0", "shared address space (CGNAT)"),
        ("100.127.255.255", "shared address space (CGNAT)"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("169.254.169.254", "link-local"),
        ("169.254.0.1", "link-local"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.0.0.8", "IETF protocol assignments"),
        ("192.0.2.1", "documentation"),
        ("192.168.0.1", "private"),
        ("192.168.255.255", "private"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.255", "benchmarking"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
    ] {
        assert_eq!(refused(addr), Some(range), "{addr}");
    }
}

#[test]
fn public_only_permits_public_ipv4_even_next_to_special_ranges() {
    for addr in [
        "1.1.1.1",
        "8.8.8.8",
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.0",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
    ] {
        assert_eq!(refused(addr), None, "{addr}");
    }
}

#[test]
fn public_only_refuses_every_special_ipv6_range() {
    for (addr, range) in [
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("::2", "IPv4-compatible (deprecated)"),
        ("::8.8.8.8", "IPv4-compatible (deprecated)"),
        ("64:ff9b:1::1", "NAT64 local use"),
        ("100::1", "discard-only"),
        ("2001:db8::1", "documentation"),
        ("2001::1", "IETF protocol assignments"),
        ("2001:1ff:ffff::1", "IETF protocol assignments"),
        ("3fff::1", "documentation"),
        ("fc00::1", "unique local (private)"),
        ("fd12:3456::1", "unique local (private)"),
        ("fe80::1", "link-local"),
        ("febf:ffff::1", "link-local"),
        ("fec0::1", "site-local (deprecated)"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
    ] {
        assert_eq!(refused(addr), Some(range), "{addr}");
    }
}

#[test]
fn public_only_permits_public_ipv6() {
    for addr in [
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "2001:200::1",
        "2a00:1450::1",
    ] {
        assert_eq!(refused(addr), None, "{addr}");
    }
}

#[test]
fn ipv6_forms_of_ipv4_addresses_are_judged_by_their_ipv4_address() {
    for (addr, range) in [
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:100.64.0.1", "shared address space (CGNAT)"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("64:ff9b::127.0.0.1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:7f00:1::1", "loopback"),
        ("2002:c0a8:101::", "private"),
    ] {
        assert_eq!(refused(addr), Some(range), "{addr}");
    }
    for addr in ["::ffff:8.8.8.8", "64:ff9b::1.1.1.1", "2002:808:808::1"] {
        assert_eq!(refused(addr), None, "{addr}");
    }
    let err = AddressPolicy::public_only()
        .check(ip("64:ff9b::7f00:1"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "address 64:ff9b::7f00:1 is not allowed by the address policy (NAT64 127.0.0.1: loopback)"
    );
}

#[test]
fn allow_all_permits_everything() {
    let policy = AddressPolicy::allow_all();
    for addr in [
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "::ffff:10.0.0.1",
        "8.8.8.8",
    ] {
        assert!(policy.permits(ip(addr)), "{addr}");
    }
    assert!(policy.is_allow_all());
    assert!(AddressPolicy::default().is_allow_all());
}

#[test]
fn allowed_ranges_open_exactly_their_addresses() {
    let policy = AddressPolicy::public_only()
        .allow("127.0.0.1/32")
        .unwrap()
        .allow("10.0.0.0/8")
        .unwrap()
        .allow("::1/128")
        .unwrap()
        .allow("fd00:1::/32")
        .unwrap();
    for addr in [
        "127.0.0.1",
        "10.0.0.0",
        "10.255.255.255",
        "::1",
        "fd00:1::5",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "8.8.8.8",
    ] {
        assert!(policy.permits(ip(addr)), "{addr}");
    }
    for addr in [
        "127.0.0.2",
        "192.168.0.1",
        "172.16.0.1",
        "169.254.169.254",
        "::2",
        "fd00:2::1",
        "::ffff:127.0.0.2",
        "64:ff9b::a00:1",
    ] {
        assert!(!policy.permits(ip(addr)), "{addr}");
    }
    assert_eq!(policy.allowed().len(), 4);
    assert!(!policy.is_allow_all());
}

#[test]
fn an_ipv6_range_of_mapped_addresses_allows_them() {
    let policy = AddressPolicy::public_only()
        .allow("::ffff:127.0.0.0/104")
        .unwrap();
    assert!(policy.permits(ip("::ffff:127.0.0.9")));
    assert!(!policy.permits(ip("127.0.0.9")));
}

#[test]
fn cidr_text_parses_with_or_without_a_prefix_length() {
    for (text, shown) in [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("127.0.0.1/32", "127.0.0.1/32"),
        ("127.0.0.1", "127.0.0.1/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("::1/128", "::1/128"),
        ("::1", "::1/128"),
        ("fc00::/7", "fc00::/7"),
        ("::/0", "::/0"),
    ] {
        let cidr: Cidr = text.parse().unwrap();
        assert_eq!(cidr.to_string(), shown, "{text}");
    }
}

#[test]
fn bad_cidr_text_is_a_typed_error_naming_it() {
    for (text, problem) in [
        ("", "not an IP address or CIDR range"),
        ("localhost", "not an IP address or CIDR range"),
        ("10.0.0.0/33", "the prefix length must be 0 to 32"),
        ("::/129", "the prefix length must be 0 to 128"),
        ("10.0.0.0/", "the prefix length must be 0 to 32"),
        ("10.0.0.0/+8", "the prefix length must be 0 to 32"),
        ("10.0.0.0/8/8", "the prefix length must be 0 to 32"),
        ("10.0.0.0/-1", "the prefix length must be 0 to 32"),
        ("10.0.0/8", "\"10.0.0\" is not an IP address"),
        ("10.0.0.0 /8", "\"10.0.0.0 \" is not an IP address"),
        ("fe80::1%eth0/64", "\"fe80::1%eth0\" is not an IP address"),
        (
            "10.1.2.3/8",
            "bits are set past the prefix length (the range is 10.0.0.0/8, one host is 10.1.2.3/32)",
        ),
    ] {
        let err = text.parse::<Cidr>().unwrap_err();
        assert_eq!(err.text(), text);
        assert_eq!(
            err.to_string(),
            format!("invalid CIDR range {text:?}: {problem}")
        );
        let err = AddressPolicy::public_only().allow(text).unwrap_err();
        assert_eq!(err.text(), text);
    }
}

#[test]
fn the_refusal_names_the_address_and_its_range() {
    let err = AddressPolicy::public_only()
        .check(ip("127.0.0.1"))
        .unwrap_err();
    assert_eq!(err.ip(), ip("127.0.0.1"));
    assert_eq!(
        err.to_string(),
        "address 127.0.0.1 is not allowed by the address policy (loopback)"
    );
    let err = AddressPolicy::public_only()
        .check(ip("::ffff:127.0.0.1"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "address ::ffff:127.0.0.1 is not allowed by the address policy (IPv4-mapped 127.0.0.1: loopback)"
    );
}
