//! Who sent a request, for throttling and logs. The TCP peer, unless the peer is one of the
//! configured `trusted_proxies`: then the client is the nearest address in `X-Forwarded-For`
//! that is not a trusted proxy itself. With no trusted proxies (the default) the header is
//! ignored, so a client cannot pick its own address to dodge login throttling.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use app::guard::ClientAddress;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Request};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

#[derive(Clone, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`, per the rule above.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Each proxy appends the address it saw: read from the nearest hop outwards, up to
        // the first that is not a trusted proxy (what a client wrote itself lies beyond it).
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

pub async fn client_address(
    State(trusted): State<TrustedProxies>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = trusted.client(peer, request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("10.0.0.5"), &forwarded("1.2.3.4")),
            ip("10.0.0.5")
        );

        let proxy = TrustedProxies(Arc::new(vec!["10.0.0.0/24".parse().unwrap()]));
        assert_eq!(
            proxy.client(ip("10.0.0.5"), &forwarded("1.2.3.4")),
            ip("1.2.3.4")
        );
        assert_eq!(
            proxy.client(ip("192.0.2.9"), &forwarded("1.2.3.4")),
            ip("192.0.2.9")
        );
    }

    #[test]
    fn a_client_cannot_prepend_an_address_of_its_choice() {
        let proxy = TrustedProxies(Arc::new(vec!["10.0.0.0/24".parse().unwrap()]));
        // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended what it saw.
        let headers = forwarded("6.6.6.6, 1.2.3.4, 10.0.0.7");
        assert_eq!(proxy.client(ip("10.0.0.5"), &headers), ip("1.2.3.4"));
        assert_eq!(
            proxy.client(ip("10.0.0.5"), &forwarded("garbage")),
            ip("10.0.0.5")
        );
    }
}
