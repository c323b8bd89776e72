//! A `graphql-transport-ws` client (the protocol of the `graphql-ws` library).

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const PROTOCOL: &str = "graphql-transport-ws";

/// How long to wait for a message that must come.
pub const DUE: Duration = Duration::from_secs(10);

pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Connects with `Sec-WebSocket-Protocol: graphql-transport-ws`, checks the
    /// server chose that protocol, sends `connection_init` and waits for
    /// `connection_ack`.
    pub async fn connect(url: &str) -> WsClient {
        Self::connect_with(url, json!({})).await
    }

    /// [`connect`](Self::connect) with `Authorization: Bearer <token>` in the
    /// `connection_init` payload.
    pub async fn connect_as(url: &str, token: &str) -> WsClient {
        Self::connect_with(url, json!({ "Authorization": format!("Bearer {token}") })).await
    }

    /// Connects and sends `connection_init` with `payload`; waits for the ack.
    pub async fn connect_with(url: &str, payload: Value) -> WsClient {
        let mut client = Self::open(url).await;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = client.receive(DUE).await.expect("connection_ack in time");
        assert_eq!(ack["type"], "connection_ack", "got {ack}");
        client
    }

    /// The websocket handshake only (no `connection_init` sent yet).
    pub async fn open(url: &str) -> WsClient {
        let mut request = url.into_client_request().expect("a websocket URL");
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(PROTOCOL));
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket handshake");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some(PROTOCOL),
            "the server must choose graphql-transport-ws"
        );
        WsClient { socket }
    }

    /// Sends `message` if the socket still takes it (the server may be
    /// closing it); says whether it went out.
    pub async fn try_send(&mut self, message: Value) -> bool {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .is_ok()
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send a websocket message");
    }

    /// Starts subscription `id`, then makes sure the server has set it up
    /// (see [`WsClient::sync`]) so that changes made from now on reach it.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
        self.sync().await;
    }

    /// Two ping/pong round trips. The server reads a connection's messages in
    /// order and polls its subscriptions (which is when a subscription starts
    /// listening) whenever no client message is waiting: the first pong comes
    /// after the `subscribe` was read, the second after the server went
    /// through its subscriptions at least once. The protocol has no
    /// acknowledgement of `subscribe`; this is the closest to one.
    pub async fn sync(&mut self) {
        for _ in 0..2 {
            self.send(json!({ "type": "ping" })).await;
            let pong = self.receive(DUE).await.expect("a pong in time");
            assert_eq!(pong["type"], "pong", "expected a pong, got {pong}");
        }
    }

    /// The next protocol message within `wait` (answering server pings on
    /// the way), or `None` when nothing came.
    pub async fn receive(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return None,
                Ok(None) => panic!("the server closed the websocket"),
                Ok(Some(frame)) => frame.expect("a websocket frame"),
            };
            match frame {
                Message::Text(text) => {
                    let message: Value =
                        serde_json::from_str(text.as_str()).expect("a JSON protocol message");
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(message);
                }
                Message::Close(frame) => panic!("the server closed the websocket: {frame:?}"),
                // Transport-level pings are answered by tungstenite itself.
                _ => continue,
            }
        }
    }

    /// The payload of the next `next` message of subscription `id` (panics
    /// on anything else, or when nothing comes within [`DUE`]).
    pub async fn expect_next(&mut self, id: &str) -> Value {
        let message = self
            .receive(DUE)
            .await
            .unwrap_or_else(|| panic!("no message for subscription {id} within {DUE:?}"));
        assert_eq!(message["type"], "next", "expected `next`, got {message}");
        assert_eq!(
            message["id"], id,
            "a message for another subscription: {message}"
        );
        message["payload"].clone()
    }

    /// Asserts that no message arrives within `wait` (a bounded wait for
    /// "nothing happens").
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(message) = self.receive(wait).await {
            panic!("expected no message, got {message}");
        }
    }

    /// Sends `connection_init` with `payload` and expects the server to close
    /// the socket instead of acknowledging; returns the close reason.
    pub async fn init_refused(mut self, payload: Value) -> String {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let deadline = tokio::time::Instant::now() + DUE;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => panic!("the server neither closed nor answered within {DUE:?}"),
                Ok(None) => return String::new(),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return frame.map(|f| f.reason.to_string()).unwrap_or_default();
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    panic!("expected the socket closed, got {text}")
                }
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) => return String::new(),
            }
        }
    }

    /// Waits (up to `wait`) for the server to close the socket, answering
    /// pings and skipping other messages; returns the close code and reason.
    /// Panics when the socket is still open after `wait`.
    pub async fn expect_closed(&mut self, wait: Duration) -> (u16, String) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => panic!("the server did not close the socket within {wait:?}"),
                Ok(None) | Ok(Some(Err(_))) => return (0, String::new()),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or_default();
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
