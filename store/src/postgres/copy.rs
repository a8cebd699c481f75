//! The allocator's bulk paths on PostgreSQL: `COPY ... TO STDOUT` to read
//! every application and `COPY ... FROM STDIN` to write every allocation,
//! in PostgreSQL's text format. Row by row through the extended protocol
//! costs a round of decoding per value; COPY streams plain text.

use futures_util::TryStreamExt;
use sqlx::PgConnection;

use crate::allocation::InputDigest;
use crate::row::choices_from_text;
use crate::{AllocationInput, AllocationInputs, AllocationRow, StoreError};

// In table order: sorting two million random references in memory is
// faster than the server visiting the heap in index order.
const READ_INPUTS: &str = "COPY (SELECT reference, birth_date, centre_id, choices, accept_other_dates, fingerprint, version \
     FROM applications) TO STDOUT";

const WRITE_ALLOCATIONS: &str = "COPY allocations (reference, run_id, priority, lottery, centre_id, status, \
     appointment_date, window_start, window_end, choice_met, waitlist_position) FROM STDIN";

/// Bytes of COPY data sent per message.
const SEND_CHUNK: usize = 1 << 20;

/// Reads what the allocation needs, in reference order, with the digest
/// of (reference, fingerprint) pairs that fingerprints the input.
pub(crate) async fn read_allocation_inputs(connection: &mut PgConnection) -> Result<AllocationInputs, StoreError> {
    let mut stream = connection.copy_out_raw(READ_INPUTS).await?;
    let mut read = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.try_next().await? {
        pending.extend_from_slice(&chunk);
        let complete = match pending.iter().rposition(|b| *b == b'\n') {
            Some(end) => end + 1,
            None => continue,
        };
        for line in pending[..complete].split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            read.push(parse_input(line)?);
        }
        pending.drain(..complete);
    }
    if !pending.is_empty() {
        return Err(corrupt("", "the COPY output ended in the middle of a row"));
    }
    // Byte order, as SQLite's BINARY and PostgreSQL's "C" collations sort.
    read.sort_unstable_by(|a, b| a.0.reference.as_bytes().cmp(b.0.reference.as_bytes()));
    let mut digest = InputDigest::default();
    for (input, version, fingerprint) in &read {
        digest.add(&input.reference, *version, fingerprint.as_bytes());
    }
    let mut inputs = Vec::with_capacity(read.len());
    inputs.extend(read.into_iter().map(|(input, _, _)| input));
    Ok(AllocationInputs { rows: inputs, digest: digest.finish() })
}

/// One row of the COPY output: the input, its version and its fingerprint.
fn parse_input(line: &[u8]) -> Result<(AllocationInput, u32, String), StoreError> {
    let text = std::str::from_utf8(line).map_err(|_| corrupt("", "a row that is not UTF-8"))?;
    let fields: Vec<String> = text.split('\t').map(unescape).collect();
    let [reference, birth_date, centre_id, choices, accept_other_dates, fingerprint, version] =
        <[String; 7]>::try_from(fields).map_err(|_| corrupt(text, "a row without seven columns"))?;
    let version: u32 = version.parse().map_err(|_| corrupt(&reference, "version"))?;
    let birth_date = campaign::dates::parse_date(&birth_date).ok_or_else(|| corrupt(&reference, "birth_date"))?;
    let accept_other_dates = match accept_other_dates.as_str() {
        "t" => true,
        "f" => false,
        _ => return Err(corrupt(&reference, "accept_other_dates")),
    };
    let choices = choices_from_text(&choices).ok_or_else(|| corrupt(&reference, "choices"))?;
    Ok((AllocationInput { reference, birth_date, centre_id, choices, accept_other_dates }, version, fingerprint))
}

/// Streams `rows` into the allocations table on `connection` (inside the
/// caller's transaction).
pub(crate) async fn write_allocations(
    connection: &mut PgConnection,
    run_id: &str,
    rows: &[AllocationRow],
) -> Result<(), StoreError> {
    let mut copy = connection.copy_in_raw(WRITE_ALLOCATIONS).await?;
    let mut buffer = String::with_capacity(SEND_CHUNK + 1024);
    for row in rows {
        allocation_line(&mut buffer, run_id, row);
        if buffer.len() >= SEND_CHUNK {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

fn allocation_line(out: &mut String, run_id: &str, row: &AllocationRow) {
    let appointment = row.appointment.as_ref();
    let date = appointment.map(|a| campaign::dates::format_date(a.date));
    let (priority, lottery) = (row.priority.to_string(), row.lottery.to_string());
    let position = row.waitlist_position.map(|p| p.to_string());
    let window =
        appointment.map(|a| (campaign::dates::format_time(a.window.start), campaign::dates::format_time(a.window.end)));
    let choice_met = row.choice_met_text();
    let fields: [Option<&str>; 11] = [
        Some(&row.reference),
        Some(run_id),
        Some(&priority),
        Some(&lottery),
        Some(&row.centre_id),
        Some(row.status()),
        date.as_deref(),
        window.as_ref().map(|w| w.0.as_str()),
        window.as_ref().map(|w| w.1.as_str()),
        Some(&choice_met),
        position.as_deref(),
    ];
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            out.push('\t');
        }
        match field {
            Some(value) => escape_into(out, value),
            None => out.push_str("\\N"),
        }
    }
    out.push('\n');
}

/// COPY text format: backslash, tab, newline and carriage return escaped.
fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// The inverse of [`escape_into`] for the escapes PostgreSQL writes.
fn unescape(field: &str) -> String {
    if !field.contains('\\') {
        return field.to_owned();
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn corrupt(reference: &str, problem: &str) -> StoreError {
    StoreError::Corrupt { reference: reference.to_owned(), problem: problem.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::{escape_into, unescape};

    #[test]
    fn copy_text_escapes_round_trip() {
        for value in ["plain", "tab\there", "line\nbreak", "back\\slash", "cr\r", "\\N", ""] {
            let mut escaped = String::new();
            escape_into(&mut escaped, value);
            assert!(!escaped.contains(['\t', '\n', '\r']), "{escaped:?} still holds a separator");
            assert_eq!(unescape(&escaped), value);
        }
    }
}
