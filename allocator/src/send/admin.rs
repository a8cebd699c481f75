//! Bearerbox's admin interface: whether the gateway still holds a message
//! in its queue (`store-status`), the last check before an in-doubt
//! message may be sent again.

use std::time::Duration;

use anyhow::Context;
use store::OutboxMessage;

/// Bearerbox's admin URL and password.
#[derive(Debug, Clone)]
pub struct GatewayAdmin {
    client: reqwest::Client,
    url: String,
    password: String,
}

impl GatewayAdmin {
    /// The admin interface at `url` (e.g. `http://127.0.0.1:13000`).
    pub fn new(url: &str, password: &str, timeout: Duration) -> anyhow::Result<GatewayAdmin> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(GatewayAdmin { client, url: url.trim_end_matches('/').to_owned(), password: password.to_owned() })
    }

    /// Which of `messages` the gateway's store holds (a message to the same
    /// recipient with the same text: the text names the reference, so it
    /// is that message). One listing for all of them.
    pub async fn held<'m>(&self, messages: &'m [OutboxMessage]) -> anyhow::Result<Vec<&'m OutboxMessage>> {
        let listing = self.store_status().await?;
        Ok(messages.iter().filter(|m| listed(&listing, &m.message.recipient, &m.message.body)).collect())
    }

    async fn store_status(&self) -> anyhow::Result<String> {
        let url = format!("{}/store-status.xml", self.url);
        let password: String = form_urlencoded::byte_serialize(self.password.as_bytes()).collect();
        let response = self
            .client
            .get(format!("{url}?password={password}"))
            .send()
            .await
            .with_context(|| format!("asking the gateway's admin interface {url}"))?;
        let status = response.status();
        let body = response.text().await?;
        anyhow::ensure!(status.is_success(), "the gateway's admin interface answered {status}: {}", body.trim());
        Ok(body)
    }
}

/// Whether the `store-status.xml` listing has a message to `recipient`
/// with `text`. Kannel lists the text URL-encoded (`+` for a space).
fn listed(listing: &str, recipient: &str, text: &str) -> bool {
    listing.split("<message>").skip(1).any(|entry| {
        let receiver = element(entry, "receiver").map(unescape);
        let data = element(entry, "msg-data").map(|d| {
            form_urlencoded::parse(format!("t={}", unescape(d)).as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect::<String>()
        });
        receiver.as_deref() == Some(recipient) && data.as_deref() == Some(text)
    })
}

fn element<'a>(entry: &'a str, name: &str) -> Option<&'a str> {
    let (_, rest) = entry.split_once(&format!("<{name}>"))?;
    rest.split_once(&format!("</{name}>")).map(|(value, _)| value)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_held_only_when_recipient_and_text_match() {
        // As bearerbox lists them: the text URL-encoded when it is not plain.
        let listing = "<gateway>\n\t<message>\n\t<receiver>+60123</receiver>\n\t\
                       <msg-data>Hi+A%2FB+%26+%22C%22+1%2B1</msg-data>\n\t</message>\n\t<message>\n\t\
                       <receiver>+60999</receiver>\n\t<msg-data>third</msg-data>\n\t</message>\n</gateway>";
        assert!(listed(listing, "+60123", "Hi A/B & \"C\" 1+1"));
        assert!(listed(listing, "+60999", "third"));
        assert!(!listed(listing, "+60124", "Hi A/B & \"C\" 1+1"));
        assert!(!listed(listing, "+60123", "Hi A"));
    }
}
