//! Kannel's `sendsms` interface: one HTTP GET per message, asking for
//! every delivery report (`dlr-mask=31`) at a URL that names the message
//! and the attempt, so a report finds its row even after a restart.

use std::time::Duration;

use store::OutboxMessage;

/// Where and as whom to send.
#[derive(Debug, Clone)]
pub struct Gateway {
    client: reqwest::Client,
    sendsms_url: String,
    username: String,
    password: String,
    sender: Option<String>,
    reports_url: String,
}

/// What the gateway did with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// It took the message (Kannel: `0: Accepted for delivery`, or
    /// `3: Queued for later delivery` while the SMSC is away).
    Accepted(String),
    /// It refused this message (a bad number, a text it will not take).
    Refused(String),
    /// It refused us (wrong user or password, not allowed from here): no
    /// message can go out, so the send stops.
    Unauthorised(String),
    /// It certainly did not take it: not reachable, or busy. Try again later.
    Unavailable(String),
    /// The request may have reached it, but no answer came.
    Unknown(String),
}

impl Gateway {
    /// A client for Kannel's sendsms at `sendsms_url`; reports are asked
    /// for at `reports_url` (the sender's listener, as Kannel reaches it).
    pub fn new(
        sendsms_url: &str,
        username: &str,
        password: &str,
        sender: Option<&str>,
        reports_url: &str,
        timeout: Duration,
    ) -> anyhow::Result<Gateway> {
        let client = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build()?;
        Ok(Gateway {
            client,
            sendsms_url: sendsms_url.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            sender: sender.map(str::to_owned),
            reports_url: reports_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The full request URL for one attempt at one message.
    pub fn request_url(&self, message: &OutboxMessage) -> String {
        // %d: Kannel's status code; %A: its answer; the rest is ours.
        let dlr_url =
            format!("{}/dlr?id={}&attempt={}&status=%d&answer=%A", self.reports_url, message.id, message.attempts);
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("username", &self.username)
            .append_pair("password", &self.password)
            .append_pair("to", &message.message.recipient)
            .append_pair("text", &message.message.body)
            .append_pair("charset", "UTF-8")
            .append_pair("coding", "0")
            .append_pair("dlr-mask", "31")
            .append_pair("dlr-url", &dlr_url);
        if let Some(sender) = &self.sender {
            query.append_pair("from", sender);
        }
        let join = if self.sendsms_url.contains('?') { '&' } else { '?' };
        format!("{}{join}{}", self.sendsms_url, query.finish())
    }

    /// Sends one attempt at one message.
    pub async fn submit(&self, message: &OutboxMessage) -> Submission {
        match self.client.get(self.request_url(message)).send().await {
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default().trim().to_owned();
                let answer = format!("{} {body}", status.as_u16());
                classify(status, answer)
            }
            // No connection: nothing was sent.
            Err(e) if e.is_connect() => Submission::Unavailable(format!("not reachable: {e}")),
            Err(e) => Submission::Unknown(format!("no answer: {e}")),
        }
    }
}

fn classify(status: reqwest::StatusCode, answer: String) -> Submission {
    match status.as_u16() {
        200..=299 => Submission::Accepted(answer),
        401 | 403 => Submission::Unauthorised(answer),
        // Kannel answers 503 when its queue is full: it took nothing.
        500..=599 => Submission::Unavailable(answer),
        _ => Submission::Refused(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kannels_answers_say_what_became_of_the_message() {
        let answer = |code: u16| classify(reqwest::StatusCode::from_u16(code).expect("a status"), String::new());
        assert_eq!(answer(202), Submission::Accepted(String::new()));
        assert_eq!(answer(403), Submission::Unauthorised(String::new()));
        assert_eq!(answer(503), Submission::Unavailable(String::new()));
        assert_eq!(answer(400), Submission::Refused(String::new()));
    }
}
