//! Reading an HTTP/1.1 answer's head off a raw socket, for the flood client.

use anyhow::Context;

/// What the flood client needs of an answer's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerHead {
    /// The status code.
    pub status: u16,
    /// Bytes of body after the head (`Content-Length`; 0 without one).
    pub body_length: usize,
    /// Whether the server keeps the connection open (no `Connection: close`).
    pub keep_alive: bool,
    /// Bytes the head takes, blank line included.
    pub head_length: usize,
}

/// Most headers an answer may carry; intake sends fewer than half as many.
const MOST_HEADERS: usize = 64;

/// The head at the start of `bytes`, or `None` when it has not all arrived yet.
pub fn parse(bytes: &[u8]) -> anyhow::Result<Option<AnswerHead>> {
    let mut headers = [httparse::EMPTY_HEADER; MOST_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head_length) = response.parse(bytes)? else { return Ok(None) };
    let status = response.code.context("a status line")?;
    let (mut body_length, mut keep_alive) = (0, true);
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            body_length = std::str::from_utf8(header.value)?.trim().parse()?;
        } else if header.name.eq_ignore_ascii_case("connection") {
            keep_alive = !header.value.eq_ignore_ascii_case(b"close");
        }
    }
    Ok(Some(AnswerHead { status, body_length, keep_alive, head_length }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_head_gives_status_length_and_whether_the_connection_stays() {
        let answer = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 7\r\ncontent-length: 12\r\nConnection: close\r\n\r\n{\"busy\":true}";
        let head = parse(answer).expect("valid").expect("complete");
        assert_eq!(
            head,
            AnswerHead { status: 503, body_length: 12, keep_alive: false, head_length: answer.len() - 13 }
        );
        let kept = parse(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n").expect("valid").expect("complete");
        assert_eq!((kept.status, kept.body_length, kept.keep_alive), (201, 0, true));
    }

    #[test]
    fn a_partial_head_asks_for_more_and_garbage_is_an_error() {
        assert_eq!(parse(b"HTTP/1.1 201 Created\r\nContent-Le").expect("valid so far"), None);
        assert!(parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n").is_err());
    }
}
