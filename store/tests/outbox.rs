//! The outbox on both backends: idempotent queueing, claims, answers,
//! delivery reports and messages in doubt.

use campaign::Lang;
use store::testing::{Backend, fresh};
use store::{
    AttemptOutcome, DeliveryReport, DeliveryStatus, InDoubtResolution, NewMessage, OutboxChannel, OutboxState,
    ReportOutcome, Store,
};
use time::OffsetDateTime;
use time::macros::datetime;

const AT: OffsetDateTime = datetime!(2028-01-02 09:00 UTC);

fn message(reference: &str, lang: Lang) -> NewMessage {
    NewMessage {
        run_id: "run-1".into(),
        round: 1,
        reference: reference.into(),
        channel: OutboxChannel::Sms,
        recipient: "60123456789".into(),
        lang,
        centre_id: "SGR-0001".into(),
        body: format!("Hello {reference}"),
    }
}

async fn state_of(store: &Store, id: i64) -> OutboxState {
    let all = store.outbox_messages("run-1", None).await.expect("read");
    all.iter().find(|m| m.id == id).expect("the message").state
}

fn report(outbox_id: i64, attempt: u32, status: DeliveryStatus) -> DeliveryReport {
    DeliveryReport { outbox_id, attempt, status, answer: "ACK/".into(), received_at: AT }
}

async fn queueing_the_same_messages_twice_adds_nothing(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    let messages = vec![message("A", Lang::En), message("B", Lang::Ms)];
    let first = db.store.queue_messages(messages.clone(), AT).await.expect("queued");
    assert_eq!((first.added, first.already), (2, 0));
    let mut more = messages;
    more.push(message("C", Lang::En));
    let second = db.store.queue_messages(more, AT).await.expect("queued");
    assert_eq!((second.added, second.already), (1, 2));
    let stored = db.store.outbox_messages("run-1", None).await.expect("read");
    assert_eq!(stored.iter().map(|m| m.message.reference.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
    assert!(stored.iter().all(|m| m.state == OutboxState::Pending && m.attempts == 0));
    assert_eq!(stored[1].message, message("B", Lang::Ms));
    let claimed = db.store.claim_messages("run-1", 2, AT).await.expect("claimed");
    assert_eq!(claimed.iter().map(|m| m.message.reference.as_str()).collect::<Vec<_>>(), ["A", "B"], "in queue order");
    assert!(claimed.iter().all(|m| m.state == OutboxState::Sending && m.attempts == 1));
}

async fn a_claimed_message_goes_out_once_and_reports_move_it_forward_only(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    db.store.queue_messages(vec![message("A", Lang::En), message("B", Lang::En)], AT).await.expect("queued");
    let a = db.store.claim_next_message("run-1", AT).await.expect("claim").expect("one pending");
    let b = db.store.claim_next_message("run-1", AT).await.expect("claim").expect("another pending");
    assert_eq!((a.message.reference.as_str(), a.state, a.attempts), ("A", OutboxState::Sending, 1));
    assert_eq!(b.message.reference, "B");
    assert!(db.store.claim_next_message("run-1", AT).await.expect("claim").is_none(), "nothing is claimed twice");

    // The SMSC's report may overtake the gateway's answer to the request.
    let overtaken = db.store.record_delivery_report(report(a.id, 1, DeliveryStatus::Accepted)).await.expect("stored");
    assert_eq!(overtaken, ReportOutcome::Recorded(OutboxState::Sent));
    db.store.record_delivery_report(report(a.id, 1, DeliveryStatus::Delivered)).await.expect("stored");
    db.store.settle_attempt(a.id, 1, AttemptOutcome::Accepted("0: Accepted".into()), AT).await.expect("settled");
    assert_eq!(state_of(&db.store, a.id).await, OutboxState::Delivered, "a late answer does not undo a delivery");
    let late = db.store.record_delivery_report(report(a.id, 1, DeliveryStatus::Failed)).await.expect("stored");
    assert_eq!(late, ReportOutcome::Recorded(OutboxState::Delivered));
    let reports = db.store.delivery_reports(a.id).await.expect("read");
    assert_eq!(
        reports.iter().map(|r| r.status).collect::<Vec<_>>(),
        [DeliveryStatus::Accepted, DeliveryStatus::Delivered, DeliveryStatus::Failed],
        "every report is kept as it came"
    );

    db.store.settle_attempt(b.id, 1, AttemptOutcome::Refused("4: bad number".into()), AT).await.expect("settled");
    assert_eq!(state_of(&db.store, b.id).await, OutboxState::Failed);
    assert_eq!(db.store.retry_failed_messages("run-1").await.expect("re-queued"), 1);
    let again = db.store.claim_next_message("run-1", AT).await.expect("claim").expect("b again");
    assert_eq!((again.id, again.attempts), (b.id, 2));
    let unknown = db.store.record_delivery_report(report(999_999, 1, DeliveryStatus::Delivered)).await;
    assert_eq!(unknown.expect("answered"), ReportOutcome::UnknownMessage);
}

async fn a_message_left_sending_is_in_doubt_until_resolved(backend: Backend) {
    let Some(db) = fresh(backend).await else { return };
    db.store
        .queue_messages(vec![message("A", Lang::En), message("B", Lang::En), message("C", Lang::Ms)], AT)
        .await
        .expect("queued");
    let mut claimed = Vec::new();
    for _ in 0..3 {
        claimed.push(db.store.claim_next_message("run-1", AT).await.expect("claim").expect("pending"));
    }
    // The sender died here: three requests may or may not have gone out.
    assert_eq!(db.store.mark_in_doubt("run-1").await.expect("marked"), 3);
    assert!(db.store.claim_next_message("run-1", AT).await.expect("claim").is_none(), "never resent blindly");

    db.store.record_delivery_report(report(claimed[0].id, 1, DeliveryStatus::Delivered)).await.expect("stored");
    assert!(db.store.resolve_in_doubt(claimed[1].id, InDoubtResolution::Queued).await.expect("resolved"));
    assert!(db.store.resolve_in_doubt(claimed[2].id, InDoubtResolution::Resent).await.expect("resolved"));
    assert!(!db.store.resolve_in_doubt(claimed[0].id, InDoubtResolution::Resent).await.expect("answered"));

    let stored = db.store.outbox_messages("run-1", None).await.expect("read");
    let summary: Vec<_> = stored.iter().map(|m| (m.state, m.resolution)).collect();
    assert_eq!(
        summary,
        [
            (OutboxState::Delivered, Some(InDoubtResolution::Report)),
            (OutboxState::InDoubt, Some(InDoubtResolution::Queued)),
            (OutboxState::Pending, Some(InDoubtResolution::Resent)),
        ]
    );
    let open = db.store.open_message_counts("run-1").await.expect("counted");
    assert_eq!(open.len(), 2, "{open:?}");
    let counts = db.store.outbox_counts("run-1").await.expect("counted");
    let ms: u64 = counts.iter().filter(|c| c.lang == Lang::Ms).map(|c| c.count).sum();
    assert_eq!(ms, 1);
}

store::on_both_backends!(
    queueing_the_same_messages_twice_adds_nothing,
    a_claimed_message_goes_out_once_and_reports_move_it_forward_only,
    a_message_left_sending_is_in_doubt_until_resolved,
);
