//! The backup format (`fundtrail_store::backup`): a backup taken while appends go
//! on is a whole cut; restoring it reproduces the log and its commands, and
//! a backup of the restored store is the same bytes; damaged files are
//! refused before anything is written.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fundtrail_store::backup::{self, BackupError};
use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventAppender, EventMetadata, EventReader, EventStore,
    ExpectedVersion, NewEvent,
};
use fundtrail_store_sqlite::{SqliteReader, SqliteStore};

fn request(i: u64) -> AppendRequest {
    // Payloads of every shape the file must carry byte for byte: compact,
    // spaced, with a line break (written as dataText), non-ASCII.
    let payload = match i % 4 {
        0 => format!("{{\"i\":{i},\"name\":\"Côte d'Ivoire\"}}"),
        1 => format!("{{ \"i\" : {i} , \"list\" : [1, 2.50, 3e2] }}"),
        2 => format!("{{\"i\":{i},\n\"pretty\":true}}"),
        _ => format!("[{i}, null, \"\\u00e9\"]"),
    };
    let mut r = AppendRequest::new(
        format!("thing-{}", i % 7),
        ExpectedVersion::Any,
        vec![NewEvent::new("Happened", 1 + (i % 3) as u16, payload)],
    )
    .with_metadata(EventMetadata {
        actor: format!("clerk-{}", i % 3),
        command_id: None,
        correlation_id: i.is_multiple_of(5).then(uuid::Uuid::now_v7),
        causation_id: None,
    });
    if i.is_multiple_of(2) {
        r = r.with_command(CommandStamp {
            command_id: format!("cmd-{i}"),
            fingerprint: format!("fp-{i}"),
        });
    }
    r
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

async fn backup_of(reader: &dyn EventReader) -> Vec<u8> {
    let mut out = Vec::new();
    backup::write_backup(reader, &mut out, |_, _| {})
        .await
        .unwrap();
    out
}

async fn restore_into(
    store: &SqliteStore,
    file: &[u8],
) -> Result<backup::RestoreSummary, BackupError> {
    let mut input = backup::open_input(file).unwrap();
    let header = backup::read_header(&mut input)?;
    backup::restore(store, header, &mut input, |_, _| {}).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_appends_restores_to_the_same_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let source = SqliteStore::open(dir.path().join("source")).unwrap();
    for i in 0..300 {
        source.append(request(i)).await.unwrap();
    }
    // Appends go on in the background while the backup reads.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (source, stop) = (source.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 300;
            while !stop.load(Ordering::Relaxed) {
                source.append(request(i)).await.unwrap();
                i += 1;
            }
            i
        })
    };
    let reader = SqliteReader::open(dir.path().join("source")).unwrap();
    let file = backup_of(&reader).await;
    stop.store(true, Ordering::Relaxed);
    let appended = writer.await.unwrap();
    let header = backup::read_header(&mut &file[..]).unwrap();
    assert!(header.events >= 300 && header.events <= appended);

    // Compressed or not, told by the content.
    let target = SqliteStore::open(dir.path().join("target")).unwrap();
    let summary = restore_into(&target, &gz(&file)).await.unwrap();
    assert_eq!(summary.events, header.events);
    assert!(summary.verify.is_intact());
    assert_eq!(summary.commands, header.events.div_ceil(2));
    let cut = header.events as usize;
    let original = source.read_all(1, Direction::Forward, cut).await.unwrap();
    assert_eq!(
        target
            .read_all(1, Direction::Forward, usize::MAX >> 1)
            .await
            .unwrap(),
        original,
        "every field of every event, payloads byte for byte"
    );
    for i in [0u64, 2, 298] {
        let id = format!("cmd-{i}");
        assert_eq!(
            target.find_command(&id).await.unwrap(),
            source.find_command(&id).await.unwrap()
        );
    }
    // A line break in a payload travels as dataText; the others as data.
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(text.contains("\"dataText\":\"{\\\"i\\\":2,\\n\\\"pretty\\\":true}\""));
    assert!(text.contains("\"data\":{ \"i\" : 1 , \"list\" : [1, 2.50, 3e2] }"));

    // The restored store backs up to the same bytes.
    assert_eq!(backup_of(&target).await, file);
    // And refuses a second restore: there is nothing left to restore.
    let again = restore_into(&target, &file).await;
    // (The backup's head depends on how many appends it raced with.)
    assert!(
        matches!(again, Err(BackupError::AlreadyRestored { position }) if position == header.events),
        "{again:?}"
    );
    assert!(again.unwrap_err().to_string().contains("is not empty"));
    target.close().await;
    source.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_backups_are_refused_before_any_write() {
    let dir = tempfile::tempdir().unwrap();
    let source = SqliteStore::open(dir.path().join("source")).unwrap();
    for i in 0..20 {
        source.append(request(i)).await.unwrap();
    }
    let file = String::from_utf8(backup_of(&source).await).unwrap();
    let lines: Vec<&str> = file.lines().collect();

    let check = |text: String| {
        let mut input = backup::open_input(text.as_bytes()).unwrap();
        let header = backup::read_header(&mut input)?;
        backup::check(header, &mut input, |_, _| {})
    };
    assert_eq!(check(file.clone()).unwrap(), (20, 10));
    // Cut short (no end line).
    let cut = lines[..lines.len() - 1].join("\n");
    assert!(matches!(check(cut), Err(BackupError::Truncated(_))));
    // An event's figure altered.
    let altered = file.replacen("\"i\":4,", "\"i\":5,", 1);
    assert_ne!(altered, file);
    assert!(matches!(check(altered), Err(BackupError::Broken { .. })));
    // An event left out.
    let skipped: Vec<&str> = lines
        .iter()
        .filter(|l| !l.contains("\"position\":7,"))
        .copied()
        .collect();
    assert!(matches!(
        check(skipped.join("\n")),
        Err(BackupError::Format { .. })
    ));
    // Not a backup.
    assert!(check("{\"hello\":1}\n".into()).is_err());
    let newer = file.replacen("\"formatVersion\":1", "\"formatVersion\":2", 1);
    let err = check(newer).unwrap_err().to_string();
    assert!(err.contains("newer fundtrail"), "{err}");

    // Restore reads the file in one pass; the command checks it whole first
    // (see `fundtrail restore`): here the damaged file is refused and the
    // store keeps at most whole batches of a chain that verifies.
    let target = SqliteStore::open(dir.path().join("target")).unwrap();
    let altered = file.replacen("\"i\":4,", "\"i\":5,", 1);
    assert!(restore_into(&target, altered.as_bytes()).await.is_err());
    assert!(target.verify().await.unwrap().is_intact());
    let mut lines_read = 0;
    for line in backup::open_input(file.as_bytes()).unwrap().lines() {
        line.unwrap();
        lines_read += 1;
    }
    assert_eq!(lines_read, lines.len());
    target.close().await;
    source.close().await;
}

/// A restore that was interrupted (killed between two batches, each written
/// in one transaction) leaves the store holding a prefix of the backup: the
/// same restore run again goes on after it, and ends with the same ledger
/// (same bytes when backed up again, same commands). A store that holds
/// anything else is refused before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_resumes_after_a_prefix_of_the_same_backup_only() {
    let dir = tempfile::tempdir().unwrap();
    let source = SqliteStore::open(dir.path().join("source")).unwrap();
    for i in 0..120 {
        source.append(request(i)).await.unwrap();
    }
    // What an interrupted restore leaves: the ledger up to a point, with the
    // commands that end there (a backup of that moment, restored).
    let early = backup_of(&source).await;
    for i in 120..300 {
        source.append(request(i)).await.unwrap();
    }
    let file = backup_of(&source).await;

    let target = SqliteStore::open(dir.path().join("target")).unwrap();
    restore_into(&target, &early).await.unwrap();
    let summary = restore_into(&target, &gz(&file)).await.unwrap();
    assert_eq!(summary.resumed_after, 120);
    assert_eq!(summary.events, 300);
    assert!(summary.verify.is_intact());
    assert_eq!(
        backup_of(&target).await,
        file,
        "the same ledger, byte for byte"
    );
    for i in [0u64, 118, 120, 298] {
        let id = format!("cmd-{i}");
        let found = target.find_command(&id).await.unwrap();
        assert!(found.is_some(), "{id}");
        assert_eq!(found, source.find_command(&id).await.unwrap());
    }
    target.close().await;

    // Another ledger's prefix (same shape, other hashes): refused, unchanged.
    let other = SqliteStore::open(dir.path().join("other")).unwrap();
    for i in 0..120 {
        other.append(request(i)).await.unwrap();
    }
    let refused = restore_into(&other, &file).await;
    assert!(
        matches!(refused, Err(BackupError::NotEmpty { position: 120 })),
        "{refused:?}"
    );
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains("does not hold the beginning of this backup"),
        "{message}"
    );
    assert_eq!(other.head().await.unwrap().position, 120, "nothing written");
    // A store longer than the backup: refused too.
    for i in 120..400 {
        other.append(request(i)).await.unwrap();
    }
    assert!(matches!(
        restore_into(&other, &file).await,
        Err(BackupError::NotEmpty { position: 400 })
    ));
    other.close().await;
    source.close().await;
}
