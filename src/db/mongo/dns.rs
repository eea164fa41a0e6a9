//! A small DNS client for the two lookups a `mongodb+srv://` URL needs (SRV and TXT), so the
//! driver's own resolver (a large dependency that cannot be pointed at a chosen nameserver) is
//! not built in. Queries go over UDP to a recursive nameserver, and again over TCP when the
//! answer comes back truncated; each attempt is bounded in time, each nameserver is tried in turn.
//!
//! Nameservers: the `dnsServer` option, else the `HOT_UPDATER_DNS_SERVER` environment variable
//! (`host[:port]`, several separated by commas), else the `nameserver` lines of
//! `/etc/resolv.conf`, port 53.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// The environment variable naming nameservers when the option does not.
pub const DNS_SERVER_ENV: &str = "HOT_UPDATER_DNS_SERVER";
const RESOLV_CONF: &str = "/etc/resolv.conf";
/// One attempt (one nameserver, one transport) waits at most this long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
const TYPE_TXT: u16 = 16;
const TYPE_SRV: u16 = 33;

/// Why a lookup failed.
#[derive(Debug, PartialEq, Eq)]
pub enum DnsError {
    /// The configuration names no usable nameserver.
    Config(String),
    /// No nameserver answered (timeouts, refused connections).
    Unreachable(String),
    /// A nameserver answered with an error, or with something that is not DNS.
    Answer(String),
}

/// One SRV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub target: String,
    pub port: u16,
}

/// Parses `host`, `host:port`, `[v6]` or `[v6]:port` (port 53 by default), comma-separated.
pub fn parse_servers(text: &str) -> Result<Vec<SocketAddr>, DnsError> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let parsed = item.parse::<SocketAddr>().ok().or_else(|| {
            let bare = item.trim_start_matches('[').trim_end_matches(']');
            bare.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53))
        });
        match parsed {
            Some(addr) => out.push(addr),
            None => return Err(DnsError::Config(format!("DNS server `{item}` is not an IP address with an optional port (127.0.0.1:53, [::1]:53)"))),
        }
    }
    if out.is_empty() {
        return Err(DnsError::Config("no DNS server given".into()));
    }
    Ok(out)
}

/// The `nameserver` lines of a resolv.conf text.
pub fn resolv_conf_servers(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver")).then(|| words.next()).flatten()
        })
        // A scoped IPv6 address (fe80::1%eth0) cannot be parsed as an IpAddr; it is skipped.
        .filter_map(|word| word.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// The nameservers to ask (see the module documentation).
pub fn nameservers(option: Option<&str>) -> Result<Vec<SocketAddr>, DnsError> {
    if let Some(text) = option {
        return parse_servers(text);
    }
    if let Ok(text) = std::env::var(DNS_SERVER_ENV) {
        if !text.trim().is_empty() {
            return parse_servers(&text).map_err(|e| match e {
                DnsError::Config(m) => DnsError::Config(format!("{DNS_SERVER_ENV}: {m}")),
                other => other,
            });
        }
    }
    let text = std::fs::read_to_string(RESOLV_CONF).unwrap_or_default();
    let servers = resolv_conf_servers(&text);
    if servers.is_empty() {
        return Err(DnsError::Config(format!("no nameserver in {RESOLV_CONF}; set the `dnsServer` option or {DNS_SERVER_ENV}")));
    }
    Ok(servers)
}

/// A query for `name` of type `qtype`, with recursion desired.
pub fn encode_query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, DnsError> {
    let mut out = Vec::with_capacity(name.len() + 18);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    let name = name.trim_end_matches('.');
    if name.len() > 253 {
        return Err(DnsError::Config(format!("DNS name too long: {name}")));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(DnsError::Config(format!("invalid DNS name: {name}")));
        }
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    Ok(out)
}

fn bad(what: &str) -> DnsError {
    DnsError::Answer(format!("malformed DNS answer ({what})"))
}

fn read_u16(msg: &[u8], at: usize) -> Result<u16, DnsError> {
    msg.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or_else(|| bad("short message"))
}

/// Reads the (possibly compressed) name at `at`; returns it and the offset after it.
fn read_name(msg: &[u8], mut at: usize) -> Result<(String, usize), DnsError> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(at).ok_or_else(|| bad("name past the end"))?;
        match len {
            0 => {
                return Ok((labels.join("."), end.unwrap_or(at + 1)));
            }
            l if l & 0xC0 == 0xC0 => {
                let pointer = usize::from(read_u16(msg, at)? & 0x3FFF);
                end.get_or_insert(at + 2);
                at = pointer;
            }
            l if l & 0xC0 == 0 => {
                let label = msg.get(at + 1..at + 1 + usize::from(l)).ok_or_else(|| bad("label past the end"))?;
                labels.push(String::from_utf8_lossy(label).into_owned());
                at += 1 + usize::from(l);
            }
            _ => return Err(bad("label type")),
        }
    }
    Err(bad("name loop"))
}

/// The answer's records of type `qtype` (rdata slices with their offsets, for names inside).
/// `Ok(None)` means the name does not exist (NXDOMAIN).
pub fn parse_answer(msg: &[u8], id: u16, qtype: u16) -> Result<Option<Vec<(usize, usize)>>, DnsError> {
    if msg.len() < 12 || read_u16(msg, 0)? != id || msg[2] & 0x80 == 0 {
        return Err(bad("not an answer to the query"));
    }
    match msg[3] & 0x0F {
        0 => {}
        3 => return Ok(None),
        code => return Err(DnsError::Answer(format!("the nameserver answered with error code {code}"))),
    }
    let questions = read_u16(msg, 4)?;
    let answers = read_u16(msg, 6)?;
    let mut at = 12;
    for _ in 0..questions {
        at = read_name(msg, at)?.1 + 4;
    }
    let mut out = Vec::new();
    for _ in 0..answers {
        at = read_name(msg, at)?.1;
        let rtype = read_u16(msg, at)?;
        let rdlength = usize::from(read_u16(msg, at + 8)?);
        let start = at + 10;
        if msg.len() < start + rdlength {
            return Err(bad("record past the end"));
        }
        if rtype == qtype {
            out.push((start, rdlength));
        }
        at = start + rdlength;
    }
    Ok(Some(out))
}

pub fn parse_srv(msg: &[u8], (start, len): (usize, usize)) -> Result<Srv, DnsError> {
    if len < 7 {
        return Err(bad("SRV record too short"));
    }
    let port = read_u16(msg, start + 4)?;
    let (target, _) = read_name(msg, start + 6)?;
    Ok(Srv { target: target.to_ascii_lowercase(), port })
}

/// A TXT record's strings, joined (RFC 7208 style; MongoDB's spec joins them the same way).
pub fn parse_txt(msg: &[u8], (start, len): (usize, usize)) -> Result<String, DnsError> {
    let mut out = Vec::new();
    let mut at = start;
    while at < start + len {
        let l = usize::from(msg[at]);
        out.extend_from_slice(msg.get(at + 1..at + 1 + l).ok_or_else(|| bad("TXT string past the end"))?);
        at += 1 + l;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn query_id() -> u16 {
    let mut bytes = [0u8; 2];
    // A random id (RFC 5452); if the system source fails, the clock's nanoseconds do.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        bytes = (nanos as u16).to_be_bytes();
    }
    u16::from_be_bytes(bytes)
}

async fn over_udp(server: SocketAddr, query: &[u8], id: u16) -> std::io::Result<Vec<u8>> {
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { (std::net::Ipv6Addr::UNSPECIFIED, 0).into() };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(server).await?;
    socket.send(query).await?;
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = socket.recv(&mut buf).await?;
        // A stray datagram (another id) is not the answer: wait on.
        if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
            buf.truncate(n);
            return Ok(buf);
        }
    }
}

async fn over_tcp(server: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(server).await?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    let len = usize::from(stream.read_u16().await?);
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).await?;
    Ok(buf)
}

/// Asks each nameserver in turn; returns the first answer message and its query id.
async fn exchange(servers: &[SocketAddr], name: &str, qtype: u16) -> Result<(Vec<u8>, u16), DnsError> {
    let mut failures = Vec::new();
    for &server in servers {
        let id = query_id();
        let query = encode_query(id, name, qtype)?;
        let answer = match tokio::time::timeout(ATTEMPT_TIMEOUT, over_udp(server, &query, id)).await {
            Ok(Ok(msg)) if msg.len() > 2 && msg[2] & 0x02 != 0 => tokio::time::timeout(ATTEMPT_TIMEOUT, over_tcp(server, &query)).await,
            other => other,
        };
        match answer {
            Ok(Ok(msg)) => return Ok((msg, id)),
            Ok(Err(e)) => failures.push(format!("{server}: {e}")),
            Err(_) => failures.push(format!("{server}: no answer within {} s", ATTEMPT_TIMEOUT.as_secs())),
        }
    }
    Err(DnsError::Unreachable(format!("no DNS server answered for {name} ({})", failures.join("; "))))
}

/// The SRV records of `name` (empty when there are none or the name does not exist).
pub async fn lookup_srv(servers: &[SocketAddr], name: &str) -> Result<Vec<Srv>, DnsError> {
    let (msg, id) = exchange(servers, name, TYPE_SRV).await?;
    let records = parse_answer(&msg, id, TYPE_SRV)?.unwrap_or_default();
    records.into_iter().map(|r| parse_srv(&msg, r)).collect()
}

/// The TXT records of `name`, each record's strings joined (empty when there are none).
pub async fn lookup_txt(servers: &[SocketAddr], name: &str) -> Result<Vec<String>, DnsError> {
    let (msg, id) = exchange(servers, name, TYPE_TXT).await?;
    let records = parse_answer(&msg, id, TYPE_TXT)?.unwrap_or_default();
    records.into_iter().map(|r| parse_txt(&msg, r)).collect()
}
