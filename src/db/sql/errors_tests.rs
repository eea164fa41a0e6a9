use super::*;

#[test]
fn strips_url_passwords() {
    assert_eq!(
        strip_url_credentials("failed: postgres://alice:s3cr%40t@db.example:5432/x?sslmode=require"),
        "failed: postgres://alice:***@db.example:5432/x?sslmode=require"
    );
    assert_eq!(strip_url_credentials("mysql://root@127.0.0.1/db"), "mysql://root@127.0.0.1/db");
    assert_eq!(strip_url_credentials("no url here"), "no url here");
    assert_eq!(strip_url_credentials("a postgres://u:p@h b mysql://v:q@i"), "a postgres://u:***@h b mysql://v:***@i");
}

#[test]
fn redacts_known_passwords_raw_and_decoded() {
    let r = Redactor::for_url("postgres://alice:s3cr%40t@db.example/x?sslpassword=keypass");
    assert_eq!(r.redact("auth failed for s3cr@t"), "auth failed for ***");
    assert_eq!(r.redact("raw s3cr%40t"), "raw ***");
    assert_eq!(r.redact("key keypass rejected"), "key *** rejected");
    assert_eq!(Redactor::for_url("not a url").redact("plain"), "plain");
}

#[test]
fn recognises_deadlock_victims() {
    let mysql = Error::database("Deadlock found when trying to get lock; try restarting transaction");
    assert!(is_transient(&mysql) && is_transient(&Error::database("deadlock detected")));
    assert!(!is_transient(&Error::internal("deadlock detected")));
    assert!(!is_transient(&Error::database("duplicate key value violates unique constraint")));
}

#[test]
fn debug_never_shows_secrets() {
    let r = Redactor::for_url("postgres://alice:s3cr%40t@db.example/x");
    let shown = format!("{r:?}");
    assert!(!shown.contains("s3cr"), "{shown}");
}

#[test]
fn maps_pool_errors_without_secrets() {
    let r = Redactor::for_url("mysql://root:hunter22@localhost/db");
    let err = map_sqlx(sqlx::Error::Configuration("bad url mysql://root:hunter22@localhost/db".into()), &r);
    assert_eq!(err.kind, crate::error::ErrorKind::Database);
    assert!(!err.message.contains("hunter22"), "{}", err.message);
    assert!(err.message.starts_with("Invalid database configuration"));
}
