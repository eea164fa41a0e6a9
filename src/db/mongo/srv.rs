//! `mongodb+srv://` URLs: MongoDB's "Initial DNS Seedlist Discovery", done here with
//! [`super::dns`] and handed to the driver as a plain `mongodb://` seed list.
//!
//! - The URL names one host and no port; `_<srvServiceName>._tcp.<host>` (service `mongodb`
//!   by default) gives the servers, each of which must lie in the host's parent domain (the host
//!   without its first label; for a host of one or two labels, below the host itself).
//! - At most one TXT record on the host, holding only `authSource`, `replicaSet` and
//!   `loadBalanced`; options in the URL win over it.
//! - TLS is on unless the URL says `tls=false` (or `ssl=false`).
//! - `srvMaxHosts` picks that many servers at random (0: all); it cannot be combined with
//!   `replicaSet` or `loadBalanced=true`.
//!
//! The seed list is resolved when the client opens (again after `close()`); the SRV record is
//! not polled afterwards (the drivers poll it only for sharded clusters, to follow added or
//! removed `mongos` routers).

use super::dns::{self, DnsError, Srv};
use crate::error::{Error, Result};

const SCHEME: &str = "mongodb+srv://";
const TXT_OPTIONS: [&str; 3] = ["authsource", "replicaset", "loadbalanced"];

/// The parts of a `mongodb+srv://` URL.
#[derive(Debug, PartialEq, Eq)]
pub struct SrvUrl<'a> {
    /// `user:pass@`, or empty.
    pub userinfo: &'a str,
    pub host: String,
    /// `/db` or empty.
    pub path: &'a str,
    /// The query's `key=value` pairs, as written.
    pub options: Vec<(&'a str, &'a str)>,
}

fn config(message: impl Into<String>) -> Error {
    Error::config(format!("mongoDatabase: {}", message.into()))
}

fn option<'a>(options: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    options.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| *v)
}

/// Splits a `mongodb+srv://` URL and checks its host part.
pub fn parse(url: &str) -> Result<SrvUrl<'_>> {
    let rest = url.strip_prefix(SCHEME).ok_or_else(|| config("not a mongodb+srv:// URL"))?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, host) = match authority.rfind('@') {
        Some(at) => (&authority[..=at], &authority[at + 1..]),
        None => ("", authority),
    };
    if host.contains(',') {
        return Err(config("a mongodb+srv:// URL names exactly one host (the SRV record lists the servers)"));
    }
    if host.contains(':') {
        return Err(config("a mongodb+srv:// URL cannot name a port (the SRV record gives each server's port)"));
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.split('.').any(str::is_empty) {
        return Err(config("a mongodb+srv:// URL needs a host name"));
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, q),
        None => (tail, ""),
    };
    let options = query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    Ok(SrvUrl { userinfo, host, path, options })
}

/// Whether `target` (an SRV answer) lies where the spec allows for `host`.
pub fn in_domain(host: &str, target: &str) -> bool {
    let labels = host.split('.').count();
    if labels >= 3 {
        let parent = host.split_once('.').map_or(host, |(_, p)| p);
        target.ends_with(&format!(".{parent}"))
    } else {
        target.len() > host.len() && target.ends_with(&format!(".{host}"))
    }
}

/// The TXT record's options, checked: `(key, value)` pairs.
pub fn txt_options(records: &[String]) -> Result<Vec<(String, String)>> {
    match records {
        [] => Ok(Vec::new()),
        [record] => {
            let mut out = Vec::new();
            for pair in record.split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').ok_or_else(|| config(format!("the TXT record's option `{pair}` has no value")))?;
                if !TXT_OPTIONS.contains(&key.to_ascii_lowercase().as_str()) {
                    return Err(config(format!("the TXT record may only set authSource, replicaSet and loadBalanced, not `{key}`")));
                }
                out.push((key.to_string(), value.to_string()));
            }
            Ok(out)
        }
        _ => Err(config("the host has more than one TXT record")),
    }
}

/// Picks `max` of `hosts` at random (all when `max` is 0 or not smaller).
fn pick(mut hosts: Vec<Srv>, max: usize) -> Vec<Srv> {
    if max == 0 || hosts.len() <= max {
        return hosts;
    }
    let rng = ring::rand::SystemRandom::new();
    for i in (1..hosts.len()).rev() {
        let mut bytes = [0u8; 8];
        let _ = ring::rand::SecureRandom::fill(&rng, &mut bytes);
        let j = (u64::from_le_bytes(bytes) % (i as u64 + 1)) as usize;
        hosts.swap(i, j);
    }
    hosts.truncate(max);
    hosts
}

fn dns_error(e: DnsError) -> Error {
    match e {
        DnsError::Config(m) => config(m),
        DnsError::Unreachable(m) => Error::unreachable(format!("mongoDatabase: {m}")),
        DnsError::Answer(m) => Error::database(format!("mongoDatabase: {m}")),
    }
}

/// The `mongodb://` URL a `mongodb+srv://` URL stands for, resolved through `dns_server` (see
/// [`dns::nameservers`]).
pub async fn resolve(url: &str, dns_server: Option<&str>) -> Result<String> {
    let parsed = parse(url)?;
    let service = option(&parsed.options, "srvServiceName").unwrap_or("mongodb");
    let max_hosts = match option(&parsed.options, "srvMaxHosts") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| config(format!("srvMaxHosts must be a non-negative integer, got `{v}`")))?,
    };
    if option(&parsed.options, "directConnection").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Err(config("directConnection=true cannot be used with mongodb+srv://"));
    }
    let servers = dns::nameservers(dns_server).map_err(dns_error)?;
    let srv_name = format!("_{service}._tcp.{}", parsed.host);
    let records = dns::lookup_srv(&servers, &srv_name).await.map_err(dns_error)?;
    if records.is_empty() {
        return Err(config(format!("no SRV records for {srv_name}")));
    }
    for record in &records {
        if !in_domain(&parsed.host, &record.target) {
            return Err(config(format!("the SRV record for {srv_name} names {}, which is outside the domain of {}", record.target, parsed.host)));
        }
    }
    let txt = txt_options(&dns::lookup_txt(&servers, &parsed.host).await.map_err(dns_error)?)?;

    let mut options: Vec<String> = parsed
        .options
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("srvServiceName") && !k.eq_ignore_ascii_case("srvMaxHosts"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for (key, value) in &txt {
        if option(&parsed.options, key).is_none() {
            options.push(format!("{key}={value}"));
        }
    }
    if option(&parsed.options, "tls").is_none() && option(&parsed.options, "ssl").is_none() {
        options.push("tls=true".into());
    }
    let has = |key: &str| option(&parsed.options, key).or_else(|| txt.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str()));
    if max_hosts > 0 && has("replicaSet").is_some() {
        return Err(config("srvMaxHosts cannot be combined with replicaSet"));
    }
    if max_hosts > 0 && has("loadBalanced").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Err(config("srvMaxHosts cannot be combined with loadBalanced=true"));
    }
    let hosts: Vec<String> = pick(records, max_hosts).into_iter().map(|r| format!("{}:{}", r.target, r.port)).collect();
    let path = if parsed.path.is_empty() { "/" } else { parsed.path };
    Ok(format!("mongodb://{}{}{path}?{}", parsed.userinfo, hosts.join(","), options.join("&")))
}
